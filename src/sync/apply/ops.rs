//! Ops from changes: each change of the list becomes one mutation, built with what apply has
//! learnt so far (the ids of issues, labels and cards created by earlier phases, the bodies
//! as they are now). A change that cannot be built yet says why, so apply skips or fails it.

use std::collections::HashMap;

use serde_json::json;

use crate::github::ops::Mutation;
use crate::github::{Feature, TokenRole};
use crate::plan::Plan;
use crate::render::{append, render_block, splice};

use crate::sync::changes::{Change, Changes, CloseReason, Create, FieldSet};

/// An issue planpilot knows the id and number of.
#[derive(Debug, Clone)]
pub struct Known {
    pub id: String,
    pub number: u64,
    pub url: String,
}

/// One mutation with what it is for.
pub(super) struct Op {
    /// The change's place in the change list.
    pub seq: usize,
    /// The item it is reported under; empty for a label.
    pub item: String,
    pub line: String,
    pub detail: String,
    pub mutation: Mutation,
    /// "Already so" answers count as success: a link, sub-issue or label that already exists,
    /// a link already gone (a resent document after a lost answer says so).
    pub tolerate_existing: bool,
    /// Board writes use the project token.
    pub token: TokenRole,
}

impl Op {
    /// The op of `change`, the `seq`-th of the change list, sent as `mutation`.
    pub fn new(seq: usize, change: &Change, mutation: Mutation) -> Op {
        Op {
            seq,
            item: change.item().unwrap_or_default().to_string(),
            line: change.line(),
            detail: change.detail(),
            mutation,
            tolerate_existing: tolerates_existing(change),
            token: token_of(change),
        }
    }
}

/// Whether GitHub's "already so" answer to `change` means it is done: a label, sub-issue or
/// link that exists already, a link or sub-issue already gone.
fn tolerates_existing(change: &Change) -> bool {
    matches!(
        change,
        Change::CreateLabel { .. }
            | Change::Move { .. }
            | Change::Link { .. }
            | Change::Relink { .. }
            | Change::Unlink { .. }
            | Change::Detach { .. }
            | Change::Rehome { .. }
            | Change::RemoveCard { .. }
    )
}

/// Board writes use the project token, everything else the issues token.
fn token_of(change: &Change) -> TokenRole {
    match change {
        Change::BoardAdd { .. } | Change::SetField(_) | Change::RemoveCard { .. } => {
            TokenRole::Project
        }
        _ => TokenRole::Issues,
    }
}

/// The changes `pick` selects, each with its place in the list.
pub(super) fn picked<'c, T>(
    changes: &'c Changes,
    pick: impl Fn(&'c Change) -> Option<T>,
) -> Vec<(usize, T)> {
    changes
        .list()
        .iter()
        .enumerate()
        .filter_map(|(seq, change)| Some((seq, pick(change)?)))
        .collect()
}

/// Why a create could not be sent.
pub(super) enum NotReady {
    /// Something it depends on failed.
    Skip(String),
    Fail(String),
}

/// The ops of some changes, and `(item, why)` for those that could not be built.
#[derive(Default)]
pub(super) struct Built {
    pub ops: Vec<Op>,
    /// Something they depend on failed.
    pub skipped: Vec<(String, String)>,
    pub failed: Vec<(String, String)>,
}

/// Builds ops from the changes with what apply knows at that point.
pub(super) struct Builder<'a> {
    pub plan: &'a Plan,
    pub changes: &'a Changes,
    /// Issues by item id.
    pub issues: &'a HashMap<String, Known>,
    /// Label ids by lowercased name.
    pub labels: &'a HashMap<String, String>,
    /// Current bodies by item id.
    pub bodies: &'a HashMap<String, String>,
    /// Board card ids by item id.
    pub cards: &'a HashMap<String, String>,
}

