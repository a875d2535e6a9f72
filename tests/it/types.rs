//! Issue types as organizations really have them: GitHub gives a new organization Task, Bug and
//! Feature only, so epics and stories fall back to their `type:` labels (with one warning) while
//! tasks get the Task type; an organization that added Epic and Story gets types throughout; a
//! user-owned repository gets labels throughout. Switching between them on re-runs settles in one
//! run, without duplicate or flapping labels.

use fake_github::Config;
use planpilot::plan::{ItemKind, Plan};
use planpilot::sync::Report;
use serde_json::Value;

use crate::reliability::support::{
    assert_converged, assert_kind_shown, claims, org_types, Env, Model,
};

fn plan() -> Plan {
    Model::grid("types", 2, 2, 2).plan()
}

/// Warnings of a run about missing issue types.
fn type_warnings(report: &Report) -> Vec<&String> {
    report
        .warnings
        .iter()
        .filter(|w| w.contains("has no issue type"))
        .collect()
}

/// Asserts every item shows its kind as the fake's types allow, and no label twice.
fn assert_kinds(env: &Env, plan: &Plan) {
    let state = env.fake.state();
    assert_converged(plan, &state);
    let types = org_types(&state);
    for (item, issues) in claims(&state, &plan.key) {
        assert_eq!(issues.len(), 1, "{item}: one issue");
        let kind = plan.get(&item).map(|i| i.kind).unwrap();
        assert_kind_shown(&types, kind, &item, &issues[0]);
        let mut labels: Vec<&str> = issues[0]["labels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let all = labels.len();
        labels.sort_unstable();
        labels.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        assert_eq!(labels.len(), all, "{item}: a label twice");
    }
}

fn shown_type(env: &Env, plan: &Plan, item: &str) -> Value {
    env.issue_of(plan, item)["issue_type"].clone()
}

#[tokio::test]
async fn githubs_default_types_type_the_tasks_and_label_epics_and_stories_with_one_warning() {
    let env = Env::org().await;
    let plan = plan();
    let report = env.sync_ok(&plan).await;
    let warnings = type_warnings(&report);
    assert_eq!(warnings.len(), 1, "{:?}", report.warnings);
    for part in [
        "\"Epic\"",
        "\"Story\"",
        "type:epic",
        "type:story",
        "epic-type",
        "story-type",
        "organization owner",
    ] {
        assert!(warnings[0].contains(part), "{part}: {}", warnings[0]);
    }
    assert!(!warnings[0].contains("\"Task\""), "{}", warnings[0]);
    assert_kinds(&env, &plan);
    let first = |kind| plan.of_kind(kind).next().unwrap().id.clone();
    assert_eq!(shown_type(&env, &plan, &first(ItemKind::Task)), "Task");
    assert!(shown_type(&env, &plan, &first(ItemKind::Epic)).is_null());
    assert_eq!(env.mutations_of(&plan).await, 0, "a re-run writes nothing");
}

#[tokio::test]
async fn an_organization_with_epic_story_and_task_types_gets_types_throughout() {
    let env = Env::start(Config::with_issue_types(&["Epic", "Story", "Task", "Bug"])).await;
    let plan = plan();
    let report = env.sync_ok(&plan).await;
    assert!(type_warnings(&report).is_empty(), "{:?}", report.warnings);
    assert_kinds(&env, &plan);
    for (kind, name) in [
        (ItemKind::Epic, "Epic"),
        (ItemKind::Story, "Story"),
        (ItemKind::Task, "Task"),
    ] {
        let first = plan.of_kind(kind).next().unwrap();
        assert_eq!(shown_type(&env, &plan, &first.id), name);
    }
    assert_eq!(env.mutations_of(&plan).await, 0, "a re-run writes nothing");
}

#[tokio::test]
async fn a_user_owned_repository_gets_labels_throughout_without_a_warning() {
    let mut env = Env::start(Config::user_owned()).await;
    env.options.project = Some(
        "https://github.com/users/octocat/projects/1"
            .parse()
            .unwrap(),
    );
    env.options.repository = "octocat/roadmap".parse().unwrap();
    let plan = plan();
    let report = env.sync_ok(&plan).await;
    assert!(type_warnings(&report).is_empty(), "{:?}", report.warnings);
    assert_kinds(&env, &plan);
    assert_eq!(env.mutations_of(&plan).await, 0, "a re-run writes nothing");
}

#[tokio::test]
async fn switching_between_types_and_labels_settles_in_one_run_without_flapping() {
    let env = Env::start(Config::with_issue_types(&["Epic", "Story", "Task", "Bug"])).await;
    let plan = plan();
    env.sync_ok(&plan).await;
    assert_kinds(&env, &plan);
    let epics_and_stories = plan
        .items
        .iter()
        .filter(|i| i.kind != ItemKind::Task)
        .count() as u64;

    // The owner renames Epic and Story away: as on a new organization, those fall back to labels.
    assert!(env.fake.rename_issue_type("Epic", "Initiative"));
    assert!(env.fake.rename_issue_type("Story", "Theme"));
    let before = env.fake.stats().mutations.total;
    let report = env.sync_ok(&plan).await;
    assert_eq!(type_warnings(&report).len(), 1, "{:?}", report.warnings);
    // Two labels created, one label update per epic and story, nothing else.
    assert_eq!(
        env.fake.stats().mutations.total - before,
        2 + epics_and_stories
    );
    let state = env.fake.state();
    for (item, issues) in claims(&state, &plan.key) {
        let labels = issues[0]["labels"].as_array().unwrap().clone();
        let kind = plan.get(&item).unwrap().kind;
        let label: Value = format!("type:{kind}").into();
        assert_eq!(labels.contains(&label), kind != ItemKind::Task, "{item}");
    }
    assert_eq!(env.mutations_of(&plan).await, 0, "no flapping");

    // Back to Epic and Story: types again, the labels go, once.
    assert!(env.fake.rename_issue_type("Initiative", "Epic"));
    assert!(env.fake.rename_issue_type("Theme", "Story"));
    let before = env.fake.stats().mutations.total;
    let report = env.sync_ok(&plan).await;
    assert!(type_warnings(&report).is_empty(), "{:?}", report.warnings);
    assert_eq!(env.fake.stats().mutations.total - before, epics_and_stories);
    assert_kinds(&env, &plan);
    assert_eq!(env.mutations_of(&plan).await, 0, "no flapping");
}
