//! The job summary (toolkit's `summary`): markdown appended to `GITHUB_STEP_SUMMARY` — counts,
//! a table of changed items with links, roadmap progress per epic and story with text bars, and
//! a mermaid picture of hierarchy and dependencies with done items in their own colour.
//!
//! Everything is bounded: table rows, change lines, graph nodes and edges, and the whole text
//! stays under GitHub's 1 MiB per-step limit, however large the plan.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;

use crate::plan::ItemKind;
use crate::sync::{ItemAction, ItemReport, Report, Roadmap, Tally};

use super::outputs::action_word;

/// GitHub refuses a step summary over 1 MiB; keep a margin for what other steps may add.
pub const SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;
/// Rows of the changed-items table, then "…and N more".
const MAX_TABLE_ROWS: usize = 500;
/// Characters of one table cell.
const MAX_CELL_CHARS: usize = 300;
/// Lines of the warnings and errors lists.
const MAX_LIST_LINES: usize = 100;
/// Lines of the folded change list.
const MAX_CHANGE_LINES: usize = 1000;
/// Mermaid stays readable (and under its default size limits) up to about this many nodes.
const MAX_GRAPH_NODES: usize = 120;
const MAX_GRAPH_EDGES: usize = 300;
/// Titles in graph nodes are cut to this many characters.
const GRAPH_TITLE_CHARS: usize = 40;
/// Rows (epics and stories) of the progress table, then "…and N more".
const MAX_PROGRESS_ROWS: usize = 300;
/// Cells of a progress bar.
const BAR_CELLS: usize = 10;

/// The whole summary for a report.
pub fn render_summary(report: &Report) -> String {
    let mut md = String::new();
    heading(&mut md, report);
    counts_table(&mut md, report);
    changed_items(&mut md, report);
    if let Some(roadmap) = &report.roadmap {
        progress_section(&mut md, roadmap);
    }
    bullet_section(&mut md, "Errors", &report.errors);
    bullet_section(&mut md, "Warnings", &report.warnings);
    let kept: Vec<String> = report
        .kept_links
        .iter()
        .map(|link| format!("{link}: kept (not in the plan)"))
        .collect();
    bullet_section(&mut md, "Links people made", &kept);
    change_list(&mut md, report);
    graph_section(&mut md, report);
    metrics_line(&mut md, report);
    bound(md, SUMMARY_LIMIT)
}

/// The summary of a run that stopped before syncing: what went wrong, one bullet per problem.
pub fn render_failure(heading: &str, problems: &[String]) -> String {
    let mut md = format!("## planpilot: {}\n\n", one_line(heading));
    md.push_str("Nothing was changed on GitHub.\n\n");
    for problem in problems.iter().take(MAX_LIST_LINES) {
        let _ = writeln!(md, "- {}", one_line(problem));
    }
    if problems.len() > MAX_LIST_LINES {
        let _ = writeln!(md, "- …and {} more", problems.len() - MAX_LIST_LINES);
    }
    bound(md, SUMMARY_LIMIT)
}

/// Appends `markdown` to the summary file at `path`.
pub fn append_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(markdown.as_bytes())?;
    file.write_all(b"\n")
}

fn heading(md: &mut String, report: &Report) {
    let _ = writeln!(md, "## planpilot: `{}`\n", code_text(&report.plan_key));
    if report.dry_run {
        md.push_str(
            "> [!NOTE]\n> **Preview (dry run)**: nothing was changed. This is what a sync \
             of this plan would do.\n\n",
        );
    } else if let Some(resume) = &report.resume {
        let _ = writeln!(md, "> [!WARNING]\n> {}\n", resume.message());
    } else if !report.is_complete() {
        md.push_str(
            "> [!WARNING]\n> The sync stopped before finishing; what is listed below was \
             applied. Re-run the workflow to resume.\n\n",
        );
    }
}

