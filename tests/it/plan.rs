//! Plan loading and validation: good and bad fixture files (bad ones with their exact expected
//! diagnostics in `NAME.expected`), the example plans, generated edge cases (size cap,
//! deep nesting, alias bombs, binary junk) and property tests proving the loader never panics.

use std::path::{Path, PathBuf};

use planpilot::plan::{
    load, load_str, FieldValue, ItemKind, LoadOptions, Plan, PlanError, MAX_FILE_BYTES,
};
use proptest::prelude::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans")
}

fn options() -> LoadOptions {
    LoadOptions {
        root: Some(fixtures()),
    }
}

fn load_fixture(name: &str) -> Result<Plan, PlanError> {
    load(&fixtures().join(name), &options())
}

fn good(name: &str) -> Plan {
    match load_fixture(name) {
        Ok(plan) => plan,
        Err(e) => panic!("{name} should load: {:#?}", e.diagnostics),
    }
}

fn errors(source: &str, file: &str) -> Vec<String> {
    match load_str(source, Path::new(file), &LoadOptions::default()) {
        Ok(_) => panic!("expected {file} to be rejected"),
        Err(e) => e.diagnostics.iter().map(ToString::to_string).collect(),
    }
}

fn ids(plan: &Plan, kind: ItemKind) -> Vec<&str> {
    plan.of_kind(kind).map(|i| i.id.as_str()).collect()
}

// ---- good files ---------------------------------------------------------------------------

