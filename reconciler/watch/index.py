"""Which deliveries declare an item: built from the manifests, asked with an event's items.

A delivery is never reconciled alone when it shares an item with another: the planner judges
an item by every delivery that declares it (``prune: true`` removes what *no* manifest asks
for), so a targeted run takes the whole group of deliveries linked through shared items.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import DesiredState, ItemKind, ItemRef


class DeliveryIndex:
    def __init__(self, state: DesiredState) -> None:
        self._by_item: dict[ItemRef, set[str]] = {}
        self._items_of: dict[str, set[ItemRef]] = {}
        for delivery in state.deliveries:
            refs = set(delivery.items()) | {ItemRef(ItemKind.HUB, h) for h in delivery.hubs}
            self._items_of[delivery.name] = refs
            for ref in refs:
                self._by_item.setdefault(ref, set()).add(delivery.name)

    def declaring(self, refs: Iterable[ItemRef]) -> set[str]:
        """Deliveries that name any of ``refs``: a file event carries its parent folders, so a
        file inside a delivered folder finds that folder's deliveries."""
        return {name for ref in refs for name in self._by_item.get(ref, ())}

    def with_sharers(self, names: Iterable[str]) -> set[str]:
        """``names`` and every delivery linked to them through shared items, transitively."""
        group = set(names) & set(self._items_of)
        frontier = list(group)
        while frontier:
            name = frontier.pop()
            for ref in self._items_of[name]:
                for other in self._by_item[ref] - group:
                    group.add(other)
                    frontier.append(other)
        return group

    def touched(self, refs: Iterable[ItemRef]) -> set[str]:
        """The deliveries a hint about ``refs`` must reconcile together."""
        return self.with_sharers(self.declaring(refs))


def subset(state: DesiredState, names: Iterable[str]) -> DesiredState:
    wanted = set(names)
    return DesiredState(tuple(d for d in state.deliveries if d.name in wanted))
