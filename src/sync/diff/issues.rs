//! The changes to the issues themselves: labels to create, issues to create, updates of the
//! existing ones (title, body, labels, assignees, milestone, type, reopen) and the closes of
//! issues whose item left the plan or that duplicate another.

use std::collections::BTreeSet;

use crate::plan::{Item, ItemKind};
use crate::render::{render_block, splice};
use crate::sync::changes::{
    Change, Changes, Close, CloseReason, Create, Existing, IssueKey, Removed, Update,
};
use crate::sync::discover::ManagedIssue;
use crate::sync::issue::{ClosedAs, IssueState};
use crate::sync::options::{OnRemoved, TypeNames};
use crate::sync::SyncError;

use super::resolve::Diff;

impl Diff<'_> {
    /// Records the issue of every plan item that has one.
    pub(super) fn existing(&self, changes: &mut Changes) {
        for (item_id, issue) in &self.keepers {
            if self.plan.get(item_id).is_some() {
                changes.existing.insert(
                    item_id.to_string(),
                    Existing {
                        id: issue.issue.id.clone(),
                        number: issue.issue.number,
                        url: issue.issue.url.clone(),
                        body: issue.issue.body.clone(),
                        card: issue.card.as_ref().map(|c| c.id.clone()),
                    },
                );
            }
        }
    }

    /// The labels an item must carry, by name.
    fn desired_labels(&self, item: &Item) -> Vec<String> {
        let options = self.options;
        let mut labels = vec![options.label.clone()];
        for label in &item.labels {
            if !labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
                labels.push(label.clone());
            }
        }
        if self.type_mode.uses_label(item.kind) {
            labels.push(options.type_names.label(item.kind));
        }
        labels
    }

    pub(super) fn labels(&self, changes: &mut Changes) {
        let mut missing = BTreeSet::new();
        for item in &self.plan.items {
            for label in self.desired_labels(item) {
                if self.discovered.label_id(&label).is_none()
                    && !missing
                        .iter()
                        .any(|m: &String| m.eq_ignore_ascii_case(&label))
                {
                    missing.insert(label);
                }
            }
        }
        for name in missing {
            changes.push(Change::CreateLabel { name });
        }
    }

    pub(super) fn create(&self, item: &Item) -> Create {
        Create {
            item: item.id.clone(),
            kind: item.kind,
            title: item.title.clone(),
            labels: self.desired_labels(item),
            assignee_ids: self.resolved.assignee_ids(item),
            milestone_id: item
                .milestone
                .as_ref()
                .and_then(|m| self.resolved.milestones.get(m).cloned()),
            issue_type_id: self.type_mode.type_id(item.kind).map(String::from),
        }
    }

    pub(super) fn update(&self, item: &Item, issue: &ManagedIssue) -> Update {
        let node = &issue.issue;
        let mut update = Update {
            item: item.id.clone(),
            number: node.number,
            ..Update::default()
        };
        if node.title != item.title {
            update.title = Some(item.title.clone());
        }
        let body = splice(&node.body, &render_block(self.plan, item));
        update.body = !same_text(&body, &node.body);
        update.records_deps =
            update.body && issue.marker.deps.as_deref() != Some(item.depends_on.as_slice());
        update.labels = self.label_change(item, issue);
        update.assignee_ids = self.assignee_change(item, issue);
        if let Some(title) = &item.milestone {
            let wanted = self.resolved.milestones.get(title);
            if node.milestone_id.as_ref() != wanted {
                update.milestone_id = wanted.cloned();
            }
        }
        if let Some(type_id) = self.type_mode.type_id(item.kind) {
            if node.issue_type.as_ref().map(|t| t.id.as_str()) != Some(type_id) {
                update.issue_type_id = Some(type_id.to_string());
            }
        }
        update.reopen = node.state
            == IssueState::Closed {
                reason: ClosedAs::NotPlanned,
            };
        update.adopt = issue.adopting.then_some(item.kind);
        update
    }

    /// The new label set when it differs: labels planpilot manages follow the plan, others stay.
    fn label_change(&self, item: &Item, issue: &ManagedIssue) -> Option<Vec<String>> {
        let names = &self.options.type_names;
        let desired = self.desired_labels(item);
        let mut managed: Vec<String> = desired.clone();
        managed.extend(issue.marker.labels.iter().cloned());
        // Type labels under the configured names, and under the default ones: a kind that
        // switched to a named type loses the label it carried before.
        managed.extend(ItemKind::ALL.iter().map(|k| names.label(*k)));
        managed.extend(ItemKind::ALL.iter().map(|k| TypeNames::default().label(*k)));
        let is_managed = |name: &str| managed.iter().any(|m| m.eq_ignore_ascii_case(name));
        let current: Vec<String> = issue.issue.labels.clone();
        let mut next: Vec<String> = current.iter().filter(|l| !is_managed(l)).cloned().collect();
        next.extend(desired);
        let same = next.len() == current.len()
            && next
                .iter()
                .all(|n| current.iter().any(|c| c.eq_ignore_ascii_case(n)));
        (!same).then_some(next)
    }

    /// The new assignee set when it differs: the plan's assignees, plus those a human added.
    fn assignee_change(&self, item: &Item, issue: &ManagedIssue) -> Option<Vec<String>> {
        let desired: Vec<String> = item.assignees.iter().map(|l| l.to_lowercase()).collect();
        let previously: Vec<String> = issue
            .marker
            .assignees
            .iter()
            .map(|l| l.to_lowercase())
            .collect();
        if desired.is_empty() && previously.is_empty() {
            return None;
        }
        let current: Vec<(String, String)> = issue
            .issue
            .assignees
            .iter()
            .map(|u| (u.login.to_lowercase(), u.id.clone()))
            .collect();
        let mut next: Vec<String> = current
            .iter()
            .filter(|(login, _)| desired.contains(login) || !previously.contains(login))
            .map(|(_, id)| id.clone())
            .collect();
        for id in self.resolved.assignee_ids(item) {
            if !next.contains(&id) {
                next.push(id);
            }
        }
        let same = next.len() == current.len() && current.iter().all(|(_, id)| next.contains(id));
        (!same).then_some(next)
    }

    /// The kind an issue shows, by its issue type or its `type:` label (task when neither says).
    pub(super) fn kind_of(&self, issue: &ManagedIssue) -> ItemKind {
        let type_name = issue.issue.issue_type.as_ref().map(|t| t.name.as_str());
        let labels: Vec<&str> = issue.issue.labels.iter().map(String::as_str).collect();
        self.options
            .type_names
            .kind_of(type_name, &labels)
            .unwrap_or(ItemKind::Task)
    }

    /// Whether `id` is an issue planpilot manages for this plan (kept or duplicate).
    fn is_managed(&self, id: &str) -> bool {
        self.keepers.values().any(|k| k.issue.id == id)
            || self.duplicates.iter().any(|(d, _)| d.issue.id == id)
    }

    pub(super) fn closes(&self, changes: &mut Changes) -> Result<(), SyncError> {
        let options = self.options;
        let mut closing = 0;
        for (item, issue) in &self.keepers {
            if self.plan.get(item).is_some() {
                continue;
            }
            changes.removed.push(Removed {
                item: item.to_string(),
                kind: self.kind_of(issue),
                issue: key(issue),
                url: issue.issue.url.clone(),
                title: issue.issue.title.clone(),
            });
            let managed_parent = issue
                .issue
                .parent
                .as_ref()
                .filter(|p| self.is_managed(&p.id));
            if let (OnRemoved::Close, Some(parent)) = (options.on_removed, managed_parent) {
                changes.push(Change::Detach {
                    item: item.to_string(),
                    child: key(issue),
                    parent: parent.clone(),
                });
            }
            if options.on_removed == OnRemoved::Close && issue.is_open() {
                closing += 1;
                changes.push(Change::Close(Close {
                    item: item.to_string(),
                    issue: key(issue),
                    reason: CloseReason::NotPlanned,
                }));
            }
        }
        let open_managed = self.keepers.values().filter(|i| i.is_open()).count();
        if closing > 0 && closing * 2 > open_managed && !options.allow_mass_close {
            return Err(SyncError::MassClose {
                closing,
                managed: open_managed,
            });
        }
        for (duplicate, keeper) in &self.duplicates {
            let bound =
                self.plan.get(keeper.item_id()).and_then(|i| i.issue) == Some(keeper.issue.number);
            changes.warnings.push(format!(
                "#{} and #{} both claim item {}; #{} ({}) is kept",
                keeper.issue.number,
                duplicate.issue.number,
                keeper.item_id(),
                keeper.issue.number,
                if bound {
                    "bound with `issue:`"
                } else {
                    "the oldest"
                }
            ));
            if duplicate.is_open() {
                changes.push(Change::Close(Close {
                    item: duplicate.item_id().to_string(),
                    issue: key(duplicate),
                    reason: CloseReason::Duplicate { of: key(keeper) },
                }));
            }
            self.empty_duplicate(duplicate, keeper, changes);
        }
        Ok(())
    }

    /// A duplicate holds nothing once closed: no parent (so no epic counts it), no card (so
    /// the board shows each item once). Its sub-issues that are plan items move to the keeper
    /// with their items; the others (someone filed them under it) move to the keeper here. Its
    /// links are stale (`links`).
    fn empty_duplicate(
        &self,
        duplicate: &ManagedIssue,
        keeper: &ManagedIssue,
        changes: &mut Changes,
    ) {
        let item = duplicate.item_id().to_string();
        for child in duplicate
            .issue
            .sub_issues
            .iter()
            .filter(|c| !self.is_managed(&c.id))
        {
            changes.push(Change::Rehome {
                item: item.clone(),
                child: child.clone(),
                from: key(duplicate),
                to: key(keeper),
            });
        }
        if let Some(parent) = &duplicate.issue.parent {
            changes.push(Change::Detach {
                item: item.clone(),
                child: key(duplicate),
                parent: IssueKey {
                    id: parent.id.clone(),
                    number: parent.number,
                },
            });
        }
        if let (Some(card), Some(_)) = (&duplicate.card, &self.fields) {
            changes.push(Change::RemoveCard {
                item,
                issue: key(duplicate),
                card: card.id.clone(),
            });
        }
    }
}

pub(super) fn key(issue: &ManagedIssue) -> IssueKey {
    issue.issue.key()
}

/// Bodies compare as GitHub keeps them: a human's edit in the web editor turns line ends into
/// CRLF and trailing whitespace is not significant; neither is worth a write.
fn same_text(a: &str, b: &str) -> bool {
    let normal = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    normal(a) == normal(b)
}
