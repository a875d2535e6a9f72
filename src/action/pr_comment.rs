//! The text of planpilot's comment on a pull request: what merging it would change (counts, a
//! compact table of create / update / move / link / close rows with issue links, a folded full
//! list), or the plan's errors with links to their lines. Pure functions.
//!
//! The first line is the hidden `PreviewMarker` naming the plan, so the next push finds the
//! comment and edits it. The text stays under GitHub's 65,536-character limit for a comment
//! (https://docs.github.com/en/rest/issues/comments#create-an-issue-comment): the table is cut
//! with a line saying how many rows are left out and a link to the job summary, which has all.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::render::PreviewMarker;
use crate::sync::{ItemAction, ItemReport, PlannedChange, Report};

use super::outputs::action_word;

/// GitHub refuses a comment body over this many characters.
pub const COMMENT_LIMIT: usize = 65_536;
/// Room kept for the note written after a cut table.
const TAIL_RESERVE: usize = 1_000;
/// Characters of one table cell.
const MAX_CELL_CHARS: usize = 200;
/// Characters of one warning or error: they say what to do, so they get more room.
const MAX_LINE_CHARS: usize = 600;
/// Lines of the warnings and errors lists.
const MAX_LIST_LINES: usize = 20;

/// Where the comment's links point.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// `https://github.com/OWNER/REPO` of the managed issues, for issues the report has no URL
    /// for (a duplicate to close).
    pub issues: String,
    /// `https://github.com/OWNER/REPO/blob/SHA`: the pull request's files, for plan errors.
    pub files: Option<String>,
    /// The run's page (`…/actions/runs/ID`), where the job summary is.
    pub run: Option<String>,
    /// The commit previewed, shown in the footer.
    pub sha: Option<String>,
}

impl Links {
    fn summary(&self) -> String {
        match &self.run {
            Some(run) => format!("[job summary]({run})"),
            None => "job summary of this run".to_string(),
        }
    }

    fn footer(&self, dry_run: bool) -> String {
        let what = if dry_run { "dry run" } else { "sync" };
        let sha = match &self.sha {
            Some(sha) => format!(" of `{}`", sha.chars().take(7).collect::<String>()),
            None => String::new(),
        };
        format!("<sub>planpilot {what}{sha} · {}</sub>\n", self.summary())
    }
}

/// A problem to list, with the file line it is about when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `plan.yaml:14:9: task T-7 depends on T-99…` as the log shows it.
    pub text: String,
    /// `(path relative to the repository root, line)`.
    pub at: Option<(String, usize)>,
}

/// The comment for a finished run (a preview, normally) of `report`.
pub fn render_preview(report: &Report, marker: &PreviewMarker, links: &Links) -> String {
    let mut head = format!("{}\n", marker.to_comment());
    let key = code_text(&report.plan_key);
    if report.dry_run {
        let _ = writeln!(head, "### planpilot preview: `{key}`\n");
    } else {
        let _ = writeln!(head, "### planpilot sync: `{key}`\n");
    }
    let rows = rows(report, links);
    head.push_str(&counts_sentence(report, rows.is_empty()));
    list(&mut head, "Errors", &report.errors);
    // Warnings (missing issue types and the like) come after the changes, the reason to read.
    let mut tail = String::new();
    list(&mut tail, "Warnings", &report.warnings);
    tail.push_str(&links.footer(report.dry_run));
    if rows.is_empty() {
        return format!("{head}{tail}");
    }
    let mut body = head;
    body.push_str("| Change | Item | Issue | What changes |\n|---|---|---|---|\n");
    let budget = COMMENT_LIMIT - TAIL_RESERVE - chars(&tail);
    let mut used = chars(&body);
    let mut shown = 0;
    for row in &rows {
        let length = chars(row);
        if used + length > budget {
            break;
        }
        body.push_str(row);
        used += length;
        shown += 1;
    }
    body.push('\n');
    if shown < rows.len() {
        let _ = writeln!(
            body,
            "…{} more rows left out to stay under GitHub's 65,536-character limit for a \
             comment; every change is in the {}.\n",
            rows.len() - shown,
            links.summary()
        );
    } else {
        change_list(&mut body, report, budget, links);
    }
    body.push_str(&tail);
    body
}