fn counts_table(md: &mut String, report: &Report) {
    let c = report.counts();
    let verb = if report.dry_run { "to be " } else { "" };
    let mut columns = vec![
        ("created", c.created),
        ("updated", c.updated),
        ("unchanged", c.unchanged),
        ("closed", c.closed),
    ];
    for (name, n) in [
        ("reopened", c.reopened),
        ("adopted", c.adopted),
        ("skipped", c.skipped),
        ("failed", c.failed),
    ] {
        if n > 0 {
            columns.push((name, n));
        }
    }
    let header: Vec<String> = columns
        .iter()
        .map(|(name, _)| match *name {
            "unchanged" | "skipped" | "failed" => capitalise(name),
            _ => capitalise(&format!("{verb}{name}")),
        })
        .collect();
    let _ = writeln!(md, "| {} |", header.join(" | "));
    let _ = writeln!(md, "|{}", "---:|".repeat(columns.len()));
    let values: Vec<String> = columns.iter().map(|(_, n)| n.to_string()).collect();
    let _ = writeln!(md, "| {} |\n", values.join(" | "));
}

fn changed_items(md: &mut String, report: &Report) {
    let changed: Vec<&ItemReport> = report
        .items
        .iter()
        .filter(|item| item.action != ItemAction::Unchanged)
        .collect();
    if changed.is_empty() {
        md.push_str("Everything is up to date: no item changed.\n\n");
        return;
    }
    let title = if report.dry_run {
        "Items that would change"
    } else {
        "Changed items"
    };
    let _ = writeln!(md, "### {title}\n");
    md.push_str("| Item | Kind | Action | Issue | Title | Details |\n");
    md.push_str("|---|---|---|---|---|---|\n");
    for item in changed.iter().take(MAX_TABLE_ROWS) {
        let issue = match (item.number, &item.url) {
            (Some(n), Some(url)) => format!("[#{n}]({url})"),
            (Some(n), None) => format!("#{n}"),
            _ => "—".to_string(),
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} |",
            code_text(&item.id),
            item.kind,
            action_word(report.dry_run, item.action),
            issue,
            table_cell(&item.title),
            table_cell(&item.details.join(", ")),
        );
    }
    if changed.len() > MAX_TABLE_ROWS {
        let _ = writeln!(md, "\n…and {} more.", changed.len() - MAX_TABLE_ROWS);
    }
    md.push('\n');
}

/// `███████░░░ 70%` (rounded down, so a full bar means all done); `—` with nothing to do.
pub fn progress_bar(tally: Tally) -> String {
    match tally.percent() {
        None => "—".to_string(),
        Some(percent) => {
            let filled = tally.done * BAR_CELLS / tally.total;
            format!(
                "{}{} {percent}%",
                "█".repeat(filled),
                "░".repeat(BAR_CELLS - filled)
            )
        }
    }
}

/// Per epic and per story, done/total tasks with a bar, then the plan's total.
fn progress_section(md: &mut String, roadmap: &Roadmap) {
    if roadmap.epics.is_empty() {
        return;
    }
    let rows: Vec<(String, Tally)> = roadmap
        .epics
        .iter()
        .flat_map(|epic| {
            let own = (
                format!("**`{}`** {}", code_text(&epic.id), table_cell(&epic.title)),
                epic.tally,
            );
            let stories = epic.stories.iter().map(|story| {
                (
                    format!("↳ `{}` {}", code_text(&story.id), table_cell(&story.title)),
                    story.tally,
                )
            });
            std::iter::once(own).chain(stories)
        })
        .collect();
    md.push_str("### Roadmap progress\n\n| Item | Tasks done | Progress |\n|---|---:|---|\n");
    let row = |md: &mut String, label: &str, tally: Tally| {
        let bar = progress_bar(tally);
        let _ = writeln!(md, "| {label} | {}/{} | {bar} |", tally.done, tally.total);
    };
    for (label, tally) in rows.iter().take(MAX_PROGRESS_ROWS) {
        row(md, label, *tally);
    }
    if rows.len() > MAX_PROGRESS_ROWS {
        let _ = writeln!(md, "| …and {} more | | |", rows.len() - MAX_PROGRESS_ROWS);
    }
    row(md, "**Plan**", roadmap.total);
    md.push_str(
        "\nDone: tasks whose issue is closed as completed. Tasks closed as not planned are left \
         out of the total; a story or epic without tasks counts as one.\n\n",
    );
}

fn bullet_section(md: &mut String, title: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(md, "### {title}\n");
    for line in lines.iter().take(MAX_LIST_LINES) {
        let _ = writeln!(md, "- {}", one_line(line));
    }
    if lines.len() > MAX_LIST_LINES {
        let _ = writeln!(md, "- …and {} more", lines.len() - MAX_LIST_LINES);
    }
    md.push('\n');
}

