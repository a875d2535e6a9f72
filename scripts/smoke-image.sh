#!/usr/bin/env bash
# Smoke test of the action's image, started as the runner starts a container action: the
# workspace mounted at /github/workspace, the inputs as INPUT_* variables, no arguments.
# Usage: scripts/smoke-image.sh IMAGE [PLATFORM]   (e.g. planpilot:ci linux/arm64)
# The release workflow runs it on the image of every platform before it pushes them; CI runs it
# on the image it builds for a pull request. Offline: it makes no request to GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:?usage: scripts/smoke-image.sh IMAGE [PLATFORM]}"
platform="${2:-}"

fail() {
    echo "error: $image${platform:+ ($platform)}: $*" >&2
    exit 1
}

if [ -n "$platform" ]; then
    built="$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$image")"
    [ "$built" = "$platform" ] || fail "the image is for $built"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp examples/plan.yaml "$work/plan.yaml"
printf 'epics:\n  - id: E-1\n    title: ""\n' >"$work/bad.yaml"

run() {
    docker run --rm ${platform:+--platform "$platform"} \
        -v "$work:/github/workspace" -w /github/workspace -e GITHUB_ACTIONS=true "$@"
}

# A valid plan: exit 0 and the summary line.
out="$(run -e INPUT_PLAN-FILE=plan.yaml "$image" validate)" || fail "validate exited $?"
grep -q 'plan.yaml: valid' <<<"$out" || fail "validate said: $out"

# An invalid plan: exit 2 and an annotation on its line.
set +e
out="$(run -e INPUT_PLAN-FILE=bad.yaml "$image" validate 2>&1)"
code=$?
set -e
[ "$code" -eq 2 ] || fail "an invalid plan exited $code, expected 2: $out"
grep -q '^::error file=bad.yaml,line=3' <<<"$out" || fail "no annotation: $out"

# An offline dry run with no arguments, as the runner starts the action: the whole engine up
# to the report, and the outputs written where the runner reads them.
: >"$work/output"
out="$(run -e INPUT_PLAN-FILE=plan.yaml -e INPUT_DRY-RUN=true -e GITHUB_REPOSITORY=acme/roadmap \
    -e GITHUB_OUTPUT=/github/workspace/output "$image")" || fail "the dry run exited $?"
grep -q '^dry run, would be: 15 created, 0 updated, 0 unchanged, 0 closed$' <<<"$out" \
    || fail "the dry run said: $out"
grep -qx "created-count=15" "$work/output" || fail "no created-count output"

echo "image $image${platform:+ ($platform)}: validate, an invalid plan and an offline dry run OK"