/// The comment for a run that stopped before a preview: `heading`, then each problem, linked
/// to its line in the pull request's files when it has one.
pub fn render_problems(
    heading: &str,
    problems: &[Problem],
    marker: &PreviewMarker,
    links: &Links,
) -> String {
    let mut body = format!("{}\n", marker.to_comment());
    let name = if marker.plan_key.is_empty() {
        code_text(&marker.plan_file)
    } else {
        code_text(&marker.plan_key)
    };
    let _ = writeln!(
        body,
        "### planpilot preview: `{name}` — {}\n",
        one_line(heading)
    );
    body.push_str("Nothing can be synced until this is fixed:\n\n");
    let budget = COMMENT_LIMIT - TAIL_RESERVE;
    for (shown, problem) in problems.iter().enumerate() {
        // Messages that list their parts as `- …` lines arrive one part per problem.
        let text = escape(&one_line(problem.text.trim_start_matches("- ")));
        let line = match (&problem.at, &links.files) {
            // Only a path inside the repository has a page to link to.
            (Some((path, line)), Some(files)) if !path.starts_with('/') => {
                format!("- [{text}]({files}/{}#L{line})\n", path_in_url(path))
            }
            _ => format!("- {text}\n"),
        };
        if chars(&body) + chars(&line) > budget {
            let _ = writeln!(
                body,
                "- …{} more left out; all are in the {}",
                problems.len() - shown,
                links.summary()
            );
            break;
        }
        body.push_str(&line);
    }
    body.push('\n');
    body.push_str(&links.footer(true));
    body
}

/// "Merging this pull request would change 4 of 9 items: 1 to create, 2 to update, 1 to close
/// (5 unchanged)." — or that nothing would change.
fn counts_sentence(report: &Report, no_rows: bool) -> String {
    let c = report.counts();
    let items = report.items.len();
    if no_rows && report.errors.is_empty() {
        return if report.dry_run {
            format!(
                "This push brings no change: GitHub already matches the plan ({} up to date).\n\n",
                plural(c.unchanged, "item", "items")
            )
        } else {
            format!(
                "Nothing changed: GitHub already matched the plan ({} up to date).\n\n",
                plural(c.unchanged, "item", "items")
            )
        };
    }
    let verb = if report.dry_run {
        "Merging this pull request would change"
    } else {
        "This sync changed"
    };
    let mut parts = Vec::new();
    for (n, preview, past) in [
        (c.created, "to create", "created"),
        (c.adopted, "to adopt", "adopted"),
        (c.updated, "to update", "updated"),
        (c.reopened, "to reopen", "reopened"),
        (c.closed, "to close", "closed"),
        (c.failed, "failed", "failed"),
        (c.skipped, "skipped", "skipped"),
    ] {
        if n > 0 {
            let word = if report.dry_run { preview } else { past };
            parts.push(format!("**{n}** {word}"));
        }
    }
    let changed = items - c.unchanged;
    format!(
        "{verb} {changed} of {}: {} ({} unchanged).\n\n",
        plural(items, "item", "items"),
        parts.join(", "),
        c.unchanged
    )
}

/// One table row per change: the dry run's typed rows, or (after a real run) one per item that
/// changed.
fn rows(report: &Report, links: &Links) -> Vec<String> {
    let by_id: HashMap<&str, &ItemReport> = report
        .items
        .iter()
        .map(|item| (item.id.as_str(), item))
        .collect();
    if !report.planned.is_empty() {
        return report
            .planned
            .iter()
            .map(|row| planned_row(row, by_id.get(row.item.as_str()).copied(), links))
            .collect();
    }
    report
        .items
        .iter()
        .filter(|item| item.action != ItemAction::Unchanged)
        .map(|item| {
            format!(
                "| {} | `{}` {} | {} | {} |\n",
                action_word(report.dry_run, item.action),
                code_text(&item.id),
                item.kind,
                issue_link(item),
                cell(&item.details.join(", "))
            )
        })
        .collect()
}

fn planned_row(row: &PlannedChange, item: Option<&ItemReport>, links: &Links) -> String {
    let subject = match item {
        Some(item) => format!("`{}` {}", code_text(&row.item), item.kind),
        None if row.kind == crate::sync::ChangeKind::Label => {
            format!("`{}` label", code_text(&row.item))
        }
        None => format!("`{}`", code_text(&row.item)),
    };
    let issue = match (row.issue, item) {
        (Some(n), _) => format!("[#{n}]({}/issues/{n})", links.issues),
        (None, Some(item)) => issue_link(item),
        (None, None) => "—".to_string(),
    };
    format!(
        "| {} | {subject} | {issue} | {} |\n",
        row.kind.as_str(),
        cell(&row.what.join(", "))
    )
}

