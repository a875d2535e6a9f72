//! Property: for random plans and random edit sequences (add, remove, rename, move a task,
//! change dependencies, change fields), syncing each version in turn ends in exactly the state a
//! fresh sync of the last version produces.

use fake_github::Faults;
use proptest::prelude::*;

use super::support::{assert_converged, normalized, Env, Model, Node, PRIORITIES, SIZES};

/// One edit; the numbers pick targets modulo what exists, so any value applies to any plan.
#[derive(Debug, Clone)]
enum Edit {
    AddTask(usize),
    AddStory(usize),
    Remove(usize),
    Rename(usize, u8),
    MoveTask(usize, usize),
    Depend(usize, usize),
    Undepend(usize),
    Fields(usize, usize, u32),
}

fn edit() -> impl Strategy<Value = Edit> {
    let n = || 0usize..64;
    prop_oneof![
        n().prop_map(Edit::AddTask),
        n().prop_map(Edit::AddStory),
        n().prop_map(Edit::Remove),
        (n(), any::<u8>()).prop_map(|(i, t)| Edit::Rename(i, t)),
        (n(), n()).prop_map(|(t, s)| Edit::MoveTask(t, s)),
        (n(), n()).prop_map(|(a, b)| Edit::Depend(a, b)),
        n().prop_map(Edit::Undepend),
        (n(), n(), 1u32..9).prop_map(|(i, v, e)| Edit::Fields(i, v, e)),
    ]
}

/// Titles a human might write, some of them hostile.
const TITLES: [&str; 6] = [
    "Plain title",
    "Fix `parser` <b>now</b> @octocat #12",
    "<!-- planpilot:end --> sneaky",
    "Emoji 🚀 and RTL עברית",
    "Quotes \" and 'single' and \\ backslash",
    "Markdown **bold** _it_ [link](http://x)",
];

fn pick(ids: &[String], n: usize) -> Option<&String> {
    (!ids.is_empty()).then(|| &ids[n % ids.len()])
}

