#!/usr/bin/env bash
# Refreshes schema/github.graphql, the vendored copy of GitHub's public GraphQL schema that the
# fake GitHub and the tests validate every document against. The new copy replaces the old one
# only if the schema tests pass on it (every document planpilot sends still validates).
#
# Source: GitHub's published file. Where docs.github.com cannot be reached, the npm package
# @octokit/graphql-schema, which republishes it (often some releases behind; the tests then say
# which field is missing), is fetched with npm. Review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/.."

url="https://docs.github.com/public/fpt/schema.docs.graphql"
out="schema/github.graphql"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if curl -fsSL --retry 3 -o "$work/schema.graphql" "$url"; then
    source="$url"
else
    echo "$url could not be fetched; using the npm package @octokit/graphql-schema" >&2
    (cd "$work" && npm pack --silent @octokit/graphql-schema >/dev/null \
        && tar xzf octokit-graphql-schema-*.tgz package/schema.graphql package/package.json)
    version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$work/package/package.json" | head -1)"
    mv "$work/package/schema.graphql" "$work/schema.graphql"
    source="$url (as republished in the npm package @octokit/graphql-schema@$version)"
fi
grep -q '^type Mutation' "$work/schema.graphql" || { echo "error: not a GraphQL schema" >&2; exit 1; }

# GitHub's published file has at times defined a field twice in one type, which strict parsers
# (the fake's among them) reject: keep the first definition.
python3 - "$work/schema.graphql" <<'PY'
import sys

path = sys.argv[1]
out, dropped = [], []
in_type, seen, member, name, in_desc, parens = False, set(), [], None, False, 0


def flush():
    global member, name
    if member:
        if name is not None and name in seen:
            dropped.append(name)
        else:
            out.extend(member)
            if name is not None:
                seen.add(name)
    member, name = [], None


for line in open(path, encoding="utf-8").read().split("\n"):
    stripped = line.strip()
    if not in_type:
        out.append(line)
        if stripped.endswith("{") and not line.startswith(" "):
            in_type, seen = True, set()
        continue
    if line.startswith("}") and not in_desc and parens == 0:
        flush()
        out.append(line)
        in_type = False
        continue
    member.append(line)
    # Descriptions ("..." or """...""") belong to the member that follows them.
    if in_desc or stripped.startswith('"'):
        if stripped.count('"""') % 2 == 1:
            in_desc = not in_desc
        continue
    if name is None and parens == 0 and line.startswith("  ") and not line.startswith("   "):
        name = stripped.split("(")[0].split(":")[0].strip()
    parens += line.count("(") - line.count(")")
    if parens == 0 and name is not None:
        flush()
open(path, "w", encoding="utf-8").write("\n".join(out))
for name in dropped:
    print(f"note: dropped a repeated definition of {name}", file=sys.stderr)
PY

{
    echo "# GitHub's public GraphQL schema (github.com), vendored so the fake GitHub and the tests validate"
    echo "# every document planpilot sends against the real API with nothing outside this repository."
    echo "# Source: $source"
    echo "# Fetched: $(date -u +%Y-%m-%d). Refresh with scripts/update-schema.sh (it rewrites this header)."
    cat "$work/schema.graphql"
} >"$work/github.graphql"

# The schema parses, and every document planpilot sends validates against it, before it replaces
# the vendored copy.
GITHUB_GRAPHQL_SCHEMA="$work/github.graphql" cargo test --locked -p fake-github -- schema
GITHUB_GRAPHQL_SCHEMA="$work/github.graphql" cargo test --locked --test it -- schema::
cp "$work/github.graphql" "$out"
echo "updated $out ($(wc -c <"$out") bytes); review the diff before committing"
