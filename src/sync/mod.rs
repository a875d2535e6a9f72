//! The sync engine: discover what exists on GitHub, diff it against the plan, apply the changes.
//!
//! - `options`: what a sync is told to do (from the action's inputs).
//! - `discover`: read every managed issue (by label, never by search) and the board; the first
//!   page carries all metadata, so an unchanged re-run costs one request per 100 issues (plus
//!   one per process: what the server supports, read before the first query).
//! - `diff`: a pure function from plan + discovered state to `Changes`, one line per mutation;
//!   a dry run prints exactly what apply will send.
//! - `apply`: execute the changes in bounded parallel phases (labels → epics → stories → tasks →
//!   one wave of bodies, relations, board items and closes → board fields), several aliased
//!   mutations per document.
//! - `fields`, `relations`: board field values and rolled-up blocked-by links.
//! - `report`: what happened, per item, for outputs and the job summary; `preview`: a dry
//!   run's changes as typed rows (the pull-request comment's table).
//! - `roadmap`: progress per epic and story from the states discovery read (pure).
//! - `import`: the inverse for `planpilot import`: an existing backlog as a plan (pure).
//!
//! What a run guarantees: an issue is identified by the marker in its body (plan key + item
//! id), never by search; an unchanged item costs no write; a create whose answer was lost is
//! followed by a fresh read before anything is created again, so no run multiplies an issue;
//! two issues claiming one item (racing runs) are resolved by keeping the oldest and closing the
//! other as a duplicate; text outside the managed block, labels and assignees a human added, and
//! board fields the plan only defaults are left alone.

pub mod apply;
pub mod bind;
pub mod changes;
pub mod diff;
pub mod discover;
mod error;
pub mod fields;
pub mod import;
pub mod issue;
pub mod options;
pub mod preview;
pub mod problem;
pub mod progress;
pub mod relations;
pub mod report;
pub mod roadmap;

use std::collections::{BTreeMap, HashSet};

pub use changes::{Change, Changes, CloseReason, TypeMode};
pub use diff::{plan_changes, plan_changes_on};
pub use discover::{discover, Discovered};
pub use error::SyncError;
pub use options::{OnRemoved, ProjectOwnerKind, ProjectUrl, RepoRef, SyncOptions, TypeNames};
pub use preview::{ChangeKind, PlannedChange};
pub use problem::Problem;
pub use progress::{Progress, Silent};
pub use report::{Counts, ItemAction, ItemReport, Report, Resume};
pub use roadmap::{EpicProgress, Roadmap, StoryProgress, Tally, WorkState};

use crate::github::{Client, Metrics, TokenInput, TokenRole};
use crate::plan::{Item, Plan};

