//! Realism knobs: primary budget and headers, secondary limits, injected faults, and seeds.

use std::time::Duration;

use fake_github::{Config, ContentLimit, Faults};
use serde_json::{json, Value};

use crate::common::{self, error_type, Api};

const VIEWER: &str = "{ viewer { login } }";

fn with_faults(faults: Faults) -> Config {
    Config {
        faults,
        ..Config::default()
    }
}

async fn create(api: &Api, repo: &str, title: &str) -> reqwest::Response {
    api.post("mutation($r: ID!, $t: String!) { createIssue(input: {repositoryId: $r, title: $t}) { issue { number } } }", json!({"r": repo, "t": title})).await
}

fn issue_count(api: &Api) -> usize {
    api.fake.state()["issues"].as_array().unwrap().len()
}

#[tokio::test]
async fn every_response_carries_rate_limit_headers() {
    let api = common::default().await;
    let response = api.post(VIEWER, json!({})).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(header("x-ratelimit-limit").as_deref(), Some("5000"));
    assert_eq!(header("x-ratelimit-remaining").as_deref(), Some("4999"));
    assert_eq!(header("x-ratelimit-used").as_deref(), Some("1"));
    assert_eq!(header("x-ratelimit-resource").as_deref(), Some("graphql"));
    assert!(header("x-ratelimit-reset").unwrap().parse::<u64>().is_ok());
}

#[tokio::test]
async fn cost_is_connection_requests_over_100() {
    let api = common::default().await;
    let query = r#"{
      repository(owner: "acme", name: "roadmap") {
        issues(first: 100) { nodes { labels(first: 100) { totalCount } assignees(first: 100) { totalCount } } }
      }
      rateLimit { cost used remaining }
    }"#;
    let data = api.ok(query, json!({})).await;
    // 1 + 100 + 100 requests → cost 2.
    assert_eq!(data["rateLimit"]["cost"], 2);
    assert_eq!(data["rateLimit"]["used"], 2);
    assert_eq!(api.fake.stats().primary_used, 2);
}

#[tokio::test]
async fn exhausted_primary_budget_is_rate_limited_with_http_200() {
    let api = common::start(Config {
        primary_budget: 2,
        ..Config::default()
    })
    .await;
    api.ok(VIEWER, json!({})).await;
    api.ok(VIEWER, json!({})).await;
    let response = api.post(VIEWER, json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_type(&body), Some("RATE_LIMITED"));
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("API rate limit exceeded"));
    assert_eq!(api.fake.stats().rate_limited, 1);
    // A new window (the hour passed) serves again.
    api.fake.reset_primary_budget();
    api.ok(VIEWER, json!({})).await;
    api.ok(VIEWER, json!({})).await;
    assert_eq!(
        error_type(&api.gql(VIEWER, json!({})).await),
        Some("RATE_LIMITED")
    );
    api.fake.set_primary_budget(5000);
    api.ok(VIEWER, json!({})).await;
}

