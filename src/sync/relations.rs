//! Blocked-by links as the sync sees them: the ones the plan wants (the rule in
//! `plan::links`, applied to the plan) and the ones an earlier run made (the same rule, applied
//! to the dependencies each issue's marker records, over the parents GitHub shows now). A link
//! between managed issues that neither says is a person's, and stays.

use std::collections::{HashMap, HashSet};

use crate::plan::{implied_links, Chain, ItemKind, Plan};

/// `(blocked, blocker)` item id pairs the plan wants, in plan order, without duplicates.
pub fn blocked_by_links(plan: &Plan) -> Vec<(String, String)> {
    plan.blocked_by_links()
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// One managed issue as the ownership rule sees it.
#[derive(Debug, Clone)]
pub struct LinkedIssue<'a> {
    /// The issue's node id.
    pub id: &'a str,
    /// The item its marker names.
    pub item: &'a str,
    pub kind: ItemKind,
    /// The node id of its parent issue on GitHub.
    pub parent: Option<&'a str>,
    /// The dependencies its marker records (`None`: written before they were recorded).
    pub deps: Option<&'a [String]>,
}

/// What planpilot made, as `(blocked issue id, blocker issue id)` pairs.
#[derive(Debug, Clone, PartialEq)]
pub enum MadeLinks {
    /// Exactly these links (every marker records its item's dependencies).
    Known(HashSet<(String, String)>),
    /// Some marker predates the record: every link between managed issues counts as made, as
    /// it did before planpilot recorded them.
    AllManaged,
}

impl MadeLinks {
    pub fn contains(&self, blocked: &str, blocker: &str) -> bool {
        match self {
            MadeLinks::Known(links) => links.contains(&(blocked.to_string(), blocker.to_string())),
            MadeLinks::AllManaged => true,
        }
    }
}

/// The links earlier runs made: the plan rule over the recorded dependencies, with the chains
/// (item, story, epic) read from the parents GitHub shows now, so a moved item's old roll-ups
/// are recognised as planpilot's.
pub fn made_links(issues: &[LinkedIssue]) -> MadeLinks {
    if issues.iter().any(|i| i.deps.is_none()) {
        return MadeLinks::AllManaged;
    }
    let by_id: HashMap<&str, &LinkedIssue> = issues.iter().map(|i| (i.id, i)).collect();
    let mut by_item: HashMap<&str, Vec<&str>> = HashMap::new();
    for issue in issues {
        by_item.entry(issue.item).or_default().push(issue.id);
    }
    let parent = |id: &str| {
        by_id
            .get(id)
            .and_then(|i| i.parent)
            .filter(|p| by_id.contains_key(p))
    };
    let chain = |id: &'_ str| -> Option<Chain<'_>> {
        let issue = by_id.get(id)?;
        let up = parent(issue.id);
        let (story, epic) = match issue.kind {
            ItemKind::Epic => (None, Some(issue.id)),
            ItemKind::Story => (Some(issue.id), up),
            ItemKind::Task => (up, up.and_then(parent)),
        };
        Some(Chain {
            item: issue.id,
            story,
            epic,
        })
    };
    let declared: Vec<(&str, &str)> = issues
        .iter()
        .flat_map(|issue| {
            let deps = issue.deps.unwrap_or_default();
            deps.iter()
                .flat_map(|dep| by_item.get(dep.as_str()).into_iter().flatten())
                .map(move |blocker| (issue.id, *blocker))
        })
        .collect();
    let links = implied_links(declared, chain)
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    MadeLinks::Known(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue<'a>(
        id: &'a str,
        kind: ItemKind,
        parent: Option<&'a str>,
        deps: Option<&'a [String]>,
    ) -> LinkedIssue<'a> {
        // Issue ids are the item ids in lower case, so the pairs read like the plan.
        LinkedIssue {
            id,
            item: id,
            kind,
            parent,
            deps,
        }
    }

    fn pairs(made: &MadeLinks) -> Vec<(String, String)> {
        let MadeLinks::Known(links) = made else {
            panic!("{made:?}")
        };
        let mut pairs: Vec<_> = links.iter().cloned().collect();
        pairs.sort();
        pairs
    }

    #[test]
    fn recorded_dependencies_and_their_roll_ups_over_githubs_parents_are_made() {
        // T-4 (S-3, E-2) recorded "depends on T-3"; GitHub shows T-3 under S-2 in E-1.
        let t3 = ["T-3".to_string()];
        let none: [String; 0] = [];
        let issues = [
            issue("E-1", ItemKind::Epic, None, Some(&none)),
            issue("E-2", ItemKind::Epic, None, Some(&none)),
            issue("S-2", ItemKind::Story, Some("E-1"), Some(&none)),
            issue("S-3", ItemKind::Story, Some("E-2"), Some(&none)),
            issue("T-3", ItemKind::Task, Some("S-2"), Some(&none)),
            issue("T-4", ItemKind::Task, Some("S-3"), Some(&t3)),
        ];
        let made = made_links(&issues);
        let want = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            pairs(&made),
            [want("E-2", "E-1"), want("S-3", "S-2"), want("T-4", "T-3")]
        );
        assert!(!made.contains("T-3", "T-4"));
    }

    #[test]
    fn a_marker_without_the_record_makes_every_managed_link_planpilots() {
        let none: [String; 0] = [];
        let issues = [
            issue("E-1", ItemKind::Epic, None, Some(&none)),
            issue("E-2", ItemKind::Epic, None, None),
        ];
        assert_eq!(made_links(&issues), MadeLinks::AllManaged);
        assert!(made_links(&issues).contains("E-1", "E-2"));
    }

    #[test]
    fn a_dependency_on_an_item_with_two_issues_made_links_to_both() {
        let dep = ["E-1".to_string()];
        let none: [String; 0] = [];
        let mut copy = issue("E-1 copy", ItemKind::Epic, None, Some(&none));
        copy.item = "E-1";
        let issues = [
            issue("E-1", ItemKind::Epic, None, Some(&none)),
            copy,
            issue("E-2", ItemKind::Epic, None, Some(&dep)),
        ];
        let made = made_links(&issues);
        assert!(made.contains("E-2", "E-1"));
        assert!(made.contains("E-2", "E-1 copy"));
        assert!(!made.contains("E-1", "E-2"));
    }
}