/// Makes GitHub match the plan (or, with `dry_run`, reports what that would change).
pub async fn run(
    plan: &Plan,
    client: &Client,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<Report, SyncError> {
    // One token for issues and board: a new issue's card comes with its create.
    let options = &SyncOptions {
        cards_in_create: options.project.is_some()
            && client.token_input(TokenRole::Project) == TokenInput::GithubToken,
        ..options.clone()
    };
    progress.phase_started("discover", 1);
    let discovered = discover_bound(client, plan, options).await;
    // Finished even when it failed, so the log's group is closed before the error is shown.
    progress.phase_finished("discover");
    let discovered = discovered?;
    let changes = plan_changes(plan, &discovered, options)?;
    // Progress from the states discovery read: no request of its own.
    let states = roadmap::states_read(&discovered, &changes);
    if options.dry_run {
        let mut report = dry_run_report(plan, &changes, client.metrics());
        report.roadmap = Some(roadmap::progress(plan, &states));
        return Ok(report);
    }
    // What GitHub's content limit counts, for the log's word on how much is left while paced.
    let creations = changes
        .list()
        .iter()
        .filter(|change| {
            matches!(
                change,
                Change::CreateLabel { .. }
                    | Change::CreateIssue(_)
                    | Change::Move { .. }
                    | Change::Rehome { .. }
                    | Change::Link { .. }
                    | Change::Relink { .. }
            )
        })
        .count();
    client.expect_content(creations as u64);
    let labels = discovered.labels.clone();
    let outcome = apply::apply(plan, client, options, progress, &changes, labels).await;
    let mut report = applied_report(plan, &changes, outcome, client.metrics());
    let reopened = report
        .items
        .iter()
        .filter(|i| i.action == ItemAction::Reopened)
        .map(|i| i.id.as_str());
    let states = roadmap::states_after(states, reopened);
    report.roadmap = Some(roadmap::progress(plan, &states));
    Ok(report)
}

/// Discovery, then the issues bound with `issue:` that discovery did not find as theirs.
async fn discover_bound(
    client: &Client,
    plan: &Plan,
    options: &SyncOptions,
) -> Result<Discovered, SyncError> {
    let mut discovered = discover(client, plan, options).await?;
    bind::bind(client, plan, options, &mut discovered).await?;
    Ok(discovered)
}

/// A dry run without a token: nothing is read, every item would be created.
pub fn preview_offline(plan: &Plan, options: &SyncOptions) -> Report {
    let mut changes = Vec::new();
    let mut items = Vec::new();
    for item in &plan.items {
        match item.issue {
            Some(number) => {
                changes.push(format!("adopt #{number} as {} {}", item.kind, item.id));
                items.push(item_report(item, None, ItemAction::Adopted, Vec::new()));
            }
            None => {
                changes.push(format!("create {} {}: {}", item.kind, item.id, item.title));
                items.push(item_report(item, None, ItemAction::Created, Vec::new()));
            }
        }
    }
    for (blocked, blocker) in relations::blocked_by_links(plan) {
        changes.push(Change::Link { blocked, blocker }.line());
    }
    if options.project.is_some() {
        for item in &plan.items {
            changes.push(
                Change::BoardAdd {
                    item: item.id.clone(),
                }
                .line(),
            );
            let mut fields: BTreeMap<&String, String> = plan
                .defaults
                .fields
                .iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect();
            fields.extend(item.fields.iter().map(|(k, v)| (k, v.to_string())));
            for (name, value) in fields {
                changes.push(format!("set {} {name} = {value}", item.id));
            }
        }
    }
    Report {
        plan_key: plan.key.clone(),
        dry_run: true,
        items,
        changes,
        warnings: vec![
            "offline preview: no token was given, so nothing was read from GitHub; every item is shown as \
             a create"
                .to_string(),
        ],
        errors: Vec::new(),
        kept_links: Vec::new(),
        metrics: Metrics::default(),
        planned: Vec::new(),
        roadmap: None,
        resume: None,
    }
}

fn item_report(
    item: &Item,
    existing: Option<(u64, String)>,
    action: ItemAction,
    details: Vec<String>,
) -> ItemReport {
    ItemReport {
        id: item.id.clone(),
        kind: item.kind,
        title: item.title.clone(),
        number: existing.as_ref().map(|(n, _)| *n),
        url: existing.map(|(_, u)| u),
        action,
        details,
        parent: item.parent.clone(),
        depends_on: item.depends_on.clone(),
    }
}

/// What the changes would do to each item, by item id: its updates, relations, board card and
/// fields (creates and closes show as the item's action instead).
fn planned_details(changes: &Changes) -> BTreeMap<String, Vec<String>> {
    let mut details: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for change in changes.list() {
        let shown = matches!(
            change,
            Change::Update(_)
                | Change::Move { .. }
                | Change::Link { .. }
                | Change::Unlink { .. }
                | Change::BoardAdd { .. }
                | Change::SetField(_)
        );
        if let (true, Some(item)) = (shown, change.item()) {
            details
                .entry(item.to_string())
                .or_default()
                .push(change.detail());
        }
    }
    details
}

fn dry_run_report(plan: &Plan, changes: &Changes, metrics: Metrics) -> Report {
    let details = planned_details(changes);
    let items = plan
        .items
        .iter()
        .map(|item| {
            let existing = changes.existing.get(&item.id);
            let detail = details.get(&item.id).cloned().unwrap_or_default();
            let adopting = changes
                .list()
                .iter()
                .any(|c| c.is_adopt() && c.item() == Some(&item.id));
            let action = if existing.is_none() {
                ItemAction::Created
            } else if adopting {
                ItemAction::Adopted
            } else if changes
                .list()
                .iter()
                .any(|c| c.is_reopen() && c.item() == Some(&item.id))
            {
                ItemAction::Reopened
            } else if detail.is_empty() {
                ItemAction::Unchanged
            } else {
                ItemAction::Updated
            };
            item_report(
                item,
                existing.map(|e| (e.number, e.url.clone())),
                action,
                detail,
            )
        })
        .chain(removed_reports(changes, |_| true))
        .collect();
    Report {
        plan_key: plan.key.clone(),
        dry_run: true,
        items,
        changes: changes.lines(),
        warnings: changes.warnings.clone(),
        errors: Vec::new(),
        kept_links: changes.kept_links.clone(),
        metrics,
        planned: preview::planned_changes(changes),
        roadmap: None,
        resume: None,
    }
}

/// Report entries of managed issues whose item left the plan and that this run changes (closes
/// or detaches): an item removed in an earlier run, already closed, is not reported again.
/// `applied` says whether the change at an index of the list was made.
fn removed_reports<'c>(
    changes: &'c Changes,
    applied: impl Fn(usize) -> bool + 'c,
) -> impl Iterator<Item = ItemReport> + 'c {
    let touched = |item: &str| changes.list().iter().any(|c| c.item() == Some(item));
    let acted_on = changes.removed.iter().filter(move |r| touched(&r.item));
    acted_on.map(move |removed| {
        let close = changes
            .list()
            .iter()
            .position(|c| c.closes_removed(&removed.item));
        let closing = close.is_some();
        let (action, detail) = if close.is_some_and(&applied) {
            (
                ItemAction::Closed,
                "removed from the plan: closed as not planned",
            )
        } else if closing {
            (ItemAction::Failed, "removed from the plan: closing failed")
        } else {
            (ItemAction::Unchanged, "removed from the plan: kept")
        };
        ItemReport {
            id: removed.item.clone(),
            kind: removed.kind,
            title: removed.title.clone(),
            number: Some(removed.issue.number),
            url: Some(removed.url.clone()),
            action,
            details: vec![detail.to_string()],
            parent: None,
            depends_on: Vec::new(),
        }
    })
}

