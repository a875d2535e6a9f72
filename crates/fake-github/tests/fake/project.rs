//! The Projects v2 board: fields of every kind, idempotent adds, typed field updates, and
//! token/owner variants.

use fake_github::Config;
use serde_json::{json, Value};

use crate::common::{self, error_message, error_type, Api};

const FIELDS: &str = r#"query($login: String!) {
  organization(login: $login) {
    projectV2(number: 1) {
      id title
      fields(first: 50) {
        nodes {
          __typename
          ... on ProjectV2FieldCommon { id name dataType }
          ... on ProjectV2SingleSelectField { options { id name } }
          ... on ProjectV2IterationField { configuration { duration iterations { id title startDate duration } } }
        }
      }
    }
  }
}"#;

const ADD: &str = "mutation($p: ID!, $c: ID!) { addProjectV2ItemById(input: {projectId: $p, contentId: $c}) { item { id } } }";
const SET: &str = "mutation($p: ID!, $i: ID!, $f: ID!, $v: ProjectV2FieldValue!) { updateProjectV2ItemFieldValue(input: {projectId: $p, itemId: $i, fieldId: $f, value: $v}) { projectV2Item { id } } }";

struct Board {
    project: String,
    fields: Vec<Value>,
}

impl Board {
    fn field(&self, name: &str) -> &Value {
        self.fields
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("field {name}"))
    }

    fn id(&self, name: &str) -> String {
        self.field(name)["id"].as_str().unwrap().to_string()
    }

    fn option(&self, field: &str, option: &str) -> String {
        let options = self.field(field)["options"].as_array().unwrap();
        options.iter().find(|o| o["name"] == option).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

async fn board(api: &Api) -> Board {
    let data = api.ok(FIELDS, json!({"login": "acme"})).await;
    let project = &data["organization"]["projectV2"];
    Board {
        project: project["id"].as_str().unwrap().to_string(),
        fields: project["fields"]["nodes"].as_array().unwrap().clone(),
    }
}

async fn item(api: &Api, board: &Board, title: &str) -> String {
    let (issue, _) = api.create_issue(title).await;
    let data = api.ok(ADD, json!({"p": board.project, "c": issue})).await;
    data["addProjectV2ItemById"]["item"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn board_has_every_field_kind_and_builtins() {
    let api = common::default().await;
    let board = board(&api).await;
    let kinds: Vec<(&str, &str)> = board
        .fields
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["dataType"].as_str().unwrap()))
        .collect();
    for expected in [
        ("Title", "TITLE"),
        ("Assignees", "ASSIGNEES"),
        ("Status", "SINGLE_SELECT"),
        ("Labels", "LABELS"),
        ("Priority", "SINGLE_SELECT"),
        ("Size", "SINGLE_SELECT"),
        ("Iteration", "ITERATION"),
        ("Estimate", "NUMBER"),
        ("Start date", "DATE"),
        ("Notes", "TEXT"),
    ] {
        assert!(
            kinds.contains(&expected),
            "missing {expected:?} in {kinds:?}"
        );
    }
    assert_eq!(
        board.field("Status")["__typename"],
        "ProjectV2SingleSelectField"
    );
    assert_eq!(
        board.field("Iteration")["__typename"],
        "ProjectV2IterationField"
    );
    assert_eq!(board.field("Notes")["__typename"], "ProjectV2Field");
    let names: Vec<&str> = board.field("Size")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["XS", "S", "M", "L", "XL"]);
    let iterations = board.field("Iteration")["configuration"]["iterations"]
        .as_array()
        .unwrap();
    assert_eq!(iterations.len(), 2);
    assert_eq!(iterations[0]["title"], "Iteration 1");
    assert_eq!(iterations[1]["title"], "Iteration 2");
}

#[tokio::test]
async fn iterations_follow_the_fake_clock() {
    // 2026-03-04 is a Wednesday; with two-week iterations counted from Monday 1970-01-05 the
    // current iteration starts on Monday 2026-03-02.
    let config = Config {
        now: Some(1_772_582_400),
        ..Config::default()
    };
    let api = common::start(config).await;
    let board = board(&api).await;
    let iterations = board.field("Iteration")["configuration"]["iterations"]
        .as_array()
        .unwrap();
    assert_eq!(iterations[0]["startDate"], "2026-03-02");
    assert_eq!(iterations[1]["startDate"], "2026-03-16");
}