#[tokio::test]
async fn a_transferred_issue_leaves_the_repository_but_keeps_its_node() {
    let api = common::default().await;
    let (id, number) = api.create_issue("Moving out").await;
    assert!(api.fake.transfer_issue(number));
    assert!(
        !api.fake.transfer_issue(number),
        "gone from this repository"
    );
    let listed = api
        .ok(
            r#"{ repository(owner: "acme", name: "roadmap") { issues(first: 10) { nodes { number } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(listed["repository"]["issues"]["nodes"], json!([]));
    assert_eq!(api.fake.state()["issues"], json!([]));
    let node = api
        .ok(
            "query($id: ID!) { node(id: $id) { ... on Issue { title url } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(node["node"]["title"], "Moving out");
    let url = node["node"]["url"].as_str().unwrap();
    assert!(!url.contains("/acme/roadmap/"), "{url}");
}

#[tokio::test]
async fn every_nth_document_is_rate_limited_and_not_applied() {
    let api = common::start(with_faults(Faults {
        rate_limited_every: Some(3),
        ..Faults::default()
    }))
    .await;
    let repo = api.repo_id().await; // document 1
    assert_eq!(create(&api, &repo, "a").await.status(), 200); // 2
    let body: Value = create(&api, &repo, "b").await.json().await.unwrap(); // 3
    assert_eq!(error_type(&body), Some("RATE_LIMITED"));
    assert_eq!(issue_count(&api), 1);
    let body: Value = create(&api, &repo, "c").await.json().await.unwrap(); // 4
    assert!(body.get("errors").is_none());
    assert_eq!(api.fake.stats().rate_limited, 1);
}

#[tokio::test]
async fn content_creation_limit_gives_403_with_retry_after() {
    let limit = ContentLimit {
        max: 2,
        window: Duration::from_secs(60),
    };
    let api = common::start(with_faults(Faults {
        content_limit: Some(limit),
        retry_after_secs: 7,
        ..Faults::default()
    }))
    .await;
    let repo = api.repo_id().await;
    for title in ["a", "b"] {
        assert_eq!(create(&api, &repo, title).await.status(), 200);
    }
    let response = create(&api, &repo, "c").await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit"),
        "{body}"
    );
    assert_eq!(issue_count(&api), 2);
    // Reads and non-creating mutations are not content creation.
    api.ok(VIEWER, json!({})).await;
    assert_eq!(api.fake.stats().secondary_limited, 1);
}

#[tokio::test]
async fn batched_creates_count_each_and_fail_together() {
    let limit = ContentLimit {
        max: 2,
        window: Duration::from_secs(60),
    };
    let api = common::start(with_faults(Faults {
        content_limit: Some(limit),
        ..Faults::default()
    }))
    .await;
    let repo = api.repo_id().await;
    let doc = "mutation($r: ID!) { a: createIssue(input: {repositoryId: $r, title: \"a\"}) { clientMutationId } b: createIssue(input: {repositoryId: $r, title: \"b\"}) { clientMutationId } c: createIssue(input: {repositoryId: $r, title: \"c\"}) { clientMutationId } }";
    let response = api.post(doc, json!({"r": repo})).await;
    assert_eq!(response.status(), 403);
    assert_eq!(issue_count(&api), 0);
}

#[tokio::test]
async fn secondary_limit_can_omit_retry_after() {
    let limit = ContentLimit {
        max: 0,
        window: Duration::from_secs(60),
    };
    let api = common::start(with_faults(Faults {
        content_limit: Some(limit),
        retry_after_omit_rate: 1.0,
        ..Faults::default()
    }))
    .await;
    let repo = api.repo_id().await;
    let response = create(&api, &repo, "a").await;
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("retry-after").is_none());
}

#[tokio::test]
async fn too_many_concurrent_requests_hit_the_secondary_limit() {
    let faults = Faults {
        max_concurrent: Some(1),
        latency: Duration::from_millis(400),
        ..Faults::default()
    };
    let api = common::start(with_faults(faults)).await;
    let responses = futures_join(&api, 3).await;
    let forbidden = responses.iter().filter(|s| **s == 403).count();
    assert!(forbidden >= 1, "statuses {responses:?}");
    assert_eq!(api.fake.stats().secondary_limited as usize, forbidden);
    assert!(api.fake.stats().max_in_flight >= 2);
}

