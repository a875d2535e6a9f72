//! The changes of a dry run as rows a reviewer reads: one per item and kind of change
//! (create, update, move, link, close…), with what changes. A pure function of `Changes`, so
//! the pull-request comment shows exactly what the merge would send, typed rather than parsed
//! back out of the change lines.

use super::changes::{Change, Changes, CloseReason};

/// What a row does to its item's issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A label the repository lacks (not an item: `item` is the label's name).
    Label,
    Create,
    /// An existing issue bound with `issue:` is taken over.
    Adopt,
    /// Title, body, labels, assignees, milestone or type.
    Update,
    Reopen,
    /// A new parent (sub-issue move), or a closed issue taken out of its parent.
    Move,
    Link,
    Unlink,
    /// A card added to the board, or board fields set.
    Board,
    Close,
}

impl ChangeKind {
    /// The verb a reader sees: "create", "move"…
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Label => "label",
            ChangeKind::Create => "create",
            ChangeKind::Adopt => "adopt",
            ChangeKind::Update => "update",
            ChangeKind::Reopen => "reopen",
            ChangeKind::Move => "move",
            ChangeKind::Link => "link",
            ChangeKind::Unlink => "unlink",
            ChangeKind::Board => "board",
            ChangeKind::Close => "close",
        }
    }
}

/// One row: an item, a kind of change and what changes ("title, body", "under S-2").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedChange {
    pub kind: ChangeKind,
    pub item: String,
    /// The issue the change is made on when it is not the item's own (a duplicate that is
    /// closed); `None`: the item's issue, if it has one.
    pub issue: Option<u64>,
    pub what: Vec<String>,
}

/// The rows of `changes`, in apply order; changes of one kind to one item share a row.
pub fn planned_changes(changes: &Changes) -> Vec<PlannedChange> {
    let mut rows: Vec<PlannedChange> = Vec::new();
    for change in changes.list() {
        let (kind, item, issue, what) = row_of(change);
        let same =
            |row: &&mut PlannedChange| row.kind == kind && row.item == item && row.issue == issue;
        match rows.iter_mut().find(same) {
            Some(row) => row.what.push(what),
            None => rows.push(PlannedChange {
                kind,
                item: item.to_string(),
                issue,
                what: vec![what],
            }),
        }
    }
    rows
}

/// One change as (kind, item, the issue when not the item's own, what changes).
fn row_of(change: &Change) -> (ChangeKind, &str, Option<u64>, String) {
    match change {
        Change::CreateLabel { name } => (ChangeKind::Label, name, None, "new label".into()),
        Change::CreateIssue(create) => (
            ChangeKind::Create,
            &create.item,
            None,
            format!("new {}: {}", create.kind, create.title),
        ),
        Change::Update(update) => {
            let kind = if update.adopt.is_some() {
                ChangeKind::Adopt
            } else if update.reopen {
                ChangeKind::Reopen
            } else {
                ChangeKind::Update
            };
            (kind, &update.item, None, update.parts().join(", "))
        }
        Change::Move { item, parent } => (ChangeKind::Move, item, None, format!("under {parent}")),
        Change::Link { blocked, blocker } => (
            ChangeKind::Link,
            blocked,
            None,
            format!("blocked by {blocker}"),
        ),
        Change::Relink {
            item,
            blocked,
            blocker,
            from,
        } => (
            ChangeKind::Link,
            item,
            Some(blocked.number),
            format!(
                "blocked by #{} instead of duplicate #{}",
                blocker.number, from.number
            ),
        ),
        Change::Unlink { item, blocker, .. } => (
            ChangeKind::Unlink,
            item,
            None,
            format!("no longer blocked by #{}", blocker.number),
        ),
        Change::BoardAdd { item } => (ChangeKind::Board, item, None, "added to the board".into()),
        Change::SetField(set) => (
            ChangeKind::Board,
            &set.item,
            None,
            format!("{} = {}", set.field_name, set.setting.display()),
        ),
        Change::Close(close) => match &close.reason {
            CloseReason::NotPlanned => (
                ChangeKind::Close,
                &close.item,
                None,
                "removed from the plan: closed as not planned".into(),
            ),
            CloseReason::Duplicate { of } => (
                ChangeKind::Close,
                &close.item,
                Some(close.issue.number),
                format!(
                    "a second issue of the item: closed as a duplicate of #{}",
                    of.number
                ),
            ),
        },
        Change::Detach {
            item,
            child,
            parent,
        } => (
            ChangeKind::Move,
            item,
            Some(child.number),
            format!("closed, taken out of #{}", parent.number),
        ),
        Change::Rehome {
            item, child, from, ..
        } => (
            ChangeKind::Move,
            item,
            Some(child.number),
            format!(
                "filed under duplicate #{}: moved under the kept issue",
                from.number
            ),
        ),
        Change::RemoveCard { item, issue, .. } => (
            ChangeKind::Board,
            item,
            Some(issue.number),
            "a duplicate: taken off the board".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::changes::{Close, IssueKey, TypeMode, Update};

    #[test]
    fn changes_become_rows_per_item_and_kind_in_apply_order() {
        let mut changes = Changes::new("R".into(), None, TypeMode::labels());
        let key = |number| IssueKey {
            id: format!("I_{number}"),
            number,
        };
        changes.push(Change::Link {
            blocked: "T-2".into(),
            blocker: "T-1".into(),
        });
        changes.push(Change::Link {
            blocked: "T-2".into(),
            blocker: "T-3".into(),
        });
        changes.push(Change::Update(Update {
            item: "T-2".into(),
            number: 7,
            title: Some("New".into()),
            body: true,
            ..Update::default()
        }));
        changes.push(Change::Update(Update {
            item: "T-4".into(),
            number: 8,
            reopen: true,
            ..Update::default()
        }));
        changes.push(Change::Close(Close {
            item: "T-1".into(),
            issue: key(12),
            reason: CloseReason::Duplicate { of: key(3) },
        }));
        let rows = planned_changes(&changes);
        let summary: Vec<(&str, &str, Option<u64>, String)> = rows
            .iter()
            .map(|r| (r.kind.as_str(), r.item.as_str(), r.issue, r.what.join("; ")))
            .collect();
        assert_eq!(
            summary,
            [
                ("update", "T-2", None, "title, body".to_string()),
                ("reopen", "T-4", None, "reopen".to_string()),
                (
                    "link",
                    "T-2",
                    None,
                    "blocked by T-1; blocked by T-3".to_string()
                ),
                (
                    "close",
                    "T-1",
                    Some(12),
                    "a second issue of the item: closed as a duplicate of #3".to_string()
                ),
            ]
        );
    }
}