#[tokio::test]
async fn add_item_is_idempotent() {
    let api = common::default().await;
    let board = board(&api).await;
    let (issue, number) = api.create_issue("on the board").await;
    let first = api.ok(ADD, json!({"p": board.project, "c": issue})).await;
    let second = api.ok(ADD, json!({"p": board.project, "c": issue})).await;
    assert_eq!(first, second);
    assert_eq!(api.fake.state()["project"]["items"], 1);
    assert_eq!(
        api.issue_state(number)["project_item"]["id"],
        first["addProjectV2ItemById"]["item"]["id"]
    );
}

#[tokio::test]
async fn field_values_of_every_kind_are_stored_and_read_back() {
    let api = common::default().await;
    let board = board(&api).await;
    let item_id = item(&api, &board, "valued").await;
    let iteration = board.field("Iteration")["configuration"]["iterations"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sets = [
        (
            "Status",
            json!({"singleSelectOptionId": board.option("Status", "In Progress")}),
        ),
        (
            "Size",
            json!({"singleSelectOptionId": board.option("Size", "XL")}),
        ),
        ("Iteration", json!({"iterationId": iteration})),
        ("Estimate", json!({"number": 3.5})),
        ("Start date", json!({"date": "2026-01-31"})),
        ("Notes", json!({"text": "hello"})),
    ];
    for (field, value) in &sets {
        api.ok(
            SET,
            json!({"p": board.project, "i": item_id, "f": board.id(field), "v": value}),
        )
        .await;
    }
    let fields = &api.issue_state(1)["project_item"]["fields"];
    assert_eq!(fields["Status"], "In Progress");
    assert_eq!(fields["Size"], "XL");
    assert_eq!(fields["Iteration"], "Iteration 2");
    assert_eq!(fields["Estimate"], 3.5);
    assert_eq!(fields["Start date"], "2026-01-31");
    assert_eq!(fields["Notes"], "hello");
    let data = api
        .ok(
            r#"query($i: ID!) { node(id: $i) { ... on ProjectV2Item {
                content { ... on Issue { number } }
                status: fieldValueByName(name: "Status") { ... on ProjectV2ItemFieldSingleSelectValue { name optionId } }
                fieldValues(first: 20) { nodes { __typename
                  ... on ProjectV2ItemFieldTextValue { text field { ... on ProjectV2FieldCommon { name } } }
                  ... on ProjectV2ItemFieldNumberValue { number }
                  ... on ProjectV2ItemFieldDateValue { date }
                  ... on ProjectV2ItemFieldIterationValue { title iterationId }
                } } } } }"#,
            json!({"i": item_id}),
        )
        .await;
    assert_eq!(data["node"]["content"]["number"], 1);
    assert_eq!(data["node"]["status"]["name"], "In Progress");
    let values = data["node"]["fieldValues"]["nodes"].as_array().unwrap();
    assert_eq!(
        values[0]["text"], "valued",
        "the title comes first: {values:?}"
    );
    assert!(values.iter().any(|v| v["number"] == 3.5));
    assert!(values.iter().any(|v| v["title"] == "Iteration 2"));
    api.ok(
        "mutation($p: ID!, $i: ID!, $f: ID!) { clearProjectV2ItemFieldValue(input: {projectId: $p, itemId: $i, fieldId: $f}) { projectV2Item { id } } }",
        json!({"p": board.project, "i": item_id, "f": board.id("Notes")}),
    )
    .await;
    assert!(api.issue_state(1)["project_item"]["fields"]
        .get("Notes")
        .is_none());
}

#[tokio::test]
async fn field_value_must_match_the_field_type() {
    let api = common::default().await;
    let board = board(&api).await;
    let item_id = item(&api, &board, "typed").await;
    let wrong = [
        ("Estimate", json!({"text": "three"})),
        ("Status", json!({"text": "Done"})),
        (
            "Status",
            json!({"singleSelectOptionId": board.option("Size", "XL")}),
        ),
        ("Notes", json!({"text": "a", "number": 1})),
        ("Notes", json!({})),
        ("Start date", json!({"date": "2026-02-30"})),
        ("Title", json!({"text": "retitled"})),
    ];
    for (field, value) in wrong {
        let body = api
            .gql(
                SET,
                json!({"p": board.project, "i": item_id, "f": board.id(field), "v": value}),
            )
            .await;
        assert_eq!(
            error_type(&body),
            Some("UNPROCESSABLE"),
            "{field} {value}: {body}"
        );
    }
    assert_eq!(api.issue_state(1)["project_item"]["fields"], json!({}));
}