fn apply(model: &mut Model, edit: &Edit) {
    let ids = |m: &Model, which: u8| -> Vec<String> {
        match which {
            0 => m.epics.iter().map(|n| n.id.clone()).collect(),
            1 => m.stories().map(|n| n.id.clone()).collect(),
            2 => m.tasks().map(|n| n.id.clone()).collect(),
            _ => m.all().map(|n| n.id.clone()).collect(),
        }
    };
    match *edit {
        Edit::AddTask(s) => {
            if let Some(story) = pick(&ids(model, 1), s).cloned() {
                let task = Node::new(model.fresh_id("T"));
                model.find_mut(&story).expect("story").children.push(task);
            }
        }
        Edit::AddStory(e) => {
            if let Some(epic) = pick(&ids(model, 0), e).cloned() {
                let mut story = Node::new(model.fresh_id("S"));
                story.children.push(Node::new(model.fresh_id("T")));
                model.find_mut(&epic).expect("epic").children.push(story);
            }
        }
        Edit::Remove(i) => {
            // Keep at least one epic so the plan stays a plan.
            let all = ids(model, 3);
            if let Some(id) = pick(&all, i).cloned() {
                if !(model.epics.len() == 1 && model.epics[0].id == id) {
                    model.remove(&id);
                }
            }
        }
        Edit::Rename(i, t) => {
            if let Some(id) = pick(&ids(model, 3), i).cloned() {
                let node = model.find_mut(&id).expect("item");
                node.title = format!("{} ({id})", TITLES[t as usize % TITLES.len()]);
            }
        }
        Edit::MoveTask(t, s) => {
            let (tasks, stories) = (ids(model, 2), ids(model, 1));
            if let (Some(task), Some(story)) = (pick(&tasks, t).cloned(), pick(&stories, s)) {
                let node = model.find_mut(&task).expect("task").clone();
                model.remove_node_only(&task);
                model.find_mut(story).expect("story").children.push(node);
            }
        }
        Edit::Depend(a, b) => {
            let tasks = ids(model, 2);
            if let (Some(a), Some(b)) = (pick(&tasks, a).cloned(), pick(&tasks, b).cloned()) {
                // Toward lower ids only, so item dependencies never form a cycle.
                let number = |id: &str| id[2..].parse::<usize>().expect("numbered id");
                if number(&b) < number(&a) {
                    let node = model.find_mut(&a).expect("task");
                    if !node.depends_on.contains(&b) {
                        node.depends_on.push(b);
                    }
                }
            }
        }
        Edit::Undepend(i) => {
            if let Some(id) = pick(&ids(model, 2), i).cloned() {
                model.find_mut(&id).expect("task").depends_on.pop();
            }
        }
        Edit::Fields(i, v, e) => {
            if let Some(id) = pick(&ids(model, 3), i).cloned() {
                let node = model.find_mut(&id).expect("item");
                node.priority = PRIORITIES[v % PRIORITIES.len()];
                node.size = SIZES[v % SIZES.len()];
                node.estimate = e;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10,
        max_shrink_iters: 20,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn syncing_every_version_in_turn_equals_a_fresh_sync_of_the_last(
        shape in (1usize..=2, 1usize..=2, 1usize..=3),
        versions in proptest::collection::vec(proptest::collection::vec(edit(), 1..=3), 1..=3),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut model = Model::grid("prop", shape.0, shape.1, shape.2);
            let incremental = Env::org().await;
            incremental.sync_ok(&model.plan()).await;
            for edits in &versions {
                for edit in edits {
                    apply(&mut model, edit);
                }
                incremental.sync_ok(&model.plan()).await;
            }
            let last = model.plan();
            assert_converged(&last, &incremental.fake.state());
            assert_eq!(incremental.mutations_of(&last).await, 0, "incremental result is stable");

            let fresh = Env::org().await;
            fresh.sync_ok(&last).await;
            assert_converged(&last, &fresh.fake.state());
            let (a, b) = (
                normalized(&last, &incremental.fake.state()),
                normalized(&last, &fresh.fake.state()),
            );
            assert_eq!(a, b, "incremental vs fresh for {}", model.yaml());
            incremental.fake.shutdown().await;
            fresh.fake.shutdown().await;
        });
    }

    /// The same, with some versions synced under faults (lost answers, 502s, rate limits) and
    /// left half-applied: one healthy sync of the last version still reaches the fresh state.
    #[test]
    fn versions_half_applied_under_faults_still_end_in_the_fresh_state(
        shape in (1usize..=2, 1usize..=2, 1usize..=2),
        versions in proptest::collection::vec(
            (proptest::collection::vec(edit(), 1..=3), any::<bool>(), 1u64..1000),
            1..=3,
        ),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut model = Model::grid("faulty", shape.0, shape.1, shape.2);
            let incremental = Env::org().await;
            incremental.sync_ok(&model.plan()).await;
            for (edits, faulty, seed) in &versions {
                for edit in edits {
                    apply(&mut model, edit);
                }
                if *faulty {
                    incremental.fake.set_faults(Faults {
                        drop_after_apply_rate: 0.15,
                        error_502_rate: 0.1,
                        rate_limited_every: Some(3 + seed % 5),
                        ..Faults::default()
                    });
                }
                // A faulty run may stop anywhere; only a clean stop or success is acceptable.
                if let Err(error) = incremental.sync(&model.plan()).await {
                    assert!(!error.is_invalid_input(), "{error}");
                }
                incremental.heal();
            }
            let last = model.plan();
            incremental.sync_ok(&last).await;
            assert_converged(&last, &incremental.fake.state());
            let fresh = Env::org().await;
            fresh.sync_ok(&last).await;
            assert_eq!(
                normalized(&last, &incremental.fake.state()),
                normalized(&last, &fresh.fake.state()),
                "{}",
                model.yaml()
            );
        });
    }
}

/// The one place where history shows: a board field the plan stops naming is no longer owned
/// by the plan, so its value stays as it is (like a default, or a value a human set), where a
/// fresh sync would leave the card's field empty.
#[tokio::test]
async fn a_field_the_plan_stops_naming_keeps_its_value() {
    let model = Model::grid("dropped", 1, 1, 1);
    let env = Env::org().await;
    env.sync_ok(&model.plan()).await;
    let without = super::support::load_yaml(&model.yaml().replace(", Estimate: 1", ""));
    assert_eq!(env.mutations_of(&without).await, 0, "nothing to write");
    let task = env.issue_of(&without, "T-3");
    assert_eq!(task["project_item"]["fields"]["Estimate"], 1.0);
}
