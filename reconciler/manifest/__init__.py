"""Manifests in, desired state out: find, load, check and build, with every problem located.

(reconciler.session.workflow.load turns problems into one ManifestError for the commands that act.)

validate(paths, config_path)      -> every problem, in a stable order
check(paths, config_path)         -> Validation: the files read, problems, state and policy

Pipeline (README, "Developing"): **manifest** → model → box → planning → plan → applying → status →
session → notify → doctor → watch → render → forge → cli.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.errors import Problem, printable
from reconciler.manifest import schema
from reconciler.manifest.build import build_delivery, build_policy
from reconciler.manifest.checks import check_across, check_delivery, check_document, check_policy
from reconciler.manifest.config import CONFIG_FILE_NAME, read_config
from reconciler.manifest.domains import likely_typos
from reconciler.manifest.files import any_manifest, scan
from reconciler.manifest.load import Document, read
from reconciler.model import Delivery, DesiredState, Policy

DEFAULT_PATHS = ("deliveries",)

__all__ = [
    "DEFAULT_PATHS",
    "Validation",
    "any_manifest",
    "check",
    "load_config",
    "validate",
]


@dataclass(frozen=True)
class Validation:
    """The outcome of checking a set of manifests against each other and the repo policy."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    state: DesiredState
    policy: Policy
    #: what is likely wrong but may be meant (a domain one letter off): shown, never failing
    warnings: tuple[Problem, ...] = ()


def load_config(config_path: str | None = None) -> tuple[Policy, list[Problem]]:
    """The repo policy from the config (``config.read_config``: ``config_path``, or
    ./reconcile.yaml when anything has that name), and the config's problems.

    Raises ConfigError when a named config file does not exist.
    """
    doc = read_config(config_path)
    if doc is None:
        return Policy(), []
    return build_policy(doc), _with_schema(doc, "config")


def check(paths: Iterable[str] | str | None = None, config_path: str | None = None) -> Validation:
    """Load and check every manifest under ``paths`` (files or directories; default deliveries/).

    Raises UsageError for paths that do not exist or hold no manifests, ConfigError for a
    missing config file; everything wrong inside the files comes back as problems.
    """
    given = [paths] if isinstance(paths, str) else list(paths or DEFAULT_PATHS)
    found = scan(given or DEFAULT_PATHS)
    policy, problems = load_config(config_path)
    # A folder that cannot be listed or a link leading outside is an error at its path, and
    # counts as a manifest: it may hold (or be) one.
    problems.extend(
        Problem(printable(path), 1, 1, "unreadable-path", why) for path, why in found.refused
    )
    config_name = config_path or CONFIG_FILE_NAME
    deliveries: list[Delivery] = []
    for file in found.files:
        doc = read(file)
        problems.extend(_check_one(doc, policy, config_name, deliveries))
    problems.extend(check_across(deliveries))
    state = DesiredState(tuple(sorted(deliveries, key=lambda d: (d.name, d.file))))
    files = [*found.files, *(path for path, _ in found.refused)]
    shown = tuple(printable(file) for file in files)  # names as every output shows them
    warnings = tuple(sorted(set(likely_typos(deliveries, policy, config_name))))
    return Validation(shown, tuple(sorted(set(problems))), state, policy, warnings)


def _check_one(
    doc: Document, policy: Policy, config_name: str, deliveries: list[Delivery]
) -> list[Problem]:
    problems = _with_schema(doc, "delivery") + check_document(doc)
    delivery = build_delivery(doc)
    if delivery is not None:
        deliveries.append(delivery)
        problems += check_delivery(delivery, doc) + check_policy(delivery, policy, config_name)
    return problems


def _with_schema(doc: Document, name: str) -> list[Problem]:
    """The loader's problems, then the schema's about everything the loader did not object to
    already (an alias, a foreign tag, a non-finite number are not judged twice)."""
    spoken_for = {(p.line, p.column) for p in doc.problems}
    return doc.problems + [
        p for p in schema.check(doc, name) if (p.line, p.column) not in spoken_for
    ]


def validate(
    paths: Iterable[str] | str | None = None, config_path: str | None = None
) -> list[Problem]:
    """Every problem in the manifests under ``paths`` and in the config, in a stable order."""
    return list(check(paths, config_path).problems)
