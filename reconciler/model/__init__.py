"""Frozen dataclasses for desired state (from manifests, ``desired``) and live state (from
Box, ``live``), with what both speak of (``refs``), the one reader and writer of timestamps
(``time``) and the one doubling wait between retries (``backoff``). Everything is importable
from here.

Pipeline (README, "Developing"): manifest → **model** → box → planning → plan → applying → status →
session → notify → doctor → watch → render → forge → cli.
"""

from reconciler.model.backoff import backoff
from reconciler.model.desired import (
    ApprovalRule,
    Client,
    Delivery,
    DesiredState,
    Expiry,
    Policy,
    Resending,
    WebhookSpec,
)
from reconciler.model.live import (
    REVIEW,
    InvitationRecord,
    LiveAssignment,
    LiveCollaboration,
    LiveComment,
    LiveFile,
    LiveItem,
    LiveState,
    LiveTask,
    LiveUser,
    LiveWebhook,
    reviews_by,
)
from reconciler.model.refs import (
    FILE_ROLES,
    HUB_ROLES,
    ITEM_ROLES,
    ROLE_RANK,
    InviteStatus,
    ItemKind,
    ItemRef,
    Origin,
    Principal,
    PrincipalKind,
)
from reconciler.model.time import box_time, in_utc, now_stamp, stamp

__all__ = [
    "FILE_ROLES",
    "HUB_ROLES",
    "ITEM_ROLES",
    "REVIEW",
    "ROLE_RANK",
    "ApprovalRule",
    "Client",
    "Delivery",
    "DesiredState",
    "Expiry",
    "InvitationRecord",
    "InviteStatus",
    "ItemKind",
    "ItemRef",
    "LiveAssignment",
    "LiveCollaboration",
    "LiveComment",
    "LiveFile",
    "LiveItem",
    "LiveState",
    "LiveTask",
    "LiveUser",
    "LiveWebhook",
    "Origin",
    "Policy",
    "Principal",
    "PrincipalKind",
    "Resending",
    "WebhookSpec",
    "backoff",
    "box_time",
    "in_utc",
    "now_stamp",
    "reviews_by",
    "stamp",
]
