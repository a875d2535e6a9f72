//! The change model: every write a sync makes, as one list of typed values in apply order.
//!
//! The diff computes it, a dry run prints it (`Change::line`), apply executes it (an op's place
//! in the list is its position in the printed list) and the report counts it, so all three see
//! the same values.

use std::collections::BTreeMap;

use crate::github::Features;
use crate::plan::ItemKind;

use super::fields::Setting;

pub use super::issue::IssueKey;

/// How each kind of item shows on GitHub: as a native issue type where the owner has that type,
/// otherwise as its `type:<kind>` label.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypeMode {
    /// Issue type ids by kind; a kind without one carries its type label.
    ids: BTreeMap<ItemKind, String>,
}

impl TypeMode {
    /// Every kind as a type label (the owner has no issue types).
    pub fn labels() -> TypeMode {
        TypeMode::default()
    }

    /// Items of `kind` get the issue type `id`.
    pub fn set_type(&mut self, kind: ItemKind, id: String) {
        self.ids.insert(kind, id);
    }

    pub fn type_id(&self, kind: ItemKind) -> Option<&str> {
        self.ids.get(&kind).map(String::as_str)
    }

    pub fn uses_label(&self, kind: ItemKind) -> bool {
        self.type_id(kind).is_none()
    }
}

/// A plan item's existing issue.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: String,
    pub number: u64,
    pub url: String,
    pub body: String,
    pub card: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    pub item: String,
    pub kind: ItemKind,
    pub title: String,
    pub labels: Vec<String>,
    pub assignee_ids: Vec<String>,
    pub milestone_id: Option<String>,
    pub issue_type_id: Option<String>,
}

/// An update of an existing issue: only the `Some` members (and `body`/`reopen` when true).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    pub item: String,
    /// The issue's number, for the change list.
    pub number: u64,
    pub title: Option<String>,
    /// The managed block changes (rendered at apply time with the real numbers).
    pub body: bool,
    /// The whole new label set, by name.
    pub labels: Option<Vec<String>>,
    pub assignee_ids: Option<Vec<String>>,
    pub milestone_id: Option<String>,
    pub issue_type_id: Option<String>,
    pub reopen: bool,
    /// The issue is bound with `issue:` and taken over by this update (its kind, for the line).
    pub adopt: Option<ItemKind>,
    /// The body's record of the item's dependencies changes: the links it implies are added
    /// only once it is written, and the links it stops implying are removed before.
    pub records_deps: bool,
}

impl Update {
    /// What changes, for the change list and the report.
    pub fn parts(&self) -> Vec<&'static str> {
        let flags = [
            (self.title.is_some(), "title"),
            (self.body, "body"),
            (self.labels.is_some(), "labels"),
            (self.assignee_ids.is_some(), "assignees"),
            (self.milestone_id.is_some(), "milestone"),
            (self.issue_type_id.is_some(), "type"),
            (self.reopen, "reopen"),
        ];
        flags
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, name)| name)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.parts().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldSet {
    pub item: String,
    pub field_id: String,
    pub field_name: String,
    pub setting: Setting,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CloseReason {
    /// The item left the plan.
    NotPlanned,
    /// A second issue claiming an item that already has one.
    Duplicate { of: IssueKey },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    pub item: String,
    pub issue: IssueKey,
    pub reason: CloseReason,
}

/// A managed issue whose item left the plan (closed or kept), for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Removed {
    pub item: String,
    /// Read from the issue's type or `type:` label (task when neither says).
    pub kind: ItemKind,
    pub issue: IssueKey,
    pub url: String,
    pub title: String,
}

/// One write: each is one mutation.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A label the plan uses that the repository lacks.
    CreateLabel {
        name: String,
    },
    CreateIssue(Create),
    /// Title, body, labels, ..., reopen of an existing issue.
    Update(Update),
    /// A sub-issue move of an existing issue under its new parent item.
    Move {
        item: String,
        parent: String,
    },
    /// A blocked-by link to add, by item ids.
    Link {
        blocked: String,
        blocker: String,
    },
    /// A link someone made to a duplicate (`from`), made again on the kept issue: `blocked`
    /// blocked by `blocker`, one of them the kept issue. The link on the duplicate is an
    /// `Unlink` after it.
    Relink {
        item: String,
        blocked: IssueKey,
        blocker: IssueKey,
        from: IssueKey,
    },
    /// A stale link between managed issues, listed under the blocked item.
    Unlink {
        item: String,
        blocked: IssueKey,
        blocker: IssueKey,
    },
    BoardAdd {
        item: String,
    },
    SetField(FieldSet),
    Close(Close),
    /// A closed issue taken out of a managed parent, so it neither fills the parent's sub-issue
    /// slots nor counts as done in its progress.
    Detach {
        item: String,
        child: IssueKey,
        parent: IssueKey,
    },
    /// A sub-issue that is no plan item (someone filed it under a duplicate), moved under the
    /// kept issue of the duplicate's item so it stays in the plan's tree.
    Rehome {
        item: String,
        child: IssueKey,
        from: IssueKey,
        to: IssueKey,
    },
    /// A duplicate's card taken off the board, so the board shows each item once.
    RemoveCard {
        item: String,
        issue: IssueKey,
        card: String,
    },
}