#[test]
fn nested_plan_loads_every_key() {
    let plan = good("good/nested.yaml");
    assert_eq!(plan.key, "fixtures/nested");
    let order: Vec<&str> = plan.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(order, ["E-1", "E-2", "S-1", "S-2", "T-1", "T-2", "T-3"]);

    let e1 = plan.get("E-1").unwrap();
    assert_eq!(e1.kind, ItemKind::Epic);
    assert_eq!(e1.children, ["S-1"]);
    assert_eq!(e1.labels, ["planned", "roadmap", "search"]);
    assert_eq!(e1.assignees, ["octocat"]);
    assert_eq!(e1.milestone.as_deref(), Some("Q1"));
    let c = &e1.content;
    assert_eq!(
        c.description.as_deref(),
        Some("Free **markdown**, kept as written.\n")
    );
    assert_eq!(c.scope.in_scope, ["Product titles"]);
    assert_eq!(c.scope.out_scope, ["Reviews"]);
    let spec = c.spec_ref.as_ref().unwrap();
    assert_eq!(spec.path.as_deref(), Some("docs/search.md"));
    assert_eq!(spec.quote.as_deref(), Some("Rank by relevance"));
    assert_eq!(c.verification.manual_steps, [r#"Search for "red shoe""#]);
    let estimate = c.estimate.as_ref().unwrap();
    assert_eq!(
        (estimate.tshirt.as_deref(), estimate.hours),
        (Some("XL"), Some(120.0))
    );
    assert_eq!(e1.fields["Weight"], FieldValue::Number(2.5));
    assert_eq!(
        e1.fields["Target date"],
        FieldValue::Text("2027-03-31".into())
    );
    assert_eq!(e1.fields["Iteration"], FieldValue::Text("@next".into()));
    assert_eq!(
        plan.defaults.fields["Status"],
        FieldValue::Text("Todo".into())
    );

    let s1 = plan.get("S-1").unwrap();
    assert_eq!(s1.parent.as_deref(), Some("E-1"));
    assert_eq!(s1.children, ["T-1", "T-2"]);
    assert!(
        s1.assignees.is_empty(),
        "an explicit empty list overrides the defaults"
    );
    assert_eq!(
        s1.content.spec_ref.as_ref().unwrap().path.as_deref(),
        Some("docs/index.md")
    );
    let t2 = plan.get("T-2").unwrap();
    assert_eq!(t2.depends_on, ["T-1"], "duplicates are dropped");
    assert_eq!(t2.assignees, ["hubot"]);
    assert_eq!(plan.get("T-3").unwrap().depends_on, ["T-2", "S-1"]);
    assert_eq!(plan.dependency_count(), 4);
    assert_eq!(t2.location.line, 44);
    assert_eq!(t2.location.col, 13);
}

#[test]
fn flat_plan_links_parents_by_key() {
    let plan = good("good/flat.yaml");
    assert_eq!(plan.key, "good/flat.yaml");
    assert_eq!(plan.get("E-1").unwrap().children, ["S-1", "S-2"]);
    assert_eq!(plan.get("T-1").unwrap().parent.as_deref(), Some("S-1"));
    assert_eq!(plan.get("T-2").unwrap().parent.as_deref(), Some("S-2"));
    assert_eq!(plan.get("T-2").unwrap().depends_on, ["T-1"]);
}

#[test]
fn unified_json_orders_items_by_kind() {
    let plan = good("good/unified.json");
    let order: Vec<&str> = plan.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(order, ["E-1", "S-1", "T-1"]);
    let t1 = plan.get("T-1").unwrap();
    assert_eq!(t1.title, "Café menu 🍰");
    assert_eq!(t1.content.estimate.as_ref().unwrap().hours, Some(1.5));
    let s1 = plan.get("S-1").unwrap();
    assert_eq!(s1.content.scope.in_scope, ["Drinks"]);
    assert_eq!(s1.fields["Estimate"], FieldValue::Number(3.0));
    assert_eq!(s1.fields["Start"], FieldValue::Text("2026-01-31".into()));
    assert_eq!((t1.location.line, t1.location.col), (3, 5));
}

#[test]
fn split_directory_loads_with_directory_key() {
    let plan = good("good/split");
    assert_eq!(plan.key, "good/split");
    assert_eq!(ids(&plan, ItemKind::Task), ["T-1", "T-2"]);
    let spec = plan.get("E-1").unwrap().content.spec_ref.clone().unwrap();
    assert_eq!(spec.url.as_deref(), Some("docs/spec.md#accounts"));
    assert_eq!(spec.section.as_deref(), Some("Accounts"));
    let t2 = plan.get("T-2").unwrap();
    assert!(t2.location.file.ends_with("tasks.json"));
    assert_eq!(t2.location.line, 3);
}

#[test]
fn aliases_within_budget_are_expanded() {
    let plan = good("good/aliases.yaml");
    let t1 = plan.get("T-1").unwrap();
    assert_eq!(t1.content.verification.ci_checks, ["test", "lint"]);
    assert_eq!(
        plan.get("S-1").unwrap().content.verification,
        t1.content.verification
    );
}

#[test]
fn default_key_is_the_path_relative_to_the_root() {
    let source = "epics:\n  - id: E-1\n    title: One\n";
    let root = LoadOptions {
        root: Some(PathBuf::from("/repo")),
    };
    let plan = load_str(source, Path::new("/repo/plans/roadmap.yaml"), &root).unwrap();
    assert_eq!(plan.key, "plans/roadmap.yaml");
    let plan = load_str(source, Path::new("plan.yaml"), &LoadOptions::default()).unwrap();
    assert_eq!(plan.key, "plan.yaml");
}

// ---- the example plans and planpilot's own layouts -------------------------------------------

#[test]
fn example_yaml_loads() {
    let plan = good("good/example.yaml");
    assert_eq!(plan.key, "checkout-roadmap");
    assert_eq!(plan.count(ItemKind::Epic), 2);
    assert_eq!(plan.count(ItemKind::Story), 3);
    assert_eq!(plan.count(ItemKind::Task), 6);
    // T-2→T-1, T-3→T-2, T-4→T-3, E-2→E-1, T-6→T-5, T-6→T-4.
    assert_eq!(plan.dependency_count(), 6);
    let t3 = plan.get("T-3").unwrap();
    assert_eq!(
        t3.fields["Start date"],
        FieldValue::Text("2026-12-01".into())
    );
    assert_eq!(t3.labels, ["roadmap"]);
    assert_eq!(
        plan.get("T-2").unwrap().fields["Estimate"],
        FieldValue::Number(3.0)
    );
}

#[test]
fn planpilot_directories_load() {
    // (directory, epics, stories, tasks, dependencies), counted in the JSON files.
    for (name, epics, stories, tasks, dependencies) in [
        ("planpilot-full-workflow", 1, 4, 15, 11),
        ("planpilot-sync-workflow", 1, 2, 3, 2),
    ] {
        let plan = good(&format!("good/{name}"));
        assert_eq!(
            (
                plan.count(ItemKind::Epic),
                plan.count(ItemKind::Story),
                plan.count(ItemKind::Task),
                plan.dependency_count()
            ),
            (epics, stories, tasks, dependencies),
            "{name}"
        );
        for item in &plan.items {
            assert!(!item.title.is_empty(), "{name} {}", item.id);
            if item.kind != ItemKind::Epic {
                assert!(item.parent.is_some(), "{name} {}", item.id);
            }
        }
    }
}

// ---- bad files: exact diagnostics ---------------------------------------------------------

/// Every `bad/NAME` has `bad/NAME.expected`: one `LINE:COL: message` line per diagnostic, in
/// order, where the message part must be contained in the actual message. For a directory the
/// lines are `FILE:LINE:COL: message`, naming the file inside it.
#[test]
fn bad_fixtures_report_exact_diagnostics() {
    let dir = fixtures().join("bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "expected"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "fixtures missing: {files:?}");
    for file in files {
        let expected_path = PathBuf::from(format!("{}.expected", file.display()));
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} is missing", expected_path.display()));
        let diagnostics = match load(&file, &options()) {
            Ok(_) => panic!("{} should be rejected", file.display()),
            Err(e) => e.diagnostics,
        };
        let expected: Vec<&str> = expected.lines().collect();
        let actual: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            actual.len(),
            expected.len(),
            "{}: got {actual:#?}",
            file.display()
        );
        for (diagnostic, want) in diagnostics.iter().zip(&expected) {
            let (want_file, want) = if file.is_dir() {
                let (name, rest) = want.split_once(':').unwrap();
                (file.join(name), rest)
            } else {
                (file.clone(), *want)
            };
            let (line, rest) = want.split_once(':').unwrap();
            let (col, message) = rest.split_once(": ").unwrap();
            assert_eq!(diagnostic.location.file, want_file);
            assert_eq!(
                (diagnostic.location.line, diagnostic.location.col),
                (line.parse().unwrap(), col.parse().unwrap()),
                "{}: {diagnostic}",
                file.display()
            );
            assert!(
                diagnostic.message.contains(message),
                "{}: `{}` does not contain `{message}`",
                file.display(),
                diagnostic.message
            );
        }
    }
}

#[test]
fn diagnostics_name_file_line_column_and_item() {
    let source =
        "epics:\n  - id: E-1\n    title: One\n    depends_on: [E-21]\n  - id: E-2\n    title: Two\n";
    let err = load_str(source, Path::new("plan.yaml"), &LoadOptions::default()).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1);
    let d = &err.diagnostics[0];
    assert_eq!(
        d.to_string(),
        "plan.yaml:4:18: epic E-1 depends on E-21, which is not in the plan (did you mean E-2?)"
    );
    assert_eq!(d.item.as_deref(), Some("E-1"));
}

