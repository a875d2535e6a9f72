//! Bindings (`issue: N`): after discovery, read each bound issue that discovery did not find as
//! this item's, check the binding can be honoured, and hand it to the diff as an issue to adopt.
//! A binding that cannot be honoured (no such issue, a pull request, an issue that belongs to
//! another item or plan) stops the sync before any write.

use crate::github::ops::{self, Bound, IssueNode, IssueSelection};
use crate::github::{Client, TokenRole};
use crate::plan::{Item, Plan};
use crate::render::{find_marker, Marker};

use super::discover::{remember_labels, Discovered, ManagedIssue};
use super::options::SyncOptions;
use super::{Problem, SyncError};

/// Adds every bound issue to `discovered` (as an issue to adopt unless it already carries the
/// item's marker), or fails with one problem per binding that cannot be honoured.
pub async fn bind(
    client: &Client,
    plan: &Plan,
    options: &SyncOptions,
    discovered: &mut Discovered,
) -> Result<(), SyncError> {
    let mut problems = Vec::new();
    let mut unread = Vec::new();
    for item in plan.items.iter() {
        let Some(number) = item.issue else { continue };
        match discovered.issues.iter().find(|i| i.issue.number == number) {
            Some(issue) if issue.item_id() == item.id => {}
            Some(issue) => problems.push(taken(plan, item, number, &issue.marker)),
            None => unread.push(number),
        }
    }
    // Discovery reads with the board's token when there is a board (it reads the cards too).
    let token = if options.project.is_some() {
        TokenRole::Project
    } else {
        TokenRole::Issues
    };
    let board_id = discovered.board.as_ref().map(|b| b.id.clone());
    for numbers in unread.chunks(ops::BOUND_PER_REQUEST) {
        let request = ops::bound_issues_request(
            &options.repository.owner,
            &options.repository.name,
            numbers,
            &IssueSelection {
                features: discovered.features,
                cards: board_id.is_some(),
            },
            token,
        );
        let bound = ops::read_whole(client, &request, |response| {
            ops::parse_bound_issues(&response.data, &response.errors, numbers)
        })
        .await
        .map_err(|e| super::discover::read_failed(e, token))?;
        discovered.requests += 1;
        for (number, bound) in bound {
            let Some(item) = plan.bound_to(number) else {
                continue;
            };
            match bound {
                Bound::Missing => problems.push(problem(
                    item,
                    format!(
                        "{} has no issue #{number} (or the token cannot see it); bind an \
                         existing issue, or remove `issue:` to let the sync create one",
                        options.repository
                    ),
                )),
                Bound::PullRequest => problems.push(problem(
                    item,
                    format!("#{number} is a pull request, not an issue; bind an issue instead"),
                )),
                Bound::Issue(node) => {
                    if let Err(text) = adopt(plan, item, *node, board_id.as_deref(), discovered) {
                        problems.push(text);
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SyncError::Invalid(problems))
    }
}

/// Takes a bound issue over for `item`, unless its marker says it belongs to something else.
fn adopt(
    plan: &Plan,
    item: &Item,
    node: IssueNode,
    board_id: Option<&str>,
    discovered: &mut Discovered,
) -> Result<(), Problem> {
    let found = find_marker(&node.body);
    if let Some(marker) = &found {
        if marker.plan_key != plan.key || marker.item_id != item.id {
            return Err(taken(plan, item, node.number, marker));
        }
    }
    // A labelled issue without a marker was also read by discovery; it is this item's now.
    discovered.unmarked.retain(|n| n.number != node.number);
    // The labels people gave it stay on it: the update names them by id.
    remember_labels(discovered, &node);
    let adopting = found.is_none();
    let marker = found.unwrap_or_else(|| Marker {
        plan_key: plan.key.clone(),
        item_id: item.id.clone(),
        ..Marker::default()
    });
    let issue = ManagedIssue::read(node, marker, board_id, adopting);
    discovered.issues.push(issue);
    Ok(())
}

/// The problem for a bound issue that carries the marker of another item or plan.
fn taken(plan: &Plan, item: &Item, number: u64, marker: &Marker) -> Problem {
    let owner = if marker.plan_key == plan.key {
        format!("item {} of this plan", marker.item_id)
    } else {
        format!("item {} of plan \"{}\"", marker.item_id, marker.plan_key)
    };
    problem(
        item,
        format!(
            "#{number} already belongs to {owner} (its planpilot marker says so); bind another \
             issue, or remove `issue:`"
        ),
    )
}

fn problem(item: &Item, text: String) -> Problem {
    Problem::at(
        &item.issue_location,
        format!(
            "{} {}: `issue: {}`: {text}",
            item.kind,
            item.id,
            item.issue.unwrap_or_default()
        ),
    )
}
