//! Step outputs: what a run produced, written to the `GITHUB_OUTPUT` file in the runner's format
//! (toolkit's `setOutput`), or shown locally as a table or JSON.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use rand::Rng;

use crate::sync::{ItemAction, Report, Roadmap, Tally};

/// Names of the outputs, in the order they are written (and declared in action.yml).
pub const OUTPUT_NAMES: [&str; 8] = [
    "created-issues",
    "issue-map",
    "created-count",
    "updated-count",
    "unchanged-count",
    "closed-count",
    "plan-key",
    "progress",
];

/// Values longer than this use the heredoc form too, so no line of the file is unwieldy.
const LONG_VALUE: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("output name {0:?} is not usable (empty, or contains '=', '<<' or a line break)")]
    BadName(String),
    #[error("could not pick a heredoc delimiter absent from the value of output {0:?}")]
    NoDelimiter(String),
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// One line `name=value`, or the heredoc `name<<DELIM`, value, `DELIM` for multi-line or long
/// values. `next_delimiter` supplies candidate delimiters; one occurring in the value (on any
/// line) is refused and the next is tried, so a value can never end the block early.
pub fn format_output(
    name: &str,
    value: &str,
    mut next_delimiter: impl FnMut() -> String,
) -> Result<String, OutputError> {
    if name.is_empty() || name.contains(['=', '\n', '\r']) || name.contains("<<") {
        return Err(OutputError::BadName(name.to_string()));
    }
    let needs_heredoc = value.contains(['\n', '\r']) || value.len() > LONG_VALUE;
    if !needs_heredoc {
        return Ok(format!("{name}={value}\n"));
    }
    for _ in 0..8 {
        let delimiter = next_delimiter();
        if !delimiter.is_empty() && !value.contains(&delimiter) {
            return Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        }
    }
    Err(OutputError::NoDelimiter(name.to_string()))
}

/// A fresh delimiter in the runner's own style: `ghadelimiter_` and 32 random hex digits.
pub fn random_delimiter() -> String {
    let bits: u128 = rand::thread_rng().gen();
    format!("ghadelimiter_{bits:032x}")
}

/// Appends one output to the `GITHUB_OUTPUT` file at `path` (toolkit's `setOutput`).
pub fn set_output(path: &Path, name: &str, value: &str) -> Result<(), OutputError> {
    set_outputs(path, &[(name.to_string(), value.to_string())])
}

/// Appends every `(name, value)` to the `GITHUB_OUTPUT` file at `path`, in one write.
pub fn set_outputs(path: &Path, outputs: &[(String, String)]) -> Result<(), OutputError> {
    let mut text = String::new();
    for (name, value) in outputs {
        text.push_str(&format_output(name, value, random_delimiter)?);
    }
    let io = |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)
}

/// One entry of the `issue-map` output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MappedIssue {
    /// `null` when there is no issue (a dry-run create, or a failed one).
    pub number: Option<u64>,
    pub url: Option<String>,
    pub action: &'static str,
}

/// item id → issue, for every item of the report.
pub fn issue_map(report: &Report) -> BTreeMap<String, MappedIssue> {
    report
        .items
        .iter()
        .map(|item| {
            let mapped = MappedIssue {
                number: item.number,
                url: item.url.clone(),
                action: item.action.as_str(),
            };
            (item.id.clone(), mapped)
        })
        .collect()
}

/// `{"done", "total", "percent"}` of one tally (`percent`: `null` with nothing to do).
fn tally_json(tally: Tally) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("done".into(), tally.done.into());
    map.insert("total".into(), tally.total.into());
    map.insert("percent".into(), tally.percent().into());
    map
}

/// The `progress` output: the plan's tally, then each epic's with its stories', by id
/// (`null` when nothing was read, in an offline preview).
pub fn progress_json(roadmap: Option<&Roadmap>) -> serde_json::Value {
    let Some(roadmap) = roadmap else {
        return serde_json::Value::Null;
    };
    let with_id = |id: &str, tally: Tally| {
        let mut map = serde_json::Map::new();
        map.insert("id".into(), id.into());
        map.extend(tally_json(tally));
        map
    };
    let epics: Vec<serde_json::Value> = roadmap
        .epics
        .iter()
        .map(|epic| {
            let mut map = with_id(&epic.id, epic.tally);
            let stories: Vec<serde_json::Value> = epic
                .stories
                .iter()
                .map(|story| with_id(&story.id, story.tally).into())
                .collect();
            map.insert("stories".into(), stories.into());
            map.into()
        })
        .collect();
    let mut map = tally_json(roadmap.total);
    map.insert("epics".into(), epics.into());
    map.into()
}

