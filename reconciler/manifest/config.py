"""Which file is the repo config (``reconcile.yaml``) and reading it: the one rule every command,
the watcher and ``--changed-since`` follow.

- ``--config FILE`` names the config; a FILE that does not exist is a ConfigError (exit 3).
- Without it, anything named ./reconcile.yaml is the config: an empty file, a directory, a FIFO
  or a link to nothing is reported at its path (exit 3), never passed over for the defaults.
- With nothing of that name there, there is no config and the defaults hold.
- While looking for manifests, a file or folder named reconcile.yaml is never a manifest nor a
  folder of them: it is the config's name.
"""

from __future__ import annotations

import os

from reconciler.errors import ConfigError, printable
from reconciler.manifest.load import Document, read

CONFIG_FILE_NAME = "reconcile.yaml"

__all__ = ["CONFIG_FILE_NAME", "config_file", "is_config_name", "read_config"]


def is_config_name(name: str) -> bool:
    """Whether a file or folder called ``name`` is taken for the config, never for manifests."""
    return name == CONFIG_FILE_NAME


def config_file(config_path: str | None) -> str | None:
    """The path of the config to read: ``config_path`` when given, else ./reconcile.yaml when
    anything of that name is there (whatever it is: reading it says what is wrong), else None.

    Raises ConfigError when ``config_path`` does not exist.
    """
    if config_path is None:
        return CONFIG_FILE_NAME if os.path.lexists(CONFIG_FILE_NAME) else None
    if not os.path.lexists(config_path):
        raise ConfigError(f"config file not found: {printable(config_path)}")
    return config_path


def read_config(config_path: str | None) -> Document | None:
    """The config document, or None when there is no config (the defaults hold).

    What cannot be read (a directory, a FIFO, a device, a link to nothing, a file over the size
    limit) is a problem of the document at ``FILE:1:1``, as for a manifest; raises ConfigError
    when ``config_path`` does not exist.
    """
    path = config_file(config_path)
    return None if path is None else read(path)