#[test]
fn duplicate_ids_point_at_the_first_definition() {
    let messages = errors(
        "epics:\n  - id: A\n    title: One\n  - id: A\n    title: Two\n",
        "plan.yaml",
    );
    assert_eq!(
        messages,
        ["plan.yaml:4:9: duplicate id A (first defined at plan.yaml:2:9)"]
    );
}

#[test]
fn an_item_is_never_offered_its_own_id_for_its_dependency_or_parent() {
    // Each unknown id is one edit from the id of the item that names it, and from no other.
    let messages = errors(
        "epics:\n  - id: E-11\n    title: One\n    depends_on: [E-111]\n\
         stories:\n  - id: S-1\n    title: Two\n    epic: S-1x\n\
         tasks:\n  - id: T-1\n    title: Three\n    story: S-1\n    depends_on: [T-12]\n",
        "plan.yaml",
    );
    assert_eq!(
        messages,
        [
            "plan.yaml:4:18: epic E-11 depends on E-111, which is not in the plan",
            "plan.yaml:8:11: story S-1: parent S-1x is not in the plan",
            "plan.yaml:13:18: task T-1 depends on T-12, which is not in the plan",
        ]
    );
    // Another item's id still comes as the hint.
    let messages = errors(
        "epics:\n  - id: E-11\n    title: One\n  - id: E-2\n    title: Two\n    depends_on: [E-111]\n",
        "plan.yaml",
    );
    assert_eq!(
        messages,
        ["plan.yaml:6:18: epic E-2 depends on E-111, which is not in the plan (did you mean E-11?)"]
    );
}