/// The full change list, folded: the table above already says what changed per item.
fn change_list(md: &mut String, report: &Report) {
    if report.changes.is_empty() {
        return;
    }
    let what = if report.dry_run {
        "changes this sync would make"
    } else {
        "changes made"
    };
    let _ = writeln!(
        md,
        "<details><summary>All {} {what}</summary>\n",
        report.changes.len()
    );
    for line in report.changes.iter().take(MAX_CHANGE_LINES) {
        let _ = writeln!(md, "- {}", table_cell(line));
    }
    if report.changes.len() > MAX_CHANGE_LINES {
        let _ = writeln!(
            md,
            "- …and {} more",
            report.changes.len() - MAX_CHANGE_LINES
        );
    }
    md.push_str("\n</details>\n\n");
}

fn metrics_line(md: &mut String, report: &Report) {
    let m = &report.metrics;
    if m.requests == 0 {
        return;
    }
    let _ = writeln!(
        md,
        "<sub>{} requests, {} mutations, {:.1} s waiting on rate limits</sub>",
        m.requests,
        m.mutations,
        m.rate_limit_wait_ms as f64 / 1000.0
    );
}

/// Which levels the graph can show within its bounds, or a note why it is left out.
fn graph_levels(items: &[ItemReport]) -> Result<(Vec<ItemKind>, Option<String>), String> {
    let count = |kinds: &[ItemKind]| items.iter().filter(|i| kinds.contains(&i.kind)).count();
    let edges = |kinds: &[ItemKind]| {
        items
            .iter()
            .filter(|i| kinds.contains(&i.kind))
            .map(|i| i.depends_on.len() + usize::from(i.parent.is_some()))
            .sum::<usize>()
    };
    let fits = |kinds: &[ItemKind]| {
        count(kinds) <= MAX_GRAPH_NODES && edges(kinds) <= MAX_GRAPH_EDGES && count(kinds) > 0
    };
    let all = vec![ItemKind::Epic, ItemKind::Story, ItemKind::Task];
    if fits(&all) {
        return Ok((all, None));
    }
    for (kinds, note) in [
        (vec![ItemKind::Epic, ItemKind::Story], "epics and stories"),
        (vec![ItemKind::Epic], "epics"),
    ] {
        if fits(&kinds) {
            let left_out = items.len() - count(&kinds);
            return Ok((
                kinds,
                Some(format!(
                    "The plan is large: the graph shows {note} only ({left_out} items left out)."
                )),
            ));
        }
    }
    Err(format!(
        "The plan is too large for a readable graph ({} items).",
        items.len()
    ))
}

fn graph_section(md: &mut String, report: &Report) {
    if report.items.is_empty() {
        return;
    }
    md.push_str("### Plan graph\n\n");
    match graph_levels(&report.items) {
        Err(note) => {
            let _ = writeln!(md, "{note}\n");
        }
        Ok((kinds, note)) => {
            if let Some(note) = note {
                let _ = writeln!(md, "{note}\n");
            }
            md.push_str(&mermaid(report, &kinds));
            md.push_str(
                "\nSolid arrows: parent → child. Dotted arrows: blocker ⇢ blocked item. \
                 Green: created, yellow: updated, purple (✓): done, grey: closed, red: failed.\n\n",
            );
        }
    }
}

/// A mermaid flowchart of the items of `kinds`: hierarchy as solid edges, dependencies as
/// dotted ones, nodes coloured by what happened to them.
fn mermaid(report: &Report, kinds: &[ItemKind]) -> String {
    let shown: Vec<&ItemReport> = report
        .items
        .iter()
        .filter(|item| kinds.contains(&item.kind))
        .collect();
    // Node ids are positional: item ids may hold characters mermaid gives meaning to.
    let node: HashMap<&str, String> = shown
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id.as_str(), format!("n{i}")))
        .collect();
    let mut out = String::from("```mermaid\nflowchart TD\n");
    for item in &shown {
        let _ = writeln!(
            out,
            "  {}[\"{}\"]",
            node[item.id.as_str()],
            mermaid_label(item, is_done(report, item))
        );
    }
    for item in &shown {
        if let Some(parent) = item.parent.as_deref().and_then(|p| node.get(p)) {
            let _ = writeln!(out, "  {parent} --> {}", node[item.id.as_str()]);
        }
    }
    for item in &shown {
        for blocker in item.depends_on.iter().filter_map(|d| node.get(d.as_str())) {
            let _ = writeln!(out, "  {blocker} -.-> {}", node[item.id.as_str()]);
        }
    }
    for (class, style) in CLASS_STYLES {
        let members: Vec<&str> = shown
            .iter()
            .filter(|item| node_class(report, item) == Some(class))
            .map(|item| node[item.id.as_str()].as_str())
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {class} {style}");
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
    }
    out.push_str("```\n");
    out
}

