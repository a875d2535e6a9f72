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
    let Some(path) = Schema::locate() else { return };
    let schema = Schema::load(&path).unwrap();
    assert!(schema.validate("{ viewer { login } }").is_ok());
    let errors = schema.validate("{ viewer { loginz } }").unwrap_err();
    assert!(errors[0].contains("loginz"), "{errors:?}");
}

/// In CI (`.ci/run` sets PLANPILOT_REQUIRE_SHARED) the schema always exists; validation silently switched off would make every other
/// test meaningless, so fail loudly there.
#[tokio::test]
async fn validation_runs_in_ci() {
    let api = common::default().await;
    if std::env::var_os("PLANPILOT_REQUIRE_SHARED").is_some() {
        assert!(
            Schema::locate().is_some(),
            "GitHub's schema must be present in CI"
        );
        assert!(
            api.fake.stats().schema_validation,
            "schema validation must run in CI"
        );
    }
    assert_eq!(
        api.fake.stats().schema_validation,
        Schema::locate().is_some()
    );
}

/// Without GitHub's schema file the fake still serves, checking documents against its own
/// subset of the API (and says so in its stats).
#[tokio::test]
async fn builtin_schema_serves_and_still_rejects_unknown_fields() {
    let api = common::start(fake_github::Config {
        builtin_schema: true,
        ..fake_github::Config::default()
    })
    .await;
    assert!(!api.fake.stats().schema_validation);
    let (id, _) = api.create_issue("works").await;
    let data = api.ok("query($i: ID!) { node(id: $i) { ... on Issue { title labels(first: 5) { totalCount } } } }", json!({"i": id})).await;
    assert_eq!(data["node"]["title"], "works");
    let body = api.gql("{ viewer { loginz } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "undefinedField");
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
