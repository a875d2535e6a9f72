//! The benchmark harness against the real fake (in-process): its counters and state are read
//! the way the bench reads them from the binary.

use std::io::{Read, Write};
use std::net::TcpStream;

use fake_github::{Config, FakeGithub};
use planpilot_bench::fake::{census, FakeStats};
use planpilot_bench::http;
use serde_json::json;

/// Sends one GraphQL document with the fake's token; returns the raw response.
fn post_graphql(base_url: &str, body: &serde_json::Value) -> String {
    let authority = base_url.trim_start_matches("http://");
    let payload = body.to_string();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.0\r\nHost: {authority}\r\nAuthorization: Bearer test-token\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_and_state_read_over_http_match_the_fake() {
    let fake = FakeGithub::start(Config::default()).await.unwrap();
    let url = fake.url();
    let repository_id = fake.state()["repository"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (stats, state) = tokio::task::spawn_blocking(move || {
        let before: FakeStats = serde_json::from_str(&http::get(&url, "/_fake/stats").unwrap()).unwrap();
        let body = "<!-- planpilot:begin plan=bench-1 item=T7 labels= assignees= -->\nx\n\
                    <!-- planpilot:end -->";
        let document = "mutation($r: ID!, $b: String!) { \
             a: createIssue(input: {repositoryId: $r, title: \"one\", body: $b}) { issue { number } } \
             b: createIssue(input: {repositoryId: $r, title: \"two\", body: $b}) { issue { number } } }";
        let response = post_graphql(
            &url,
            &json!({"query": document, "variables": {"r": repository_id, "b": body}}),
        );
        assert!(response.contains("\"number\""), "{response}");
        let after: FakeStats = serde_json::from_str(&http::get(&url, "/_fake/stats").unwrap()).unwrap();
        let state: serde_json::Value =
            serde_json::from_str(&http::get(&url, "/_fake/state").unwrap()).unwrap();
        (after.since(&before), state)
    })
    .await
    .unwrap();
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.mutations.total, 2);
    assert_eq!(stats.mutations.by_name.get("createIssue"), Some(&2));
    assert!(stats.max_in_flight >= 1);
    let found = census(&state, "bench-1");
    assert_eq!((found.managed, found.items, found.duplicates), (2, 1, 1));
    fake.shutdown().await;
}
