//! The editor schema of plan files (`schema/plan.schema.json`, JSON Schema draft 2020-12) agrees
//! with the loader: every good fixture and documented example is valid under it, every fixture
//! the loader rejects for its shape (unknown key, wrong type, missing or bad title, a list or
//! text instead of a plan) is invalid, fixtures refused only by the plan-wide rules (duplicate
//! ids, unknown references, cycles) are valid, and small documents on the edges of each rule get
//! the same answer from both.

use std::path::{Path, PathBuf};

use planpilot::plan::{load, load_str, LoadOptions};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/plans")
}

const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/planpilot/planpilot/main/schema/plan.schema.json";

/// The schema compiled for a plan file, and for each file of a planpilot directory.
struct Schema {
    schemas: boon::Schemas,
    plan: boon::SchemaIndex,
    epics: boon::SchemaIndex,
    stories: boon::SchemaIndex,
    tasks: boon::SchemaIndex,
}

impl Schema {
    fn load() -> Schema {
        let text = std::fs::read_to_string(root().join("schema/plan.schema.json")).unwrap();
        let json: Value = serde_json::from_str(&text).expect("the schema is JSON");
        assert_eq!(
            json["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "draft 2020-12"
        );
        assert_eq!(
            json["$id"], SCHEMA_URL,
            "its $id is where the README points"
        );
        let mut compiler = boon::Compiler::new();
        compiler.add_resource(SCHEMA_URL, json).unwrap();
        let mut schemas = boon::Schemas::new();
        let mut compile = |fragment: &str| {
            compiler
                .compile(&format!("{SCHEMA_URL}{fragment}"), &mut schemas)
                .unwrap_or_else(|e| panic!("the schema compiles: {e:#}"))
        };
        let (plan, epics, stories, tasks) = (
            compile(""),
            compile("#/$defs/epicsFile"),
            compile("#/$defs/storiesFile"),
            compile("#/$defs/tasksFile"),
        );
        Schema {
            schemas,
            plan,
            epics,
            stories,
            tasks,
        }
    }

    /// `Err` with the validator's explanation when `path` (a plan file, or a planpilot
    /// directory, file by file) is invalid under the schema.
    fn check(&self, path: &Path) -> Result<(), String> {
        if path.is_dir() {
            for (name, index) in [
                ("epics.json", self.epics),
                ("stories.json", self.stories),
                ("tasks.json", self.tasks),
            ] {
                self.check_value(&data(&path.join(name)).unwrap(), index)
                    .map_err(|e| format!("{name}: {e}"))?;
            }
            return Ok(());
        }
        let value = data(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self.check_value(&value, self.plan)
    }

    fn check_value(&self, value: &Value, index: boon::SchemaIndex) -> Result<(), String> {
        self.schemas
            .validate(value, index)
            .map_err(|e| format!("{e:#}"))
    }

    fn check_text(&self, text: &str, json: bool) -> Result<(), String> {
        let value = if json {
            serde_json::from_str(text).unwrap()
        } else {
            serde_yaml::from_str(text).unwrap()
        };
        self.check_value(&value, self.plan)
    }
}

/// A plan file as the JSON data an editor checks: JSON as it is, YAML converted.
fn data(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_str(&text).map_err(|e| e.to_string())
    }
}

/// Rejected for their shape: the schema must refuse each.
const SHAPE: &[&str] = &[
    "empty-names.yaml",
    "empty.yaml",
    "fields.yaml",
    "list.yaml",
    "missing-title.yaml",
    "no-epics.yaml",
    "parents.yaml",
    "scalar.yaml",
    "split",
    "titles.yaml",
    "types.json",
    "types.yaml",
    "unknown-key.yaml",
    "unknown-keys.yaml",
    "wrong-type.json",
];

/// Rejected only by rules a schema cannot state — rules over the whole plan, and a repeated key
/// (JSON data keeps one of them): the schema accepts their shape.
const BEYOND_SCHEMA: &[&str] = &[
    "cycle.yaml",
    "dependencies.yaml",
    "duplicate-ids.yaml",
    "duplicate-keys.yaml",
    "lineage.yaml",
    "sub-item-ids.json",
];

/// Not JSON data at all (syntax, encoding, two documents): nothing to check.
const NOT_DATA: &[&str] = &[
    "invalid-utf8.yaml",
    "invalid.json",
    "invalid.yaml",
    "two-documents.yaml",
];

/// The fixtures in `dir` (files and planpilot directories), without the `.expected` files.
fn fixture_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".expected"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_good_fixture_and_example_is_valid() {
    let schema = Schema::load();
    let mut paths: Vec<PathBuf> = fixture_names(&fixtures().join("good"))
        .into_iter()
        .map(|name| fixtures().join("good").join(name))
        .collect();
    paths.push(root().join("examples/plan.yaml"));
    assert!(paths.len() >= 8, "{paths:?}");
    for path in paths {
        assert!(
            load(&path, &LoadOptions::default()).is_ok(),
            "{} loads",
            path.display()
        );
        if let Err(e) = schema.check(&path) {
            panic!("{} is invalid under the schema: {e}", path.display());
        }
    }
}

#[test]
fn documented_examples_are_valid() {
    let schema = Schema::load();
    let mut checked = 0;
    for (doc, fence, json) in [
        ("docs/plan-format.md", "```yaml\n", false),
        ("docs/plan-format.md", "```json\n", true),
        ("README.md", "```yaml\n", false),
    ] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        for block in text.split(fence).skip(1) {
            let dedented = dedent(block.split("```").next().unwrap());
            // Plans only, not workflows.
            let is_plan = json
                || dedented.lines().any(|line| {
                    ["epics:", "stories:", "tasks:", "items:"]
                        .iter()
                        .any(|key| line.starts_with(key))
                });
            if !is_plan {
                continue;
            }
            let file = if json { "plan.json" } else { "plan.yaml" };
            assert!(
                load_str(&dedented, Path::new(file), &LoadOptions::default()).is_ok(),
                "{doc}: {dedented}"
            );
            if let Err(e) = schema.check_text(&dedented, json) {
                panic!("{doc}: an example is invalid under the schema: {e}\n{dedented}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked} examples");
}

/// Blocks inside list items are indented.
fn dedent(block: &str) -> String {
    let indent = block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    block
        .lines()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bad_fixtures_are_invalid_exactly_where_the_loader_rejects_their_shape() {
    let schema = Schema::load();
    let dir = fixtures().join("bad");
    // Every bad fixture is in one list, so a new one cannot go unchecked.
    let mut listed: Vec<&str> = [SHAPE, BEYOND_SCHEMA, NOT_DATA].concat();
    listed.sort();
    assert_eq!(
        fixture_names(&dir),
        listed,
        "bad fixtures vs the lists above"
    );
    for name in fixture_names(&dir) {
        let path = dir.join(&name);
        assert!(
            load(&path, &LoadOptions::default()).is_err(),
            "{name} is rejected"
        );
        if SHAPE.contains(&name.as_str()) {
            assert!(
                schema.check(&path).is_err(),
                "{name} is valid under the schema"
            );
        } else if BEYOND_SCHEMA.contains(&name.as_str()) {
            if let Err(e) = schema.check(&path) {
                panic!("{name}: only rules beyond a schema refuse it, yet the schema does: {e}");
            }
        } else {
            assert!(data(&path).is_err(), "{name} reads as data");
        }
    }
}

/// `(accepted by both, document)`: small plans on the edges of each rule of the item keys.
const EDGES: &[(bool, &str)] = &[
    (true, "epics:\n  - id: E-1\n    title: One\n"),
    (true, "epics:\n  - id: 7\n    title: 2026\n    type: epic\n"),
    (true, "id: ~\nepics:\n  - id: E-1\n    title: One\n    goal: ~\n    labels: one\n    depends_on: ~\n    parent_id: ~\n"),
    (true, "version: 1\nepics: ~\ntasks: []\n"),
    (false, "version: 2\nepics: []\n"),
    (false, "id: ''\nepics: []\n"),
    (false, "epics:\n  - id: E-1\n    title: ~\n"),
    (false, "epics:\n  - id: E-1\n    title: '   '\n"),
    (true, "epics:\n  - id: E-1\n    title: '  padded  '\n"),
    (false, "epics:\n  - id: E-1\n    title: \"two\\nlines\"\n"),
    (true, "epics:\n  - id: E-1\n    title: |\n      One line, then a newline\n"),
    (false, "epics:\n  - id: has space\n    title: One\n"),
    (false, "epics:\n  - title: No id\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    type: story\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    parent_id: E-0\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    tasks: []\n"),
    (true, "epics:\n  - id: E-1\n    title: One\n    stories:\n      - id: S-1\n        title: Two\n        epic: E-1\n        tasks:\n          - {id: T-1, title: Three, story: S-1}\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    stories:\n      - id: S-1\n        title: Two\n        story: E-1\n"),
    (true, "epics:\n  - {id: E-1, title: One}\nstories:\n  - {id: S-1, title: Two, parent_id: E-1}\n"),
    (false, "epics:\n  - {id: E-1, title: One}\nstories:\n  - {id: S-1, title: Two}\n"),
    (true, "items:\n  - {id: E-1, type: Epic, title: One}\n  - {id: S-1, type: STORY, title: Two, parent_id: E-1}\n"),
    (false, "items:\n  - {id: E-1, title: One}\n"),
    (false, "items:\n  - {id: E-1, type: SUBTASK, title: One}\n"),
    (true, "epics:\n  - {id: E-1, title: One, issue: 12}\n  - {id: E-2, title: Two, issue: '#13'}\n"),
    (false, "epics:\n  - {id: E-1, title: One, issue: 0}\n"),
    (false, "epics:\n  - {id: E-1, title: One, issue: 1.5}\n"),
    (false, "epics:\n  - {id: E-1, title: One, issue: 'twelve'}\n"),
    (true, "epics:\n  - {id: E-1, title: One, fields: {Start: 2024-02-29, Sprint: '@next', Size: 3, Done: true}}\n"),
    (false, "epics:\n  - {id: E-1, title: One, fields: {Start: 2023-02-29}}\n"),
    (false, "epics:\n  - {id: E-1, title: One, fields: {Sprint: '@previous'}}\n"),
    (false, "epics:\n  - {id: E-1, title: One, fields: {Size: ~}}\n"),
    (false, "epics:\n  - {id: E-1, title: One, fields: {Size: [M]}}\n"),
    (false, "defaults: {fields: ~}\nepics: []\n"),
    (true, "defaults: {labels: [roadmap], assignees: ~, fields: {Status: Todo}}\nepics: []\n"),
    (false, "defaults: {labels: ['']}\nepics: []\n"),
    (false, "defaults: {milestone: v1}\nepics: []\n"),
    (true, "epics:\n  - id: E-1\n    title: One\n    spec_ref: docs/a.md\n    scope: {in: [a], out_scope: b}\n    verification: {commands: make}\n    estimate: {tshirt: M, hours: 0}\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    spec_ref: {page: 3}\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    estimate: {hours: -1}\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    depends_on: {T-1: yes}\n"),
    (false, "epics:\n  - id: E-1\n    title: One\n    assignees: [[octocat]]\n"),
    (false, "epic:\n  - id: E-1\n    title: One\n"),
    (false, "[]\n"),
];

#[test]
fn the_schema_and_the_loader_agree_on_the_edges_of_each_rule() {
    let schema = Schema::load();
    for (accepted, text) in EDGES {
        let loaded = load_str(text, Path::new("plan.yaml"), &LoadOptions::default());
        assert_eq!(
            loaded.is_ok(),
            *accepted,
            "loader on {text:?}: {:?}",
            loaded.err()
        );
        let checked = schema.check_text(text, false);
        assert_eq!(
            checked.is_ok(),
            *accepted,
            "schema on {text:?}: {:?}",
            checked.err()
        );
    }
}

#[test]
fn the_readme_points_editors_at_the_schema() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("# yaml-language-server: $schema={SCHEMA_URL}")),
        "README has the yaml-language-server line"
    );
    // The URL is the file in this repository, on its main branch.
    let repository = "https://github.com/planpilot/planpilot";
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(manifest.contains(&format!("repository = \"{repository}\"")));
    assert!(SCHEMA_URL.starts_with("https://raw.githubusercontent.com/planpilot/planpilot/main/"));
    assert!(root()
        .join(SCHEMA_URL.rsplit("/main/").next().unwrap())
        .is_file());
}
