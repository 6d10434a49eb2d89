"""The sandbox's records: one plain dataclass per row of a table (users, folders, collaborations,
tasks, hubs, webhooks, metadata, ...). No HTTP and no behaviour beyond a field's meaning."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: the enterprise roles that may administer users, use As-User and list every hub
ADMIN_ROLES = ("admin", "coadmin")


@dataclass
class User:
    id: str
    login: str
    name: str
    enterprise_id: str | None  # None: an external person with a free Box account
    role: str = "user"  # admin | coadmin | user
    status: str = "active"
    is_service_account: bool = False
    created_at: str = ""
    modified_at: str = ""
    space_amount: int = 10_737_418_240
    space_used: int = 0
    language: str = "en"
    timezone: str = "America/Los_Angeles"
    job_title: str = ""
    phone: str = ""
    address: str = ""
    auto_accept: bool = True  # accepts invitations at once, as Box accounts do by default
    #: other email addresses of the account: invitations to them reach it
    aliases: list[str] = field(default_factory=list)


def is_admin(user: User) -> bool:
    """An enterprise admin or co-admin, or a service account: Box lets either act as one."""
    return user.role in ADMIN_ROLES or user.is_service_account


@dataclass
class Token:
    token: str
    user_id: str
    expires_at: str | None = None  # ISO time; None never expires


@dataclass
class App:
    client_id: str
    client_secret: str
    enterprise_id: str
    service_account_id: str
    #: JWT public keys by key id (PEM text)
    public_keys: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    id: str
    name: str
    description: str = ""
    provenance: str = ""
    external_sync_identifier: str = ""
    invitability_level: str = "admins_only"
    member_viewability_level: str = "admins_only"
    group_type: str = "managed_group"
    created_at: str = ""
    modified_at: str = ""


@dataclass
class Membership:
    id: str
    user_id: str
    group_id: str
    role: str = "member"  # member | admin
    created_at: str = ""
    modified_at: str = ""


@dataclass
class Folder:
    id: str
    name: str
    parent_id: str | None  # None only for the root folder "0"
    owner_id: str
    description: str = ""
    created_at: str = ""
    modified_at: str = ""
    sequence_id: int = 0
    created_by_id: str = ""


@dataclass
class File:
    id: str
    name: str
    parent_id: str
    owner_id: str
    size: int = 0
    sha1: str = ""
    version_id: str = ""
    description: str = ""
    created_at: str = ""
    modified_at: str = ""
    sequence_id: int = 0
    created_by_id: str = ""
    version_number: int = 1  # 2, 3, ... after each new version uploaded


@dataclass
class Collaboration:
    id: str
    item_type: str  # folder | file
    item_id: str
    accessible_by_type: str  # user | group
    accessible_by_id: str | None  # None while an email with no Box account is pending
    invite_email: str | None
    role: str
    status: str  # pending | accepted | rejected
    created_by_id: str
    created_at: str = ""
    modified_at: str = ""
    acknowledged_at: str | None = None
    expires_at: str | None = None
    is_access_only: bool = False
    can_view_path: bool = False
    #: the expiry was given by the enterprise's expiry policy, not by the request
    expiry_by_policy: bool = False


@dataclass
class TrashedItem:
    """A deleted folder or file, in its owner's trash until purged; its contents went with it."""

    id: str
    type: str  # folder | file
    name: str
    parent_id: str
    owner_id: str
    trashed_by_id: str
    trashed_at: str
    description: str = ""
    size: int = 0
    created_at: str = ""
    modified_at: str = ""
    sequence_id: int = 0
    sha1: str = ""  # files only
    version_id: str = ""  # files only


@dataclass
class Task:
    id: str
    file_id: str
    action: str  # review | complete
    message: str
    completion_rule: str  # all_assignees | any_assignee
    due_at: str | None
    created_by_id: str
    created_at: str = ""
    is_completed: bool = False


@dataclass
class TaskAssignment:
    id: str
    task_id: str
    file_id: str
    assigned_to_id: str
    assigned_by_id: str
    message: str = ""
    resolution_state: str = "incomplete"  # incomplete | approved | rejected | completed
    assigned_at: str = ""
    completed_at: str | None = None
    reminded_at: str | None = None


@dataclass
class Comment:
    id: str
    file_id: str
    message: str
    created_by_id: str
    created_at: str = ""
    modified_at: str = ""
    reply_to_id: str | None = None  # the comment answered; None for a comment on the file


@dataclass
class Hub:
    id: str
    title: str
    owner_id: str
    description: str = ""
    created_at: str = ""
    updated_at: str = ""
    updated_by_id: str = ""
    view_count: int = 0
    is_ai_enabled: bool = False
    is_collaboration_restricted_to_enterprise: bool = False
    can_non_owners_invite: bool = True
    can_shared_link_be_created: bool = True
    can_public_shared_link_be_created: bool = True
    copy_hub_access: str = "all"


@dataclass
class HubCollaboration:
    id: str
    hub_id: str
    accessible_by_type: str  # user | group
    accessible_by_id: str
    role: str  # viewer | editor | co-owner
    status: str  # accepted | pending | rejected
    created_by_id: str = ""
    created_at: str = ""


@dataclass
class HubItem:
    hub_id: str
    item_type: str  # file | folder | web_link
    item_id: str


@dataclass
class Webhook:
    id: str
    target_type: str  # file | folder
    target_id: str
    address: str
    triggers: list[str]
    created_by_id: str
    app_client_id: str = ""
    created_at: str = ""
    #: Box's automatic clean-up judges a webhook by these two (developer.box.com
    #: /guides/webhooks/v2/limitations-v2, "Reasons for webhook deletion")
    last_success_at: str = ""
    last_trigger_at: str = ""


@dataclass
class WebhookDelivery:
    """One payload on its way to a webhook's address, tried again on Box's schedule."""

    id: str  # the payload's id: the same on every try
    webhook_id: str
    address: str
    body: str  # the JSON payload, byte for byte the same on every try
    due_at: str  # by the state's clock
    attempts: int = 0
    status: str = "pending"  # pending | sending | delivered | failed
    last_status: int | None = None  # the receiver's answer; None when it could not be reached
    retries: bool = True  # WEBHOOK.DELETED goes once: its webhook is gone


@dataclass
class Enterprise:
    id: str
    name: str
    #: webhook signature keys (primary, secondary), as the developer console shows them
    primary_signature_key: str = "sandbox-primary-key"
    secondary_signature_key: str = "sandbox-secondary-key"
    #: Box's "Automatically remove invited collaborators: Allow folder owners to extend the
    #: expiry date": without it, a collaboration cannot be given ``expires_at``
    collaboration_expiry: bool = False


@dataclass
class Quirks:
    """Where Box is undocumented, which reading the sandbox acts out (``quirks.py`` says each).

    The defaults are the readings hardest on a client.
    """

    task_listing: str = "mini"  # mini | full: GET /files/{id}/tasks without fields
    empty_page_position: str = "zero"  # zero | latest: an empty enterprise-stream page
    expiry_policy_days: int | None = None  # the "remove invited collaborators" policy, in days
    #: the id sequence when the policy was switched on: a collaboration with a higher id was
    #: created under it (ids order creations exactly; the clock has whole seconds only)
    expiry_policy_from_id: int | None = None


@dataclass
class MetadataInstance:
    """Key/value metadata on a folder or file (only the free-form ``global.properties``)."""

    id: str
    item_type: str  # folder | file
    item_id: str
    scope: str
    template: str
    values: dict[str, Any] = field(default_factory=dict)
    version: int = 0
