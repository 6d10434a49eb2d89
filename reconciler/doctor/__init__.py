"""``reconcile doctor``: read-only checks of the Box account the config reaches, as data.

``diagnose(connection, state, service)`` runs every check and returns a ``Diagnosis``; the CLI
renders it, and ``reconcile watch`` can log it at start. Asking Box is ``box.probe``'s; each
module here turns its answers into verdicts.
"""

from __future__ import annotations

from reconciler.doctor.checks import Check, Diagnosis, Verdict
from reconciler.doctor.run import diagnose

__all__ = ["Check", "Diagnosis", "Verdict", "diagnose"]