/// The step's outputs for a report, named as in `OUTPUT_NAMES`.
pub fn report_outputs(report: &Report) -> Vec<(String, String)> {
    let counts = report.counts();
    // Serialising numbers, strings and optional values cannot fail; fall back to an empty
    // value rather than panic if that ever changes.
    let created = serde_json::to_string(&report.created_issues()).unwrap_or_default();
    let map = serde_json::to_string(&issue_map(report)).unwrap_or_default();
    let values = [
        created,
        map,
        counts.created.to_string(),
        // A reopened or adopted issue was updated (its state or body changed): counted with
        // the updates.
        (counts.updated + counts.reopened + counts.adopted).to_string(),
        counts.unchanged.to_string(),
        counts.closed.to_string(),
        report.plan_key.clone(),
        progress_json(report.roadmap.as_ref()).to_string(),
    ];
    OUTPUT_NAMES
        .iter()
        .zip(values)
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

/// The result as one JSON document for `--json`: the outputs plus every item.
pub fn report_json(report: &Report) -> serde_json::Value {
    let counts = report.counts();
    serde_json::json!({
        "plan-key": report.plan_key,
        "dry-run": report.dry_run,
        "created-issues": report.created_issues(),
        "issue-map": issue_map(report),
        "counts": counts,
        "changes": report.changes,
        "warnings": report.warnings,
        "errors": report.errors,
        "progress": progress_json(report.roadmap.as_ref()),
        "metrics": report.metrics,
    })
}

/// A plain-text table of the items for the terminal (and the log).
pub fn report_table(report: &Report) -> String {
    let rows: Vec<[String; 5]> = report
        .items
        .iter()
        .map(|item| {
            [
                item.id.clone(),
                item.kind.to_string(),
                action_word(report.dry_run, item.action).to_string(),
                item.number.map(|n| format!("#{n}")).unwrap_or_default(),
                item.title.clone(),
            ]
        })
        .collect();
    let header = ["ID", "KIND", "ACTION", "ISSUE", "TITLE"].map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&counts_line(report));
    out.push('\n');
    out
}

