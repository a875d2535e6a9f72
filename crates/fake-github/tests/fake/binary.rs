//! The `fake-github` binary: prints its address first and serves until killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

#[tokio::test]
async fn binary_prints_listening_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-github"))
        .args([
            "--port",
            "0",
            "--seed",
            "7",
            "--user-owned",
            "--fault-502",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("first line was {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"));
    let http = reqwest::Client::new();
    let body: Value = http
        .post(format!("{url}/graphql"))
        .bearer_auth("test-token")
        .json(&json!({"query": "{ repository(owner: \"octocat\", name: \"roadmap\") { issueTypes(first: 5) { totalCount } owner { login } } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["repository"]["owner"]["login"], "octocat");
    let stats: Value = http
        .get(format!("{url}/_fake/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["graphql_documents"], 1);
    child.kill().unwrap();
    child.wait().unwrap();
}
