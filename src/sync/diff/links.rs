//! The changes to how issues relate: sub-issue moves and blocked-by links to add or remove.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::plan::Item;
use crate::sync::changes::{Change, Changes, Existing};
use crate::sync::discover::ManagedIssue;
use crate::sync::relations::blocked_by_links;

use super::issues::key;
use super::resolve::Diff;

impl Diff<'_> {
    /// The sub-issue move of an existing issue whose parent is not its item's parent's issue.
    pub(super) fn relocation(
        &self,
        item: &Item,
        issue: &ManagedIssue,
        existing: &BTreeMap<String, Existing>,
    ) -> Option<Change> {
        let parent = item.parent.as_ref().and_then(|p| self.plan.get(p))?;
        let current = issue.issue.parent.as_ref().map(|p| p.id.as_str());
        let wanted = existing.get(&parent.id).map(|e| e.id.as_str());
        (wanted.is_none() || current != wanted).then(|| Change::Move {
            item: item.id.clone(),
            parent: parent.id.clone(),
        })
    }

    pub(super) fn links(&self, changes: &mut Changes) {
        let discovered = self.discovered;
        let desired = blocked_by_links(self.plan);
        let existing = &changes.existing;
        let id_of = |item: &str| existing.get(item).map(|e| e.id.clone());
        let desired_ids: HashSet<(String, String)> = desired
            .iter()
            .filter_map(|(a, b)| Some((id_of(a)?, id_of(b)?)))
            .collect();
        let managed: HashMap<&str, &ManagedIssue> = discovered
            .issues
            .iter()
            .map(|i| (i.issue.id.as_str(), i))
            .collect();
        let by_item: HashMap<&str, &ManagedIssue> = existing
            .iter()
            .filter_map(|(item, e)| managed.get(e.id.as_str()).map(|m| (item.as_str(), *m)))
            .collect();
        let mut found = Vec::new();
        for (blocked, blocker) in &desired {
            let present = match (by_item.get(blocked.as_str()), existing.get(blocker)) {
                (Some(issue), Some(b)) => issue.issue.blocked_by.iter().any(|r| r.id == b.id),
                _ => false,
            };
            if !present {
                found.push(Change::Link {
                    blocked: blocked.clone(),
                    blocker: blocker.clone(),
                });
            }
        }
        for item in &self.plan.items {
            let Some(issue) = by_item.get(item.id.as_str()) else {
                continue;
            };
            for blocker in issue.issue.blocked_by.iter() {
                let ours = managed.contains_key(blocker.id.as_str())
                    || discovered.elsewhere.contains(&blocker.id);
                let stale =
                    ours && !desired_ids.contains(&(issue.issue.id.clone(), blocker.id.clone()));
                if stale {
                    found.push(Change::Unlink {
                        item: item.id.clone(),
                        blocked: key(issue),
                        blocker: blocker.clone(),
                    });
                }
            }
        }
        for change in found {
            changes.push(change);
        }
    }
}