/// "3 created, 1 updated, 7 unchanged, 0 closed" (with "would be" in a dry run).
pub fn counts_line(report: &Report) -> String {
    let c = report.counts();
    let mut parts = vec![
        format!("{} created", c.created),
        format!("{} updated", c.updated),
        format!("{} unchanged", c.unchanged),
        format!("{} closed", c.closed),
    ];
    for (n, word) in [
        (c.reopened, "reopened"),
        (c.adopted, "adopted"),
        (c.skipped, "skipped"),
        (c.failed, "failed"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let prefix = if report.dry_run {
        "dry run, would be: "
    } else {
        ""
    };
    format!("{prefix}{}", parts.join(", "))
}

/// The action as a reader should see it: "create" (to be done) in a dry run, "created" after.
pub fn action_word(dry_run: bool, action: ItemAction) -> &'static str {
    if !dry_run {
        return action.as_str();
    }
    match action {
        ItemAction::Created => "create",
        ItemAction::Updated => "update",
        ItemAction::Closed => "close",
        ItemAction::Reopened => "reopen",
        ItemAction::Adopted => "adopt",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::fixtures::{report, task as item};

    #[test]
    fn short_single_line_values_use_name_equals_value() {
        let line = format_output("created-count", "3", || unreachable!()).unwrap();
        assert_eq!(line, "created-count=3\n");
    }

    #[test]
    fn multi_line_values_use_a_heredoc() {
        let out = format_output("notes", "a\nb", || "EOF_1".to_string()).unwrap();
        assert_eq!(out, "notes<<EOF_1\na\nb\nEOF_1\n");
    }

    #[test]
    fn long_values_use_a_heredoc() {
        let value = "x".repeat(LONG_VALUE + 1);
        let out = format_output("issue-map", &value, random_delimiter).unwrap();
        let mut lines = out.lines();
        let first = lines.next().unwrap();
        let delimiter = first.strip_prefix("issue-map<<").unwrap();
        assert!(delimiter.starts_with("ghadelimiter_"));
        assert_eq!(lines.next(), Some(value.as_str()));
        assert_eq!(lines.next(), Some(delimiter));
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn a_delimiter_found_in_the_value_is_refused() {
        let mut candidates = vec!["SAFE".to_string(), "END".to_string()];
        let out = format_output("v", "line\nEND\nmore", || candidates.pop().unwrap()).unwrap();
        assert_eq!(out, "v<<SAFE\nline\nEND\nmore\nSAFE\n");
        let err = format_output("v", "a\nEND", || "END".to_string()).unwrap_err();
        assert!(matches!(err, OutputError::NoDelimiter(_)));
    }

    #[test]
    fn random_delimiters_differ() {
        assert_ne!(random_delimiter(), random_delimiter());
    }

    #[test]
    fn bad_output_names_are_refused() {
        for name in ["", "a=b", "a\nb", "a<<b"] {
            assert!(
                format_output(name, "v", random_delimiter).is_err(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn set_outputs_appends_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        std::fs::write(&path, "earlier=1\n").unwrap();
        set_outputs(
            &path,
            &[("a".into(), "1".into()), ("b".into(), "x\ny".into())],
        )
        .unwrap();
        set_output(&path, "c", "3").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("earlier=1\na=1\nb<<ghadelimiter_"),
            "{text}"
        );
        assert!(text.contains("\nx\ny\nghadelimiter_"), "{text}");
        assert!(text.ends_with("\nc=3\n"), "{text}");
    }

    #[test]
    fn outputs_from_a_report() {
        let report = report(vec![
            item("T-1", ItemAction::Created, Some(11)),
            item("T-2", ItemAction::Unchanged, Some(5)),
            item("T-3", ItemAction::Created, Some(12)),
            item("T-4", ItemAction::Reopened, Some(6)),
            item("T-9", ItemAction::Closed, Some(7)),
        ]);
        let outputs: BTreeMap<_, _> = report_outputs(&report).into_iter().collect();
        assert_eq!(outputs.len(), OUTPUT_NAMES.len());
        assert_eq!(outputs["created-issues"], "[11,12]");
        assert_eq!(outputs["created-count"], "2");
        assert_eq!(outputs["updated-count"], "1");
        assert_eq!(outputs["unchanged-count"], "1");
        assert_eq!(outputs["closed-count"], "1");
        assert_eq!(outputs["plan-key"], "roadmap");
        let map: serde_json::Value = serde_json::from_str(&outputs["issue-map"]).unwrap();
        assert_eq!(map["T-1"]["number"], 11);
        assert_eq!(
            map["T-1"]["url"],
            "https://github.com/acme/roadmap/issues/11"
        );
        assert_eq!(map["T-9"]["action"], "closed");
        // Nothing was read: progress is unknown.
        assert_eq!(outputs["progress"], "null");
    }

    #[test]
    fn progress_is_json_per_epic_and_story() {
        use crate::sync::{EpicProgress, StoryProgress};
        let mut report = report(vec![]);
        report.roadmap = Some(Roadmap {
            epics: vec![EpicProgress {
                id: "E-1".into(),
                title: "Checkout".into(),
                tally: Tally { done: 1, total: 3 },
                stories: vec![StoryProgress {
                    id: "S-1".into(),
                    title: "Pay".into(),
                    tally: Tally { done: 0, total: 0 },
                }],
            }],
            total: Tally { done: 1, total: 3 },
            done: Default::default(),
        });
        let outputs: BTreeMap<_, _> = report_outputs(&report).into_iter().collect();
        let progress: serde_json::Value = serde_json::from_str(&outputs["progress"]).unwrap();
        assert_eq!(
            progress,
            serde_json::json!({
                "done": 1, "total": 3, "percent": 33,
                "epics": [{"id": "E-1", "done": 1, "total": 3, "percent": 33,
                           "stories": [{"id": "S-1", "done": 0, "total": 0, "percent": null}]}]
            })
        );
    }

    #[test]
    fn table_lists_items_and_counts_with_dry_run_wording() {
        let mut report = report(vec![
            item("T-1", ItemAction::Created, None),
            item("T-22", ItemAction::Unchanged, Some(5)),
        ]);
        report.dry_run = true;
        let table = report_table(&report);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "ID    KIND  ACTION     ISSUE  TITLE");
        assert_eq!(lines[1], "T-1   task  create            Title of T-1");
        assert_eq!(lines[2], "T-22  task  unchanged  #5     Title of T-22");
        assert_eq!(
            lines[3],
            "dry run, would be: 1 created, 0 updated, 1 unchanged, 0 closed"
        );
    }
}