#[test]
fn transposed_letters_in_a_key_get_their_did_you_mean() {
    let messages = errors(
        "epics:\n  - id: E-1\n    titel: One\n  - id: E-2\n    tilte: Two\n    lables: [x]\n",
        "plan.yaml",
    );
    for want in [
        "plan.yaml:3:5: epic E-1: unknown key `titel` (did you mean `title`?)",
        "plan.yaml:5:5: epic E-2: unknown key `tilte` (did you mean `title`?)",
        "plan.yaml:6:5: epic E-2: unknown key `lables` (did you mean `labels`?)",
    ] {
        assert!(
            messages.iter().any(|m| m == want),
            "{want} in {messages:#?}"
        );
    }
}

#[test]
fn a_tab_in_the_indentation_is_reported_where_it_is() {
    // The YAML scanner stops on the line before (line 2); the tab is on line 3, column 1.
    assert_eq!(
        errors("epics:\n  - id: E-1\n\ttitle: One\n", "plan.yaml"),
        ["plan.yaml:3:1: a tab in the indentation: YAML indents with spaces only (use spaces)"]
    );
    // After spaces, deeper down.
    assert_eq!(
        errors(
            "epics:\n  - id: E-1\n    title: One\n    stories:\n  \t- id: S-1\n",
            "plan.yaml"
        ),
        ["plan.yaml:5:3: a tab in the indentation: YAML indents with spaces only (use spaces)"]
    );
    // A tab inside a block of text is text, not indentation.
    let plan = load_str(
        "epics:\n  - id: E-1\n    title: One\n    description: |\n      make:\n      \tcc main.c\n",
        Path::new("plan.yaml"),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        plan.get("E-1").unwrap().content.description.as_deref(),
        Some("make:\n\tcc main.c\n")
    );
}

#[test]
fn a_message_writes_the_place_it_names_the_way_it_writes_its_own() {
    // Under the repository root: both relative to it.
    let error = load_fixture("bad/duplicate-ids.yaml").unwrap_err();
    let first = &error.diagnostics[0];
    assert_eq!(
        first.location.file,
        fixtures().join("bad/duplicate-ids.yaml")
    );
    assert!(
        first
            .message
            .ends_with("(first defined at bad/duplicate-ids.yaml:2:9)"),
        "{}",
        first.message
    );
    // Across the files of a split directory.
    let error = load_fixture("bad/split").unwrap_err();
    assert!(
        error
            .diagnostics
            .iter()
            .any(|d| d.message == "duplicate id E-1 (first defined at bad/split/epics.json:2:10)"),
        "{:#?}",
        error.diagnostics
    );
    // No root: both as given.
    let messages = errors(
        "epics:\n  - id: A\n    title: One\n  - id: A\n    title: Two\n",
        "./plans/q1.yaml",
    );
    assert_eq!(
        messages,
        ["./plans/q1.yaml:4:9: duplicate id A (first defined at ./plans/q1.yaml:2:9)"]
    );
}

#[test]
fn more_than_100_children_is_an_error() {
    let tasks = |n: usize| {
        let mut s = String::from(
            "epics:\n- id: E\n  title: E\n  stories:\n  - id: S\n    title: S\n    tasks:\n",
        );
        for i in 0..n {
            s.push_str(&format!("    - {{id: T-{i}, title: Task {i}}}\n"));
        }
        s
    };
    let ok = load_str(&tasks(100), Path::new("p.yaml"), &LoadOptions::default()).unwrap();
    assert_eq!(ok.get("S").unwrap().children.len(), 100);
    assert_eq!(
        errors(&tasks(101), "p.yaml"),
        ["p.yaml:5:5: story S has 101 tasks; GitHub allows at most 100 sub-issues per issue"]
    );
}

