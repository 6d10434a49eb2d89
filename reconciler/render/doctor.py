"""The doctor's diagnosis as lines for people (✔ / ✘ / ? with the fix) or as one JSON document."""

from __future__ import annotations

from typing import TextIO

from reconciler.doctor import Diagnosis, Verdict
from reconciler.errors import printable
from reconciler.render.colour import paint
from reconciler.render.json import write_json
from reconciler.render.words import plural

TINTS = {Verdict.OK: "green", Verdict.FAIL: "red", Verdict.UNKNOWN: "yellow"}


def render(
    diagnosis: Diagnosis, stream: TextIO, *, format: str = "text", color: bool = False
) -> None:
    if format == "json":
        write_json(diagnosis.to_dict(), stream)
        return
    for check in diagnosis.checks:
        symbol = paint(check.verdict.symbol, TINTS[check.verdict], color=color, bold=True)
        stream.write(
            f"{symbol} {paint(check.title, 'bold', color=color)}: {printable(check.detail)}\n"
        )
        if check.fix and check.verdict is not Verdict.OK:
            stream.write(f"    fix: {printable(check.fix)}\n")
    stream.write("\n" + _summary(diagnosis) + "\n")


def _summary(diagnosis: Diagnosis) -> str:
    counts = {v: sum(c.verdict is v for c in diagnosis.checks) for v in Verdict}
    parts = [f"{counts[Verdict.OK]} ok", f"{counts[Verdict.FAIL]} failed"]
    if counts[Verdict.UNKNOWN]:
        parts.append(f"{counts[Verdict.UNKNOWN]} could not tell")
    verdict = (
        "nothing failed"
        if diagnosis.ok
        else f"{plural(len(diagnosis.failed), 'check')} failed: see the fixes above"
    )
    return f"{plural(len(diagnosis.checks), 'check')}: {', '.join(parts)}; {verdict}."