/// The graph's colours, GitHub's own: green for new, yellow for changed, purple for done
/// (GitHub's colour of an issue closed as completed), grey for closed, red for failed.
const CLASS_STYLES: [(&str, &str); 5] = [
    ("created", "fill:#dafbe1,stroke:#1a7f37"),
    ("updated", "fill:#fff8c5,stroke:#9a6700"),
    ("done", "fill:#fbefff,stroke:#8250df"),
    ("closed", "fill:#eaeef2,stroke:#6e7781"),
    ("failed", "fill:#ffebe9,stroke:#cf222e"),
];

/// Whether the roadmap counts `item`'s own issue as closed as completed.
fn is_done(report: &Report, item: &ItemReport) -> bool {
    report
        .roadmap
        .as_ref()
        .is_some_and(|roadmap| roadmap.done.contains(&item.id))
}

/// A node's colour: what happened to it; a done item that only changed in place (or not at
/// all) shows as done, since that is what a reader of the roadmap looks for.
fn node_class(report: &Report, item: &ItemReport) -> Option<&'static str> {
    match item.action {
        ItemAction::Created => Some("created"),
        ItemAction::Failed | ItemAction::Skipped => Some("failed"),
        ItemAction::Closed => Some("closed"),
        _ if is_done(report, item) => Some("done"),
        ItemAction::Updated | ItemAction::Reopened | ItemAction::Adopted => Some("updated"),
        ItemAction::Unchanged => None,
    }
}