#[test]
fn more_than_50_blocked_by_links_after_roll_up_is_an_error() {
    // Epic E-0 has stories S-1..S-n with one task each; story S-0's two tasks depend on those
    // tasks, so S-0 is blocked by every one of the n stories once the links are rolled up.
    let plan = |n: usize| {
        let mut s = String::from("epics:\n- id: E-0\n  title: E\n  stories:\n");
        for i in 1..=n {
            s.push_str(&format!(
                "  - {{id: S-{i}, title: S{i}, tasks: [{{id: T-{i}, title: T{i}}}]}}\n"
            ));
        }
        let half: Vec<String> = (1..=n).map(|i| format!("T-{i}")).collect();
        let (a, b) = half.split_at(n / 2);
        s.push_str("  - id: S-0\n    title: Waits\n    tasks:\n");
        s.push_str(&format!(
            "    - {{id: T-a, title: A, depends_on: [{}]}}\n",
            a.join(", ")
        ));
        s.push_str(&format!(
            "    - {{id: T-b, title: B, depends_on: [{}]}}\n",
            b.join(", ")
        ));
        s
    };
    let ok = load_str(&plan(50), Path::new("p.yaml"), &LoadOptions::default()).unwrap();
    let on_s0 = ok
        .blocked_by_links()
        .iter()
        .filter(|(a, _)| *a == "S-0")
        .count();
    assert_eq!(on_s0, 50);
    let messages = errors(&plan(51), "p.yaml");
    assert_eq!(
        messages,
        ["p.yaml:56:5: story S-0 would be blocked by 51 issues (0 of its own dependencies, the \
          rest rolled up from the items under it); GitHub allows at most 50 blocked-by links per issue"]
    );
    // A task that itself depends on 51 items.
    let mut many = String::from(
        "epics:\n- id: E\n  title: E\n  stories:\n  - id: S\n    title: S\n    tasks:\n",
    );
    for i in 0..51 {
        many.push_str(&format!("    - {{id: D-{i}, title: D{i}}}\n"));
    }
    let deps: Vec<String> = (0..51).map(|i| format!("D-{i}")).collect();
    many.push_str(&format!(
        "    - {{id: T, title: T, depends_on: [{}]}}\n",
        deps.join(", ")
    ));
    let messages = errors(&many, "p.yaml");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("p.yaml:59:7: task T would be blocked by 51 issues (51 of its own"),
        "{}",
        messages[0]
    );
}

#[test]
fn bodies_over_githubs_limit_are_errors() {
    let plan = |extra: &str| format!("epics:\n- id: E\n  title: E\n{extra}");
    let load_one = |s: &str| load_str(s, Path::new("p.yaml"), &LoadOptions::default());
    // 60,000 characters of text leave room for headings and markers.
    assert!(load_one(&plan(&format!("  description: {}\n", "x".repeat(60_000)))).is_ok());

    let long_text = plan(&format!("  description: {}\n", "x".repeat(65_000)));
    let messages = errors(&long_text, "p.yaml");
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with("p.yaml:2:3: epic E: its issue body would be about 66"),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("65,536"));

    // 8,000 short list entries are only 40,000 characters of text, but with their list markup
    // the body would not fit.
    let entries = vec!["xxxxx"; 8_000].join(", ");
    let many = plan(&format!("  requirements: [{entries}]\n"));
    assert!(errors(&many, "p.yaml")[0].contains("its issue body would be about"));

    // Comment markers in plan text are escaped on rendering, which makes them longer.
    let markers = plan(&format!("  description: \"{}\"\n", "-->".repeat(15_000)));
    assert!(errors(&markers, "p.yaml")[0].contains("its issue body would be about"));
}

#[test]
fn missing_and_unreadable_files_are_diagnostics() {
    let err = load(Path::new("/nonexistent/plan.yaml"), &LoadOptions::default()).unwrap_err();
    assert_eq!(
        err.diagnostics[0].to_string(),
        "/nonexistent/plan.yaml:1:1: plan file not found"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("epics.json"), "[]").unwrap();
    let err = load(dir.path(), &LoadOptions::default()).unwrap_err();
    let messages: Vec<String> = err.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert_eq!(messages, ["plan file not found", "plan file not found"]);
    assert!(err.diagnostics[0].location.file.ends_with("stories.json"));
    assert!(err.diagnostics[1].location.file.ends_with("tasks.json"));
}

// ---- hostile input ------------------------------------------------------------------------

#[test]
fn files_over_the_size_cap_are_rejected_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: no 10 MB write needed
    let err = load(&path, &LoadOptions::default()).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1);
    assert_eq!(err.diagnostics[0].location.line, 1);
    assert!(err.diagnostics[0]
        .message
        .contains("limited to 10485760 bytes"));

    let big = "#".repeat(MAX_FILE_BYTES as usize + 1);
    let messages = errors(&big, "big.yaml");
    assert!(messages[0].contains("limited to"), "{messages:?}");
}

