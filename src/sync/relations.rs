//! The blocked-by links a plan implies: dependencies rolled up to the level where the two items
//! are siblings (task dep across stories → story blocked by story; across epics → epic blocked
//! by epic), never a self-link.

use std::collections::BTreeSet;

use crate::plan::{Item, Plan};

/// `(blocked, blocker)` item id pairs, in plan order, without duplicates.
pub fn blocked_by_links(plan: &Plan) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut links = Vec::new();
    for item in &plan.items {
        for dep in &item.depends_on {
            let Some(dep) = plan.get(dep) else { continue };
            if let Some((blocked, blocker)) = roll_up(plan, item, dep) {
                if seen.insert((blocked.to_string(), blocker.to_string())) {
                    links.push((blocked.to_string(), blocker.to_string()));
                }
            }
        }
    }
    links
}

/// Lifts both items to the same depth, then to ancestors that share a parent (or are both
/// epics). `None` when they meet in one item (a dependency on one's own ancestor or descendant).
fn roll_up<'p>(plan: &'p Plan, blocked: &'p Item, blocker: &'p Item) -> Option<(&'p str, &'p str)> {
    let mut a = blocked;
    let mut b = blocker;
    while depth(plan, a) > depth(plan, b) {
        a = parent(plan, a)?;
    }
    while depth(plan, b) > depth(plan, a) {
        b = parent(plan, b)?;
    }
    while a.parent != b.parent {
        a = parent(plan, a)?;
        b = parent(plan, b)?;
    }
    (a.id != b.id).then_some((a.id.as_str(), b.id.as_str()))
}

fn parent<'p>(plan: &'p Plan, item: &Item) -> Option<&'p Item> {
    item.parent.as_deref().and_then(|p| plan.get(p))
}

fn depth(plan: &Plan, item: &Item) -> usize {
    let mut depth = 0;
    let mut current = item;
    while let Some(p) = parent(plan, current) {
        depth += 1;
        current = p;
        if depth > 16 {
            break; // The loader forbids cycles; this only bounds a malformed plan.
        }
    }
    depth
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::plan::{Content, Defaults, ItemKind, Location};

    pub(crate) fn item(id: &str, kind: ItemKind, parent: Option<&str>, deps: &[&str]) -> Item {
        Item {
            id: id.into(),
            kind,
            title: format!("Title of {id}"),
            parent: parent.map(String::from),
            children: Vec::new(),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            content: Content::default(),
            labels: Vec::new(),
            assignees: Vec::new(),
            milestone: None,
            fields: Default::default(),
            location: Location::default(),
            fingerprint: id.into(),
        }
    }

    /// A plan from `(id, kind, parent, deps)`; children are derived.
    pub(crate) fn plan_of(items: Vec<Item>) -> Plan {
        let mut items = items;
        let parents: Vec<(String, String)> = items
            .iter()
            .filter_map(|i| i.parent.clone().map(|p| (p, i.id.clone())))
            .collect();
        for (p, child) in parents {
            if let Some(parent) = items.iter_mut().find(|i| i.id == p) {
                parent.children.push(child);
            }
        }
        items.sort_by_key(|i| i.kind);
        Plan::new(
            "test-plan".into(),
            "plan.yaml".into(),
            Defaults::default(),
            items,
        )
    }

    #[test]
    fn dependencies_roll_up_to_siblings() {
        use ItemKind::*;
        let plan = plan_of(vec![
            item("E1", Epic, None, &[]),
            item("E2", Epic, None, &[]),
            item("S1", Story, Some("E1"), &[]),
            item("S2", Story, Some("E1"), &[]),
            item("S3", Story, Some("E2"), &[]),
            item("T1", Task, Some("S1"), &[]),
            item("T2", Task, Some("S1"), &["T1"]),
            item("T3", Task, Some("S2"), &["T2"]),
            item("T4", Task, Some("S3"), &["T3", "T1"]),
            item("T5", Task, Some("S3"), &["S3"]),
            item("S4", Story, Some("E2"), &["T5"]),
        ]);
        let links = blocked_by_links(&plan);
        let pairs: Vec<(&str, &str)> = links
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![("S4", "S3"), ("T2", "T1"), ("S2", "S1"), ("E2", "E1")]
        );
    }
}