/// Send `n` viewer queries at once; returns their statuses.
async fn futures_join(api: &Api, n: usize) -> Vec<u16> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let http = api.http.clone();
        let url = api.fake.graphql_url();
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth("test-token")
                .json(&json!({"query": VIEWER}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

#[tokio::test]
async fn max_in_flight_counts_concurrent_requests() {
    let api = common::start(with_faults(Faults {
        latency: Duration::from_millis(500),
        ..Faults::default()
    }))
    .await;
    let statuses = futures_join(&api, 5).await;
    assert_eq!(statuses, [200; 5]);
    let stats = api.fake.stats();
    assert_eq!(stats.max_in_flight, 5);
    assert_eq!(stats.requests, 5);
    api.fake.reset_stats();
    api.ok(VIEWER, json!({})).await;
    assert_eq!(api.fake.stats().max_in_flight, 1);
}

#[tokio::test]
async fn injected_502_applies_nothing() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    api.fake.set_faults(Faults {
        error_502_rate: 1.0,
        ..Faults::default()
    });
    assert_eq!(create(&api, &repo, "lost").await.status(), 502);
    assert_eq!(issue_count(&api), 0);
    assert_eq!(api.fake.stats().faults_injected, 1);
    api.fake.set_faults(Faults::default());
    assert_eq!(create(&api, &repo, "kept").await.status(), 200);
    assert_eq!(issue_count(&api), 1);
}

#[tokio::test]
async fn something_went_wrong_applies_nothing() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    api.fake.set_faults(Faults {
        something_went_wrong_rate: 1.0,
        ..Faults::default()
    });
    let response = create(&api, &repo, "lost").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Something went wrong"));
    assert_eq!(issue_count(&api), 0);
}

#[tokio::test]
async fn dropped_connection_after_apply_leaves_the_change_in_place() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    api.fake.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::default()
    });
    let sent = api
        .http
        .post(api.fake.graphql_url())
        .bearer_auth("test-token")
        .json(&json!({"query": "mutation($r: ID!) { createIssue(input: {repositoryId: $r, title: \"ghost\"}) { issue { number } } }", "variables": {"r": repo}}))
        .send()
        .await;
    assert!(
        sent.is_err(),
        "the client must see a connection error, got {sent:?}"
    );
    assert_eq!(issue_count(&api), 1, "the mutation was applied");
    assert_eq!(api.issue_state(1)["title"], "ghost");
    let stats = api.fake.stats();
    assert_eq!(stats.dropped_after_apply, 1);
    assert_eq!(stats.mutations.by_name["createIssue"], 1);
    // Queries are never dropped.
    api.ok(VIEWER, json!({})).await;
}

