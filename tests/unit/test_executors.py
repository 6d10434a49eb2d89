"""Every change a plan can ask the applier to make has an executor to make it."""

from __future__ import annotations

import pytest

from reconciler.applying.executors import EXECUTORS
from reconciler.model import DesiredState, Policy
from reconciler.plan import EXECUTABLE
from reconciler.planning import plan
from tests.unit import test_approvals, test_planner


def test_every_executable_kind_and_action_has_an_executor() -> None:
    assert set(EXECUTORS) == EXECUTABLE
    # Reported lines (wait, unmanaged) are never executed, so nothing is registered for them.
    assert all(action.executable for _, action in EXECUTORS)


TABLES = [*test_planner.CASES, *test_approvals.CASES]


@pytest.mark.parametrize("case", TABLES, ids=[c.name for c in TABLES])
def test_the_planner_asks_only_for_what_can_be_executed(
    case: test_planner.Case | test_approvals.Case,
) -> None:
    policy = case.policy if isinstance(case, test_planner.Case) else Policy()
    planned = plan(DesiredState(case.deliveries), case.live, policy)
    assert {(c.kind, c.action) for c in planned.executable()} <= EXECUTABLE