#[tokio::test]
async fn github_token_like_cannot_touch_projects() {
    let api = common::start(Config::github_token_like()).await;
    let body = api.gql(FIELDS, json!({"login": "acme"})).await;
    assert_eq!(error_type(&body), Some("FORBIDDEN"));
    assert_eq!(
        error_message(&body),
        "Resource not accessible by integration"
    );
    assert_eq!(body["data"]["organization"]["projectV2"], Value::Null);
    // Issues still work.
    let (issue, _) = api.create_issue("allowed").await;
    let body = api.gql("query($i: ID!) { node(id: $i) { ... on Issue { projectItems(first: 5) { totalCount } } } }", json!({"i": issue})).await;
    assert_eq!(error_type(&body), Some("FORBIDDEN"));
}

#[tokio::test]
async fn user_owned_repo_has_no_issue_types_and_a_user_board() {
    let api = common::start(Config::user_owned()).await;
    let data = api
        .ok(
            r#"{ repository(owner: "octocat", name: "roadmap") { id issueTypes(first: 10) { nodes { id } } owner { __typename login } }
                user(login: "octocat") { projectV2(number: 1) { id title url } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["repository"]["issueTypes"], Value::Null);
    assert_eq!(data["repository"]["owner"]["__typename"], "User");
    assert_eq!(
        data["user"]["projectV2"]["url"],
        "https://github.com/users/octocat/projects/1"
    );
    let body = api
        .gql(r#"{ organization(login: "octocat") { id } }"#, json!({}))
        .await;
    assert_eq!(error_type(&body), Some("NOT_FOUND"));
}

#[tokio::test]
async fn without_project_the_board_is_not_found() {
    let api = common::start(Config::without_project()).await;
    let body = api.gql(FIELDS, json!({"login": "acme"})).await;
    assert_eq!(error_type(&body), Some("NOT_FOUND"));
}

#[tokio::test]
async fn token_without_project_scope_gets_insufficient_scopes() {
    let api = common::start(Config {
        missing_project_scope: true,
        ..Config::default()
    })
    .await;
    let body = api.gql(FIELDS, json!({"login": "acme"})).await;
    assert_eq!(error_type(&body), Some("INSUFFICIENT_SCOPES"));
    assert!(error_message(&body).contains("read:project"));
}

#[tokio::test]
async fn user_owner_missing_from_users_still_resolves() {
    let config = Config {
        owner: "mona".to_string(),
        users: Vec::new(),
        ..Config::user_owned()
    };
    let api = common::start(config).await;
    let data = api.ok(r#"{ viewer { login } user(login: "mona") { projectV2(number: 1) { title } } repository(owner: "mona", name: "roadmap") { owner { login } } }"#, json!({})).await;
    assert_eq!(data["viewer"]["login"], "octocat");
    assert_eq!(data["user"]["projectV2"]["title"], "Roadmap");
    assert_eq!(data["repository"]["owner"]["login"], "mona");
}

#[tokio::test]
async fn create_issue_with_project_v2_ids_adds_it_to_the_board() {
    let api = common::default().await;
    let board = board(&api).await;
    let repo = api.repo_id().await;
    api.ok(
        "mutation($r: ID!, $p: [ID!]) { createIssue(input: {repositoryId: $r, title: \"boarded\", projectV2Ids: $p}) { issue { id } } }",
        json!({"r": repo, "p": [board.project]}),
    )
    .await;
    assert!(api.issue_state(1)["project_item"]["id"]
        .as_str()
        .unwrap()
        .starts_with("PVTI_"));
    let body = api
        .gql(
            "mutation($r: ID!, $p: [ID!]) { createIssue(input: {repositoryId: $r, title: \"lost\", projectV2Ids: $p}) { issue { id } } }",
            json!({"r": repo, "p": ["PVT_nope"]}),
        )
        .await;
    assert_eq!(error_type(&body), Some("NOT_FOUND"));
    assert_eq!(api.fake.state()["issues"].as_array().unwrap().len(), 1);
}
