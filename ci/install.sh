#!/usr/bin/env bash
# Install reconciler from this checkout (the GitHub Action's own copy, or a clone on GitLab).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python -m pip install --quiet --disable-pip-version-check "$here"
reconcile --version
