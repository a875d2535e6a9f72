#!/usr/bin/env bash
# Builds the release binary the way the image does — statically linked, no dynamic loader — and
# runs it with an empty environment besides its inputs, as the runner starts the container:
# no shell, no libraries, no HOME or PATH. The image itself needs Docker; this checks its binary.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}/static"
host="$(rustc -vV | sed -n 's/^host: //p')"
RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR="$target_dir" \
    cargo build --release --locked --bin planpilot --target "$host"
bin="$(realpath "$target_dir/$host/release/planpilot")"

# No program interpreter (dynamic loader) and no shared libraries.
if readelf -l "$bin" | grep -q 'Requesting program interpreter'; then
    echo "error: $bin is dynamically linked" >&2
    exit 1
fi
if readelf -d "$bin" | grep -q '(NEEDED)'; then
    echo "error: $bin needs shared libraries" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp examples/plan.yaml "$work/plan.yaml"
printf 'epics:\n  - id: E-1\n    title: ""\n' >"$work/bad.yaml"
cd "$work"
# A valid plan: exit 0 and the summary line.
env -i GITHUB_ACTIONS=true "INPUT_PLAN-FILE=plan.yaml" "$bin" validate | grep -q 'plan.yaml: valid'
# An invalid plan: exit 2 and an annotation on the file.
set +e
env -i GITHUB_ACTIONS=true "INPUT_PLAN-FILE=bad.yaml" "$bin" validate >out.txt 2>&1
code=$?
set -e
[ "$code" -eq 2 ] || { echo "error: invalid plan exited $code, expected 2" >&2; cat out.txt; exit 1; }
grep -q '^::error file=bad.yaml,line=3' out.txt || { echo "error: no annotation" >&2; cat out.txt; exit 1; }
# An offline dry run (no token): the whole engine up to the report, and the binary carries no
# subcommand beyond the product's.
env -i GITHUB_ACTIONS=true "INPUT_PLAN-FILE=plan.yaml" INPUT_DRY-RUN=true GITHUB_REPOSITORY=acme/roadmap \
    "$bin" sync | grep -q '^dry run, would be: 15 created, 0 updated, 0 unchanged, 0 closed$'
if env -i "$bin" demo >/dev/null 2>&1; then
    echo "error: the release binary still has a demo command" >&2
    exit 1
fi
echo "static binary: $(du -h "$bin" | cut -f1), no loader, no libraries, runs with an empty environment"
