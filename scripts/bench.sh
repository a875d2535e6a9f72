#!/usr/bin/env bash
# Builds the release binaries and runs the benchmark scenarios (see BENCHMARKS.md).
# Usage: scripts/bench.sh [--quick] [--scenario N ...] [--markdown] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p planpilot -p fake-github -p planpilot-bench
exec target/release/planpilot-bench "$@"
