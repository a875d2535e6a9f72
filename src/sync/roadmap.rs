//! Roadmap progress: per epic and per story, how many of its tasks are done, and the same for
//! the whole plan — from the states GitHub reported when discovery read the issues, so it costs
//! no request. Pure functions.
//!
//! A task closed as completed is done; one closed as not planned (or as a duplicate) leaves the
//! total, since it is work nobody will do; an open task, or one with no issue yet, counts as
//! to do. The units are the plan's leaves: tasks, and a story or epic without children counts
//! as one unit of its own, so every item contributes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::plan::{Item, ItemKind, Plan};

use super::changes::Changes;
use super::discover::Discovered;
use super::issue::{ClosedAs, IssueState};

/// Where the work of one issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkState {
    Open,
    /// Closed as completed.
    Done,
    /// Closed as not planned or as a duplicate: out of the total.
    Dropped,
}

impl WorkState {
    /// From the state discovery read. An issue closed before GitHub recorded reasons counts
    /// as completed, as GitHub shows it.
    pub fn of(state: IssueState) -> WorkState {
        match state {
            IssueState::Open => WorkState::Open,
            IssueState::Closed {
                reason: ClosedAs::Completed,
            } => WorkState::Done,
            IssueState::Closed {
                reason: ClosedAs::NotPlanned | ClosedAs::Duplicate,
            } => WorkState::Dropped,
        }
    }
}

/// Done and total units (dropped ones are in neither).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub done: usize,
    pub total: usize,
}

impl Tally {
    /// Whole percent done, rounded down so 100 means all of it; `None` with nothing to do.
    pub fn percent(&self) -> Option<usize> {
        (self.total > 0).then(|| self.done * 100 / self.total)
    }

    fn add(&mut self, state: WorkState) {
        match state {
            WorkState::Open => self.total += 1,
            WorkState::Done => {
                self.done += 1;
                self.total += 1;
            }
            WorkState::Dropped => {}
        }
    }

    fn absorb(&mut self, other: Tally) {
        self.done += other.done;
        self.total += other.total;
    }
}

/// A story and its tasks' progress.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoryProgress {
    pub id: String,
    pub title: String,
    pub tally: Tally,
}

/// An epic, its stories' progress, and its own (all of its tasks).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EpicProgress {
    pub id: String,
    pub title: String,
    pub tally: Tally,
    pub stories: Vec<StoryProgress>,
}

/// The whole plan's progress.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Roadmap {
    pub epics: Vec<EpicProgress>,
    pub total: Tally,
    /// Items (of any level) whose own issue is closed as completed.
    pub done: BTreeSet<String>,
}

/// Progress of `plan` given each item's state (an item missing from `states` has no issue yet:
/// open).
pub fn progress(plan: &Plan, states: &BTreeMap<String, WorkState>) -> Roadmap {
    let state = |id: &str| states.get(id).copied().unwrap_or(WorkState::Open);
    // Children by parent, built once: a plan may hold thousands of items.
    let mut below: HashMap<&str, Vec<&Item>> = HashMap::new();
    for item in &plan.items {
        if let Some(parent) = item.parent.as_deref() {
            below.entry(parent).or_default().push(item);
        }
    }
    let children = |id: &str| -> Vec<&Item> { below.get(id).cloned().unwrap_or_default() };
    // A leaf counts itself; an item with children counts its leaves.
    let leaves = |id: &str| -> Tally {
        let mut tally = Tally::default();
        let mut stack = vec![id.to_string()];
        while let Some(next) = stack.pop() {
            let below: Vec<String> = children(&next).iter().map(|c| c.id.clone()).collect();
            if below.is_empty() {
                tally.add(state(&next));
            }
            stack.extend(below);
        }
        tally
    };
    let mut roadmap = Roadmap {
        done: states
            .iter()
            .filter(|(id, s)| **s == WorkState::Done && plan.get(id).is_some())
            .map(|(id, _)| id.clone())
            .collect(),
        ..Roadmap::default()
    };
    for epic in plan.of_kind(ItemKind::Epic) {
        let stories: Vec<StoryProgress> = children(&epic.id)
            .into_iter()
            .map(|story| StoryProgress {
                id: story.id.clone(),
                title: story.title.clone(),
                tally: leaves(&story.id),
            })
            .collect();
        let tally = leaves(&epic.id);
        roadmap.total.absorb(tally);
        roadmap.epics.push(EpicProgress {
            id: epic.id.clone(),
            title: epic.title.clone(),
            tally,
            stories,
        });
    }
    roadmap
}

