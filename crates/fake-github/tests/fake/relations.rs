//! Sub-issues and blocked-by links, with GitHub's caps and rules.

use serde_json::json;

use crate::common::{self, error_message, error_type, Api};

const ADD_SUB: &str = "mutation($p: ID!, $s: ID!, $r: Boolean) { addSubIssue(input: {issueId: $p, subIssueId: $s, replaceParent: $r}) { issue { number } subIssue { number parent { number } } } }";
const BLOCK: &str = "mutation($i: ID!, $b: ID!) { addBlockedBy(input: {issueId: $i, blockingIssueId: $b}) { issue { number } blockingIssue { number } } }";

async fn issues(api: &Api, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..count {
        ids.push(api.create_issue(&format!("issue {i}")).await.0);
    }
    ids
}

#[tokio::test]
async fn add_sub_issue_links_both_ways_in_order() {
    let api = common::default().await;
    let ids = issues(&api, 3).await;
    api.ok(ADD_SUB, json!({"p": ids[0], "s": ids[2]})).await;
    let data = api.ok(ADD_SUB, json!({"p": ids[0], "s": ids[1]})).await;
    assert_eq!(data["addSubIssue"]["subIssue"]["parent"]["number"], 1);
    assert_eq!(api.issue_state(1)["sub_issues"], json!([3, 2]));
    assert_eq!(api.issue_state(2)["parent"], 1);
    let data = api
        .ok(
            "query($i: ID!) { node(id: $i) { ... on Issue { subIssues(first: 10) { nodes { number } } subIssuesSummary { total completed percentCompleted } } } }",
            json!({"i": ids[0]}),
        )
        .await;
    assert_eq!(
        data["node"]["subIssues"]["nodes"],
        json!([{"number": 3}, {"number": 2}])
    );
    assert_eq!(
        data["node"]["subIssuesSummary"],
        json!({"total": 2, "completed": 0, "percentCompleted": 0})
    );
    api.ok(
        "mutation($p: ID!, $s: ID!, $a: ID) { reprioritizeSubIssue(input: {issueId: $p, subIssueId: $s, afterId: $a}) { issue { number } } }",
        json!({"p": ids[0], "s": ids[2], "a": ids[1]}),
    )
    .await;
    assert_eq!(api.issue_state(1)["sub_issues"], json!([2, 3]));
    api.ok("mutation($p: ID!, $s: ID!) { removeSubIssue(input: {issueId: $p, subIssueId: $s}) { issue { number } } }", json!({"p": ids[0], "s": ids[1]})).await;
    assert_eq!(api.issue_state(1)["sub_issues"], json!([3]));
    assert_eq!(api.issue_state(2)["parent"], serde_json::Value::Null);
}

