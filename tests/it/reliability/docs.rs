//! `docs/guarantees.md` names the tests behind each promise; every name must be a real test, so
//! the promises cannot outlive their evidence.

use std::path::Path;

use super::support::root;

/// Test function names defined under `dir` (files of `tests/it`, recursively), with the module
/// path a filter would use (`sync::name`, `reliability::faults::name`).
fn defined_tests(dir: &Path, module: &str, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("tests dir").flatten() {
        let path = entry.path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let prefix = if module.is_empty() {
            stem.clone()
        } else {
            format!("{module}::{stem}")
        };
        if path.is_dir() {
            defined_tests(&path, &prefix, out);
            continue;
        }
        let module = match stem.as_str() {
            "main" => String::new(),
            "mod" => module.to_string(),
            _ => prefix,
        };
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let line = line.trim_start();
            let name = line
                .strip_prefix("async fn ")
                .or_else(|| line.strip_prefix("fn "))
                .and_then(|rest| rest.split('(').next());
            if let Some(name) = name {
                out.push(format!("{module}::{name}"));
            }
        }
    }
}

#[test]
fn every_test_named_in_the_guarantees_exists() {
    let text = std::fs::read_to_string(root().join("docs/guarantees.md")).expect("guarantees");
    let mut defined = Vec::new();
    defined_tests(&root().join("tests/it"), "", &mut defined);
    let cited: Vec<&str> = text
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.contains("::") && !s.starts_with(":") && !s.contains(" "))
        .collect();
    assert!(cited.len() > 20, "{cited:?}");
    for name in cited {
        let found = match name.split_once('*') {
            Some((before, after)) => defined
                .iter()
                .any(|d| d.starts_with(before) && d.ends_with(after)),
            None => defined.iter().any(|d| d == name),
        };
        assert!(
            found,
            "docs/guarantees.md cites {name}, which is not a test"
        );
    }
}
