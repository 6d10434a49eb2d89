#!/usr/bin/env bash
# The CI steps of a deliveries repository, for GitHub Actions and GitLab CI alike:
#   validate   check the manifests (only those changed since RECONCILE_CHANGED_SINCE, when set)
#   plan       validate, plan the changed deliveries, post the one sticky plan comment, and keep
#              the JSON plan and the comment in RECONCILE_OUT_DIR (an artifact)
#   apply      apply (the changed deliveries, or all), journal and report in RECONCILE_OUT_DIR and
#              the job summary; with RECONCILE_STATUS=true the status of invitations and
#              approvals too
# Box credentials come from the environment (BOX_*); nothing here prints them (no command tracing).
set -euo pipefail

command="${1:-${RECONCILE_COMMAND:-}}"
out_dir="${RECONCILE_OUT_DIR:-reconcile-out}"
since="${RECONCILE_CHANGED_SINCE:-}"
mkdir -p "$out_dir"

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

case "$command" in
  validate)
    reconcile validate ${since_args[@]+"${since_args[@]}"}
    ;;
  plan)
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
