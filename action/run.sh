#!/usr/bin/env bash
# Runs modellock for the GitHub Action: `check --offline` with GitHub
# annotations, then what the inputs ask for (`update --locked`, `fetch`,
# `verify`, a SARIF file), each to its end; the step fails with the highest
# exit status, which is also the `exit-status` output.
set -uo pipefail

if ! command -v modellock > /dev/null; then
  echo "::error title=modellock::modellock is not on PATH: the install step did not put it there"
  [ -n "${GITHUB_OUTPUT:-}" ] && echo "exit-status=2" >> "$GITHUB_OUTPUT"
  exit 2
fi

args=()
if [ -n "${INPUT_MANIFEST_PATH:-}" ]; then
  args+=(--manifest-path "$INPUT_MANIFEST_PATH")
fi
status=0
step() {
  echo "::group::modellock $*"
  modellock ${args[@]+"${args[@]}"} --format github "$@"
  local s=$?
  echo "::endgroup::"
  [ "$s" -gt "$status" ] && status=$s
  echo "modellock $* exited $s"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    echo "- \`modellock $*\`: exit $s" >> "$GITHUB_STEP_SUMMARY"
  fi
}
[ "${INPUT_CHECK:-true}" = true ] && step check --offline
[ "${INPUT_LOCKED:-false}" = true ] && step update --locked
# fetch before verify: what fetch downloads, verify then holds to the lock
[ "${INPUT_FETCH:-false}" = true ] && step fetch
[ "${INPUT_VERIFY:-false}" = true ] && step verify
sarif=""
if [ "${INPUT_SARIF:-false}" = true ]; then
  sarif="${RUNNER_TEMP:-.}/modellock.sarif"
  modellock ${args[@]+"${args[@]}"} --format sarif check --offline > "$sarif"
  s=$?
  # exit 1 is a finding (already counted above); only 2 is a failure here
  [ "$s" -eq 2 ] && [ "$s" -gt "$status" ] && status=$s
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-status=$status" >> "$GITHUB_OUTPUT"
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
exit "$status"
