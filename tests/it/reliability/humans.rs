//! Issues humans changed between runs: marker deleted, labels removed, issue deleted or
//! transferred, a board option or an issue type renamed. The next run reports what it can't
//! reconcile, repairs what it owns, and never duplicates an item or clobbers human text.

use fake_github::Config;
use planpilot::plan::Plan;
use planpilot::sync::{ItemAction, SyncError};
use serde_json::{json, Value};

use super::support::{assert_converged, claims, Env, Model};

const SET_BODY: &str =
    "mutation($id: ID!, $body: String!) { updateIssue(input: {id: $id, body: $body}) { issue { id } } }";
const REMOVE_LABELS: &str =
    "mutation($id: ID!, $labels: [ID!]!) { removeLabelsFromLabelable(input: \
     {labelableId: $id, labelIds: $labels}) { clientMutationId } }";
const DELETE: &str =
    "mutation($id: ID!) { deleteIssue(input: {issueId: $id}) { clientMutationId } }";
const CLOSE_AS: &str = "mutation($id: ID!, $reason: IssueClosedStateReason!) { \
     closeIssue(input: {issueId: $id, stateReason: $reason}) { issue { id } } }";

fn label_id(state: &Value, name: &str) -> Value {
    state["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .find(|l| l["name"] == name)
        .map(|l| l["id"].clone())
        .unwrap_or_else(|| panic!("label {name}"))
}

fn issue_count(env: &Env) -> usize {
    env.fake.state()["issues"].as_array().map_or(0, Vec::len)
}

async fn synced(model: &Model) -> (Env, Plan) {
    let env = Env::org().await;
    let plan = model.plan();
    env.sync_ok(&plan).await;
    (env, plan)
}

#[tokio::test]
async fn a_deleted_marker_is_adopted_by_title_and_the_human_text_kept() {
    let (env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    let issue = env.issue_of(&plan, "T-3");
    env.human(
        SET_BODY,
        json!({"id": issue["id"], "body": "Only my notes now."}),
    )
    .await;
    let report = env.sync_ok(&plan).await;
    assert!(
        report.warnings.iter().any(|w| w.contains("adopted")),
        "{:?}",
        report.warnings
    );
    let numbers = assert_converged(&plan, &env.fake.state());
    assert_eq!(
        numbers["T-3"],
        issue["number"].as_u64().unwrap(),
        "the same issue"
    );
    let body = env.issue_of(&plan, "T-3")["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(body.ends_with("Only my notes now."), "{body}");
    assert_eq!(issue_count(&env), plan.items.len());
}

#[tokio::test]
async fn labels_a_human_removed_are_restored_without_a_new_issue() {
    let (env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    let state = env.fake.state();
    let issue = env.issue_of(&plan, "T-4");
    // The plan's own label: planpilot owns it and puts it back.
    env.human(
        REMOVE_LABELS,
        json!({"id": issue["id"], "labels": [label_id(&state, "roadmap")]}),
    )
    .await;
    env.sync_ok(&plan).await;
    assert_converged(&plan, &env.fake.state());
    assert_eq!(issue_count(&env), plan.items.len());
}

#[tokio::test]
async fn removing_the_sync_label_does_not_duplicate_the_item() {
    for item in ["T-4", "S-2", "E-1"] {
        removing_the_sync_label_of(item).await;
    }
}

async fn removing_the_sync_label_of(item: &str) {
    let (env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    let state = env.fake.state();
    let issue = env.issue_of(&plan, item);
    env.human(
        REMOVE_LABELS,
        json!({"id": issue["id"], "labels": [label_id(&state, "planpilot")]}),
    )
    .await;
    let report = env.sync_ok(&plan).await;
    eprintln!("{item}: {:#?}", report.warnings);
    assert_eq!(
        issue_count(&env),
        plan.items.len(),
        "no second issue for {item}"
    );
    assert_converged(&plan, &env.fake.state());
    assert_eq!(env.mutations_of(&plan).await, 0);
}

#[tokio::test]
async fn an_issue_a_person_closed_as_completed_stays_closed_and_one_closed_as_not_planned_reopens()
{
    let (env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    let done = env.issue_of(&plan, "T-3");
    let dropped = env.issue_of(&plan, "T-4");
    env.human(CLOSE_AS, json!({"id": done["id"], "reason": "COMPLETED"}))
        .await;
    env.human(
        CLOSE_AS,
        json!({"id": dropped["id"], "reason": "NOT_PLANNED"}),
    )
    .await;
    let report = env.sync_ok(&plan).await;
    let action = |id: &str| report.items.iter().find(|i| i.id == id).unwrap().action;
    assert_eq!(action("T-3"), ItemAction::Unchanged, "done work stays done");
    assert_eq!(
        action("T-4"),
        ItemAction::Reopened,
        "the item is still planned"
    );
    let state = |number: &Value| {
        let issues = env.fake.state()["issues"].as_array().unwrap().clone();
        let issue = issues.into_iter().find(|i| i["number"] == *number).unwrap();
        (issue["state"].clone(), issue["state_reason"].clone())
    };
    assert_eq!(
        state(&done["number"]),
        (json!("CLOSED"), json!("COMPLETED"))
    );
    assert_eq!(state(&dropped["number"]).0, json!("OPEN"));
    assert_eq!(env.mutations_of(&plan).await, 0);
}

#[tokio::test]
async fn a_deleted_issue_is_recreated_and_its_children_rewired() {
    let (env, plan) = synced(&Model::grid("humans", 1, 2, 2)).await;
    let story = env.issue_of(&plan, "S-2");
    env.human(DELETE, json!({"id": story["id"]})).await;
    let report = env.sync_ok(&plan).await;
    assert_eq!(
        report.counts().created,
        1,
        "only the deleted item is created again"
    );
    let numbers = assert_converged(&plan, &env.fake.state());
    assert_ne!(numbers["S-2"], story["number"].as_u64().unwrap());
    assert_eq!(env.mutations_of(&plan).await, 0);
}

#[tokio::test]
async fn a_transferred_issue_is_replaced_and_its_relations_rewired() {
    // The epic (children follow it by reference) and a task (its story lists it as a sub-issue):
    // both still carry the marker, but live in another repository now and are not adopted.
    for item in ["E-1", "T-4"] {
        let (env, plan) = synced(&Model::grid("humans", 1, 2, 2)).await;
        let number = env.issue_of(&plan, item)["number"].as_u64().unwrap();
        assert!(env.fake.transfer_issue(number));
        let report = env.sync_ok(&plan).await;
        assert_eq!(report.counts().created, 1, "{item}");
        let numbers = assert_converged(&plan, &env.fake.state());
        assert_ne!(numbers[item], number);
        assert_eq!(env.mutations_of(&plan).await, 0, "{item}");
    }
}

#[tokio::test]
async fn a_renamed_board_option_is_reported_before_any_write() {
    let (env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    assert!(env.fake.rename_option("Priority", "P1", "High"));
    let before = env.fake.stats().mutations.total;
    let error = env
        .sync(&plan)
        .await
        .expect_err("the plan names a missing option");
    assert!(error.is_invalid_input(), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("\"P1\"") && message.contains("High"),
        "{message}"
    );
    assert_eq!(env.fake.stats().mutations.total, before, "nothing written");

    // The plan follows the rename: cards keep their option (its id did not change).
    let renamed = load_renamed(&Model::grid("humans", 1, 1, 2));
    assert_eq!(
        env.mutations_of(&renamed).await,
        0,
        "the option's id is unchanged"
    );
    assert_eq!(issue_count(&env), plan.items.len());
}

/// The model's plan with every `P1` written as `High`.
fn load_renamed(model: &Model) -> Plan {
    super::support::load_yaml(&model.yaml().replace("Priority: P1", "Priority: High"))
}

#[tokio::test]
async fn a_renamed_issue_type_falls_back_to_its_label_and_the_setting_follows() {
    let (mut env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    // The owner renames the default type Task: tasks carry `type:task` instead, with a warning.
    assert!(env.fake.rename_issue_type("Task", "Chore"));
    let report = env.sync_ok(&plan).await;
    let warned: Vec<&String> = report
        .warnings
        .iter()
        .filter(|w| w.contains("has no issue type") && w.contains("\"Task\""))
        .collect();
    assert_eq!(warned.len(), 1, "{:?}", report.warnings);
    assert!(warned[0].contains("task-type"), "{}", warned[0]);
    let state = env.fake.state();
    let labels = |item: &str| claims(&state, &plan.key)[item][0]["labels"].clone();
    assert!(labels("T-3")
        .as_array()
        .unwrap()
        .contains(&"type:task".into()));
    assert_eq!(env.mutations_of(&plan).await, 0, "no flapping");

    // A name the user chose that does not exist stops the run before any write.
    env.options.type_names.task = "Spike".to_string();
    let before = env.fake.stats().mutations.total;
    let error = env.sync(&plan).await.expect_err("no type Spike");
    assert!(matches!(error, SyncError::Invalid(_)), "{error}");
    assert!(error.to_string().contains("task-type"), "{error}");
    assert_eq!(env.fake.stats().mutations.total, before);

    // Naming the renamed type: tasks show it again and lose the label, once.
    env.options.type_names.task = "Chore".to_string();
    env.sync_ok(&plan).await;
    assert_eq!(env.mutations_of(&plan).await, 0, "settled");
    let state = env.fake.state();
    let tasks = claims(&state, &plan.key);
    assert_eq!(tasks["T-3"][0]["issue_type"], "Chore");
    assert!(!tasks["T-3"][0]["labels"]
        .as_array()
        .unwrap()
        .contains(&"type:task".into()));
    assert_eq!(issue_count(&env), plan.items.len());
}

#[tokio::test]
async fn a_user_owned_repository_falls_back_to_type_labels_without_duplicates() {
    let mut env = Env::start(Config::user_owned()).await;
    env.options.repository = "octocat/roadmap".parse().unwrap();
    env.options.project = Some(
        "https://github.com/users/octocat/projects/1"
            .parse()
            .unwrap(),
    );
    let plan = Model::grid("user", 1, 1, 2).plan();
    env.sync_ok(&plan).await;
    assert_eq!(env.mutations_of(&plan).await, 0);
    assert_eq!(issue_count(&env), plan.items.len());
}

#[tokio::test]
async fn a_body_pasted_from_another_issue_does_not_steal_its_identity() {
    let (env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    let t3 = env.issue_of(&plan, "T-3");
    let t4 = env.issue_of(&plan, "T-4");
    let body = format!(
        "{}\n\n{}",
        t3["body"].as_str().unwrap(),
        t4["body"].as_str().unwrap()
    );
    env.human(SET_BODY, json!({"id": t4["id"], "body": body}))
        .await;
    let before = env.fake.stats().mutations.total;
    env.sync_ok(&plan).await;
    assert_eq!(
        env.fake.stats().mutations.total,
        before,
        "nothing to repair or close"
    );
    // (`assert_converged` reads identity from the first marker, so it is checked by hand here.)
    let state = env.fake.state();
    let issues = state["issues"].as_array().unwrap();
    assert_eq!(issues.len(), plan.items.len(), "no new issue");
    assert!(issues.iter().all(|i| i["state"] == "OPEN"), "none closed");
    let now = issues.iter().find(|i| i["id"] == t4["id"]).unwrap();
    assert_eq!(
        now["body"],
        body.as_str(),
        "the pasted text is the human's: it stays"
    );
    // A later edit of T-4 rewrites T-4's own block, not the pasted one.
    let edited = super::support::load_yaml(&Model::grid("humans", 1, 1, 2).yaml().replace(
        "title: \"Item T-4\"\n",
        "title: \"Item T-4, renamed\"\n            goal: A goal at last.\n",
    ));
    env.sync_ok(&edited).await;
    let state = env.fake.state();
    let now = state["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == t4["id"])
        .unwrap()
        .clone();
    assert_eq!(now["title"], "Item T-4, renamed");
    let text = now["body"].as_str().unwrap();
    assert!(text.starts_with(t3["body"].as_str().unwrap()), "{text}");
    assert!(text.contains("A goal at last."), "{text}");
    assert_eq!(text.matches("item=T-4").count(), 1, "{text}");
    assert_eq!(issues.len(), state["issues"].as_array().unwrap().len());
}

/// Without its marker and with another title, an issue cannot be told apart from any other
/// labelled issue: the item gets a new issue and the old one is left exactly as the human left it.
#[tokio::test]
async fn an_issue_without_marker_and_title_is_left_alone_and_its_item_recreated() {
    let (env, plan) = synced(&Model::grid("humans", 1, 1, 2)).await;
    let issue = env.issue_of(&plan, "T-4");
    env.human(
        "mutation($id: ID!) { updateIssue(input: {id: $id, title: \"Mine now\", body: \"Notes\"}) \
         { issue { id } } }",
        json!({"id": issue["id"]}),
    )
    .await;
    let report = env.sync_ok(&plan).await;
    assert_eq!(report.counts().created, 1);
    assert_converged(&plan, &env.fake.state());
    let state = env.fake.state();
    let old = state["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == issue["id"])
        .unwrap();
    assert_eq!(
        (old["title"].as_str(), old["body"].as_str()),
        (Some("Mine now"), Some("Notes"))
    );
    assert_eq!(old["state"], "OPEN");
}
