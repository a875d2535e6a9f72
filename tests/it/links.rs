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

const ADD_BLOCKED_BY: &str =
    "mutation($i: AddBlockedByInput!) { addBlockedBy(input: $i) { issue { id } } }";

/// A person marks `blocked` as blocked by `blocker` on GitHub, by hand.
async fn person_links(env: &Env, plan: &Plan, blocked: &str, blocker: &str) {
    let input = serde_json::json!({ "i": {
        "issueId": env.issue_of(plan, blocked)["id"],
        "blockingIssueId": env.issue_of(plan, blocker)["id"],
    }});
    env.human(ADD_BLOCKED_BY, input).await;
}

#[tokio::test]
async fn a_link_a_person_adds_between_managed_issues_survives_every_re_run() {
    // "T-5 is blocked by T-4", says a person on GitHub; the plan says nothing about it.
    let env = Env::org().await;
    let plan = plan(&[("T-2", "T-1")]);
    env.sync_ok(&plan).await;
    person_links(&env, &plan, "T-5", "T-4").await;
    for _ in 0..2 {
        let report = env.sync_ok(&plan).await;
        assert_eq!(shown(&env, &plan), set(&["T-2←T-1", "T-5←T-4"]));
        assert!(
            report
                .kept_links
                .iter()
                .any(|k| k.contains("(T-5) blocked by") && k.contains("(T-4)")),
            "the report lists the kept link: {:?}",
            report.kept_links
        );
    }
    assert_eq!(env.mutations_of(&plan).await, 0, "a re-run writes nothing");
}

#[tokio::test]
async fn planpilot_removes_only_the_links_it_made() {
    // The plan drops "T-3 depends on T-1" (T-3←T-1 and the roll-up S-2←S-1 go); a person had
    // linked T-5 to T-4 and S-3 to S-1 by hand, and those stay.
    let env = Env::org().await;
    let with = plan(&[("T-3", "T-1")]);
    env.sync_ok(&with).await;
    assert_eq!(shown(&env, &with), set(&["T-3←T-1", "S-2←S-1"]));
    person_links(&env, &with, "T-5", "T-4").await;
    person_links(&env, &with, "S-3", "S-1").await;
    let without = plan(&[]);
    env.sync_ok(&without).await;
    assert_eq!(shown(&env, &without), set(&["T-5←T-4", "S-3←S-1"]));
    assert_eq!(
        env.mutations_of(&without).await,
        0,
        "a re-run writes nothing"
    );

    // The plan declares what the person linked: planpilot owns it from then on, and removes it
    // when the plan drops it again.
    let declared = plan(&[("T-5", "T-4")]);
    env.sync_ok(&declared).await;
    assert_eq!(shown(&env, &declared), set(&["T-5←T-4", "S-3←S-1"]));
    env.sync_ok(&without).await;
    assert_eq!(shown(&env, &without), set(&["S-3←S-1"]));
}

#[tokio::test]
async fn links_of_issues_made_before_planpilot_recorded_its_links_are_still_its_own() {
    // Issues whose marker does not record the item's dependencies (written by an earlier
    // version): every link between managed issues is taken as planpilot's, as it was then.
    let env = Env::org().await;
    let with = plan(&[("T-3", "T-1")]);
    env.sync_ok(&with).await;
    for item in ["T-3", "S-2"] {
        let issue = env.issue_of(&with, item);
        let body = issue["body"].as_str().unwrap();
        let old = regex_free_strip_deps(body);
        assert_ne!(old, body, "the marker records the dependencies");
        env.human(
            "mutation($i: UpdateIssueInput!) { updateIssue(input: $i) { issue { id } } }",
            serde_json::json!({ "i": { "id": issue["id"], "body": old } }),
        )
        .await;
    }
    let without = plan(&[]);
    env.sync_ok(&without).await;
    assert_eq!(shown(&env, &without), set(&[]));
    assert_eq!(
        env.mutations_of(&without).await,
        0,
        "a re-run writes nothing"
    );
}

/// The body with the marker's `deps=…` attribute taken out, as an earlier version wrote it.
fn regex_free_strip_deps(body: &str) -> String {
    body.lines()
        .map(|line| {
            if !line.starts_with("<!-- planpilot:begin ") {
                return line.to_string();
            }
            line.split(' ')
                .filter(|part| !part.starts_with("deps="))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
