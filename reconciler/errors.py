"""The one exception tree of reconciler; every class carries the exit code the CLI returns.

    ReconcilerError            1  root; anything unexpected is reported as an internal error
    ├── InputError             3  invalid input: manifest, schema, policy, config or usage
    │   ├── ManifestError      3  one or more located problems in manifests (``problems``)
    │   ├── ConfigError        3  reconcile.yaml, or the Box connection settings
    │   └── UsageError         3  flags that do not fit together
    ├── BoxError               1  Box answered with an error (status, code, request id)
    │   ├── AuthError          1  401, or a token that could not be obtained
    │   ├── Forbidden          1  403
    │   │   └── ExpiryRefused  1  403 to an expires_at: the enterprise setting is off
    │   ├── NotFound           1  404
    │   ├── Conflict           1  409, and 400 user_already_collaborator
    │   ├── RateLimited        1  429 after the SDK's own retries
    │   ├── BoxUnavailable     1  5xx or a dropped connection: the write may have been stored
    │   └── ReadError          1  items that could not be read, each named
    ├── ForgeError             1  GitHub or GitLab refused or failed a comment call
    ├── RefusedError           4  the run refuses to go on
    │   ├── UnsafePlan         4  removals above the safety limits, without --force
    │   └── StalePlan          4  a saved plan that no longer matches Box
    ├── PartialApply           5  apply finished, but some changes failed
    ├── SinkError              1  a notify sink did not take a notice (it stays owed)
    └── Interrupted          130  Ctrl-C: apply reports what it did and what it did not start

Box errors keep Box's status, code and request id, never the SDK's text (which carries
request headers, tokens included).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code ``reconcile`` returns (the product's contract)."""

    OK = 0
    ERROR = 1  # a Box error, an internal error, or a cancelled apply
    CHANGES_PENDING = 2  # plan --detailed-exitcode: changes are pending (Terraform's convention)
    INVALID_INPUT = 3  # manifests, config, saved plan or flags
    REFUSED = 4  # unsafe without --force, or a saved plan that no longer matches Box
    PARTIAL = 5  # apply finished, but some changes failed
    INTERRUPTED = 130  # the shell's convention for SIGINT


class ReconcilerError(Exception):
    """Root of every error reconciler raises on purpose."""

    exit_code = ExitCode.ERROR


class InputError(ReconcilerError):
    exit_code = ExitCode.INVALID_INPUT


def printable(text: str) -> str:
    """Text with control characters escaped: messages quote what people wrote (and name files
    people named), and a stray escape sequence, line break or undecodable byte must not reach a
    terminal, forge a line, or make JSON output invalid UTF-8."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape", "backslashreplace").decode()


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an input file, as ``FILE:LINE:COL: message``.

    File name and message are kept escaped (``printable``), so every way a problem is shown is.
    """

    file: str
    line: int
    column: int
    code: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", printable(self.file))
        object.__setattr__(self, "message", printable(self.message))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


class ManifestError(InputError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(InputError):
    pass


class UsageError(InputError):
    pass


class BoxError(ReconcilerError):
    """Box answered with an error, or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.request_id = request_id
        self.box_message = message
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = [self.box_message]
        if self.status is not None:
            parts.append(f"status {self.status}")
        if self.code:
            parts.append(f"code {self.code}")
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        return parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


class AuthError(BoxError):
    pass


class Forbidden(BoxError):
    pass


class ExpiryRefused(Forbidden):
    """Box refused a collaboration's ``expires_at``: reported once per run, not per person."""


#: the Admin Console setting without which Box refuses ``expires_at`` (Box's API reference)
EXPIRY_SETTING = (
    "Automatically remove invited collaborators: Allow folder owners to extend the expiry date"
)


class NotFound(BoxError):
    pass


class Conflict(BoxError):
    pass


class RateLimited(BoxError):
    pass


class BoxUnavailable(BoxError):
    """A 5xx or a broken connection: a write may have been stored although it failed."""


class ReadError(BoxError):
    """Several items could not be read; each is named."""


class ForgeError(ReconcilerError):
    """A GitHub or GitLab API call failed; ``status`` is the HTTP status (None: no answer)."""

    exit_code = ExitCode.ERROR

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RefusedError(ReconcilerError):
    exit_code = ExitCode.REFUSED


class SinkError(ReconcilerError):
    """A notify sink did not take a notice; the ledger owes it and tries again later."""


class UnsafePlan(RefusedError):
    pass


class StalePlan(RefusedError):
    pass


class PartialApply(ReconcilerError):
    exit_code = ExitCode.PARTIAL


class Interrupted(ReconcilerError):
    exit_code = ExitCode.INTERRUPTED
