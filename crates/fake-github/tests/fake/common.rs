//! Helpers: start a fake, send documents, look up ids.

use fake_github::{Config, FakeGithub};
use serde_json::{json, Value};

pub struct Api {
    pub fake: FakeGithub,
    pub http: reqwest::Client,
}

pub async fn start(config: Config) -> Api {
    let fake = FakeGithub::start(config).await.expect("fake starts");
    Api {
        fake,
        http: reqwest::Client::new(),
    }
}

pub async fn default() -> Api {
    start(Config::default()).await
}

impl Api {
    pub async fn post(&self, query: &str, variables: Value) -> reqwest::Response {
        self.http
            .post(self.fake.graphql_url())
            .bearer_auth("test-token")
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request sent")
    }

    /// Send a document and return the JSON body (asserting HTTP 200).
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = self.post(query, variables).await;
        assert_eq!(response.status(), 200, "unexpected HTTP status");
        response.json().await.expect("JSON body")
    }

    /// Like `gql` but fails the test on any GraphQL error.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    pub async fn repo_id(&self) -> String {
        let data = self
            .ok(
                r#"{ repository(owner: "acme", name: "roadmap") { id } }"#,
                json!({}),
            )
            .await;
        data["repository"]["id"].as_str().unwrap().to_string()
    }

    pub async fn label_id(&self, name: &str) -> String {
        let data = self.ok(r#"query($n: String!) { repository(owner: "acme", name: "roadmap") { label(name: $n) { id } } }"#, json!({"n": name})).await;
        data["repository"]["label"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Create an issue; returns (node id, number).
    pub async fn create_issue(&self, title: &str) -> (String, u64) {
        let repo = self.repo_id().await;
        let data = self
            .ok(
                "mutation($r: ID!, $t: String!) { createIssue(input: {repositoryId: $r, title: $t}) { issue { id number } } }",
                json!({"r": repo, "t": title}),
            )
            .await;
        let issue = &data["createIssue"]["issue"];
        (
            issue["id"].as_str().unwrap().to_string(),
            issue["number"].as_u64().unwrap(),
        )
    }

    pub fn issue_state(&self, number: u64) -> Value {
        let state = self.fake.state();
        state["issues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == number)
            .cloned()
            .expect("issue in state")
    }
}

/// The first error's `type`.
pub fn error_type(body: &Value) -> Option<&str> {
    body["errors"][0]["type"].as_str()
}

pub fn error_message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}
