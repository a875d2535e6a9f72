//! GitHub Enterprise Server releases that lack a feature planpilot uses: a fake serving the
//! schema without it (sub-issues arrived in GHES 3.16, issue types in 3.18, dependencies in
//! 3.19). The sync reads what the server has, skips the rest with one warning, makes everything
//! else match, and a re-run writes nothing; the server never sees a document it cannot
//! validate.

use std::collections::BTreeSet;

use fake_github::{Config, Feature};
use planpilot::plan::{self, LoadOptions, Plan};
use planpilot::sync::Report;
use serde_json::{json, Value};

use crate::reliability::support::{
    assert_kind_shown, claims, expected_links, org_types, root, Env,
};

fn example() -> Plan {
    plan::load(
        &root().join("tests/fixtures/plans/good/example.yaml"),
        &LoadOptions { root: None },
    )
    .expect("the example plan loads")
}

/// Warnings of `report` that name `words` (all of them).
fn warnings_naming<'r>(report: &'r Report, words: &[&str]) -> Vec<&'r String> {
    report
        .warnings
        .iter()
        .filter(|w| words.iter().all(|word| w.contains(word)))
        .collect()
}

/// What a server without some features must show after a sync of `plan`.
struct Shown {
    /// Issue types the items may carry (empty: every kind shows as its `type:` label).
    types: Vec<String>,
    parents: bool,
    links: bool,
}

/// Asserts one open issue per item with its title, labels, kind, parent (or none) and
/// blocked-by links (or none), on the board with the plan's values.
fn assert_shown(env: &Env, plan: &Plan, shown: &Shown) {
    let state = env.fake.state();
    let claims = claims(&state, &plan.key);
    let open = |id: &str| -> Value {
        let found = claims.get(id).cloned().unwrap_or_default();
        assert_eq!(found.len(), 1, "{id}: exactly one issue, got {found:#?}");
        found[0].clone()
    };
    let number = |id: &str| open(id)["number"].as_u64().expect("number");
    let links = expected_links(plan);
    for item in &plan.items {
        let issue = open(&item.id);
        let id = &item.id;
        assert_eq!(issue["state"], "OPEN", "{id}");
        assert_eq!(issue["title"], item.title.as_str(), "{id} title");
        assert_kind_shown(&shown.types, item.kind, id, &issue);
        let parent = item.parent.as_deref().filter(|_| shown.parents).map(number);
        assert_eq!(issue["parent"].as_u64(), parent, "{id} parent");
        let blocked_by: BTreeSet<u64> = issue["blocked_by"]
            .as_array()
            .expect("blocked_by")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let wanted: BTreeSet<u64> = links
            .iter()
            .filter(|(blocked, _)| shown.links && blocked == id)
            .map(|(_, blocker)| number(blocker))
            .collect();
        assert_eq!(blocked_by, wanted, "{id} blocked-by");
        let fields = &issue["project_item"]["fields"];
        for (name, value) in &item.fields {
            if let plan::FieldValue::Text(text) = value {
                if !text.starts_with('@') {
                    assert_eq!(fields[name.as_str()], text.as_str(), "{id} {name}");
                }
            }
        }
        assert_eq!(fields["Status"], "Todo", "{id} Status from defaults");
    }
}

/// Syncs `plan` twice on a fake without `missing`: the first run succeeds with exactly one
/// warning naming `words`; the second writes nothing and warns the same once; the fake saw no
/// document it could not validate. Returns the env for state checks.
async fn sync_twice(missing: &[Feature], plan: &Plan, words: &[&str]) -> Env {
    let env = Env::start(Config::without_features(missing)).await;
    let report = env.sync_ok(plan).await;
    assert_eq!(
        warnings_naming(&report, words).len(),
        1,
        "one warning naming {words:?}: {:#?}",
        report.warnings
    );
    assert_eq!(
        warnings_naming(&report, &["this server has no"]).len(),
        1,
        "no other feature is reported missing: {:#?}",
        report.warnings
    );
    let before = env.fake.stats().mutations.total;
    let again = env.sync_ok(plan).await;
    assert_eq!(
        env.fake.stats().mutations.total - before,
        0,
        "a re-run writes nothing: {:#?}",
        again.changes
    );
    assert_eq!(warnings_naming(&again, words).len(), 1);
    assert_eq!(
        env.fake.stats().validation_failures,
        0,
        "no document the server cannot validate was sent"
    );
    env
}

#[tokio::test]
async fn a_server_without_dependencies_syncs_everything_else() {
    let plan = example();
    let env = sync_twice(
        &[Feature::IssueDependencies],
        &plan,
        &["issue dependencies", "3.19", "T-2 blocked by T-1"],
    )
    .await;
    let shown = Shown {
        types: org_types(&env.fake.state()),
        parents: true,
        links: false,
    };
    assert_shown(&env, &plan, &shown);
    let stats = env.fake.stats();
    assert!(!stats.mutations.by_name.contains_key("addBlockedBy"));
}

