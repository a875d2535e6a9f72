//! Issues and labels: create, update, close/reopen, list with filters and pagination.

use serde_json::{json, Value};

use crate::common::{self, error_message, error_type};

const LIST: &str = r#"query($labels: [String!], $states: [IssueState!], $after: String, $first: Int) {
  repository(owner: "acme", name: "roadmap") {
    issues(labels: $labels, states: $states, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { number title state labels(first: 10) { nodes { name } } }
    }
  }
}"#;

#[tokio::test]
async fn create_issue_with_labels_type_and_assignee_shows_in_state() {
    // A new organization has GitHub's default types; an owner may add others (opt-in here).
    let names_of = |data: &Value| -> Vec<String> {
        data["organization"]["issueTypes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let query = r#"{ organization(login: "acme") { issueTypes(first: 10) { nodes { id name isEnabled } } } }"#;
    let fresh = common::default().await;
    assert_eq!(
        names_of(&fresh.ok(query, json!({})).await),
        ["Task", "Bug", "Feature"]
    );
    let api = common::start(fake_github::Config::with_issue_types(&[
        "Epic", "Story", "Task", "Bug",
    ]))
    .await;
    let repo = api.repo_id().await;
    let bug = api.label_id("bug").await;
    let data = api.ok(r#"{ organization(login: "acme") { issueTypes(first: 10) { nodes { id name isEnabled } } } user(login: "hubot") { id } }"#, json!({})).await;
    let types = data["organization"]["issueTypes"]["nodes"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = types.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Epic", "Story", "Task", "Bug"]);
    let epic = types[0]["id"].as_str().unwrap();
    let hubot = data["user"]["id"].as_str().unwrap();
    let data = api
        .ok(
            "mutation($r: ID!, $l: ID!, $t: ID!, $u: ID!) { createIssue(input: {repositoryId: $r, title: \"Epic A\", body: \"b\", labelIds: [$l], issueTypeId: $t, assigneeIds: [$u]}) { issue { id number url state issueType { name } } } }",
            json!({"r": repo, "l": bug, "t": epic, "u": hubot}),
        )
        .await;
    let issue = &data["createIssue"]["issue"];
    assert_eq!(issue["number"], 1);
    assert_eq!(issue["state"], "OPEN");
    assert_eq!(issue["issueType"]["name"], "Epic");
    assert_eq!(issue["url"], "https://github.com/acme/roadmap/issues/1");
    assert!(issue["id"].as_str().unwrap().starts_with("I_"));
    let saved = api.issue_state(1);
    assert_eq!(saved["labels"], json!(["bug"]));
    assert_eq!(saved["issue_type"], "Epic");
    assert_eq!(saved["assignees"], json!(["hubot"]));
    assert_eq!(saved["body"], "b");
}

#[tokio::test]
async fn update_issue_replaces_labels_and_closes_with_reason() {
    let api = common::default().await;
    let (id, number) = api.create_issue("T").await;
    let bug = api.label_id("bug").await;
    let enhancement = api.label_id("enhancement").await;
    api.ok("mutation($i: ID!, $l: [ID!]) { updateIssue(input: {id: $i, title: \"T2\", labelIds: $l}) { issue { title } } }", json!({"i": id, "l": [bug]})).await;
    api.ok("mutation($i: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $i, labelIds: $l}) { clientMutationId } }", json!({"i": id, "l": [enhancement]})).await;
    assert_eq!(
        api.issue_state(number)["labels"],
        json!(["bug", "enhancement"])
    );
    api.ok("mutation($i: ID!, $l: [ID!]) { updateIssue(input: {id: $i, labelIds: $l}) { issue { id } } }", json!({"i": id, "l": [enhancement]})).await;
    assert_eq!(api.issue_state(number)["labels"], json!(["enhancement"]));
    api.ok("mutation($i: ID!, $l: [ID!]!) { removeLabelsFromLabelable(input: {labelableId: $i, labelIds: $l}) { clientMutationId } }", json!({"i": id, "l": [enhancement]})).await;
    assert_eq!(api.issue_state(number)["labels"], json!([]));
    let data = api.ok("mutation($i: ID!) { closeIssue(input: {issueId: $i, stateReason: NOT_PLANNED}) { issue { state stateReason closed } } }", json!({"i": id})).await;
    assert_eq!(
        data["closeIssue"]["issue"],
        json!({"state": "CLOSED", "stateReason": "NOT_PLANNED", "closed": true})
    );
    let data = api.ok("mutation($i: ID!) { reopenIssue(input: {issueId: $i}) { issue { state stateReason } } }", json!({"i": id})).await;
    assert_eq!(
        data["reopenIssue"]["issue"],
        json!({"state": "OPEN", "stateReason": "REOPENED"})
    );
    assert_eq!(api.issue_state(number)["title"], "T2");
}

#[tokio::test]
async fn list_filters_by_labels_ored_and_states() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    let bug = api.label_id("bug").await;
    let enhancement = api.label_id("enhancement").await;
    for (title, labels) in [
        ("a", vec![bug.clone()]),
        ("b", vec![enhancement.clone()]),
        ("c", vec![]),
    ] {
        api.ok("mutation($r: ID!, $t: String!, $l: [ID!]) { createIssue(input: {repositoryId: $r, title: $t, labelIds: $l}) { issue { id } } }", json!({"r": repo, "t": title, "l": labels})).await;
    }
    let (c_id, _) = (api.issue_state(3)["id"].as_str().unwrap().to_string(), 3);
    api.ok(
        "mutation($i: ID!) { closeIssue(input: {issueId: $i}) { clientMutationId } }",
        json!({"i": c_id}),
    )
    .await;
    let data = api
        .ok(LIST, json!({"labels": ["bug", "Enhancement"], "first": 10}))
        .await;
    let titles: Vec<&str> = data["repository"]["issues"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["a", "b"]);
    let data = api
        .ok(LIST, json!({"states": ["CLOSED"], "first": 10}))
        .await;
    assert_eq!(data["repository"]["issues"]["totalCount"], 1);
    assert_eq!(data["repository"]["issues"]["nodes"][0]["title"], "c");
    let data = api
        .ok(LIST, json!({"states": ["OPEN", "CLOSED"], "first": 10}))
        .await;
    assert_eq!(data["repository"]["issues"]["totalCount"], 3);
}

#[tokio::test]
async fn pagination_walks_every_page_with_cursors() {
    let api = common::default().await;
    for i in 0..5 {
        api.create_issue(&format!("issue {i}")).await;
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = api.ok(LIST, json!({"first": 2, "after": after})).await;
        let issues = &data["repository"]["issues"];
        seen.extend(
            issues["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["number"].as_u64().unwrap()),
        );
        if !issues["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = issues["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn pagination_bounds_follow_githubs_1_to_100_rule() {
    let api = common::default().await;
    let body = api
        .gql(
            r#"{ repository(owner: "acme", name: "roadmap") { issues { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        error_type(&body),
        Some("MISSING_PAGINATION_BOUNDARIES"),
        "{body}"
    );
    assert!(body.get("data").is_none());
    assert_eq!(body["errors"][0]["path"], json!(["repository", "issues"]));
    let body = api.gql(LIST, json!({"first": 101})).await;
    assert_eq!(error_type(&body), Some("EXCESSIVE_PAGINATION"));
    assert!(
        error_message(&body).contains("exceeds the `first` limit of 100"),
        "{body}"
    );
    let body = api.gql(LIST, json!({"first": 0})).await;
    assert_eq!(error_type(&body), Some("EXCESSIVE_PAGINATION"));
    api.ok(LIST, json!({"first": 100})).await;
    // Nested connections are checked too.
    let body = api.gql(r#"{ repository(owner: "acme", name: "roadmap") { issues(first: 5) { nodes { labels { totalCount } } } } }"#, json!({})).await;
    assert_eq!(
        body["errors"][0]["path"],
        json!(["repository", "issues", "nodes", "labels"])
    );
}

#[tokio::test]
async fn title_and_body_limits_are_unprocessable() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    let create = "mutation($r: ID!, $t: String!, $b: String) { createIssue(input: {repositoryId: $r, title: $t, body: $b}) { issue { id } } }";
    let body = api
        .gql(create, json!({"r": repo, "t": "x".repeat(257)}))
        .await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    assert!(error_message(&body).contains("Title is too long"));
    let body = api
        .gql(
            create,
            json!({"r": repo, "t": "ok", "b": "y".repeat(65_537)}),
        )
        .await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    api.ok(
        create,
        json!({"r": repo, "t": "x".repeat(256), "b": "y".repeat(65_536)}),
    )
    .await;
    assert_eq!(api.fake.state()["issues"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn aliased_mutations_run_in_order_and_fail_independently() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    let query = r#"mutation($r: ID!) {
      first: createIssue(input: {repositoryId: $r, title: "one"}) { issue { number } }
      broken: createIssue(input: {repositoryId: "R_missing", title: "two"}) { issue { number } }
      third: createIssue(input: {repositoryId: $r, title: "three"}) { issue { number } }
    }"#;
    let body = api.gql(query, json!({"r": repo})).await;
    assert_eq!(body["data"]["first"]["issue"]["number"], 1);
    assert_eq!(body["data"]["broken"], serde_json::Value::Null);
    assert_eq!(body["data"]["third"]["issue"]["number"], 2);
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["path"], json!(["broken"]));
    assert_eq!(errors[0]["type"], "NOT_FOUND");
    assert_eq!(
        errors[0]["message"],
        "Could not resolve to a node with the global id of 'R_missing'"
    );
    assert_eq!(api.fake.state()["issues"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn create_label_rejects_duplicates() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    let create = "mutation($r: ID!, $n: String!) { createLabel(input: {repositoryId: $r, name: $n, color: \"ff0000\"}) { label { id name color } } }";
    let data = api.ok(create, json!({"r": repo, "n": "epic"})).await;
    assert_eq!(data["createLabel"]["label"]["name"], "epic");
    let body = api.gql(create, json!({"r": repo, "n": "Epic"})).await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
    let data = api.ok(r#"{ repository(owner: "acme", name: "roadmap") { labels(first: 10, query: "ep") { nodes { name } } } }"#, json!({})).await;
    assert_eq!(
        data["repository"]["labels"]["nodes"],
        json!([{"name": "epic"}])
    );
}

#[tokio::test]
async fn fragments_aliases_and_typename_resolve() {
    let api = common::default().await;
    let (id, _) = api.create_issue("frag").await;
    let query = r#"
      fragment IssueBits on Issue { number t: title }
      query($id: ID!) {
        node(id: $id) { __typename ...IssueBits ... on Issue { state } ... on Label { color } }
        missing: node(id: "I_nope") { id }
      }"#;
    let body = api.gql(query, json!({"id": id})).await;
    assert_eq!(
        body["data"]["node"],
        json!({"__typename": "Issue", "number": 1, "t": "frag", "state": "OPEN"})
    );
    assert_eq!(body["data"]["missing"], serde_json::Value::Null);
    assert_eq!(body["errors"][0]["type"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["missing"]));
}

#[tokio::test]
async fn unemulated_fields_say_so() {
    let api = common::default().await;
    let body = api
        .gql(
            r#"{ repository(owner: "acme", name: "roadmap") { stargazerCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        error_message(&body),
        "fake-github does not emulate Repository.stargazerCount"
    );
}

#[tokio::test]
async fn nodes_resolves_each_id_and_caps_at_100() {
    let api = common::default().await;
    let (a, _) = api.create_issue("a").await;
    let body = api
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Issue { title } } }",
            json!({"ids": [a, "I_gone"]}),
        )
        .await;
    assert_eq!(body["data"]["nodes"][0]["title"], "a");
    assert_eq!(body["data"]["nodes"][1], serde_json::Value::Null);
    assert_eq!(body["errors"][0]["path"], json!(["nodes", 1]));
    assert_eq!(error_type(&body), Some("NOT_FOUND"));
    let ids: Vec<String> = (0..101).map(|_| a.clone()).collect();
    let body = api
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": ids}),
        )
        .await;
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(error_type(&body), Some("EXCESSIVE_PAGINATION"));
}

#[tokio::test]
async fn disabled_issue_types_are_refused() {
    let mut config = fake_github::Config::default();
    config.issue_types.push(fake_github::IssueTypeConfig {
        enabled: false,
        ..fake_github::IssueTypeConfig::new("Chore")
    });
    let api = common::start(config).await;
    let data = api.ok(r#"{ repository(owner: "acme", name: "roadmap") { id issueTypes(first: 10) { nodes { id name isEnabled } } } }"#, json!({})).await;
    let chore = data["repository"]["issueTypes"]["nodes"][3].clone();
    assert_eq!(chore["isEnabled"], false);
    let body = api
        .gql(
            "mutation($r: ID!, $t: ID) { createIssue(input: {repositoryId: $r, title: \"x\", issueTypeId: $t}) { issue { id } } }",
            json!({"r": data["repository"]["id"], "t": chore["id"]}),
        )
        .await;
    assert_eq!(error_type(&body), Some("UNPROCESSABLE"));
}

#[tokio::test]
async fn user_owned_repos_take_no_issue_type() {
    let org = common::default().await;
    let data = org
        .ok(
            r#"{ organization(login: "acme") { issueTypes(first: 1) { nodes { id } } } }"#,
            json!({}),
        )
        .await;
    let org_type = data["organization"]["issueTypes"]["nodes"][0]["id"].clone();
    let api = common::start(fake_github::Config::user_owned()).await;
    let data = api
        .ok(
            r#"{ repository(owner: "octocat", name: "roadmap") { id } }"#,
            json!({}),
        )
        .await;
    let body = api
        .gql(
            "mutation($r: ID!, $t: ID) { createIssue(input: {repositoryId: $r, title: \"x\", issueTypeId: $t}) { issue { id } } }",
            json!({"r": data["repository"]["id"], "t": org_type}),
        )
        .await;
    assert_eq!(error_type(&body), Some("NOT_FOUND"));
    assert!(api.fake.state()["issues"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn duplicate_reason_shows_as_not_planned_unless_enabled() {
    let api = common::default().await;
    let (original, _) = api.create_issue("original").await;
    let (copy, _) = api.create_issue("copy").await;
    api.ok(
        "mutation($i: ID!, $d: ID) { closeIssue(input: {issueId: $i, stateReason: DUPLICATE, duplicateIssueId: $d}) { clientMutationId } }",
        json!({"i": copy, "d": original}),
    )
    .await;
    let data = api.ok("query($i: ID!) { node(id: $i) { ... on Issue { plain: stateReason full: stateReason(enableDuplicate: true) } } }", json!({"i": copy})).await;
    assert_eq!(
        data["node"],
        json!({"plain": "NOT_PLANNED", "full": "DUPLICATE"})
    );
    assert_eq!(api.issue_state(2)["state_reason"], "DUPLICATE");
}

#[tokio::test]
async fn first_and_last_together_are_refused() {
    let api = common::default().await;
    let body = api.gql(r#"{ repository(owner: "acme", name: "roadmap") { issues(first: 5, last: 5) { totalCount } } }"#, json!({})).await;
    assert_eq!(error_type(&body), Some("EXCESSIVE_PAGINATION"), "{body}");
    let data = api
        .ok(
            LIST.replace("first: $first", "last: $first").as_str(),
            json!({"first": 2}),
        )
        .await;
    assert_eq!(data["repository"]["issues"]["totalCount"], 0);
}

#[tokio::test]
async fn deleted_issues_leave_lists_links_and_the_board() {
    let api = common::default().await;
    let (a, _) = api.create_issue("a").await;
    let (b, _) = api.create_issue("b").await;
    let data = api
        .ok(
            r#"{ organization(login: "acme") { projectV2(number: 1) { id } } }"#,
            json!({}),
        )
        .await;
    let project = data["organization"]["projectV2"]["id"].clone();
    api.ok("mutation($p: ID!, $c: ID!) { addProjectV2ItemById(input: {projectId: $p, contentId: $c}) { item { id } } }", json!({"p": project, "c": b})).await;
    api.ok("mutation($a: ID!, $b: ID!) { addBlockedBy(input: {issueId: $a, blockingIssueId: $b}) { clientMutationId } }", json!({"a": a, "b": b})).await;
    api.ok(
        "mutation($b: ID!) { deleteIssue(input: {issueId: $b}) { repository { id } } }",
        json!({"b": b}),
    )
    .await;
    let data = api.ok(LIST, json!({"first": 10})).await;
    assert_eq!(data["repository"]["issues"]["totalCount"], 1);
    assert_eq!(api.issue_state(1)["blocked_by"], json!([]));
    assert_eq!(api.fake.state()["project"]["items"], 0);
    let body = api
        .gql("query($b: ID!) { node(id: $b) { id } }", json!({"b": b}))
        .await;
    assert_eq!(error_type(&body), Some("NOT_FOUND"));
    // Numbers are never reused.
    assert_eq!(api.create_issue("c").await.1, 3);
}

#[tokio::test]
async fn issue_labels_list_by_label_creation_or_name() {
    let api = common::default().await;
    let (id, _) = api.create_issue("labelled").await;
    let bug = api.label_id("bug").await;
    let enhancement = api.label_id("enhancement").await;
    api.ok("mutation($i: ID!, $l: [ID!]) { updateIssue(input: {id: $i, labelIds: $l}) { clientMutationId } }", json!({"i": id, "l": [enhancement, bug]})).await;
    let query = "query($i: ID!) { node(id: $i) { ... on Issue { created: labels(first: 5) { nodes { name } } named: labels(first: 5, orderBy: {field: NAME, direction: DESC}) { nodes { name } } } } }";
    let data = api.ok(query, json!({"i": id})).await;
    assert_eq!(
        data["node"]["created"]["nodes"],
        json!([{"name": "bug"}, {"name": "enhancement"}])
    );
    assert_eq!(
        data["node"]["named"]["nodes"],
        json!([{"name": "enhancement"}, {"name": "bug"}])
    );
}

#[tokio::test]
async fn large_batches_of_long_bodies_are_accepted() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    let mut doc = String::from("mutation($r: ID!, $b: String!) {");
    for k in 0..40 {
        doc.push_str(&format!(" a{k}: createIssue(input: {{repositoryId: $r, title: \"t{k}\", body: $b}}) {{ clientMutationId }}"));
    }
    doc.push('}');
    // The body variable is sent once, but make the request itself large too.
    let padding = " ".repeat(3 * 1024 * 1024);
    api.ok(
        &format!("{doc}{padding}"),
        json!({"r": repo, "b": "x".repeat(65_536)}),
    )
    .await;
    assert_eq!(api.fake.state()["issues"].as_array().unwrap().len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_get_distinct_numbers() {
    let api = common::default().await;
    let repo = api.repo_id().await;
    let mut tasks = Vec::new();
    for k in 0..20 {
        let (http, url, repo) = (api.http.clone(), api.fake.graphql_url(), repo.clone());
        tasks.push(tokio::spawn(async move {
            let query = "mutation($r: ID!, $t: String!) { createIssue(input: {repositoryId: $r, title: $t}) { issue { number } } }";
            let body: serde_json::Value = http
                .post(url)
                .bearer_auth("test-token")
                .json(&json!({"query": query, "variables": {"r": repo, "t": format!("c{k}")}}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["data"]["createIssue"]["issue"]["number"].as_u64().unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<u64>>());
    assert_eq!(api.fake.stats().mutations.by_name["createIssue"], 20);
}
