"""The ``apprise`` sink: a short human message to chat (Slack, Microsoft Teams, Google Chat,
Discord, ...) through Apprise, an optional extra: ``pip install 'box-reconciler[chat]'``.

The Apprise URL (https://github.com/caronc/apprise/wiki, one page per service) holds the chat's
token, so it comes from an environment variable and the sink is named by that variable.
"""

from __future__ import annotations

from typing import Any

from reconciler.errors import ConfigError, SinkError
from reconciler.manifest.notify_config import CHAT_INSTALL, SinkSpec
from reconciler.notify.notices import Notice
from reconciler.notify.words import headline, short


def _apprise() -> Any:
    try:
        import apprise
    except ImportError:
        raise ConfigError(f"the apprise sink needs the chat extra: {CHAT_INSTALL}") from None
    return apprise


class AppriseSink:
    def __init__(self, spec: SinkSpec, url: str) -> None:
        apprise = _apprise()
        self.name = spec.name
        self.on = spec.on
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise ConfigError(
                f"{spec.origin}: the URL in {spec.secret_env} is not one Apprise knows; "
                "see https://github.com/caronc/apprise/wiki for each service's URL"
            )

    def send(self, notice: Notice) -> None:
        try:
            delivered = self._apprise.notify(title=headline(notice), body=short(notice))
        except Exception as exc:  # Apprise's plugins raise what they like
            raise SinkError(f"{self.name}: {type(exc).__name__}") from None
        if not delivered:
            raise SinkError(f"{self.name}: Apprise could not deliver (its log says why)")