impl Change {
    /// The change list's line for this change.
    pub fn line(&self) -> String {
        match self {
            Change::CreateLabel { name } => format!("create label \"{name}\""),
            Change::CreateIssue(create) => {
                format!("create {} {}: {}", create.kind, create.item, create.title)
            }
            Change::Update(update) => {
                let (item, number) = (&update.item, update.number);
                let parts = update.parts().join(", ");
                match update.adopt {
                    Some(kind) => format!("adopt #{number} as {kind} {item}: {parts}"),
                    None => format!("update {item} (#{number}): {parts}"),
                }
            }
            Change::Move { item, parent } => format!("move {item} under {parent}"),
            Change::Link { blocked, blocker } => format!("link {blocked} blocked by {blocker}"),
            Change::Relink {
                blocked,
                blocker,
                from,
                ..
            } => format!(
                "link #{} blocked by #{} (was duplicate #{})",
                blocked.number, blocker.number, from.number
            ),
            Change::Unlink {
                blocked, blocker, ..
            } => format!("unlink #{} blocked by #{}", blocked.number, blocker.number),
            Change::BoardAdd { item } => format!("add {item} to the board"),
            Change::SetField(set) => format!(
                "set {} {} = {}",
                set.item,
                set.field_name,
                set.setting.display()
            ),
            Change::Close(close) => match &close.reason {
                CloseReason::NotPlanned => format!(
                    "close #{} ({}, removed from the plan) as not planned",
                    close.issue.number, close.item
                ),
                CloseReason::Duplicate { of } => format!(
                    "close #{} as duplicate of #{} ({})",
                    close.issue.number, of.number, close.item
                ),
            },
            Change::Detach {
                item,
                child,
                parent,
            } => format!("detach #{} ({item}) from #{}", child.number, parent.number),
            Change::Rehome {
                item,
                child,
                from,
                to,
            } => format!(
                "move #{} (under duplicate #{}) under #{} ({item})",
                child.number, from.number, to.number
            ),
            Change::RemoveCard { item, issue, .. } => {
                format!(
                    "remove #{} ({item}, a duplicate) from the board",
                    issue.number
                )
            }
        }
    }

    /// The item the change is reported under; `None` for a label.
    pub fn item(&self) -> Option<&str> {
        match self {
            Change::CreateLabel { .. } => None,
            Change::CreateIssue(Create { item, .. })
            | Change::Update(Update { item, .. })
            | Change::Move { item, .. }
            | Change::Link { blocked: item, .. }
            | Change::Relink { item, .. }
            | Change::Unlink { item, .. }
            | Change::BoardAdd { item }
            | Change::SetField(FieldSet { item, .. })
            | Change::Close(Close { item, .. })
            | Change::Detach { item, .. }
            | Change::Rehome { item, .. }
            | Change::RemoveCard { item, .. } => Some(item),
        }
    }

    /// What the change does to its item, as the report lists it.
    pub fn detail(&self) -> String {
        match self {
            Change::CreateLabel { name } => format!("create label {name}"),
            Change::CreateIssue(_) => "create".into(),
            Change::Update(update) => update.parts().join(", "),
            Change::Move { parent, .. } => format!("moved under {parent}"),
            Change::Link { blocker, .. } => format!("blocked by {blocker}"),
            Change::Relink {
                blocked,
                blocker,
                from,
                ..
            } => format!(
                "#{} blocked by #{} instead of duplicate #{}",
                blocked.number, blocker.number, from.number
            ),
            Change::Unlink { blocker, .. } => format!("no longer blocked by #{}", blocker.number),
            Change::BoardAdd { .. } => "added to the board".into(),
            Change::SetField(set) => format!("{} = {}", set.field_name, set.setting.display()),
            Change::Close(close) => match &close.reason {
                CloseReason::NotPlanned => "closed as not planned".into(),
                CloseReason::Duplicate { of } => format!("closed as duplicate of #{}", of.number),
            },
            Change::Detach { parent, .. } => format!("detached from #{}", parent.number),
            Change::Rehome { child, from, .. } => {
                format!(
                    "sub-issue #{} moved here from duplicate #{}",
                    child.number, from.number
                )
            }
            Change::RemoveCard { issue, .. } => {
                format!("duplicate #{} taken off the board", issue.number)
            }
        }
    }

