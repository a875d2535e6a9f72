//! The diff: a pure function from the plan and the discovered state to the exact list of
//! changes (`super::changes`). Every change is one mutation, so a dry run's list is what apply
//! will send.
//!
//! - `resolve`: what the plan names, resolved against GitHub before any change (`Diff`).
//! - `issues`: labels, creates, updates and closes.
//! - `links`: sub-issue moves and blocked-by links.
//! - `board`: cards and field values.

mod board;
mod issues;
mod links;
mod resolve;

use crate::github::Feature;
use crate::plan::Plan;

use super::changes::{Change, Changes};
use super::discover::Discovered;
use super::fields::Date;
use super::options::SyncOptions;
use super::SyncError;

use resolve::Diff;

/// Computes the changes that make GitHub match the plan. Fails before any write on what cannot
/// work against this repository and board (unknown field, option, type, assignee, milestone) and
/// on a mass close that was not allowed.
pub fn plan_changes(
    plan: &Plan,
    discovered: &Discovered,
    options: &SyncOptions,
) -> Result<Changes, SyncError> {
    plan_changes_on(plan, discovered, options, Date::today())
}

/// `plan_changes` with an explicit date for `@current`/`@next` iterations.
pub fn plan_changes_on(
    plan: &Plan,
    discovered: &Discovered,
    options: &SyncOptions,
    today: Date,
) -> Result<Changes, SyncError> {
    let diff = Diff::new(plan, discovered, options, today)?;
    let mut changes = Changes::new(
        discovered.repository_id.clone(),
        diff.fields.as_ref().map(|f| f.board_id.clone()),
        diff.type_mode.clone(),
    );
    changes.warnings = diff.warnings.clone();
    changes.features = discovered.features;
    // A server without `createIssue(projectV2Ids:)` gets each new card added on its own.
    changes.cards_in_create = options.cards_in_create
        && changes.board_id.is_some()
        && discovered.features.has(Feature::CardsInCreate);
    diff.existing(&mut changes);
    diff.labels(&mut changes);
    for item in &plan.items {
        match diff.keepers.get(item.id.as_str()) {
            None => changes.push(Change::CreateIssue(diff.create(item))),
            Some(issue) => {
                let update = diff.update(item, issue);
                if !update.is_empty() {
                    changes.push(Change::Update(update));
                }
                // Without sub-issues (an older server) nothing was read or is wired.
                let relocation = diff
                    .relocation(item, issue, &changes.existing)
                    .filter(|_| discovered.features.has(Feature::SubIssues));
                if let Some(change) = relocation {
                    changes.push(change);
                }
            }
        }
    }
    if discovered.features.has(Feature::IssueDependencies) {
        diff.links(&mut changes);
    }
    diff.board(&mut changes);
    diff.closes(&mut changes)?;
    Ok(changes)
}
