//! The blocked-by links that declared dependencies imply.
//!
//! The rule, in the plan author's words: "T-4 depends on T-3" makes T-4 blocked by T-3, whatever
//! their levels. Roll-ups come on top, level by level: where the two items' chains (the item and
//! its ancestors) hold different stories, those stories are linked too; where they hold
//! different epics, those epics. So T-4 (S-3, E-2) depends on T-3 (S-2, E-1) gives T-4 ← T-3,
//! S-3 ← S-2 and E-2 ← E-1. Same level only, each pair once, never a self-link. A dependency on
//! one's own ancestor or descendant is refused by validation and implies nothing here.
//!
//! The rule is written once, over chains, so the plan (validation, the diff's wanted links) and
//! the state GitHub shows (the links an earlier run made) apply the very same rule.

use std::collections::BTreeSet;

use super::{ItemKind, Plan};

/// GitHub's reported cap on blocked-by links per issue.
pub const MAX_BLOCKED_BY: usize = 50;

/// An item and the ancestors that roll-ups link: the story and the epic in its chain (an item is
/// its own story or epic when it is one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chain<'a> {
    pub item: &'a str,
    pub story: Option<&'a str>,
    pub epic: Option<&'a str>,
}

impl<'a> Chain<'a> {
    /// Whether `id` is the item or one of its ancestors.
    fn holds(&self, id: &str) -> bool {
        self.item == id || self.story == Some(id) || self.epic == Some(id)
    }
}

/// `(blocked, blocker)` pairs implied by `declared` dependencies (`(item, dependency)`), in the
/// order they arise, without duplicates. `chain` gives an item's chain, or `None` for an item
/// that is not known (its declaration implies nothing).
pub fn implied_links<'a>(
    declared: impl IntoIterator<Item = (&'a str, &'a str)>,
    chain: impl Fn(&'a str) -> Option<Chain<'a>>,
) -> Vec<(&'a str, &'a str)> {
    let mut seen = BTreeSet::new();
    let mut links = Vec::new();
    for (item, dependency) in declared {
        let (Some(from), Some(to)) = (chain(item), chain(dependency)) else {
            continue;
        };
        if from.holds(to.item) || to.holds(from.item) {
            continue;
        }
        let levels = [
            Some((from.item, to.item)),
            from.story.zip(to.story),
            from.epic.zip(to.epic),
        ];
        for (blocked, blocker) in levels.into_iter().flatten() {
            if blocked != blocker && seen.insert((blocked, blocker)) {
                links.push((blocked, blocker));
            }
        }
    }
    links
}

/// An item's chain in the plan.
pub fn plan_chain<'p>(plan: &'p Plan, id: &str) -> Option<Chain<'p>> {
    let item = plan.get(id)?;
    let parent = item.parent.as_deref().and_then(|p| plan.get(p));
    let grandparent = parent
        .and_then(|p| p.parent.as_deref())
        .and_then(|g| plan.get(g));
    let (story, epic) = match item.kind {
        ItemKind::Epic => (None, Some(item)),
        ItemKind::Story => (Some(item), parent),
        ItemKind::Task => (parent, grandparent),
    };
    Some(Chain {
        item: &item.id,
        story: story.map(|s| s.id.as_str()),
        epic: epic.map(|e| e.id.as_str()),
    })
}