#[tokio::test]
async fn duplicate_sub_issue_add_is_an_error() {
    let api = common::default().await;
    let ids = issues(&api, 2).await;
    api.ok(ADD_SUB, json!({"p": ids[0], "s": ids[1]})).await;
    let body = api.gql(ADD_SUB, json!({"p": ids[0], "s": ids[1]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"), "{body}");
    assert_eq!(api.issue_state(1)["sub_issues"], json!([2]));
}

#[tokio::test]
async fn one_parent_unless_replace_parent() {
    let api = common::default().await;
    let ids = issues(&api, 3).await;
    api.ok(ADD_SUB, json!({"p": ids[0], "s": ids[2]})).await;
    let body = api.gql(ADD_SUB, json!({"p": ids[1], "s": ids[2]})).await;
    assert_eq!(error_message(&body), "Sub issue may only have one parent");
    assert_eq!(api.issue_state(3)["parent"], 1);
    api.ok(ADD_SUB, json!({"p": ids[1], "s": ids[2], "r": true}))
        .await;
    assert_eq!(api.issue_state(3)["parent"], 2);
    assert_eq!(api.issue_state(1)["sub_issues"], json!([]));
    assert_eq!(api.issue_state(2)["sub_issues"], json!([3]));
}

#[tokio::test]
async fn create_issue_with_parent_sets_the_link() {
    let api = common::default().await;
    let (parent, _) = api.create_issue("parent").await;
    let repo = api.repo_id().await;
    let data = api
        .ok(
            "mutation($r: ID!, $p: ID) { createIssue(input: {repositoryId: $r, title: \"child\", parentIssueId: $p}) { issue { number parent { number } } } }",
            json!({"r": repo, "p": parent}),
        )
        .await;
    assert_eq!(data["createIssue"]["issue"]["parent"]["number"], 1);
    assert_eq!(api.issue_state(1)["sub_issues"], json!([2]));
}

#[tokio::test]
async fn sub_issue_cap_is_100_counting_closed_ones() {
    let api = common::default().await;
    let ids = issues(&api, 102).await;
    // Add 100 children in aliased batches, closing some of them along the way.
    for chunk in ids[1..101].chunks(25) {
        let mut doc = String::from("mutation($p: ID!) {");
        for (k, id) in chunk.iter().enumerate() {
            doc.push_str(&format!(" a{k}: addSubIssue(input: {{issueId: $p, subIssueId: \"{id}\"}}) {{ clientMutationId }}"));
            doc.push_str(&format!(
                " c{k}: closeIssue(input: {{issueId: \"{id}\"}}) {{ clientMutationId }}"
            ));
        }
        doc.push('}');
        api.ok(&doc, json!({"p": ids[0]})).await;
    }
    assert_eq!(
        api.issue_state(1)["sub_issues"].as_array().unwrap().len(),
        100
    );
    let body = api.gql(ADD_SUB, json!({"p": ids[0], "s": ids[101]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    assert!(error_message(&body).contains("100"), "{body}");
    assert_eq!(api.issue_state(102)["parent"], serde_json::Value::Null);
}

#[tokio::test]
async fn nesting_is_limited_to_8_levels_and_cycles_are_refused() {
    let api = common::default().await;
    let ids = issues(&api, 9).await;
    for level in 0..7 {
        api.ok(ADD_SUB, json!({"p": ids[level], "s": ids[level + 1]}))
            .await;
    }
    let body = api.gql(ADD_SUB, json!({"p": ids[7], "s": ids[8]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    assert!(error_message(&body).contains("8 levels"), "{body}");
    let body = api.gql(ADD_SUB, json!({"p": ids[3], "s": ids[0]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    let body = api.gql(ADD_SUB, json!({"p": ids[8], "s": ids[8]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
}

#[tokio::test]
async fn blocked_by_rejects_self_and_duplicates_and_reads_both_ways() {
    let api = common::default().await;
    let ids = issues(&api, 2).await;
    let body = api.gql(BLOCK, json!({"i": ids[0], "b": ids[0]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    api.ok(BLOCK, json!({"i": ids[0], "b": ids[1]})).await;
    let body = api.gql(BLOCK, json!({"i": ids[0], "b": ids[1]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    assert_eq!(api.issue_state(1)["blocked_by"], json!([2]));
    api.ok(
        "mutation($i: ID!) { closeIssue(input: {issueId: $i}) { clientMutationId } }",
        json!({"i": ids[1]}),
    )
    .await;
    let data = api
        .ok(
            "query($a: ID!, $b: ID!) { a: node(id: $a) { ... on Issue { blockedBy(first: 10) { nodes { number state } } } } b: node(id: $b) { ... on Issue { blocking(first: 10) { nodes { number } } } } }",
            json!({"a": ids[0], "b": ids[1]}),
        )
        .await;
    assert_eq!(
        data["a"]["blockedBy"]["nodes"],
        json!([{"number": 2, "state": "CLOSED"}])
    );
    assert_eq!(data["b"]["blocking"]["nodes"], json!([{"number": 1}]));
    api.ok("mutation($i: ID!, $b: ID!) { removeBlockedBy(input: {issueId: $i, blockingIssueId: $b}) { clientMutationId } }", json!({"i": ids[0], "b": ids[1]})).await;
    assert_eq!(api.issue_state(1)["blocked_by"], json!([]));
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let api = common::default().await;
    let ids = issues(&api, 1).await;
    let body = api
        .gql(BLOCK, json!({"i": ids[0], "b": "I_kwDOnothere"}))
        .await;
    assert_eq!(error_type(&body), Some("NOT_FOUND"));
    assert_eq!(
        error_message(&body),
        "Could not resolve to a node with the global id of 'I_kwDOnothere'"
    );
}

#[tokio::test]
async fn blockers_list_newest_first_by_default() {
    let api = common::default().await;
    let ids = issues(&api, 3).await;
    api.ok(BLOCK, json!({"i": ids[0], "b": ids[1]})).await;
    api.ok(BLOCK, json!({"i": ids[0], "b": ids[2]})).await;
    let query = "query($i: ID!) { node(id: $i) { ... on Issue { newest: blockedBy(first: 5) { nodes { number } } oldest: blockedBy(first: 5, orderBy: {field: DEPENDENCY_ADDED_AT, direction: ASC}) { nodes { number } } } } }";
    let data = api.ok(query, json!({"i": ids[0]})).await;
    assert_eq!(
        data["node"]["newest"]["nodes"],
        json!([{"number": 3}, {"number": 2}])
    );
    assert_eq!(
        data["node"]["oldest"]["nodes"],
        json!([{"number": 2}, {"number": 3}])
    );
}

#[tokio::test]
async fn an_issue_takes_at_most_50_blockers() {
    let api = common::default().await;
    let ids = issues(&api, 52).await;
    let mut doc = String::from("mutation($i: ID!) {");
    for (k, id) in ids[1..51].iter().enumerate() {
        doc.push_str(&format!(" b{k}: addBlockedBy(input: {{issueId: $i, blockingIssueId: \"{id}\"}}) {{ clientMutationId }}"));
    }
    doc.push('}');
    api.ok(&doc, json!({"i": ids[0]})).await;
    let body = api.gql(BLOCK, json!({"i": ids[0], "b": ids[51]})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    assert_eq!(
        api.issue_state(1)["blocked_by"].as_array().unwrap().len(),
        50
    );
}
