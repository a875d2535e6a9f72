//! The result of a sync (or a dry run): per item what happened, counts, and client metrics.
//! The `action` module turns it into outputs, a job summary and a table.

use crate::github::Metrics;
use crate::plan::ItemKind;

use super::preview::PlannedChange;
use super::roadmap::Roadmap;

/// What a run did (or, in a dry run, would do) to one item's issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemAction {
    Created,
    Updated,
    Unchanged,
    Closed,
    Reopened,
    /// An existing issue bound with `issue:` was taken over.
    Adopted,
    /// Not attempted because something it depends on failed.
    Skipped,
    Failed,
}

impl ItemAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemAction::Created => "created",
            ItemAction::Updated => "updated",
            ItemAction::Unchanged => "unchanged",
            ItemAction::Closed => "closed",
            ItemAction::Reopened => "reopened",
            ItemAction::Adopted => "adopted",
            ItemAction::Skipped => "skipped",
            ItemAction::Failed => "failed",
        }
    }
}

/// One plan item (or one managed issue whose item left the plan) and its outcome.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemReport {
    pub id: String,
    pub kind: ItemKind,
    pub title: String,
    /// `None` when the issue does not exist (dry run of a create, or a failed create).
    pub number: Option<u64>,
    pub url: Option<String>,
    pub action: ItemAction,
    /// What changed, e.g. `["title", "body", "labels"]`, or the error for a failure.
    pub details: Vec<String>,
    pub parent: Option<String>,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub closed: usize,
    pub reopened: usize,
    pub adopted: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// The whole outcome of a run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub plan_key: String,
    pub dry_run: bool,
    /// Plan items in plan order, then managed issues no longer in the plan.
    pub items: Vec<ItemReport>,
    /// Human-readable lines of the change list (relations, board fields...), in apply order.
    pub changes: Vec<String>,
    pub warnings: Vec<String>,
    /// Failures of the run, each `item id: operation: GitHub's message`.
    pub errors: Vec<String>,
    /// Blocked-by links between managed issues that people made and the plan does not imply:
    /// kept as they are.
    pub kept_links: Vec<String>,
    pub metrics: Metrics,
    /// A dry run's changes as rows for a reviewer; empty after a real run (its items say what
    /// happened) and in an offline preview.
    pub planned: Vec<PlannedChange>,
    /// Roadmap progress from the issues' states; `None` when nothing was read (offline).
    pub roadmap: Option<Roadmap>,
    /// Set when a rate limit stopped the run resumably (waiting would pass `max-wait`).
    pub resume: Option<Resume>,
}

/// A run stopped by a rate limit: what is left and when a re-run can go on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resume {
    /// Changes of the run's list not applied.
    pub left: usize,
    /// Changes in the run's list.
    pub total: usize,
    /// When the limit lifts, UTC (`2026-12-02T14:05:00Z`).
    pub after: String,
}

impl Resume {
    /// The one line that says it, for the log, annotations and the summary.
    pub fn message(&self) -> String {
        format!(
            "GitHub's rate limit would keep this run waiting past max-wait: {} of {} changes \
             applied, {} left. It can resume after {}: re-run the workflow then, or let a \
             `schedule:` trigger pick it up; a re-run goes on from what GitHub shows.",
            self.total - self.left,
            self.total,
            self.left,
            self.after
        )
    }
}

impl Report {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for item in &self.items {
            let slot = match item.action {
                ItemAction::Created => &mut counts.created,
                ItemAction::Updated => &mut counts.updated,
                ItemAction::Unchanged => &mut counts.unchanged,
                ItemAction::Closed => &mut counts.closed,
                ItemAction::Reopened => &mut counts.reopened,
                ItemAction::Adopted => &mut counts.adopted,
                ItemAction::Skipped => &mut counts.skipped,
                ItemAction::Failed => &mut counts.failed,
            };
            *slot += 1;
        }
        counts
    }

    /// Issue numbers created by this run, in plan order (the `created-issues` output).
    pub fn created_issues(&self) -> Vec<u64> {
        self.items
            .iter()
            .filter(|item| item.action == ItemAction::Created)
            .filter_map(|item| item.number)
            .collect()
    }

    /// True when every planned change was applied.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }
}