impl Builder<'_> {
    fn issue_id(&self, item: &str) -> Option<String> {
        self.issues.get(item).map(|k| k.id.clone())
    }

    fn label_ids(&self, names: &[String]) -> Result<Vec<String>, String> {
        names
            .iter()
            .map(|n| {
                self.labels
                    .get(&n.to_lowercase())
                    .cloned()
                    .ok_or_else(|| format!("label \"{n}\" does not exist and could not be created"))
            })
            .collect()
    }

    fn board_id(&self) -> String {
        self.changes.board_id.clone().unwrap_or_default()
    }

    pub fn labels(&self) -> Vec<Op> {
        let repository_id = &self.changes.repository_id;
        self.changes
            .list()
            .iter()
            .enumerate()
            .filter_map(|(seq, change)| match change {
                Change::CreateLabel { name } => Some(Op::new(
                    seq,
                    change,
                    Mutation::create_label(repository_id, name, label_color(name)),
                )),
                _ => None,
            })
            .collect()
    }

    pub fn create(&self, seq: usize, create: &Create) -> Result<Op, NotReady> {
        let item = self
            .plan
            .get(&create.item)
            .ok_or_else(|| NotReady::Fail(format!("{} is not in the plan", create.item)))?;
        let mut input = json!({
            "repositoryId": self.changes.repository_id,
            "title": create.title,
            "labelIds": self.label_ids(&create.labels).map_err(NotReady::Fail)?,
        });
        // A server without sub-issues gets no parent (the diff wires none either).
        let sub_issues = self.changes.features.has(Feature::SubIssues);
        if let Some(parent) = item.parent.as_ref().filter(|_| sub_issues) {
            let parent_id = self.issue_id(parent).ok_or_else(|| {
                NotReady::Skip(format!("not created: its parent {parent} has no issue"))
            })?;
            input["parentIssueId"] = json!(parent_id);
        }
        input["body"] = json!(render_block(self.plan, item));
        if !create.assignee_ids.is_empty() {
            input["assigneeIds"] = json!(create.assignee_ids);
        }
        if let Some(milestone) = &create.milestone_id {
            input["milestoneId"] = json!(milestone);
        }
        if let Some(type_id) = &create.issue_type_id {
            input["issueTypeId"] = json!(type_id);
        }
        let change = Change::CreateIssue(create.clone());
        let mutation = match &self.changes.board_id {
            Some(board) if self.changes.cards_in_create => {
                input["projectV2Ids"] = json!([board]);
                Mutation::create_issue_with_card(input)
            }
            _ => Mutation::create_issue(input),
        };
        Ok(Op::new(seq, &change, mutation))
    }

    /// Updates of existing issues (the items whose labels cannot be resolved fail).
    pub fn updates(&self) -> Built {
        let mut built = Built::default();
        for (seq, change) in self.changes.list().iter().enumerate() {
            let Change::Update(update) = change else {
                continue;
            };
            let (Some(item), Some(issue_id)) =
                (self.plan.get(&update.item), self.issue_id(&update.item))
            else {
                continue;
            };
            let mut input = json!({ "id": issue_id });
            if let Some(title) = &update.title {
                input["title"] = json!(title);
            }
            if update.body {
                let current = self
                    .bodies
                    .get(&update.item)
                    .map(String::as_str)
                    .unwrap_or_default();
                let block = render_block(self.plan, item);
                input["body"] = json!(match update.adopt {
                    Some(_) => append(current, &block),
                    None => splice(current, &block),
                });
            }
            if let Some(labels) = &update.labels {
                match self.label_ids(labels) {
                    Ok(ids) => input["labelIds"] = json!(ids),
                    Err(why) => {
                        built.failed.push((update.item.clone(), why));
                        continue;
                    }
                }
            }
            if let Some(ids) = &update.assignee_ids {
                input["assigneeIds"] = json!(ids);
            }
            if let Some(id) = &update.milestone_id {
                input["milestoneId"] = json!(id);
            }
            if let Some(id) = &update.issue_type_id {
                input["issueTypeId"] = json!(id);
            }
            if update.reopen {
                input["state"] = json!("OPEN");
            }
            built
                .ops
                .push(Op::new(seq, change, Mutation::update_issue(input)));
        }
        built
    }

    /// The ops of the changes `mutation_of` needs nothing earlier phases learnt for.
    fn ops_of(&self, mutation_of: impl Fn(&Change) -> Option<Mutation>) -> Vec<Op> {
        picked(self.changes, mutation_of)
            .into_iter()
            .map(|(seq, mutation)| Op::new(seq, &self.changes.list()[seq], mutation))
            .collect()
    }

    /// Links people made to a duplicate, made on the kept issue (both issues exist already).
    pub fn relinks(&self) -> Vec<Op> {
        self.ops_of(|change| match change {
            Change::Relink {
                blocked, blocker, ..
            } => Some(Mutation::add_blocked_by(&blocked.id, &blocker.id)),
            _ => None,
        })
    }

    /// Stale links to remove.
    pub fn unlinks(&self) -> Vec<Op> {
        self.ops_of(|change| match change {
            Change::Unlink {
                blocked, blocker, ..
            } => Some(Mutation::remove_blocked_by(&blocked.id, &blocker.id)),
            _ => None,
        })
    }

    /// Sub-issue moves and blocked-by links to add; with `recorded` false (a body recording the
    /// dependencies that imply a link was not written), the links wait for the next run.
    pub fn relations(&self, recorded: bool) -> Built {
        let mut built = Built::default();
        for (seq, change) in self.changes.list().iter().enumerate() {
            match change {
                Change::Move { item, parent } => {
                    match (self.issue_id(item), self.issue_id(parent)) {
                        (Some(child), Some(parent_id)) => built.ops.push(Op::new(
                            seq,
                            change,
                            Mutation::add_sub_issue(&parent_id, &child),
                        )),
                        _ => built
                            .skipped
                            .push((item.clone(), format!("move skipped: {parent} has no issue"))),
                    }
                }
                Change::Link { blocked, .. } if !recorded => built.skipped.push((
                    blocked.clone(),
                    "link skipped: a dependency record could not be written first".into(),
                )),
                Change::Link { blocked, blocker } => {
                    match (self.issue_id(blocked), self.issue_id(blocker)) {
                        (Some(a), Some(b)) => {
                            built
                                .ops
                                .push(Op::new(seq, change, Mutation::add_blocked_by(&a, &b)))
                        }
                        _ => built.skipped.push((
                            blocked.clone(),
                            format!("link skipped: {blocked} or {blocker} has no issue"),
                        )),
                    }
                }
                _ => {}
            }
        }
        built
    }

    pub fn board_adds(&self) -> Built {
        let board = self.board_id();
        let mut built = Built::default();
        for (seq, change) in self.changes.list().iter().enumerate() {
            let Change::BoardAdd { item } = change else {
                continue;
            };
            match self.issue_id(item) {
                Some(id) => built.ops.push(Op::new(
                    seq,
                    change,
                    Mutation::add_project_item(&board, &id),
                )),
                None => built.skipped.push((
                    item.clone(),
                    "board skipped: the issue was not created".into(),
                )),
            }
        }
        built
    }

    /// Field writes of `sets`, each with its place in the change list.
    pub fn fields(&self, sets: &[(usize, &FieldSet)]) -> Built {
        let board = self.board_id();
        let mut built = Built::default();
        for &(seq, set) in sets {
            match self.cards.get(&set.item) {
                Some(card) => built.ops.push(field_op(&board, card, set, seq)),
                None => built.skipped.push((
                    set.item.clone(),
                    format!("{} skipped: the issue is not on the board", set.field_name),
                )),
            }
        }
        built
    }

    pub fn closes(&self) -> Vec<Op> {
        self.ops_of(|change| {
            let Change::Close(close) = change else {
                return None;
            };
            let (reason, duplicate_of) = match &close.reason {
                CloseReason::NotPlanned => ("NOT_PLANNED", None),
                CloseReason::Duplicate { of }
                    if self.changes.features.has(Feature::DuplicateReason) =>
                {
                    ("DUPLICATE", Some(of.id.as_str()))
                }
                // A server without the reason: the closest one it has.
                CloseReason::Duplicate { .. } => ("NOT_PLANNED", None),
            };
            Some(Mutation::close_issue(&close.issue.id, reason, duplicate_of))
        })
    }

    pub fn detaches(&self) -> Vec<Op> {
        self.ops_of(|change| match change {
            Change::Detach { child, parent, .. } => {
                Some(Mutation::remove_sub_issue(&parent.id, &child.id))
            }
            Change::Rehome { child, to, .. } => Some(Mutation::add_sub_issue(&to.id, &child.id)),
            Change::RemoveCard { card, .. } => {
                Some(Mutation::delete_project_item(&self.board_id(), card))
            }
            _ => None,
        })
    }
}

/// A board field write (with the project token).
pub(super) fn field_op(board: &str, card: &str, set: &FieldSet, seq: usize) -> Op {
    let mutation = Mutation::set_field(board, card, &set.field_id, set.setting.to_input());
    Op::new(seq, &Change::SetField(set.clone()), mutation)
}

/// A stable color per label name (GitHub requires one).
fn label_color(name: &str) -> &'static str {
    const COLORS: [&str; 6] = ["5319e7", "0e8a16", "1d76db", "fbca04", "d93f0b", "c5def5"];
    let hash = name
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    COLORS[hash % COLORS.len()]
}

#[cfg(test)]
mod tests {
    use super::field_op;
    use crate::github::TokenRole;
    use crate::sync::changes::FieldSet;
    use crate::sync::fields::Setting;

    #[test]
    fn board_writes_use_the_project_token() {
        let set = FieldSet {
            item: "T-1".into(),
            field_id: "F1".into(),
            field_name: "Size".into(),
            setting: Setting::Text("M".into()),
        };
        let op = field_op("P1", "C1", &set, 7);
        assert_eq!(op.token, TokenRole::Project);
        assert_eq!((op.seq, op.line.as_str()), (7, "set T-1 Size = M"));
    }
}
