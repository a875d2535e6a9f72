//! The changes to how issues relate: sub-issue moves and blocked-by links to add or remove.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::plan::Item;
use crate::sync::changes::{Change, Changes, Existing, IssueKey};
use crate::sync::discover::ManagedIssue;
use crate::sync::relations::{blocked_by_links, made_links, LinkedIssue, MadeLinks};

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
        let duplicates: HashSet<&str> = self
            .duplicates
            .iter()
            .map(|(d, _)| d.issue.id.as_str())
            .collect();
        let made = self.made_links();
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
        // Links on the plan's issues (and on duplicates, which must hold none) that the plan
        // no longer implies: planpilot's own go, people's stay.
        let blocked_issues = self
            .plan
            .items
            .iter()
            .filter_map(|item| Some((item.id.as_str(), *by_item.get(item.id.as_str())?)))
            .chain(self.duplicates.iter().map(|(d, _)| (d.item_id(), *d)));
        for (item, issue) in blocked_issues {
            for blocker in issue.issue.blocked_by.iter() {
                let pair = (issue.issue.id.clone(), blocker.id.clone());
                if desired_ids.contains(&pair) {
                    continue;
                }
                let duplicate_end =
                    duplicates.contains(pair.0.as_str()) || duplicates.contains(pair.1.as_str());
                let between_managed = managed.contains_key(blocker.id.as_str());
                let ours = duplicate_end
                    || discovered.elsewhere.contains(&blocker.id)
                    || (between_managed && made.contains(&pair.0, &pair.1));
                let blocker_key = blocker.clone();
                if ours {
                    found.push(Change::Unlink {
                        item: item.to_string(),
                        blocked: key(issue),
                        blocker: blocker_key,
                    });
                } else if between_managed {
                    let blocker_item = managed[blocker.id.as_str()].item_id();
                    changes.kept_links.push(format!(
                        "#{} ({item}) blocked by #{} ({blocker_item})",
                        issue.issue.number, blocker.number
                    ));
                }
            }
        }
        found.extend(self.relinks(&managed));
        for change in found {
            changes.push(change);
        }
    }

    /// The links people made between a duplicate and their own issues, made again on the kept
    /// issue. (The duplicate's own go: `links` unlinks every link on it, and the links that
    /// point at it from people's issues too.)
    fn relinks(&self, managed: &HashMap<&str, &ManagedIssue>) -> Vec<Change> {
        let theirs =
            |id: &str| !managed.contains_key(id) && !self.discovered.elsewhere.contains(id);
        let mut found = Vec::new();
        for (duplicate, keeper) in &self.duplicates {
            let item = duplicate.item_id().to_string();
            let (from, to) = (key(duplicate), key(keeper));
            let relink = |blocked: &IssueKey, blocker: &IssueKey| Change::Relink {
                item: item.clone(),
                blocked: blocked.clone(),
                blocker: blocker.clone(),
                from: from.clone(),
            };
            let has = |keys: &[IssueKey], wanted: &IssueKey| keys.iter().any(|k| k.id == wanted.id);
            for blocker in duplicate.issue.blocked_by.iter().filter(|b| theirs(&b.id)) {
                if !has(&keeper.issue.blocked_by, blocker) {
                    found.push(relink(&to, blocker));
                }
            }
            for blocked in duplicate.issue.blocking.iter().filter(|b| theirs(&b.id)) {
                if !has(&keeper.issue.blocking, blocked) {
                    found.push(relink(blocked, &to));
                }
                found.push(Change::Unlink {
                    item: item.clone(),
                    blocked: blocked.clone(),
                    blocker: from.clone(),
                });
            }
        }
        found
    }

    /// The links earlier runs made, from the dependencies the markers record.
    fn made_links(&self) -> MadeLinks {
        let linked: Vec<LinkedIssue> = self
            .discovered
            .issues
            .iter()
            .map(|issue| LinkedIssue {
                id: &issue.issue.id,
                item: issue.item_id(),
                kind: self
                    .plan
                    .get(issue.item_id())
                    .map_or_else(|| self.kind_of(issue), |item| item.kind),
                parent: issue.issue.parent.as_ref().map(|p| p.id.as_str()),
                deps: issue.marker.deps.as_deref(),
            })
            .collect();
        made_links(&linked)
    }
}