impl Plan {
    /// The blocked-by links the plan declares, `(blocked, blocker)` item ids, in plan order.
    pub fn blocked_by_links(&self) -> Vec<(&str, &str)> {
        let declared = self
            .items
            .iter()
            .flat_map(|i| i.depends_on.iter().map(|d| (i.id.as_str(), d.as_str())));
        implied_links(declared, |id| plan_chain(self, id))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::plan::{Defaults, Item, ItemKind};

    pub(crate) fn item(id: &str, kind: ItemKind, parent: Option<&str>, deps: &[&str]) -> Item {
        Item::sample(id, kind, parent, deps)
    }

    /// A plan from items; children are derived, items sorted epics → stories → tasks.
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

    /// E-1 holds S-1 (T-1, T-2) and S-2 (T-3); E-2 holds S-3 (T-4, T-5); plus `deps`.
    fn two_epics(deps: &[(&str, &str)]) -> Plan {
        use ItemKind::*;
        let shape = [
            ("E-1", Epic, None),
            ("E-2", Epic, None),
            ("S-1", Story, Some("E-1")),
            ("S-2", Story, Some("E-1")),
            ("S-3", Story, Some("E-2")),
            ("T-1", Task, Some("S-1")),
            ("T-2", Task, Some("S-1")),
            ("T-3", Task, Some("S-2")),
            ("T-4", Task, Some("S-3")),
            ("T-5", Task, Some("S-3")),
        ];
        plan_of(
            shape
                .iter()
                .map(|(id, kind, parent)| {
                    let mine: Vec<&str> = deps
                        .iter()
                        .filter(|(a, _)| a == id)
                        .map(|(_, b)| *b)
                        .collect();
                    item(id, *kind, *parent, &mine)
                })
                .collect(),
        )
    }

    fn links(deps: &[(&str, &str)]) -> Vec<String> {
        let plan = two_epics(deps);
        plan.blocked_by_links()
            .into_iter()
            .map(|(a, b)| format!("{a}←{b}"))
            .collect()
    }

    #[test]
    fn across_epics_every_level_is_linked() {
        // T-4 (S-3, E-2) depends on T-3 (S-2, E-1) → T-4←T-3, S-3←S-2, E-2←E-1.
        assert_eq!(links(&[("T-4", "T-3")]), ["T-4←T-3", "S-3←S-2", "E-2←E-1"]);
    }

    #[test]
    fn across_stories_of_one_epic_the_stories_are_linked() {
        // T-3 (S-2) depends on T-2 (S-1), both in E-1 → T-3←T-2 and S-2←S-1, no epic link.
        assert_eq!(links(&[("T-3", "T-2")]), ["T-3←T-2", "S-2←S-1"]);
    }

    #[test]
    fn within_one_story_only_the_tasks_are_linked() {
        assert_eq!(links(&[("T-2", "T-1")]), ["T-2←T-1"]);
    }

    #[test]
    fn dependencies_between_levels_link_the_two_items_and_roll_up() {
        // T-5 (S-3, E-2) depends on story S-1 (E-1) → T-5←S-1, S-3←S-1, E-2←E-1.
        assert_eq!(links(&[("T-5", "S-1")]), ["T-5←S-1", "S-3←S-1", "E-2←E-1"]);
        // Story S-3 depends on epic E-1 → S-3←E-1 and E-2←E-1.
        assert_eq!(links(&[("S-3", "E-1")]), ["S-3←E-1", "E-2←E-1"]);
        // Epic E-2 depends on task T-1 → E-2←T-1 and E-2←E-1; an epic has no story to link.
        assert_eq!(links(&[("E-2", "T-1")]), ["E-2←T-1", "E-2←E-1"]);
    }

    #[test]
    fn each_pair_once() {
        // Both tasks of S-3 depend on tasks of S-1: two task links, one S-3←S-1, one E-2←E-1.
        assert_eq!(
            links(&[("T-4", "T-1"), ("T-5", "T-2"), ("S-3", "S-1")]),
            ["S-3←S-1", "E-2←E-1", "T-4←T-1", "T-5←T-2"]
        );
    }

    #[test]
    fn ancestors_and_descendants_imply_nothing() {
        assert!(links(&[("T-1", "S-1"), ("T-1", "E-1"), ("S-1", "T-2")]).is_empty());
    }
}

#[cfg(test)]
mod properties {
    use super::tests::{item, plan_of};
    use super::*;
    use proptest::prelude::*;

