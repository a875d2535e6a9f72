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

#[cfg(test)]
mod properties {
    use super::tests::{item, plan_of};
    use super::*;
    use crate::plan::ItemKind;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the dependencies, links join distinct siblings (same parent, or two epics),
        /// each at most once, and every dependency between different branches yields one.
        #[test]
        fn links_join_distinct_siblings(
            shape in proptest::collection::vec(1usize..4, 1..4),
            deps in proptest::collection::vec((0usize..64, 0usize..64), 0..24),
        ) {
            let mut items = Vec::new();
            let mut tasks = Vec::new();
            for (e, stories) in shape.iter().enumerate() {
                let epic = format!("E{e}");
                items.push(item(&epic, ItemKind::Epic, None, &[]));
                for s in 0..*stories {
                    let story = format!("E{e}S{s}");
                    items.push(item(&story, ItemKind::Story, Some(&epic), &[]));
                    for t in 0..2 {
                        let task = format!("E{e}S{s}T{t}");
                        tasks.push(task.clone());
                        items.push(item(&task, ItemKind::Task, Some(&story), &[]));
                    }
                }
            }
            // Dependencies only point to earlier tasks, as a validated plan has no cycle.
            for (a, b) in deps {
                let (a, b) = (a % tasks.len(), b % tasks.len());
                if a > b {
                    let dep = tasks[b].clone();
                    let task = items.iter_mut().find(|i| i.id == tasks[a]).unwrap();
                    if !task.depends_on.contains(&dep) {
                        task.depends_on.push(dep);
                    }
                }
            }
            let plan = plan_of(items);
            let links = blocked_by_links(&plan);
            let unique: BTreeSet<_> = links.iter().collect();
            prop_assert_eq!(unique.len(), links.len());
            for (blocked, blocker) in &links {
                prop_assert_ne!(blocked, blocker);
                let (a, b) = (plan.get(blocked).unwrap(), plan.get(blocker).unwrap());
                prop_assert_eq!(&a.parent, &b.parent);
                prop_assert_eq!(a.kind, b.kind);
            }
            let lineage = |id: &str| {
                let mut chain = vec![id.to_string()];
                while let Some(parent) = plan.get(chain.last().unwrap()).and_then(|i| i.parent.clone()) {
                    chain.push(parent);
                }
                chain
            };
            for task in plan.of_kind(ItemKind::Task) {
                for dep in &task.depends_on {
                    let (from, to) = (lineage(&task.id), lineage(dep));
                    let covered = links.iter().any(|(x, y)| from.contains(x) && to.contains(y));
                    prop_assert!(covered || from.contains(dep), "{} → {} has no link", task.id, dep);
                }
            }
        }
    }
}