#[test]
fn deep_nesting_is_rejected_without_overflowing() {
    for (source, file) in [
        ("[".repeat(10_000), "deep.json"),
        ("a: [".to_owned() + &"[".repeat(10_000), "deep.yaml"),
        (
            "x:\n".to_owned()
                + &(1..200)
                    .map(|i| format!("{}k:\n", " ".repeat(i)))
                    .collect::<String>(),
            "deep-block.yaml",
        ),
        (r#"{"a":"#.repeat(10_000), "deep-object.json"),
    ] {
        let messages = errors(&source, file);
        assert_eq!(messages.len(), 1, "{file}: {messages:?}");
        assert!(
            messages[0].contains("deeper than 64 levels") || messages[0].contains("invalid YAML"),
            "{file}: {messages:?}"
        );
    }
    // 64 levels are fine for the reader (the plan itself is then simply not valid).
    let ok_depth = format!("{}{}", "[".repeat(64), "]".repeat(64));
    assert!(errors(&ok_depth, "ok.json")[0].contains("not a plan"));
}

#[test]
fn alias_bombs_are_rejected() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    bomb.push_str("epics: *i\n");
    let messages = errors(&bomb, "bomb.yaml");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("alias bomb"), "{messages:?}");
}

#[test]
fn invalid_utf8_and_binary_junk_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.yaml");
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &junk).unwrap();
    let err = load(&path, &LoadOptions::default()).unwrap_err();
    assert_eq!(err.diagnostics.len(), 1);
    assert!(err.diagnostics[0].message.contains("not valid UTF-8"));

    // Valid UTF-8 control characters and NULs are rejected by the parser, not by a panic.
    let messages = errors("\0\u{1}\u{7f}epics: [\u{0}]", "junk.yaml");
    assert!(!messages.is_empty());
}

// ---- property tests: no input makes the loader panic --------------------------------------

/// Fragments that make random input look like a plan often enough to reach deep code paths.
fn plan_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("epics:".to_owned()),
        Just("stories:".to_owned()),
        Just("tasks:".to_owned()),
        Just("items:".to_owned()),
        Just("\n".to_owned()),
        Just("  ".to_owned()),
        Just("- ".to_owned()),
        Just("id: ".to_owned()),
        Just("title: ".to_owned()),
        Just("depends_on: ".to_owned()),
        Just("parent_id: ".to_owned()),
        Just("sub_item_ids: ".to_owned()),
        Just("fields: ".to_owned()),
        Just("type: TASK".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(", ".to_owned()),
        Just("\"".to_owned()),
        Just("@current".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("~".to_owned()),
        "[A-Z]-[0-9]".prop_map(|s| s),
        "\\PC{0,8}".prop_map(|s| s),
    ]
}

fn no_panic(source: &str, file: &str) {
    let result = load_str(source, Path::new(file), &LoadOptions::default());
    if let Err(e) = result {
        assert!(!e.diagnostics.is_empty());
        for d in &e.diagnostics {
            assert!(d.location.line >= 1 && d.location.col >= 1, "{d}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(source in "\\PC*", json in any::<bool>()) {
        no_panic(&source, if json { "p.json" } else { "p.yaml" });
    }

    #[test]
    fn structured_random_plans_never_panic(parts in prop::collection::vec(plan_fragment(), 0..120), json in any::<bool>()) {
        no_panic(&parts.concat(), if json { "p.json" } else { "p.yaml" });
    }

    #[test]
    fn mutated_good_plans_never_panic(
        name in prop::sample::select(vec!["good/nested.yaml", "good/unified.json", "good/flat.yaml", "good/aliases.yaml"]),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3usize, "\\PC{0,3}"), 1..8),
    ) {
        let mut source = std::fs::read_to_string(fixtures().join(name)).unwrap();
        for (at, remove, insert) in edits {
            let mut offset = at.index(source.len() + 1);
            while !source.is_char_boundary(offset) {
                offset -= 1;
            }
            let mut end = (offset + remove).min(source.len());
            while !source.is_char_boundary(end) {
                end += 1;
            }
            source.replace_range(offset..end, &insert);
        }
        no_panic(&source, name);
    }
}

