"""reconciler: GitOps for Box collaborations.

The library in five verbs (what the ``reconcile`` command does):

    desired = reconciler.load(["deliveries"])               # manifests, checked
    box = reconciler.connect(settings, desired.policy)      # settings_from_env(os.environ)
    live = reconciler.read(desired, box)                    # reads only
    plan = reconciler.make_plan(desired, live)              # pure
    report = reconciler.apply(plan, desired, box, live)     # writes, and reports each change

``apply`` refuses (writing nothing) a plan that no longer matches Box (``StalePlan``, e.g. a
saved plan made before someone changed Box) and removals above the safety limits of
``reconcile.yaml`` (``UnsafePlan``) unless called with ``force=True``; ``check_apply`` asks
the same questions without applying.

Names are imported on first use, so ``reconciler.sandbox`` never loads the Box SDK through here.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for type checkers; at run time, names load on first use
    from reconciler.applying.report import ApplyReport as ApplyReport
    from reconciler.box.connect import settings_from_env as settings_from_env
    from reconciler.errors import StalePlan as StalePlan
    from reconciler.errors import UnsafePlan as UnsafePlan
    from reconciler.plan import Change as Change
    from reconciler.plan import Plan as Plan
    from reconciler.session.workflow import Desired as Desired
    from reconciler.session.workflow import apply as apply
    from reconciler.session.workflow import check_apply as check_apply
    from reconciler.session.workflow import connect as connect
    from reconciler.session.workflow import load as load
    from reconciler.session.workflow import make_plan as make_plan
    from reconciler.session.workflow import read as read

__version__ = "0.1.0"

_PUBLIC = {
    "load": "reconciler.session.workflow",
    "connect": "reconciler.session.workflow",
    "read": "reconciler.session.workflow",
    "make_plan": "reconciler.session.workflow",
    "apply": "reconciler.session.workflow",
    "check_apply": "reconciler.session.workflow",
    "Desired": "reconciler.session.workflow",
    "Plan": "reconciler.plan",
    "Change": "reconciler.plan",
    "ApplyReport": "reconciler.applying.report",
    "StalePlan": "reconciler.errors",
    "UnsafePlan": "reconciler.errors",
    "settings_from_env": "reconciler.box.connect",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'reconciler' has no attribute {name!r}")
    return getattr(import_module(module), name)
