"""What desired and live state both speak of: items, principals, roles, and where in a
manifest a value was written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class ItemKind(str, Enum):
    FOLDER = "folder"
    FILE = "file"
    HUB = "hub"


class PrincipalKind(str, Enum):
    EMAIL = "email"
    USER = "user"
    GROUP = "group"


class InviteStatus(str, Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


#: Box's collaboration roles on folders and files, as sent on the wire (POST accepts all but owner).
ITEM_ROLES: tuple[str, ...] = (
    "editor",
    "viewer",
    "previewer",
    "uploader",
    "previewer uploader",
    "viewer uploader",
    "co-owner",
)
#: Single-file collaborations support only these (Box product documentation).
FILE_ROLES: tuple[str, ...] = ("editor", "viewer")
HUB_ROLES: tuple[str, ...] = ("viewer", "editor", "co-owner")

#: Access from least to most, for policy checks such as ``max_role``.
ROLE_RANK: Mapping[str, int] = {
    "previewer": 1,
    "uploader": 1,
    "previewer uploader": 2,
    "viewer": 3,
    "viewer uploader": 4,
    "editor": 5,
    "co-owner": 6,
    "owner": 7,
}


@dataclass(frozen=True, order=True)
class Origin:
    """Where in which manifest a value was written (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class ItemRef:
    kind: ItemKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, order=True)
class Principal:
    """Who gets access. Equality and order use ``key``; ``display`` keeps what was written."""

    kind: PrincipalKind
    key: str
    display: str = field(compare=False)

    @classmethod
    def email(cls, address: str) -> Principal:
        return cls(PrincipalKind.EMAIL, address.strip().casefold(), address.strip())

    @classmethod
    def user(cls, user_id: str) -> Principal:
        return cls(PrincipalKind.USER, str(user_id), str(user_id))

    @classmethod
    def group(cls, group_id: str) -> Principal:
        return cls(PrincipalKind.GROUP, str(group_id), str(group_id))

    def __str__(self) -> str:
        return self.display if self.kind is PrincipalKind.EMAIL else f"{self.kind.value}:{self.key}"