/// 11,100 items with a dependency chain: every rule is linear (or n log n) in the plan size, so
/// this stays quick; a quadratic check would make it crawl.
#[test]
fn large_plans_load() {
    let mut s = String::from("epics:\n");
    let mut previous: Option<String> = None;
    for e in 0..100 {
        s.push_str(&format!("- id: E-{e}\n  title: Epic {e}\n  stories:\n"));
        for st in 0..10 {
            s.push_str(&format!(
                "  - id: S-{e}-{st}\n    title: Story\n    tasks:\n"
            ));
            for t in 0..10 {
                let id = format!("T-{e}-{st}-{t}");
                s.push_str(&format!("    - id: {id}\n      title: Task\n"));
                if let Some(p) = &previous {
                    s.push_str(&format!("      depends_on: [{p}]\n"));
                }
                previous = Some(id);
            }
        }
    }
    let plan = load_str(&s, Path::new("big.yaml"), &LoadOptions::default()).unwrap();
    assert_eq!(plan.items.len(), 11_100);
    assert_eq!(plan.dependency_count(), 9_999);
    // Closing the chain into one 10,000-item cycle is found and named once.
    let cyclic = s.replacen(
        "title: Task\n",
        "title: Task\n      depends_on: [T-99-9-9]\n",
        1,
    );
    let messages = errors(&cyclic, "big.yaml");
    assert_eq!(
        messages.len(),
        1,
        "{:?}",
        &messages[..messages.len().min(3)]
    );
    assert!(messages[0].contains("dependency cycle: T-0-0-0 → T-99-9-9 → T-99-9-8 → "));
    assert!(
        messages[0].contains(" → … 9989 more … → "),
        "{}",
        messages[0]
    );
    assert!(messages[0].ends_with("T-0-0-2 → T-0-0-1 → T-0-0-0"));
}

// ---- the format documentation -------------------------------------------------------------

/// The code blocks of `docs/plan-format.md` with the given language, in order.
fn doc_blocks(language: &str) -> Vec<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-format.md"))
            .unwrap();
    let fence = format!("```{language}\n");
    doc.split(fence.as_str())
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_owned())
        .collect()
}

#[test]
fn documented_examples_load() {
    let yaml = doc_blocks("yaml");
    assert_eq!(yaml.len(), 3);
    let full = load_str(&yaml[0], Path::new("plan.yaml"), &LoadOptions::default()).unwrap();
    // The document states these counts under the example.
    assert_eq!(
        (
            full.count(ItemKind::Epic),
            full.count(ItemKind::Story),
            full.count(ItemKind::Task),
            full.dependency_count()
        ),
        (2, 2, 3, 3)
    );
    assert_eq!(full.key, "storefront-roadmap");
    let bound = load_str(&yaml[1], Path::new("plan.yaml"), &LoadOptions::default()).unwrap();
    assert_eq!(
        bound.bound_to(57).map(|i| i.id.as_str()),
        Some("pay-as-guest")
    );
    let flat = load_str(&yaml[2], Path::new("plan.yaml"), &LoadOptions::default()).unwrap();
    assert_eq!(flat.items.len(), 5);
    let json = doc_blocks("json");
    let unified = load_str(&json[0], Path::new("plan.json"), &LoadOptions::default()).unwrap();
    assert_eq!(unified.key, "billing");
    assert_eq!(unified.get("S-1").unwrap().children, ["T-1"]);
}

#[test]
fn yaml_tags_and_merge_keys() {
    let tagged = "epics:\n  - id: !!str 7\n    title: !!str 2026\n    fields: { Code: !!str 12 }\n";
    let plan = load_str(tagged, Path::new("p.yaml"), &LoadOptions::default()).unwrap();
    assert_eq!(plan.items[0].id, "7");
    assert_eq!(plan.items[0].fields["Code"], FieldValue::Text("12".into()));
    let merged = "base: &b { title: Shared }\nepics:\n  - id: E-1\n    <<: *b\n";
    let messages = errors(merged, "p.yaml");
    assert!(messages
        .iter()
        .any(|m| m.starts_with("p.yaml:1:1: plan: unknown key `base`")));
    assert!(messages
        .iter()
        .any(|m| m.starts_with("p.yaml:4:5: epic E-1: YAML merge keys (`<<`) are not supported")));
}