    /// Position of the change's kind in the list (the order apply's phases need): labels,
    /// creates, updates, moves, links, unlinks, board items, fields, closes, detaches (and a
    /// duplicate's sub-issues moved to the kept issue), cards removed.
    fn rank(&self) -> u8 {
        match self {
            Change::CreateLabel { .. } => 0,
            Change::CreateIssue(_) => 1,
            Change::Update(_) => 2,
            Change::Move { .. } => 3,
            Change::Link { .. } | Change::Relink { .. } => 4,
            Change::Unlink { .. } => 5,
            Change::BoardAdd { .. } => 6,
            Change::SetField(_) => 7,
            Change::Close(_) => 8,
            Change::Detach { .. } | Change::Rehome { .. } => 9,
            Change::RemoveCard { .. } => 10,
        }
    }

    /// A reopen of a closed issue.
    pub fn is_reopen(&self) -> bool {
        matches!(self, Change::Update(update) if update.reopen)
    }

    /// The takeover of an issue bound with `issue:`.
    pub fn is_adopt(&self) -> bool {
        matches!(self, Change::Update(update) if update.adopt.is_some())
    }

    /// A close of an issue whose item left the plan.
    pub fn closes_removed(&self, item: &str) -> bool {
        matches!(self, Change::Close(close)
            if close.item == item && close.reason == CloseReason::NotPlanned)
    }
}

/// Everything a sync will write, in apply order, and what it was computed from.
#[derive(Debug, Clone)]
pub struct Changes {
    /// What the server supports: nothing it lacks is in the list (set by the diff).
    pub features: Features,
    pub repository_id: String,
    /// The board's id when a project is configured.
    pub board_id: Option<String>,
    pub type_mode: TypeMode,
    /// Sorted by kind (`Change::rank`); the diff's order within a kind.
    list: Vec<Change>,
    /// Plan items with an issue, by item id.
    pub existing: BTreeMap<String, Existing>,
    pub removed: Vec<Removed>,
    pub warnings: Vec<String>,
    /// Links between managed issues that planpilot did not make and the plan does not imply:
    /// people's, left as they are (`#12 (T-5) blocked by #11 (T-4)`).
    pub kept_links: Vec<String>,
    /// New issues get their board card in their `createIssue` (no `BoardAdd` for them).
    pub cards_in_create: bool,
}

impl Changes {
    pub fn new(repository_id: String, board_id: Option<String>, type_mode: TypeMode) -> Changes {
        Changes {
            features: Features::default(),
            repository_id,
            board_id,
            type_mode,
            list: Vec::new(),
            existing: BTreeMap::new(),
            removed: Vec::new(),
            warnings: Vec::new(),
            kept_links: Vec::new(),
            cards_in_create: false,
        }
    }

    /// Adds a change; it takes its place among the changes of its kind, after those already
    /// there.
    pub fn push(&mut self, change: Change) {
        let rank = change.rank();
        match self.list.last() {
            Some(last) if last.rank() > rank => {
                let at = self.list.partition_point(|c| c.rank() <= rank);
                self.list.insert(at, change);
            }
            _ => self.list.push(change),
        }
    }

    /// Every change, in apply order; a change's index is its place in `lines`.
    pub fn list(&self) -> &[Change] {
        &self.list
    }

    /// The change at `index` of the list.
    pub fn get(&self, index: usize) -> Option<&Change> {
        self.list.get(index)
    }

    /// The change list, one line per mutation, in apply order.
    pub fn lines(&self) -> Vec<String> {
        self.list.iter().map(Change::line).collect()
    }

    /// Mutations apply will send when everything succeeds.
    pub fn mutation_count(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::{Change, Changes, TypeMode};

    #[test]
    fn changes_keep_apply_order_whatever_order_they_are_found_in() {
        let mut changes = Changes::new("R".into(), None, TypeMode::labels());
        let link = |a: &str| Change::Link {
            blocked: a.into(),
            blocker: "T-9".into(),
        };
        changes.push(link("T-1"));
        changes.push(Change::BoardAdd { item: "T-1".into() });
        changes.push(Change::Move {
            item: "T-2".into(),
            parent: "S-1".into(),
        });
        changes.push(link("T-2"));
        changes.push(Change::CreateLabel { name: "x".into() });
        assert_eq!(
            changes.lines(),
            [
                "create label \"x\"",
                "move T-2 under S-1",
                "link T-1 blocked by T-9",
                "link T-2 blocked by T-9",
                "add T-1 to the board",
            ]
        );
    }
}