#[tokio::test]
async fn a_server_without_issue_types_shows_kinds_as_labels() {
    let plan = example();
    let env = sync_twice(
        &[Feature::IssueTypes],
        &plan,
        &["issue types", "3.18", "type:epic"],
    )
    .await;
    let shown = Shown {
        types: Vec::new(),
        parents: true,
        links: true,
    };
    assert_shown(&env, &plan, &shown);
}

#[tokio::test]
async fn a_server_without_sub_issues_keeps_the_issues_flat() {
    let plan = example();
    let env = sync_twice(&[Feature::SubIssues], &plan, &["sub-issues", "3.16"]).await;
    let shown = Shown {
        types: org_types(&env.fake.state()),
        parents: false,
        links: true,
    };
    assert_shown(&env, &plan, &shown);
}

#[tokio::test]
async fn a_server_with_none_of_them_closes_a_duplicate_as_not_planned() {
    let plan = example();
    let env = Env::start(Config::without_features(&Feature::ALL)).await;
    let first = env.sync_ok(&plan).await;
    assert_eq!(
        warnings_naming(&first, &["this server has no"]).len(),
        3,
        "sub-issues, issue types, dependencies: {:#?}",
        first.warnings
    );
    // A person copies T-1's issue, marker and label included (as a racing run would).
    let original = env.issue_of(&plan, "T-1");
    let repository = env
        .human(
            r#"query { repository(owner: "acme", name: "roadmap") { id label(name: "planpilot") { id } } }"#,
            json!({}),
        )
        .await;
    env.human(
        "mutation($i: CreateIssueInput!) { createIssue(input: $i) { issue { id } } }",
        json!({ "i": {
            "repositoryId": repository["repository"]["id"],
            "title": original["title"],
            "body": original["body"],
            "labelIds": [repository["repository"]["label"]["id"]],
        }}),
    )
    .await;
    let report = env.sync_ok(&plan).await;
    assert_eq!(
        warnings_naming(&report, &["closing as a duplicate", "not planned"]).len(),
        1,
        "{:#?}",
        report.warnings
    );
    let copies = claims(&env.fake.state(), &plan.key)
        .remove("T-1")
        .unwrap_or_default();
    let closed: Vec<&Value> = copies.iter().filter(|i| i["state"] == "CLOSED").collect();
    assert_eq!((copies.len(), closed.len()), (2, 1), "{copies:#?}");
    assert_eq!(closed[0]["state_reason"], "NOT_PLANNED");
    assert!(closed[0]["number"].as_u64() > original["number"].as_u64());
    let before = env.fake.stats().mutations.total;
    env.sync_ok(&plan).await;
    assert_eq!(
        env.fake.stats().mutations.total,
        before,
        "a re-run writes nothing"
    );
    assert_eq!(env.fake.stats().validation_failures, 0);
}

#[tokio::test]
async fn after_an_upgrade_the_next_run_adds_what_was_skipped_and_then_settles() {
    let plan = example();
    let env = Env::start(Config::without_features(&[
        Feature::SubIssues,
        Feature::IssueTypes,
        Feature::IssueDependencies,
    ]))
    .await;
    env.sync_ok(&plan).await;
    env.fake
        .set_without_features(&[])
        .expect("the full schema is served");
    let upgraded = env.sync_ok(&plan).await;
    assert!(
        warnings_naming(&upgraded, &["this server has no"]).is_empty(),
        "{:#?}",
        upgraded.warnings
    );
    let shown = Shown {
        types: org_types(&env.fake.state()),
        parents: true,
        links: true,
    };
    assert_shown(&env, &plan, &shown);
    let before = env.fake.stats().mutations.total;
    env.sync_ok(&plan).await;
    assert_eq!(
        env.fake.stats().mutations.total,
        before,
        "settled in one run"
    );
    assert_eq!(env.fake.stats().validation_failures, 0);
}

#[tokio::test]
async fn a_server_without_cards_in_create_adds_each_card_on_its_own() {
    let plan = example();
    let env = Env::start(Config::without_features(&[Feature::CardsInCreate])).await;
    let report = env.sync_ok(&plan).await;
    assert!(
        warnings_naming(&report, &["this server has no"]).is_empty(),
        "nothing is lost, nothing to warn about: {:#?}",
        report.warnings
    );
    let stats = env.fake.stats();
    assert_eq!(
        stats.mutations.by_name.get("addProjectV2ItemById").copied(),
        Some(plan.items.len() as u64),
        "{:?}",
        stats.mutations.by_name
    );
    let shown = Shown {
        types: org_types(&env.fake.state()),
        parents: true,
        links: true,
    };
    assert_shown(&env, &plan, &shown);
    let before = env.fake.stats().mutations.total;
    env.sync_ok(&plan).await;
    assert_eq!(
        env.fake.stats().mutations.total,
        before,
        "a re-run writes nothing"
    );
    assert_eq!(env.fake.stats().validation_failures, 0);
}
