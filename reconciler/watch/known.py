"""What the watcher knows of Box: every pass's read merged into one snapshot, with the review
poll's reads of tasks on top. Written by the loop (passes, the review poll); read by the event
feeds' threads and the webhook intake, which only ever see a whole snapshot.
"""

from __future__ import annotations

from collections.abc import Collection

from reconciler.model import ItemKind, ItemRef, LiveState


class Known:
    def __init__(self) -> None:
        #: None until the first pass has read Box
        self.live: LiveState | None = None

    def me(self) -> str:
        """The reconciler's own user id ("" before the first read)."""
        live = self.live
        return live.me.id if live is not None else ""

    def folders_holding(self, file_ids: Collection[str]) -> list[ItemRef]:
        """The delivered folders the last read found any of ``file_ids`` in."""
        live = self.live
        if live is None or not file_ids:
            return []
        return [
            ItemRef(ItemKind.FOLDER, folder)
            for folder, files in live.files.items()
            if any(f.id in file_ids for f in files)
        ]
