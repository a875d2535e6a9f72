//! Schema validation: documents are checked against GitHub's real schema.

use fake_github::Schema;
use serde_json::json;

use crate::common;

#[tokio::test]
async fn wrong_field_name_is_rejected_like_github() {
    let api = common::default().await;
    let body = api.gql(r#"{ repository(owner: "acme", name: "roadmap") { id issuez(first: 1) { totalCount } } }"#, json!({})).await;
    assert!(
        body.get("data").is_none(),
        "no data for an invalid document: {body}"
    );
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["extensions"]["code"] == "undefinedField"
                && e["message"].as_str().unwrap().contains("issuez")),
        "{body}"
    );
    assert!(errors[0]["locations"][0]["line"].as_u64().is_some());
    let stats = api.fake.stats();
    assert_eq!(stats.validation_failures, 1);
    assert_eq!(stats.mutations.total, 0);
}

#[tokio::test]
async fn wrong_argument_and_wrong_variable_type_are_rejected() {
    let api = common::default().await;
    let body = api
        .gql(
            r#"{ repository(owner: "acme", name: "roadmap") { issues(frist: 1) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("frist"),
        "{body}"
    );
    let body = api.gql("query($n: Int!) { repository(owner: \"acme\", name: \"roadmap\") { issue(number: $n) { id } } }", json!({"n": "seven"})).await;
    assert!(
        body.get("data").is_none() && body["errors"].is_array(),
        "{body}"
    );
}

#[tokio::test]
async fn rate_limit_in_a_mutation_document_is_invalid() {
    let api = common::default().await;
    let body = api.gql("mutation { rateLimit { cost } }", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "undefinedField",
        "{body}"
    );
}

#[test]
fn schema_validate_api_reports_messages() {
    let schema = Schema::vendored();
    assert!(schema.validate("{ viewer { login } }").is_ok());
    let errors = schema.validate("{ viewer { loginz } }").unwrap_err();
    assert!(errors[0].contains("loginz"), "{errors:?}");
}

/// The vendored copy is GitHub's whole public API, not a subset: fields the fake does not emulate
/// still validate, so a document can only fail here where it would fail on GitHub.
#[test]
fn the_vendored_schema_is_githubs_whole_api() {
    let schema = Schema::vendored();
    assert!(schema
        .validate("{ viewer { sponsorshipsAsMaintainer(first: 1) { totalCount } } }")
        .is_ok());
    assert!(schema
        .validate(
            r#"{ repository(owner: "a", name: "b") { discussions(first: 1) { totalCount } } }"#
        )
        .is_ok());
}

/// `Config::schema_path` replaces the vendored schema, so a narrower API rejects what it lacks.
#[tokio::test]
async fn a_configured_schema_replaces_the_vendored_one() {
    let dir = std::env::temp_dir().join(format!("fake-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("narrow.graphql");
    std::fs::write(
        &path,
        "type Query { viewer: User! }\ntype User { login: String! }\n",
    )
    .unwrap();
    let api = common::start(fake_github::Config {
        schema_path: Some(path),
        ..fake_github::Config::default()
    })
    .await;
    let body = api.gql("{ viewer { login } }", json!({})).await;
    assert_eq!(body["data"]["viewer"]["login"], "octocat", "{body}");
    let body = api
        .gql(
            r#"{ repository(owner: "acme", name: "roadmap") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "undefinedField",
        "{body}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn invalid_documents_still_carry_rate_limit_headers() {
    let api = common::default().await;
    let response = api.post("{ viewer { loginz } }", json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-ratelimit-limit"], "5000");
}

#[tokio::test]
async fn introspection_answers_from_the_schema_next_to_data() {
    let api = common::default().await;
    let data = api
        .ok(
            r#"{ __type(name: "Issue") { name fields { name } } viewer { login } __typename }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["__type"]["name"], "Issue");
    let fields: Vec<&str> = data["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"subIssues") && fields.contains(&"issueType"),
        "{fields:?}"
    );
    assert_eq!(data["viewer"]["login"], "octocat");
    assert_eq!(data["__typename"], "Query");
    let data = api
        .ok("{ __schema { mutationType { name } } }", json!({}))
        .await;
    assert_eq!(data["__schema"]["mutationType"]["name"], "Mutation");
}

#[tokio::test]
async fn a_server_without_dependencies_rejects_them_in_githubs_words() {
    let api = common::start(fake_github::Config::without_features(&[
        fake_github::Feature::IssueDependencies,
    ]))
    .await;
    let body = api
        .gql(
            r#"{ repository(owner: "acme", name: "roadmap") { issues(first: 1) { nodes { blockedBy(first: 1) { totalCount } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"], "Field 'blockedBy' doesn't exist on type 'Issue'",
        "{body}"
    );
    let introspected = api
        .ok(
            r#"{ issue: __type(name: "Issue") { fields(includeDeprecated: true) { name } } mutation: __type(name: "Mutation") { fields { name } } }"#,
            json!({}),
        )
        .await;
    let names = |alias: &str| -> Vec<String> {
        introspected[alias]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!names("issue").contains(&"blockedBy".to_string()));
    assert!(
        names("issue").contains(&"subIssues".to_string()),
        "the rest stays"
    );
    assert!(!names("mutation").contains(&"addBlockedBy".to_string()));
    assert!(names("mutation").contains(&"addSubIssue".to_string()));
    assert_eq!(api.fake.stats().validation_failures, 1);
}

#[tokio::test]
async fn a_server_without_sub_issues_refuses_a_parent_in_create_issue() {
    let api = common::start(fake_github::Config::without_features(&[
        fake_github::Feature::SubIssues,
    ]))
    .await;
    let repo = api.repo_id().await;
    let body = api
        .gql(
            "mutation($i: CreateIssueInput!) { createIssue(input: $i) { issue { id } } }",
            json!({"i": {"repositoryId": repo, "title": "t", "parentIssueId": "I_1"}}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "Variable $i of type CreateIssueInput! was provided invalid value for parentIssueId \
         (Field is not defined on CreateIssueInput)",
        "{body}"
    );
    assert!(body.get("data").is_none(), "nothing ran: {body}");
    let stats = api.fake.stats();
    assert_eq!((stats.validation_failures, stats.mutations.total), (1, 0));
}

#[test]
fn every_feature_can_be_taken_away_and_the_schema_stays_valid() {
    let full = Schema::vendored();
    for feature in fake_github::Feature::ALL {
        let reduced = full.without(&[feature]).expect("reduced schema");
        assert!(full
            .validate("{ __typename }")
            .and(reduced.validate("{ __typename }"))
            .is_ok());
    }
    let none = full
        .without(&fake_github::Feature::ALL)
        .expect("every feature gone");
    assert!(none
        .validate("query { repository(owner: \"a\", name: \"b\") { issueTypes(first: 1) { totalCount } } }")
        .is_err());
    let state_reason =
        "{ node(id: \"I\") { ... on Issue { stateReason(enableDuplicate: true) } } }";
    assert!(full.validate(state_reason).is_ok());
    assert!(none.validate(state_reason).is_err());
}