/// `T-1: Address form…` with `#issue` when known (and `✓` when done), safe inside a quoted
/// mermaid label.
fn mermaid_label(item: &ItemReport, done: bool) -> String {
    let mut title: String = one_line(&item.title)
        .chars()
        .take(GRAPH_TITLE_CHARS)
        .collect();
    if item.title.chars().count() > GRAPH_TITLE_CHARS {
        title.push('…');
    }
    let number = item.number.map(|n| format!(" #{n}")).unwrap_or_default();
    let check = if done { "✓ " } else { "" };
    let text = format!("{check}{}{number}: {title}", item.id);
    // Inside "…" mermaid reads entity codes; quotes and angle brackets must be encoded.
    text.replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text safe inside a markdown table cell: one line, bounded, pipes escaped, no raw HTML.
fn table_cell(s: &str) -> String {
    let mut text: String = one_line(s).chars().take(MAX_CELL_CHARS).collect();
    if s.chars().count() > MAX_CELL_CHARS {
        text.push('…');
    }
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text safe inside an inline code span.
fn code_text(s: &str) -> String {
    one_line(s).replace('`', "'").replace('|', "\\|")
}

/// Cuts `md` to at most `limit` bytes (on a line boundary) with a note, if it is longer.
fn bound(md: String, limit: usize) -> String {
    if md.len() <= limit {
        return md;
    }
    let note = "\n\n…summary cut here: it would exceed GitHub's 1 MiB limit. See the log.\n";
    let mut cut = limit.saturating_sub(note.len());
    while !md.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = md[..cut].rfind('\n').unwrap_or(cut);
    format!("{}{note}", &md[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::fixtures::{self, item};

    fn report(items: Vec<ItemReport>, dry_run: bool) -> Report {
        Report {
            dry_run,
            ..fixtures::report(items)
        }
    }

    fn small_plan() -> Vec<ItemReport> {
        let mut task = item("T-1", ItemKind::Task, Some("S-1"), ItemAction::Created);
        task.number = Some(12);
        task.url = Some("https://github.com/acme/roadmap/issues/12".into());
        task.title = "Parse | pipes \"quoted\" <b>".into();
        task.details = vec!["title".into(), "body".into()];
        let mut task2 = item("T-2", ItemKind::Task, Some("S-1"), ItemAction::Unchanged);
        task2.depends_on = vec!["T-1".into()];
        vec![
            item("E-1", ItemKind::Epic, None, ItemAction::Unchanged),
            item("S-1", ItemKind::Story, Some("E-1"), ItemAction::Updated),
            task,
            task2,
        ]
    }

    #[test]
    fn has_counts_and_a_table_of_changed_items_with_links() {
        let md = render_summary(&report(small_plan(), false));
        assert!(
            md.contains("| Created | Updated | Unchanged | Closed |"),
            "{md}"
        );
        assert!(md.contains("| 1 | 1 | 2 | 0 |"), "{md}");
        assert!(md.contains(
            "| `T-1` | task | created | [#12](https://github.com/acme/roadmap/issues/12) | \
             Parse \\| pipes \"quoted\" &lt;b&gt; | title, body |"
        ));
        assert!(md.contains("| `S-1` | story | updated | — |"));
        // Unchanged items are counted, not listed.
        assert!(!md.contains("| `E-1` |"));
        assert!(!md.contains("dry run"));
    }

    #[test]
    fn dry_run_reads_as_a_preview() {
        let md = render_summary(&report(small_plan(), true));
        assert!(md.contains("Preview (dry run)"));
        assert!(md.contains("| To be created | To be updated | Unchanged | To be closed |"));
        assert!(md.contains("### Items that would change"));
        assert!(md.contains("| `T-1` | task | create |"));
    }

    #[test]
    fn graph_has_hierarchy_dependencies_and_escaped_labels() {
        let md = render_summary(&report(small_plan(), false));
        let graph = md.split("```mermaid\n").nth(1).unwrap();
        let graph = graph.split("```").next().unwrap();
        assert!(graph.starts_with("flowchart TD\n"));
        assert!(graph.contains("  n0[\"E-1: Title of E-1\"]"));
        assert!(graph.contains("  n2[\"T-1 #35;12: Parse | pipes #quot;quoted#quot; #lt;b#gt;\"]"));
        assert!(graph.contains("  n0 --> n1\n  n1 --> n2\n  n1 --> n3\n"));
        assert!(graph.contains("  n2 -.-> n3\n"));
        assert!(graph.contains("  class n2 created\n"));
        assert!(graph.contains("  class n1 updated\n"));
    }

    #[test]
    fn the_change_list_is_folded_and_bounded() {
        let mut r = report(small_plan(), true);
        r.changes = (0..1005)
            .map(|i| format!("create task T-{i}: <x>"))
            .collect();
        let md = render_summary(&r);
        assert!(md.contains("<details><summary>All 1005 changes this sync would make</summary>\n\n- create task T-0: &lt;x&gt;\n"));
        assert!(md.contains("- create task T-999: &lt;x&gt;\n- …and 5 more\n\n</details>\n"));
    }

    #[test]
    fn an_up_to_date_plan_says_so() {
        let items = vec![item("E-1", ItemKind::Epic, None, ItemAction::Unchanged)];
        let md = render_summary(&report(items, false));
        assert!(md.contains("no item changed"));
    }

    #[test]
    fn errors_and_incomplete_runs_are_shown() {
        let mut r = report(small_plan(), false);
        r.errors = vec!["T-1: createIssue: was submitted too quickly".into()];
        let md = render_summary(&r);
        assert!(md.contains("Re-run the workflow to resume"));
        assert!(md.contains("### Errors\n\n- T-1: createIssue: was submitted too quickly"));
    }

    fn large_plan(epics: usize, stories: usize, tasks: usize) -> Vec<ItemReport> {
        let mut items = Vec::new();
        for e in 0..epics {
            items.push(item(
                &format!("E-{e}"),
                ItemKind::Epic,
                None,
                ItemAction::Created,
            ));
            for s in 0..stories {
                let story = format!("S-{e}-{s}");
                items.push(item(
                    &story,
                    ItemKind::Story,
                    Some(&format!("E-{e}")),
                    ItemAction::Created,
                ));
                for t in 0..tasks {
                    let id = format!("T-{e}-{s}-{t}");
                    items.push(item(&id, ItemKind::Task, Some(&story), ItemAction::Created));
                }
            }
        }
        items
    }

    #[test]
    fn large_plans_get_a_reduced_graph() {
        let md = render_summary(&report(large_plan(5, 10, 20), false));
        assert!(md.contains("the graph shows epics and stories only (1000 items left out)"));
        let graph = md.split("```mermaid\n").nth(1).unwrap();
        let graph = graph.split("```").next().unwrap();
        assert_eq!(graph.lines().filter(|l| l.contains("[\"")).count(), 55);
        assert!(!graph.contains("T-0-0-0"));
        // The table is bounded too.
        assert!(md.contains("…and 555 more."));
    }

    #[test]
    fn huge_plans_leave_the_graph_out_and_stay_under_the_limit() {
        let mut items = large_plan(150, 1, 0);
        for i in items.iter_mut() {
            i.details = vec!["x".repeat(5000)];
        }
        let md = render_summary(&report(items, false));
        assert!(
            md.contains("too large for a readable graph"),
            "{}",
            &md[..200]
        );
        assert!(!md.contains("```mermaid"));
        assert!(md.len() <= SUMMARY_LIMIT);
    }

    #[test]
    fn progress_has_a_bar_per_epic_and_story_and_done_items_their_own_colour() {
        use crate::sync::{EpicProgress, StoryProgress};
        let mut r = report(small_plan(), false);
        let seven = Tally { done: 7, total: 10 };
        r.roadmap = Some(Roadmap {
            epics: vec![EpicProgress {
                id: "E-1".into(),
                title: "Checkout | fast".into(),
                tally: seven,
                stories: vec![StoryProgress {
                    id: "S-1".into(),
                    title: "Pay".into(),
                    tally: seven,
                }],
            }],
            total: seven,
            done: ["T-2".to_string()].into(),
        });
        let md = render_summary(&r);
        assert!(
            md.contains(
                "### Roadmap progress\n\n| Item | Tasks done | Progress |\n|---|---:|---|\n\
             | **`E-1`** Checkout \\| fast | 7/10 | ███████░░░ 70% |\n\
             | ↳ `S-1` Pay | 7/10 | ███████░░░ 70% |\n\
             | **Plan** | 7/10 | ███████░░░ 70% |\n"
            ),
            "{md}"
        );
        let graph = md.split("```mermaid\n").nth(1).unwrap();
        // T-2 is unchanged and done; T-1 was created and keeps its colour.
        assert!(graph.contains("  n3[\"✓ T-2: Title of T-2\"]"), "{graph}");
        assert!(graph.contains("  classDef done fill:#fbefff,stroke:#8250df\n  class n3 done\n"));
        assert!(graph.contains("  class n2 created\n"));
        // No roadmap (an offline preview): no section, no done class.
        let offline = render_summary(&report(small_plan(), true));
        assert!(!offline.contains("Roadmap progress") && !offline.contains("classDef done"));
    }

    #[test]
    fn bars_round_down_and_empty_totals_show_a_dash() {
        assert_eq!(progress_bar(Tally { done: 0, total: 3 }), "░░░░░░░░░░ 0%");
        assert_eq!(
            progress_bar(Tally {
                done: 199,
                total: 200
            }),
            "█████████░ 99%"
        );
        assert_eq!(progress_bar(Tally { done: 4, total: 4 }), "██████████ 100%");
        assert_eq!(progress_bar(Tally::default()), "—");
    }

    #[test]
    fn failures_list_every_problem_on_one_line_each() {
        let md = render_failure(
            "invalid plan",
            &["plan.yaml:3:5: bad\nthing".to_string(), "other".to_string()],
        );
        assert_eq!(
            md,
            "## planpilot: invalid plan\n\nNothing was changed on GitHub.\n\n\
             - plan.yaml:3:5: bad thing\n- other\n"
        );
    }

    #[test]
    fn bound_cuts_on_a_line_boundary_with_a_note() {
        let md = "é line one\nline two\nline three\n".repeat(100);
        let cut = bound(md.clone(), 200);
        assert!(cut.len() <= 200);
        assert!(cut.ends_with("See the log.\n"));
        assert!(md.starts_with(cut.split("\n\n…summary cut").next().unwrap()));
        assert_eq!(bound("short".into(), 200), "short");
    }
}