fn issue_link(item: &ItemReport) -> String {
    match (item.number, &item.url) {
        (Some(n), Some(url)) => format!("[#{n}]({url})"),
        (Some(n), None) => format!("#{n}"),
        _ => "—".to_string(),
    }
}

/// The full change list, folded, as long as it fits; the summary has the rest.
fn change_list(body: &mut String, report: &Report, budget: usize, links: &Links) {
    if report.changes.is_empty() {
        return;
    }
    let mut folded = format!(
        "<details><summary>All {} changes</summary>\n\n",
        report.changes.len()
    );
    let closing = "\n</details>\n\n";
    let room = budget.saturating_sub(chars(body) + chars(closing) + 200);
    let mut shown = 0;
    for line in &report.changes {
        let line = format!("- {}\n", cell(line));
        if chars(&folded) + chars(&line) > room {
            break;
        }
        folded.push_str(&line);
        shown += 1;
    }
    if shown == 0 {
        return;
    }
    if shown < report.changes.len() {
        let _ = writeln!(
            folded,
            "- …and {} more, in the {}",
            report.changes.len() - shown,
            links.summary()
        );
    }
    folded.push_str(closing);
    body.push_str(&folded);
}

fn list(md: &mut String, title: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(md, "**{title}**\n");
    for line in lines.iter().take(MAX_LIST_LINES) {
        let _ = writeln!(md, "- {}", bounded(line, MAX_LINE_CHARS));
    }
    if lines.len() > MAX_LIST_LINES {
        let _ = writeln!(md, "- …and {} more", lines.len() - MAX_LIST_LINES);
    }
    md.push('\n');
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Markdown-safe text: no raw HTML (so no comment can be closed or opened), no table breaks.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// A bounded, escaped table cell.
fn cell(s: &str) -> String {
    bounded(s, MAX_CELL_CHARS)
}

/// `s` on one line, cut to `max` characters, escaped.
fn bounded(s: &str, max: usize) -> String {
    let line = one_line(s);
    let mut text: String = line.chars().take(max).collect();
    if line.chars().count() > max {
        text.push('…');
    }
    escape(&text)
}

/// Text safe inside an inline code span.
fn code_text(s: &str) -> String {
    one_line(s).replace('`', "'").replace('|', "\\|")
}

/// A repository path as a URL path: each segment percent-encoded where needed.
fn path_in_url(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            segment
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::fixtures::{self, task as item};
    use crate::sync::ChangeKind;

    fn planned(kind: ChangeKind, item: &str, what: &str) -> PlannedChange {
        PlannedChange {
            kind,
            item: item.to_string(),
            issue: None,
            what: vec![what.to_string()],
        }
    }

    fn report(items: Vec<ItemReport>, planned: Vec<PlannedChange>) -> Report {
        Report {
            plan_key: "shop".to_string(),
            dry_run: true,
            changes: planned
                .iter()
                .map(|p| format!("{} {}", p.kind.as_str(), p.item))
                .collect(),
            planned,
            ..fixtures::report(items)
        }
    }

    fn marker() -> PreviewMarker {
        PreviewMarker {
            plan_key: "shop".into(),
            plan_file: "plan.yaml".into(),
        }
    }

    fn links() -> Links {
        Links {
            issues: "https://github.com/acme/roadmap".into(),
            files: Some("https://github.com/acme/roadmap/blob/abcdef1234".into()),
            run: Some("https://github.com/acme/roadmap/actions/runs/42".into()),
            sha: Some("abcdef1234".into()),
        }
    }

    #[test]
    fn a_preview_has_the_marker_counts_a_table_and_the_full_list() {
        let r = report(
            vec![
                item("T-1", ItemAction::Created, None),
                item("T-2", ItemAction::Updated, Some(3)),
                item("T-3", ItemAction::Unchanged, Some(4)),
                item("T-9", ItemAction::Closed, Some(9)),
            ],
            vec![
                planned(ChangeKind::Create, "T-1", "new task: Title of T-1"),
                planned(ChangeKind::Update, "T-2", "title | body"),
                planned(ChangeKind::Link, "T-2", "blocked by T-1"),
                planned(ChangeKind::Close, "T-9", "removed from the plan"),
                PlannedChange {
                    issue: Some(12),
                    ..planned(ChangeKind::Close, "T-3", "a second issue")
                },
            ],
        );
        let body = render_preview(&r, &marker(), &links());
        assert!(body.starts_with("<!-- planpilot:preview plan=shop file=plan.yaml -->\n"));
        assert_eq!(PreviewMarker::of_body(&body), Some(marker()));
        assert!(
            body.contains(
                "Merging this pull request would change 3 of 4 items: **1** to create, \
             **1** to update, **1** to close (1 unchanged)."
            ),
            "{body}"
        );
        assert!(body.contains(
            "| Change | Item | Issue | What changes |\n|---|---|---|---|\n\
             | create | `T-1` task | — | new task: Title of T-1 |\n\
             | update | `T-2` task | [#3](https://github.com/acme/roadmap/issues/3) | title \\| body |\n\
             | link | `T-2` task | [#3](https://github.com/acme/roadmap/issues/3) | blocked by T-1 |\n\
             | close | `T-9` task | [#9](https://github.com/acme/roadmap/issues/9) | removed from the plan |\n\
             | close | `T-3` task | [#12](https://github.com/acme/roadmap/issues/12) | a second issue |\n"
        ), "{body}");
        assert!(body.contains("<details><summary>All 5 changes</summary>\n\n- create T-1\n"));
        assert!(
            body.ends_with(
                "<sub>planpilot dry run of `abcdef1` · \
             [job summary](https://github.com/acme/roadmap/actions/runs/42)</sub>\n"
            ),
            "{body}"
        );
    }

    #[test]
    fn a_push_without_changes_says_so() {
        let r = report(vec![item("T-1", ItemAction::Unchanged, Some(3))], vec![]);
        let body = render_preview(&r, &marker(), &links());
        assert!(
            body.contains(
                "This push brings no change: GitHub already matches the plan (1 item up to date)."
            ),
            "{body}"
        );
        assert!(!body.contains("| Change |"));
    }

    #[test]
    fn an_oversized_preview_is_cut_under_the_limit_with_a_count_and_a_link() {
        let items: Vec<ItemReport> = (0..3000)
            .map(|i| item(&format!("T-{i}"), ItemAction::Created, None))
            .collect();
        let rows: Vec<PlannedChange> = (0..3000)
            .map(|i| planned(ChangeKind::Create, &format!("T-{i}"), &"x".repeat(150)))
            .collect();
        let body = render_preview(&report(items, rows), &marker(), &links());
        assert!(body.chars().count() <= COMMENT_LIMIT, "{}", body.len());
        let shown = body.lines().filter(|l| l.starts_with("| create |")).count();
        assert!(shown > 100 && shown < 3000, "{shown}");
        assert!(
            body.contains(&format!(
                "…{} more rows left out to stay under GitHub's 65,536-character limit for a \
             comment; every change is in the \
             [job summary](https://github.com/acme/roadmap/actions/runs/42).",
                3000 - shown
            )),
            "{}",
            &body[body.len() - 600..]
        );
        // The table was cut, so the full list is left to the summary.
        assert!(!body.contains("<details>"));
    }

    #[test]
    fn plan_errors_link_to_their_lines() {
        let problems = [
            Problem {
                text: "plans/shop plan.yaml:13:27: task T-2 depends on T-9 <x>".into(),
                at: Some(("plans/shop plan.yaml".into(), 13)),
            },
            Problem {
                text: "- the plan does not match GitHub".into(),
                at: None,
            },
            Problem {
                text: "/elsewhere/plan.yaml:1:1: outside".into(),
                at: Some(("/elsewhere/plan.yaml".into(), 1)),
            },
        ];
        let unloaded = PreviewMarker {
            plan_key: String::new(),
            plan_file: "plans/shop plan.yaml".into(),
        };
        let body = render_problems("the plan has 1 error", &problems, &unloaded, &links());
        assert!(body.starts_with(&unloaded.to_comment()));
        assert!(
            body.contains("### planpilot preview: `plans/shop plan.yaml` — the plan has 1 error")
        );
        assert!(
            body.contains(
                "- [plans/shop plan.yaml:13:27: task T-2 depends on T-9 &lt;x&gt;]\
             (https://github.com/acme/roadmap/blob/abcdef1234/plans/shop%20plan.yaml#L13)\n\
             - the plan does not match GitHub\n"
            ),
            "{body}"
        );
    }
}
