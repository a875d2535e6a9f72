//! Dependencies as GitHub shows them: each `depends_on` links its own two issues, plus the
//! same-level roll-ups; the tests state the rule in the plan author's words and read the
//! blocked-by state back from the fake.

use std::collections::{BTreeMap, BTreeSet};

use planpilot::plan::Plan;
use serde_json::Value;

use crate::reliability::support::{claims, load_yaml, Env};

/// E-1 holds S-1 (T-1, T-2) and S-2 (T-3); E-2 holds S-3 (T-4, T-5). `deps` are
/// `(item, its depends_on)`.
fn plan(deps: &[(&str, &str)]) -> Plan {
    let on = |id: &str| {
        let mine: Vec<&str> = deps
            .iter()
            .filter(|(a, _)| *a == id)
            .map(|(_, b)| *b)
            .collect();
        if mine.is_empty() {
            String::new()
        } else {
            format!(", depends_on: [{}]", mine.join(", "))
        }
    };
    let task = |id: &str| format!("{{id: {id}, title: Task {id}{}}}", on(id));
    let text = format!(
        "id: links\nepics:\n\
         - id: E-1\n  title: Epic one\n  stories:\n\
         \x20 - {{id: S-1, title: Story one{}, tasks: [{}, {}]}}\n\
         \x20 - {{id: S-2, title: Story two{}, tasks: [{}]}}\n\
         - id: E-2\n  title: Epic two\n  depends_on: [{}]\n  stories:\n\
         \x20 - {{id: S-3, title: Story three{}, tasks: [{}, {}]}}\n",
        on("S-1"),
        task("T-1"),
        task("T-2"),
        on("S-2"),
        task("T-3"),
        // E-2's own dependencies, or none.
        deps.iter()
            .filter(|(a, _)| *a == "E-2")
            .map(|(_, b)| *b)
            .collect::<Vec<_>>()
            .join(", "),
        on("S-3"),
        task("T-4"),
        task("T-5"),
    );
    load_yaml(&text)
}

/// What GitHub shows: for each item, the items whose issues block its open issue, as
/// `"blocked←blocker"` strings.
fn shown(env: &Env, plan: &Plan) -> BTreeSet<String> {
    let state = env.fake.state();
    let claims = claims(&state, &plan.key);
    let open = |issues: &Vec<Value>| {
        issues
            .iter()
            .find(|i| i["state"] == "OPEN")
            .cloned()
            .expect("an open issue")
    };
    let item_of: BTreeMap<u64, String> = claims
        .iter()
        .map(|(item, issues)| (open(issues)["number"].as_u64().unwrap(), item.clone()))
        .collect();
    let mut links = BTreeSet::new();
    for (item, issues) in &claims {
        for blocker in open(issues)["blocked_by"].as_array().into_iter().flatten() {
            let number = blocker.as_u64().unwrap();
            let name = item_of
                .get(&number)
                .cloned()
                .unwrap_or_else(|| format!("#{number}"));
            links.insert(format!("{item}←{name}"));
        }
    }
    links
}

fn set(links: &[&str]) -> BTreeSet<String> {
    links.iter().map(|l| l.to_string()).collect()
}

#[tokio::test]
async fn a_task_depending_on_a_task_of_another_epic_links_tasks_stories_and_epics() {
    // "T-4 (S-3, E-2) depends on T-3 (S-2, E-1)" → T-4←T-3, S-3←S-2, E-2←E-1.
    let env = Env::org().await;
    let plan = plan(&[("T-4", "T-3")]);
    env.sync_ok(&plan).await;
    assert_eq!(shown(&env, &plan), set(&["T-4←T-3", "S-3←S-2", "E-2←E-1"]));
    assert_eq!(env.mutations_of(&plan).await, 0, "a re-run writes nothing");
}

#[tokio::test]
async fn dependencies_show_at_their_own_level_and_roll_up() {
    let env = Env::org().await;
    // "T-2 depends on T-1" (one story): only the tasks. "T-3 (S-2) depends on T-2 (S-1)", one
    // epic: the tasks and the stories. "T-5 (S-3, E-2) depends on S-1 (E-1)": T-5←S-1 and the
    // roll-ups S-3←S-1, E-2←E-1. "E-2 depends on E-1": the same epic link, once.
    let plan = plan(&[
        ("T-2", "T-1"),
        ("T-3", "T-2"),
        ("T-5", "S-1"),
        ("E-2", "E-1"),
    ]);
    env.sync_ok(&plan).await;
    let wanted = set(&[
        "T-2←T-1",
        "T-3←T-2",
        "S-2←S-1",
        "T-5←S-1",
        "S-3←S-1",
        "E-2←E-1",
    ]);
    assert_eq!(shown(&env, &plan), wanted);
    assert_eq!(env.mutations_of(&plan).await, 0, "a re-run writes nothing");

    // T-3 no longer depends on T-2: its link and the S-2←S-1 roll-up go; nothing else moves.
    let fewer = self::plan(&[("T-2", "T-1"), ("T-5", "S-1"), ("E-2", "E-1")]);
    env.sync_ok(&fewer).await;
    assert_eq!(
        shown(&env, &fewer),
        set(&["T-2←T-1", "T-5←S-1", "S-3←S-1", "E-2←E-1"])
    );
    assert_eq!(env.mutations_of(&fewer).await, 0, "a re-run writes nothing");

    // E-2 no longer depends on E-1, but T-5 still rolls up to it: E-2←E-1 stays.
    let rolled = self::plan(&[("T-2", "T-1"), ("T-5", "S-1")]);
    env.sync_ok(&rolled).await;
    assert_eq!(
        shown(&env, &rolled),
        set(&["T-2←T-1", "T-5←S-1", "S-3←S-1", "E-2←E-1"])
    );
    assert_eq!(
        env.mutations_of(&rolled).await,
        0,
        "a re-run writes nothing"
    );
}

#[tokio::test]
async fn moving_a_task_moves_its_roll_ups() {
    let env = Env::org().await;
    let plan = plan(&[("T-4", "T-3")]);
    env.sync_ok(&plan).await;
    // T-3 moves from S-2 to S-1 (still in E-1): S-3←S-2 becomes S-3←S-1.
    let moved = load_yaml(&plan_text_with_t3_under_s1());
    env.sync_ok(&moved).await;
    assert_eq!(shown(&env, &moved), set(&["T-4←T-3", "S-3←S-1", "E-2←E-1"]));
    assert_eq!(env.mutations_of(&moved).await, 0, "a re-run writes nothing");
}

fn plan_text_with_t3_under_s1() -> String {
    "id: links\nepics:\n\
     - id: E-1\n  title: Epic one\n  stories:\n\
     \x20 - {id: S-1, title: Story one, tasks: [{id: T-1, title: Task T-1}, {id: T-2, title: Task T-2}, {id: T-3, title: Task T-3}]}\n\
     \x20 - {id: S-2, title: Story two}\n\
     - id: E-2\n  title: Epic two\n  stories:\n\
     \x20 - {id: S-3, title: Story three, tasks: [{id: T-4, title: Task T-4, depends_on: [T-3]}, {id: T-5, title: Task T-5}]}\n"
        .to_string()
}