/// The sequence of statuses for a fixed request sequence, under 50% 502s.
async fn fault_pattern(seed: u64) -> (Vec<u16>, Value) {
    let api = common::start(Config {
        seed,
        faults: Faults {
            error_502_rate: 0.5,
            ..Faults::default()
        },
        ..Config::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..16 {
        statuses.push(api.post(VIEWER, json!({})).await.status().as_u16());
    }
    (statuses, api.fake.state())
}

#[tokio::test]
async fn seed_makes_faults_and_ids_reproducible() {
    let (a, state_a) = fault_pattern(42).await;
    let (b, state_b) = fault_pattern(42).await;
    let (c, state_c) = fault_pattern(43).await;
    assert_eq!(a, b);
    assert_eq!(state_a, state_b);
    assert!(a.contains(&502) && a.contains(&200), "{a:?}");
    assert!(a != c || state_a["repository"]["id"] != state_c["repository"]["id"]);
    assert_ne!(state_a["repository"]["id"], state_c["repository"]["id"]);
}

#[tokio::test]
async fn request_log_writes_one_json_line_per_request() {
    let dir = std::env::temp_dir().join(format!("fake-github-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("requests.jsonl");
    let _ = std::fs::remove_file(&path);
    let api = common::start(Config {
        log_path: Some(path.clone()),
        ..Config::default()
    })
    .await;
    api.ok(VIEWER, json!({})).await;
    let repo = api.repo_id().await;
    create(&api, &repo, "logged").await;
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["mutations"], json!(["createIssue"]));
    assert_eq!(lines[2]["kind"], "mutation");
    assert_eq!(lines[2]["cost"], 1);
    assert_eq!(lines[0]["kind"], "query");
    assert_eq!(lines[2]["status"], 200);
    assert!(
        !text.contains("test-token"),
        "the token never appears in the log"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn latency_is_per_request_plus_per_mutation() {
    let faults = Faults {
        latency: Duration::from_millis(3),
        mutation_latency: Duration::from_millis(2),
        ..Faults::default()
    };
    let api = common::start(with_faults(faults)).await;
    let repo = api.repo_id().await;
    assert_eq!(api.fake.stats().injected_delay_us, 3_000);
    api.fake.reset_stats();
    let doc = "mutation($r: ID!) { a: createIssue(input: {repositoryId: $r, title: \"a\"}) { clientMutationId } b: createIssue(input: {repositoryId: $r, title: \"b\"}) { clientMutationId } c: closeIssue(input: {issueId: \"nope\"}) { clientMutationId } }";
    api.gql(doc, json!({"r": repo})).await;
    // 3 ms for the request, then 2 ms for each of the three mutations, serially.
    assert_eq!(api.fake.stats().injected_delay_us, 9_000);
}

#[tokio::test]
async fn jitter_is_reproducible_with_a_seed() {
    let mut totals = Vec::new();
    for seed in [5, 5, 6] {
        let faults = Faults {
            jitter: Duration::from_millis(2),
            ..Faults::default()
        };
        let api = common::start(Config {
            seed,
            faults,
            ..Config::default()
        })
        .await;
        for _ in 0..4 {
            api.ok(VIEWER, json!({})).await;
        }
        totals.push(api.fake.stats().injected_delay_us);
    }
    assert_eq!(totals[0], totals[1]);
    assert_ne!(totals[0], totals[2]);
    assert!(totals[0] <= 4 * 2_000);
}

#[tokio::test]
async fn secondary_limit_answers_carry_rate_headers() {
    let limit = ContentLimit {
        max: 0,
        window: Duration::from_secs(60),
    };
    let api = common::start(with_faults(Faults {
        content_limit: Some(limit),
        ..Faults::default()
    }))
    .await;
    let repo = api.repo_id().await;
    let response = create(&api, &repo, "a").await;
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("x-ratelimit-remaining").is_some());
}

#[tokio::test]
async fn content_limit_as_graphql_errors_applies_what_fits() {
    let limit = ContentLimit {
        max: 2,
        window: Duration::from_secs(60),
    };
    let faults = Faults {
        content_limit: Some(limit),
        content_limit_graphql: true,
        ..Faults::default()
    };
    let api = common::start(with_faults(faults)).await;
    let repo = api.repo_id().await;
    let doc = "mutation($r: ID!) { a: createIssue(input: {repositoryId: $r, title: \"a\"}) { issue { number } } b: createIssue(input: {repositoryId: $r, title: \"b\"}) { issue { number } } c: createIssue(input: {repositoryId: $r, title: \"c\"}) { issue { number } } }";
    let response = api.post(doc, json!({"r": repo})).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["b"]["issue"]["number"], 2);
    assert_eq!(body["data"]["c"], Value::Null);
    assert_eq!(body["errors"][0]["path"], json!(["c"]));
    assert_eq!(body["errors"][0]["type"], "UNPROCESSABLE");
    assert_eq!(body["errors"][0]["message"], "was submitted too quickly");
    assert_eq!(issue_count(&api), 2);
    assert_eq!(api.fake.stats().secondary_limited, 1);
}

#[tokio::test]
async fn secondary_points_per_minute_count_mutations_as_5() {
    let api = common::start(with_faults(Faults {
        secondary_points_per_minute: Some(7),
        ..Faults::default()
    }))
    .await;
    let repo = api.repo_id().await; // 1 point
    assert_eq!(create(&api, &repo, "a").await.status(), 200); // 6 points
    api.ok(VIEWER, json!({})).await; // 7 points
    assert_eq!(api.post(VIEWER, json!({})).await.status(), 403);
    assert_eq!(create(&api, &repo, "b").await.status(), 403);
    assert_eq!(issue_count(&api), 1);
    assert_eq!(api.fake.stats().secondary_limited, 2);
}

#[tokio::test]
async fn primary_budget_resets_after_its_window() {
    let config = Config {
        primary_budget: 1,
        primary_window: Duration::from_secs(1),
        ..Config::default()
    };
    let api = common::start(config).await;
    api.ok(VIEWER, json!({})).await;
    let response = api.post(VIEWER, json!({})).await;
    let reset: u64 = response.headers()["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_type(&body), Some("RATE_LIMITED"));
    // Wait until the fake's clock has passed the announced reset.
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        if now > reset {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    api.ok(VIEWER, json!({})).await;
}

#[tokio::test]
async fn node_limit_refuses_documents_over_500000_nodes() {
    let api = common::default().await;
    let nested = r#"{ repository(owner: "acme", name: "roadmap") { issues(first: 100) { nodes { subIssues(first: 100) { nodes { labels(first: 51) { totalCount } } } } } } }"#;
    let body = api.gql(nested, json!({})).await;
    assert_eq!(error_type(&body), Some("MAX_NODE_LIMIT_EXCEEDED"), "{body}");
    assert!(body.get("data").is_none());
    let within = r#"{ repository(owner: "acme", name: "roadmap") { issues(first: 100) { nodes { labels(first: 100) { totalCount } } } } rateLimit { nodeCount } }"#;
    let data = api.ok(within, json!({})).await;
    assert_eq!(data["rateLimit"]["nodeCount"], 100 + 100 * 100);
}

#[tokio::test]
async fn faults_can_be_read_and_changed_over_http() {
    let api = common::default().await;
    let url = format!("{}/_fake/faults", api.fake.url());
    let current: Value = api
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["error_502_rate"], 0.0);
    assert_eq!(current["content_limit"], 0);
    let changed: Value = api
        .http
        .post(&url)
        .json(&json!({"error_502_rate": 1.0, "content_limit": 3}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["error_502_rate"], 1.0);
    assert_eq!(changed["content_window_secs"], 60);
    let faults = api.fake.faults();
    assert_eq!(faults.error_502_rate, 1.0);
    assert_eq!(
        faults.content_limit,
        Some(ContentLimit {
            max: 3,
            window: Duration::from_secs(60)
        })
    );
    assert_eq!(api.post(VIEWER, json!({})).await.status(), 502);
    let refused = api
        .http
        .post(&url)
        .json(&json!({"error_502_rate": 2.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let unknown = api
        .http
        .post(&url)
        .json(&json!({"error_503_rate": 0.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    api.http
        .post(&url)
        .json(&json!({"error_502_rate": 0.0, "content_limit": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.fake.faults(), Faults::default());
    let reset = api
        .http
        .post(format!("{}/_fake/reset_stats", api.fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert_eq!(api.fake.stats().requests, 0);
}

#[tokio::test]
async fn a_partial_answer_nulls_one_issue_field_and_names_it_in_errors() {
    let api = common::start(with_faults(Faults {
        partial_read_rate: 1.0,
        ..Faults::default()
    }))
    .await;
    // Writes are not reads: they apply and answer whole.
    api.create_issue("First").await;
    api.create_issue("Second").await;
    let query = r#"{ repository(owner: "acme", name: "roadmap") { issues(first: 10) { nodes { number title labels(first: 5) { totalCount } assignees(first: 5) { totalCount } } } } }"#;
    let body = api.gql(query, json!({})).await;
    let errors = body["errors"].as_array().expect("one error");
    assert_eq!(errors.len(), 1, "{body}");
    let path: Vec<Value> = errors[0]["path"].as_array().unwrap().clone();
    assert_eq!(
        path[..3],
        [json!("repository"), json!("issues"), json!("nodes")]
    );
    let field = path[4].as_str().unwrap();
    assert!(["labels", "assignees"].contains(&field), "{path:?}");
    let node = &body["data"]["repository"]["issues"]["nodes"][path[3].as_u64().unwrap() as usize];
    assert!(node[field].is_null() && node["title"].is_string(), "{body}");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Something went wrong while executing your query"));
    let nodes = body["data"]["repository"]["issues"]["nodes"]
        .as_array()
        .unwrap();
    let whole = nodes
        .iter()
        .filter(|n| !n["labels"].is_null() && !n["assignees"].is_null());
    assert_eq!(whole.count(), 1, "the other issue is whole: {body}");
    assert_eq!(api.fake.stats().partial_reads, 1);
    // Nothing to leave out: an answer without issues is whole.
    assert!(api.gql(VIEWER, json!({})).await.get("errors").is_none());
}
