"""``reconcile doctor``: read-only checks of the Box account the config reaches, as data.

``diagnose(connection, state, service)`` runs every check and returns a ``Diagnosis``; the CLI
renders it, and ``reconcile watch`` can run it at start and log it with ``log_diagnosis``.
Asking Box is ``box.probe``'s; each module here turns Box's answers into verdicts.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → status →
session → notify → **doctor** → watch → render → forge → cli.
"""

from __future__ import annotations

from reconciler.doctor.checks import Check, Diagnosis, Verdict
from reconciler.doctor.run import diagnose, log_diagnosis

__all__ = ["Check", "Diagnosis", "Verdict", "diagnose", "log_diagnosis"]