    /// `(id, kind, parent)` of a plan with `shape[e]` stories in epic `e`, two tasks each.
    fn items_of(shape: &[usize]) -> Vec<(String, ItemKind, Option<String>)> {
        let mut items = Vec::new();
        for (e, stories) in shape.iter().enumerate() {
            let epic = format!("E{e}");
            items.push((epic.clone(), ItemKind::Epic, None));
            for s in 0..*stories {
                let story = format!("E{e}S{s}");
                items.push((story.clone(), ItemKind::Story, Some(epic.clone())));
                for t in 0..2 {
                    items.push((format!("{story}T{t}"), ItemKind::Task, Some(story.clone())));
                }
            }
        }
        items
    }

    proptest! {
        /// For any plan and dependencies: every declared dependency between two items that are
        /// not ancestor and descendant is a link of exactly those two items; every other link
        /// is a roll-up, joining two different stories or two different epics that hold the
        /// two ends of some declaration; and there is no self-link or repeated pair.
        #[test]
        fn links_are_the_declarations_and_their_same_level_roll_ups(
            shape in proptest::collection::vec(1usize..4, 1..4),
            deps in proptest::collection::vec((0usize..64, 0usize..64), 0..24),
        ) {
            let all = items_of(&shape);
            let ids: Vec<String> = all.iter().map(|(id, _, _)| id.clone()).collect();
            let mut declared: Vec<(String, String)> = Vec::new();
            for (a, b) in deps {
                let (a, b) = (a % ids.len(), b % ids.len());
                // Only later items depend on earlier ones, as a validated plan has no cycle.
                if a > b && !declared.contains(&(ids[a].clone(), ids[b].clone())) {
                    declared.push((ids[a].clone(), ids[b].clone()));
                }
            }
            let plan = plan_of(all.iter().map(|(id, kind, parent)| {
                let mine: Vec<&str> = declared.iter().filter(|(x, _)| x == id).map(|(_, d)| d.as_str()).collect();
                item(id, *kind, parent.as_deref(), &mine)
            }).collect());
            let links = plan.blocked_by_links();
            let unique: BTreeSet<_> = links.iter().collect();
            prop_assert_eq!(unique.len(), links.len(), "each pair once");
            let lineage = |id: &str| {
                let mut chain = vec![id.to_string()];
                while let Some(parent) = plan.get(chain.last().unwrap()).and_then(|i| i.parent.clone()) {
                    chain.push(parent);
                }
                chain
            };
            let at = |id: &str, kind: ItemKind| lineage(id).into_iter().find(|x| plan.get(x).unwrap().kind == kind);
            let related = |(a, b): &(String, String)| lineage(a).contains(b) || lineage(b).contains(a);
            for pair in &declared {
                let (a, b) = pair;
                let linked = links.contains(&(a.as_str(), b.as_str()));
                prop_assert_eq!(linked, !related(pair), "{} depends on {}", a, b);
            }
            for &(blocked, blocker) in &links {
                prop_assert_ne!(blocked, blocker);
                let direct = declared.iter().any(|(a, b)| a == blocked && b == blocker);
                let kind = plan.get(blocked).unwrap().kind;
                let rolled_up = kind != ItemKind::Task
                    && plan.get(blocker).unwrap().kind == kind
                    && declared.iter().filter(|p| !related(p)).any(|(a, b)| {
                        at(a, kind).as_deref() == Some(blocked) && at(b, kind).as_deref() == Some(blocker)
                    });
                prop_assert!(direct || rolled_up, "{} ← {} is neither declared nor a roll-up", blocked, blocker);
            }
            for pair in declared.iter().filter(|p| !related(p)) {
                for kind in [ItemKind::Story, ItemKind::Epic] {
                    if let (Some(x), Some(y)) = (at(&pair.0, kind), at(&pair.1, kind)) {
                        if x != y {
                            prop_assert!(links.contains(&(x.as_str(), y.as_str())), "{} ← {} rolled up from {:?}", x, y, pair);
                        }
                    }
                }
            }
        }
    }
}
