"""The doctor's checks of the account itself: credentials, the rights to the enterprise stream
and to webhooks, the clock against Box's, and the webhooks used against Box's limit."""

from __future__ import annotations

from datetime import datetime

from reconciler.box.probe import Account
from reconciler.doctor.checks import Check, fail, ok, unknown
from reconciler.errors import AuthError, BoxError, BoxUnavailable, Forbidden
from reconciler.model import WebhookSpec

#: a receiver's clock may differ from Box's by this much before signatures and expiries suffer
MAX_SKEW_SECONDS = 60.0
#: Box's limit on webhooks per application and user (BOX_API §11.4)
WEBHOOK_LIMIT = 1000
SCOPES = "Developer Console → your app → Configuration → Application Scopes"
REAUTHORIZE = "then reauthorize the app in the Admin Console (Apps → Custom Apps Manager)"


def credentials(found: Account | BoxError, as_user: str | None) -> Check:
    if isinstance(found, BoxError):
        return fail("credentials", found.describe(), _credentials_fix(found, as_user))
    enterprise = (
        f", enterprise {found.enterprise_name or '?'} ({found.enterprise_id})"
        if found.enterprise_id
        else ", no enterprise (Box did not name one)"
    )
    role = f", role {found.role}" if found.role else ""
    return ok(
        "credentials",
        f"the credentials work: {found.login or '?'} ({found.name or 'no name'}, id {found.id}"
        f"{role}){enterprise}",
        id=found.id,
        login=found.login,
        name=found.name,
        role=found.role or None,
        enterprise_id=found.enterprise_id or None,
        enterprise_name=found.enterprise_name or None,
        as_user=as_user,
    )


def _credentials_fix(err: BoxError, as_user: str | None) -> str:
    if isinstance(err, BoxUnavailable):
        return "check BOX_BASE_URL (or --base-url), and that this host can reach that address"
    if isinstance(err, Forbidden) and as_user:
        return (
            f"--as-user {as_user} needs an admin account, or an app with the scope 'Make API "
            f"calls using the as-user header' ({SCOPES}); {REAUTHORIZE}"
        )
    if isinstance(err, AuthError):
        return (
            "check the credentials: BOX_DEVELOPER_TOKEN (a developer token lasts one hour), or "
            "BOX_CLIENT_ID, BOX_CLIENT_SECRET and BOX_ENTERPRISE_ID, or BOX_JWT_CONFIG; a new app "
            "must be authorized in the Admin Console first"
        )
    return "see Box's answer above; run again with -v for details"


def enterprise_stream(found: BoxError | None, role: str) -> Check:
    """``found`` is None when the stream could be read."""
    if found is None:
        return ok(
            "enterprise_stream",
            "the account may read the enterprise stream (admin_logs_streaming)",
            readable=True,
        )
    if isinstance(found, Forbidden):
        return fail(
            "enterprise_stream",
            f"Box refused the enterprise stream: {found.describe()}",
            "the enterprise stream needs an admin account (or a co-admin allowed to run reports)"
            f"{f' (this one: {role})' if role else ''} and the app scope 'Manage enterprise "
            f"properties' ({SCOPES}); {REAUTHORIZE}",
            readable=False,
            status=found.status,
        )
    return unknown("enterprise_stream", f"could not tell: {found.describe()}", readable=None)


def webhooks_access(found: int | BoxError) -> Check:
    if isinstance(found, int):
        return ok("webhooks", "the account may list and manage webhooks", readable=True)
    if isinstance(found, Forbidden):
        return fail(
            "webhooks",
            f"Box refused to list webhooks: {found.describe()}",
            f"give the app the scope 'Manage webhooks' ({SCOPES}); {REAUTHORIZE}",
            readable=False,
            status=found.status,
        )
    return unknown("webhooks", f"could not tell: {found.describe()}", readable=None)


def clock(box_time: datetime | None, local_time: datetime) -> Check:
    if box_time is None:
        return unknown("clock", "Box's answer carried no readable Date header")
    skew = (local_time - box_time).total_seconds()
    # Box's Date has whole seconds: a skew below one second is no skew.
    words = (
        "in step with Box's"
        if abs(skew) < 1
        else (f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} Box's")
    )
    facts = {"skew_seconds": round(skew, 1), "box_time": box_time.isoformat()}
    if abs(skew) > MAX_SKEW_SECONDS:
        return fail(
            "clock",
            f"this host's clock is {words} (more than {MAX_SKEW_SECONDS:.0f} s)",
            "synchronise this host's clock with NTP (systemd-timesyncd, chrony or ntpd): webhook "
            "deliveries older than 10 minutes are refused, and expiries are judged by Box's clock",
            **facts,
        )
    return ok("clock", f"this host's clock is {words}", **facts)


def webhook_limit(used: int | BoxError, folders: int, spec: WebhookSpec | None) -> Check:
    """``folders``: how many delivered folders would carry a declared webhook."""
    if isinstance(used, BoxError):
        return unknown("webhook_limit", "not checked: the webhooks could not be listed")
    # GET /webhooks lists only webhooks on items the caller owns (BOX_API §11.4).
    counted = (
        f"{used:,} of Box's {WEBHOOK_LIMIT:,} per application and user are in use "
        "(Box lists only those on items this account owns)"
    )
    facts = {"used": used, "limit": WEBHOOK_LIMIT, "delivered_folders": folders}
    fix = (
        "delete the webhooks this app no longer needs (GET /webhooks lists them), or declare "
        "webhooks: on fewer folders and follow the others through an event stream"
    )
    if used >= WEBHOOK_LIMIT or (spec is not None and folders > WEBHOOK_LIMIT):
        return fail("webhook_limit", f"{counted}; no more can be created", fix, **facts)
    if spec is not None and used + folders > WEBHOOK_LIMIT:
        return unknown(
            "webhook_limit",
            f"{counted}; webhooks: wants one on each of {folders:,} delivered folders, which "
            "fits only if enough of them carry one already",
            fix,
            **facts,
        )
    return ok("webhook_limit", counted, **facts)