/// Each plan item's state as discovery read it: the state of the issue the diff kept for it.
pub fn states_read(discovered: &Discovered, changes: &Changes) -> BTreeMap<String, WorkState> {
    changes
        .existing
        .iter()
        .filter_map(|(item, existing)| {
            let managed = discovered
                .issues
                .iter()
                .find(|managed| managed.issue.number == existing.number)?;
            Some((item.clone(), WorkState::of(managed.issue.state)))
        })
        .collect()
}

/// The states after a run: the items it reopened are open again.
pub fn states_after<'r>(
    mut states: BTreeMap<String, WorkState>,
    reopened: impl IntoIterator<Item = &'r str>,
) -> BTreeMap<String, WorkState> {
    for item in reopened {
        states.insert(item.to_string(), WorkState::Open);
    }
    states
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::plan::{load_str, LoadOptions};

    fn plan(text: &str) -> Plan {
        load_str(text, Path::new("plan.yaml"), &LoadOptions { root: None })
            .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
    }

    const PLAN: &str = "
id: roadmap
epics:
  - id: E-1
    title: Checkout
    stories:
      - id: S-1
        title: Pay
        tasks:
          - { id: T-1, title: Card }
          - { id: T-2, title: Receipt }
          - { id: T-3, title: Wallet }
      - id: S-2
        title: Ship
        tasks:
          - { id: T-4, title: Address }
  - id: E-2
    title: Search
  - id: E-3
    title: Later
    stories:
      - { id: S-3, title: Nothing yet }
";

    fn states(pairs: &[(&str, WorkState)]) -> BTreeMap<String, WorkState> {
        pairs.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    }

    #[test]
    fn completed_tasks_are_done_and_not_planned_ones_leave_the_total() {
        let roadmap = progress(
            &plan(PLAN),
            &states(&[
                ("T-1", WorkState::Done),
                ("T-2", WorkState::Dropped),
                ("T-3", WorkState::Open),
                ("S-1", WorkState::Done),
            ]),
        );
        let e1 = &roadmap.epics[0];
        assert_eq!(
            (e1.stories[0].tally.done, e1.stories[0].tally.total),
            (1, 2)
        );
        assert_eq!(e1.stories[0].tally.percent(), Some(50));
        // T-4 has no issue yet: to do.
        assert_eq!(
            (e1.stories[1].tally.done, e1.stories[1].tally.total),
            (0, 1)
        );
        assert_eq!((e1.tally.done, e1.tally.total), (1, 3));
        assert_eq!(e1.tally.percent(), Some(33));
        // An epic without stories, and a story without tasks, count as one unit each.
        assert_eq!(roadmap.epics[1].tally, Tally { done: 0, total: 1 });
        assert_eq!(
            roadmap.epics[2].stories[0].tally,
            Tally { done: 0, total: 1 }
        );
        assert_eq!(roadmap.total, Tally { done: 1, total: 5 });
        // The story's own state does not count for its tasks; it is marked done for the graph.
        assert_eq!(
            roadmap.done.iter().map(String::as_str).collect::<Vec<_>>(),
            ["S-1", "T-1"]
        );
    }

    #[test]
    fn githubs_states_and_reasons() {
        let closed = |reason| WorkState::of(IssueState::Closed { reason });
        assert_eq!(WorkState::of(IssueState::Open), WorkState::Open);
        assert_eq!(closed(ClosedAs::Completed), WorkState::Done);
        assert_eq!(closed(ClosedAs::NotPlanned), WorkState::Dropped);
        assert_eq!(closed(ClosedAs::Duplicate), WorkState::Dropped);
    }

    #[test]
    fn percentages_round_down_and_nothing_to_do_has_none() {
        assert_eq!(
            Tally {
                done: 199,
                total: 200
            }
            .percent(),
            Some(99)
        );
        assert_eq!(Tally { done: 2, total: 2 }.percent(), Some(100));
        assert_eq!(Tally { done: 0, total: 0 }.percent(), None);
        let all_dropped = progress(
            &plan("id: p\nepics:\n  - { id: E-1, title: Gone }\n"),
            &states(&[("E-1", WorkState::Dropped)]),
        );
        assert_eq!(all_dropped.total, Tally::default());
        assert_eq!(all_dropped.total.percent(), None);
    }
}
