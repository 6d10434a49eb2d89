"""The plan as data (after ``planning``, before ``applying``).

``change`` is one planned change (its action, kind, key and saved form); ``payloads`` is the
typed shape of its ``before``/``after`` per kind; ``plan`` is the whole plan in apply order, with
its checksum and safety checks; ``diff`` says what differs between two plans; ``saved`` reads a
plan saved by ``reconcile plan --out`` back. Nothing here reads Box or a
clock: ``planning`` makes plans, ``applying`` carries them out.

Pipeline (README, "Developing"): manifest → model → box → planning → **plan** → applying → status →
session → notify → doctor → watch → render → forge → cli.
"""

from reconciler.plan.change import (
    EXECUTABLE,
    FORMAT_VERSION,
    Action,
    Change,
    ChangeKey,
    Kind,
    principal_id,
)
from reconciler.plan.plan import Plan

__all__ = [
    "EXECUTABLE",
    "FORMAT_VERSION",
    "Action",
    "Change",
    "ChangeKey",
    "Kind",
    "Plan",
    "principal_id",
]