#[test]
fn crlf_line_endings_and_byte_order_marks_keep_positions() {
    let yaml = "\u{feff}epics:\r\n  - id: E-1\r\n    title: One\r\n    depends_on: [E-2]\r\n";
    assert_eq!(
        errors(yaml, "p.yaml"),
        ["p.yaml:4:18: epic E-1 depends on E-2, which is not in the plan"]
    );
    let json = "\u{feff}{\r\n \"epics\": [\r\n  {\"id\": \"E-1\", \"title\": \"One\", \"depends_on\": [\"E-2\"]}\r\n ]\r\n}\r\n";
    assert_eq!(
        errors(json, "p.json"),
        ["p.json:3:48: epic E-1 depends on E-2, which is not in the plan"]
    );
}

// ---- `issue:` bindings ----------------------------------------------------------------------

fn loads(source: &str, file: &str) -> Plan {
    load_str(source, Path::new(file), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{file} should load: {:#?}", e.diagnostics))
}

#[test]
fn any_item_binds_an_existing_issue_in_every_layout() {
    let nested = "epics:\n  - id: E\n    title: E\n    issue: 12\n    stories:\n      - id: S\n        title: S\n        issue: \"#13\"\n        tasks:\n          - { id: T, title: T, issue: \"14\" }\n          - { id: U, title: U }\n";
    let flat = "epics:\n  - { id: E, title: E, issue: 12 }\nstories:\n  - { id: S, epic: E, title: S, issue: 13 }\ntasks:\n  - { id: T, story: S, title: T, issue: 14 }\n  - { id: U, story: S, title: U }\n";
    let unified = r#"{"items": [
        {"id": "E", "type": "EPIC", "title": "E", "issue": 12},
        {"id": "S", "type": "STORY", "parent_id": "E", "title": "S", "issue": 13},
        {"id": "T", "type": "TASK", "parent_id": "S", "title": "T", "issue": 14},
        {"id": "U", "type": "TASK", "parent_id": "S", "title": "U"}
    ]}"#;
    for (source, file) in [
        (nested, "nested.yaml"),
        (flat, "flat.yaml"),
        (unified, "unified.json"),
    ] {
        let plan = loads(source, file);
        let bound: Vec<(&str, Option<u64>)> = plan
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.issue))
            .collect();
        assert_eq!(
            bound,
            [
                ("E", Some(12)),
                ("S", Some(13)),
                ("T", Some(14)),
                ("U", None)
            ],
            "{file}"
        );
        assert_eq!(plan.bound_to(13).map(|i| i.id.as_str()), Some("S"));
        assert!(plan.bound_to(99).is_none());
        let t = plan.get("T").unwrap();
        assert!(t.issue_location.line > 1, "{file}: {:?}", t.issue_location);
    }
}

#[test]
fn binding_one_issue_to_two_items_is_an_error_at_the_second() {
    let source = "epics:\n  - id: E\n    title: E\n    issue: 7\n    stories:\n      - id: S\n        title: S\n        issue: 7\n";
    assert_eq!(
        errors(source, "plan.yaml"),
        [
            "plan.yaml:8:16: story S: issue #7 is already bound to E (at plan.yaml:4:12); one issue \
             can back one item only"
        ]
    );
}

#[test]
fn an_issue_binding_must_be_a_positive_whole_number() {
    for (value, found) in [
        ("0", "`0`"),
        ("-3", "`-3`"),
        ("1.5", "`1.5`"),
        ("abc", "`abc`"),
        ("[1]", "a list"),
    ] {
        let source = format!("epics:\n  - id: E\n    title: E\n    issue: {value}\n");
        assert_eq!(
            errors(&source, "plan.yaml"),
            [format!(
                "plan.yaml:4:12: epic E: `issue` must be an issue number, e.g. `issue: 123`; found {found}"
            )],
            "{value}"
        );
    }
    // `issue: #12` is a YAML comment: the key is empty, so nothing is bound.
    let plan = loads(
        "epics:\n  - id: E\n    title: E\n    issue: #12\n",
        "plan.yaml",
    );
    assert_eq!(plan.items[0].issue, None);
}

#[test]
fn a_misspelt_issue_key_gets_a_hint() {
    let source = "epics:\n  - id: E\n    title: E\n    isue: 3\n";
    assert_eq!(
        errors(source, "plan.yaml"),
        ["plan.yaml:4:5: epic E: unknown key `isue` (did you mean `issue`?)"]
    );
}
