"""What a sandbox started without a seed has: values light enough for the CLI to show in --help."""

from __future__ import annotations

#: the token of the admin account an empty sandbox starts with
DEFAULT_ADMIN_TOKEN = "sandbox"
