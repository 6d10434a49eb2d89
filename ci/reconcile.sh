#!/usr/bin/env bash
# The CI steps of a deliveries repository, for GitHub Actions and GitLab CI alike:
#   validate   check the manifests (only those changed since RECONCILE_CHANGED_SINCE, when set)
#   plan       validate, plan the changed deliveries, post the one sticky plan comment, and keep
#              the JSON plan and the comment in RECONCILE_OUT_DIR (an artifact)
#   apply      apply (the changed deliveries, or all), journal and report in RECONCILE_OUT_DIR and
#              the job summary; with RECONCILE_STATUS=true the status of invitations and
#              review tasks too
# RECONCILE_APPLIED_FILE (apply): where the last commit applied in full is recorded. When it
# names an ancestor of HEAD, apply takes everything changed since then, whatever
# RECONCILE_CHANGED_SINCE says: a merge whose own run was cancelled while it waited (GitHub
# cancels a pending run when a newer one joins its concurrency group) is applied by the next.
# The record moves on only when apply succeeded.
# Without Box credentials (a pull request from a fork gets no secrets), plan validates, says in
# the summary that it made no plan, and ends with validate's exit code.
# Box credentials come from the environment (BOX_*); nothing here prints them (no command tracing).
set -euo pipefail

command="${1:-${RECONCILE_COMMAND:-}}"
out_dir="${RECONCILE_OUT_DIR:-reconcile-out}"
since="${RECONCILE_CHANGED_SINCE:-}"
applied_file="${RECONCILE_APPLIED_FILE:-}"
mkdir -p "$out_dir"

if [[ "$command" == "apply" && -n "$applied_file" && -s "$applied_file" ]]; then
  recorded="$(tr -d '[:space:]' < "$applied_file")"
  if [[ "$recorded" =~ ^[0-9a-f]{7,64}$ ]] && git merge-base --is-ancestor "$recorded" HEAD 2>/dev/null; then
    echo "Applying everything changed since $recorded, the last commit applied." >&2
    since="$recorded"
  else
    echo "The recorded commit ${recorded:-?} is not in this branch's history; using the event's." >&2
  fi
fi

# A first push has no "before" commit (GitHub sends forty zeros): then everything counts.
since_args=()
if [[ -n "$since" && ! "$since" =~ ^0+$ ]]; then
  since_args=(--changed-since "$since")
fi
forge_args=()
if [[ "${GITLAB_CI:-}" == "true" ]]; then
  forge_args=(--gitlab)
fi

# Markdown for people: GitHub's job summary when there is one, the log otherwise.
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    cat >> "$GITHUB_STEP_SUMMARY"
  else
    cat
  fi
}

fenced() {
  local title="$1" file="$2"
  printf '## %s\n\n```\n' "$title"
  cat "$file"
  printf '```\n\n'
}

has_box_credentials() {
  [[ -n "${BOX_DEVELOPER_TOKEN:-}" || -n "${BOX_JWT_CONFIG:-}" ]] \
    || [[ -n "${BOX_CLIENT_ID:-}" && -n "${BOX_CLIENT_SECRET:-}" && -n "${BOX_ENTERPRISE_ID:-}" ]]
}

case "$command" in
  validate)
    reconcile validate ${since_args[@]+"${since_args[@]}"}
    ;;
  plan)
    if ! has_box_credentials; then
      code=0
      reconcile validate ${since_args[@]+"${since_args[@]}"} || code=$?
      printf '## reconcile plan\n\nNo plan: this run has no Box credentials (a pull request from a fork gets no secrets). The manifests were validated%s; the plan comes with a pull request from a branch of this repository, or after the merge.\n' \
        "$([[ $code -eq 0 ]] && echo ' and are valid' || echo ': see the log')" | summary
      echo "No Box credentials: validated only, no plan made." >&2
      exit "$code"
    fi
    # Validation problems are in the log here and become the comment in the next step.
    reconcile validate ${since_args[@]+"${since_args[@]}"} || true
    reconcile comment ${since_args[@]+"${since_args[@]}"} ${forge_args[@]+"${forge_args[@]}"} \
      --out "$out_dir/plan.json" | tee "$out_dir/comment.md"
    ;;
  apply)
    status=0
    reconcile apply --yes ${since_args[@]+"${since_args[@]}"} \
      --journal "$out_dir/journal.jsonl" > "$out_dir/apply.txt" || status=$?
    cat "$out_dir/apply.txt"
    fenced "reconcile apply" "$out_dir/apply.txt" | summary
    if [[ $status -eq 0 && -n "$applied_file" ]]; then
      mkdir -p "$(dirname "$applied_file")"
      git rev-parse HEAD > "$applied_file"
    fi
    if [[ "${RECONCILE_STATUS:-false}" == "true" ]]; then
      reconcile status > "$out_dir/status.txt" || { code=$?; [[ $status -ne 0 ]] || status=$code; }
      fenced "reconcile status" "$out_dir/status.txt" | summary
    fi
    exit "$status"
    ;;
  *)
    echo "usage: $0 validate|plan|apply (or set RECONCILE_COMMAND)" >&2
    exit 3
    ;;
esac