fn applied_report(
    plan: &Plan,
    changes: &Changes,
    outcome: apply::Outcome,
    metrics: Metrics,
) -> Report {
    let items: Vec<ItemReport> = plan
        .items
        .iter()
        .map(|item| {
            let known = outcome
                .issues
                .get(&item.id)
                .map(|k| (k.number, k.url.clone()));
            let mut details = outcome.touched.get(&item.id).cloned().unwrap_or_default();
            let failures = outcome.failed.get(&item.id);
            let skips = outcome.skipped.get(&item.id);
            details.extend(
                failures
                    .into_iter()
                    .flatten()
                    .map(|f| format!("failed: {f}")),
            );
            details.extend(skips.into_iter().flatten().cloned());
            let action = if outcome.created.contains(&item.id) {
                ItemAction::Created
            } else if failures.is_some() {
                ItemAction::Failed
            } else if outcome.reopened.contains(&item.id) {
                ItemAction::Reopened
            } else if outcome.touched.contains_key(&item.id)
                && changes
                    .list()
                    .iter()
                    .any(|c| c.is_adopt() && c.item() == Some(&item.id))
            {
                ItemAction::Adopted
            } else if outcome.touched.contains_key(&item.id) {
                ItemAction::Updated
            } else if skips.is_some() {
                ItemAction::Skipped
            } else {
                ItemAction::Unchanged
            };
            item_report(item, known, action, details)
        })
        .collect();
    let applied: HashSet<usize> = outcome.applied.iter().map(|(seq, _)| *seq).collect();
    let items = items
        .into_iter()
        .chain(removed_reports(changes, move |seq| applied.contains(&seq)))
        .collect();
    let mut errors = outcome.errors;
    let resume = outcome.resume_after.as_ref().map(|after| Resume {
        left: changes.list().len().saturating_sub(outcome.applied.len()),
        total: changes.list().len(),
        after: after.clone(),
    });
    match (&resume, &outcome.stopped) {
        (Some(resume), _) => errors.push(resume.message()),
        (None, Some(reason)) => errors.push(format!("the run stopped early: {reason}")),
        (None, None) => {}
    }
    let mut warnings = changes.warnings.clone();
    warnings.extend(outcome.warnings);
    if outcome.throttled > 0 {
        warnings.push(format!(
            "GitHub refused {} write(s) as submitted too quickly; they were sent again after a pause",
            outcome.throttled
        ));
    }
    Report {
        plan_key: plan.key.clone(),
        dry_run: false,
        items,
        changes: outcome.applied.into_iter().map(|(_, line)| line).collect(),
        warnings,
        errors,
        kept_links: changes.kept_links.clone(),
        metrics,
        planned: Vec::new(),
        roadmap: None,
        resume,
    }
}
