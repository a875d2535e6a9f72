//! Adopting existing issues (`issue: N`): the sync takes the bound issue over instead of creating
//! one — marker, label, type, parent, links and board as the plan says, the person's text and
//! labels kept — refuses bindings it cannot honour before any write, previews "adopt #N", and
//! after adopting, a re-run writes nothing.

use std::path::Path;

use fake_github::Config;
use planpilot::plan::{self, LoadOptions, Plan};
use planpilot::sync::{self, Report, Silent, SyncError, SyncOptions};
use serde_json::Value;

use crate::import::{shop, typed_org, Backlog};

fn load(text: &str) -> Plan {
    plan::load_str(text, Path::new("plan.yaml"), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("plan loads: {:#?}", e.diagnostics))
}

fn options(b: &Backlog, board: bool) -> SyncOptions {
    let mut options = SyncOptions::new("acme/roadmap".parse().unwrap());
    if board {
        options.project = Some(b.board_url().parse().unwrap());
    }
    options
}

async fn sync(b: &Backlog, plan: &Plan, options: &SyncOptions) -> Result<Report, SyncError> {
    sync::run(plan, &b.client, options, &Silent).await
}

/// Syncs, asserts it completed, and returns the report and the mutations it sent by name.
async fn sync_ok(
    b: &Backlog,
    plan: &Plan,
    options: &SyncOptions,
) -> (Report, std::collections::BTreeMap<String, u64>) {
    let before = b.fake.stats().mutations.by_name;
    let report = sync(b, plan, options).await.expect("sync runs");
    assert!(report.errors.is_empty(), "errors: {:#?}", report.errors);
    let mut sent = b.fake.stats().mutations.by_name;
    for (name, count) in sent.iter_mut() {
        *count -= before.get(name).copied().unwrap_or(0);
    }
    sent.retain(|_, count| *count > 0);
    (report, sent)
}

fn issue(b: &Backlog, number: u64) -> Value {
    b.fake.state()["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == number)
        .cloned()
        .unwrap_or_else(|| panic!("#{number} exists"))
}

fn number(report: &Report, item: &str) -> Option<u64> {
    report.items.iter().find(|i| i.id == item)?.number
}

fn issue_count(b: &Backlog) -> usize {
    b.fake.state()["issues"].as_array().unwrap().len()
}

fn label_names(issue: &Value) -> Vec<String> {
    serde_json::from_value(issue["labels"].clone()).unwrap()
}

fn parent_of(b: &Backlog, number: u64) -> Option<u64> {
    issue(b, number)["parent"].as_u64()
}

fn blocked_by(b: &Backlog, number: u64) -> Vec<u64> {
    let mut numbers: Vec<u64> =
        serde_json::from_value(issue(b, number)["blocked_by"].clone()).unwrap();
    numbers.sort();
    numbers
}

#[tokio::test]
async fn a_bound_task_adopts_its_issue_keeping_the_persons_text_and_labels() {
    let b = Backlog::start(Config::default()).await;
    let existing = b
        .issue_with(
            "Card payment step",
            None,
            &["ui"],
            "Steps to reproduce, written by a person.",
        )
        .await;
    let plan = load(
        "epics:\n  - id: checkout\n    title: Checkout\n    stories:\n      - id: guest\n        \
         title: Pay as a guest\n        tasks:\n          - id: card\n            title: Card \
         payment step\n            issue: ISSUE\n            goal: Take the card.\n"
            .replace("ISSUE", &existing.to_string())
            .as_str(),
    );
    let before = issue_count(&b);
    let (report, sent) = sync_ok(&b, &plan, &options(&b, false)).await;

    // Two issues are new (epic and story); the task's is the person's.
    assert_eq!(sent.get("createIssue"), Some(&2), "{sent:?}");
    assert_eq!(issue_count(&b), before + 2);
    let adopted = issue(&b, existing);
    let body = adopted["body"].as_str().unwrap();
    assert!(
        body.starts_with("Steps to reproduce, written by a person."),
        "the person's text stays first:\n{body}"
    );
    assert!(
        body.contains("planpilot:begin"),
        "the marker is added:\n{body}"
    );
    assert!(
        body.contains("Take the card."),
        "the managed block follows:\n{body}"
    );
    let labels = label_names(&adopted);
    assert!(labels.contains(&"ui".to_string()), "{labels:?}");
    assert!(labels.contains(&"planpilot".to_string()), "{labels:?}");
    assert!(labels.contains(&"type:task".to_string()) || adopted["issue_type"] == "Task");
    assert_eq!(adopted["title"], "Card payment step");

    // It is a sub-issue of the story, which is a sub-issue of the epic.
    let story = number(&report, "guest").expect("the story has an issue");
    let epic = number(&report, "checkout").expect("the epic has an issue");
    assert_eq!(parent_of(&b, existing), Some(story));
    assert_eq!(parent_of(&b, story), Some(epic));
    assert_eq!(number(&report, "card"), Some(existing));

    // From now on it is managed as usual: nothing to write.
    let (again, sent) = sync_ok(&b, &plan, &options(&b, false)).await;
    assert!(sent.is_empty(), "a re-run writes nothing: {sent:?}");
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!(issue_count(&b), before + 2);
}

#[tokio::test]
async fn the_plans_title_wins_and_an_equal_title_is_not_rewritten() {
    let b = Backlog::start(Config::default()).await;
    let same = b.issue("Write the docs", None, &[]).await;
    let other = b.issue("old name", None, &[]).await;
    let plan = load(&format!(
        "epics:\n  - id: docs\n    title: Write the docs\n    issue: {same}\n  - id: api\n    \
         title: Ship the API\n    issue: {other}\n"
    ));
    let (_, sent) = sync_ok(&b, &plan, &options(&b, false)).await;
    assert_eq!(sent.get("createIssue"), None, "{sent:?}");
    assert_eq!(issue(&b, same)["title"], "Write the docs");
    assert_eq!(issue(&b, other)["title"], "Ship the API");
}

#[tokio::test]
async fn bound_items_get_their_dependencies_types_and_board_values() {
    let b = Backlog::start(typed_org()).await;
    let first = b.issue("Schema", None, &[]).await;
    let second = b.issue("Migration", None, &[]).await;
    let plan = load(&format!(
        "epics:\n  - id: schema\n    title: Schema\n    issue: {first}\n    fields:\n      \
         Status: In Progress\n  - id: migration\n    title: Migration\n    issue: {second}\n    \
         depends_on: [schema]\n"
    ));
    let options = options(&b, true);
    let (_, sent) = sync_ok(&b, &plan, &options).await;
    assert_eq!(sent.get("createIssue"), None, "{sent:?}");
    // "migration depends on schema": the migration's issue is blocked by the schema's.
    assert_eq!(blocked_by(&b, second), [first]);
    assert_eq!(issue(&b, first)["issue_type"], "Epic");
    let card = issue(&b, first)["project_item"].clone();
    assert_eq!(
        card["fields"]["Status"], "In Progress",
        "on the board: {card}"
    );
    let (_, sent) = sync_ok(&b, &plan, &options).await;
    assert!(sent.is_empty(), "a re-run writes nothing: {sent:?}");
}

#[tokio::test]
async fn a_dry_run_shows_adopt_lines_and_writes_nothing() {
    let b = Backlog::start(Config::default()).await;
    let number = b.issue("Old name", None, &[]).await;
    let plan = load(&format!(
        "epics:\n  - id: docs\n    title: Write the docs\n    issue: {number}\n  - id: new\n    \
         title: Something new\n"
    ));
    let mut options = options(&b, false);
    options.dry_run = true;
    let before = b.fake.stats().mutations.total;
    let report = sync(&b, &plan, &options).await.expect("dry run");
    assert_eq!(
        b.fake.stats().mutations.total,
        before,
        "nothing was written"
    );
    assert!(
        report
            .changes
            .iter()
            .any(|l| l.starts_with(&format!("adopt #{number} as epic docs"))),
        "{:#?}",
        report.changes
    );
    assert!(
        report.changes.iter().any(|l| l.contains("title")),
        "the adopt line says what changes: {:#?}",
        report.changes
    );
    assert!(
        report
            .changes
            .iter()
            .any(|l| l == "create epic new: Something new"),
        "{:#?}",
        report.changes
    );
    // What the dry run predicted is what the sync does.
    options.dry_run = false;
    let applied = sync(&b, &plan, &options).await.expect("sync");
    assert_eq!(applied.changes, report.changes);
}

/// Asserts the sync refused before any write, with a message naming the plan line and `wants`.
async fn assert_refused(b: &Backlog, plan: &Plan, wants: &str) {
    let before = b.fake.stats().mutations.total;
    let issues = issue_count(b);
    match sync(b, plan, &options(b, false)).await {
        Err(error) => {
            assert!(error.is_invalid_input(), "{error}");
            let text = error.to_string();
            assert!(
                text.contains("plan.yaml:"),
                "names the file and line: {text}"
            );
            assert!(text.contains(wants), "{text}");
        }
        Ok(report) => panic!("the sync ran: {:?}", report.changes),
    }
    assert_eq!(
        b.fake.stats().mutations.total,
        before,
        "nothing was written"
    );
    assert_eq!(issue_count(b), issues);
}

#[tokio::test]
async fn bindings_that_cannot_be_honoured_stop_the_sync_before_any_write() {
    let b = Backlog::start(Config::default()).await;
    let real = b.issue("Real", None, &[]).await;
    let pull = b.fake.open_pull_request("A pull request");
    let plan_missing = load(&format!(
        "epics:\n  - id: a\n    title: A\n    issue: {real}\n  - id: b\n    title: B\n    \
         issue: 999\n"
    ));
    assert_refused(&b, &plan_missing, "acme/roadmap has no issue #999").await;
    let plan_pull = load(&format!(
        "epics:\n  - id: a\n    title: A\n    issue: {pull}\n"
    ));
    assert_refused(&b, &plan_pull, "pull request").await;

    // An issue that already belongs to another item of this plan.
    let plan = load("epics:\n  - id: a\n    title: A\n  - id: b\n    title: B\n");
    let report = sync(&b, &plan, &options(&b, false)).await.expect("sync");
    let a = number(&report, "a").unwrap();
    let steal = load(&format!(
        "epics:\n  - id: a\n    title: A\n  - id: b\n    title: B\n    issue: {a}\n"
    ));
    assert_refused(&b, &steal, "item a").await;
}

#[tokio::test]
async fn an_issue_another_plan_manages_is_not_adopted() {
    let b = Backlog::start(Config::default()).await;
    let other = load("id: other\nepics:\n  - id: x\n    title: X\n");
    let report = sync(&b, &other, &options(&b, false)).await.expect("sync");
    let x = number(&report, "x").unwrap();
    let mine = load(&format!(
        "epics:\n  - id: y\n    title: Y\n    issue: {x}\n"
    ));
    assert_refused(&b, &mine, "plan \"other\"").await;
}

#[tokio::test]
async fn binding_an_item_that_already_has_an_issue_keeps_the_bound_one() {
    let b = Backlog::start(Config::default()).await;
    let plan = load("epics:\n  - id: a\n    title: A\n");
    let report = sync(&b, &plan, &options(&b, false)).await.expect("sync");
    let made = number(&report, "a").unwrap();
    let older = b.issue("A, as a person filed it", None, &[]).await;
    let bound = load(&format!(
        "epics:\n  - id: a\n    title: A\n    issue: {older}\n"
    ));
    let (report, sent) = sync_ok(&b, &bound, &options(&b, false)).await;
    assert_eq!(sent.get("createIssue"), None, "{sent:?}");
    assert_eq!(number(&report, "a"), Some(older));
    let made = issue(&b, made);
    assert_eq!(made["state"], "CLOSED");
    assert_eq!(made["state_reason"], "DUPLICATE");
    assert_eq!(issue(&b, older)["state"], "OPEN");
    let (_, sent) = sync_ok(&b, &bound, &options(&b, false)).await;
    assert!(sent.is_empty(), "a re-run writes nothing: {sent:?}");
}

/// `planpilot import`, then a sync of that file: every issue adopted, none created, no parent
/// or link removed; a second sync writes nothing.
#[tokio::test]
async fn an_imported_backlog_syncs_without_creating_or_removing_anything() {
    let b = Backlog::start(typed_org()).await;
    let s = shop(&b, true).await;
    let parents_before: Vec<Option<u64>> = [s.guest, s.card, s.receipt, s.addresses, s.schema]
        .iter()
        .map(|n| parent_of(&b, *n))
        .collect();
    let links_before: Vec<Vec<u64>> = [s.receipt, s.addresses, s.schema]
        .iter()
        .map(|n| blocked_by(&b, *n))
        .collect();
    let (_, _, plan) = b
        .import(
            vec![planpilot::github::backlog::Selector::Label(
                "backlog".into(),
            )],
            true,
        )
        .await;
    let issues = issue_count(&b);
    let options = options(&b, true);
    let (report, sent) = sync_ok(&b, &plan, &options).await;
    assert_eq!(sent.get("createIssue"), None, "{sent:?}");
    assert_eq!(sent.get("removeSubIssue"), None, "{sent:?}");
    assert_eq!(sent.get("removeBlockedBy"), None, "{sent:?}");
    assert_eq!(sent.get("closeIssue"), None, "{sent:?}");
    assert_eq!(issue_count(&b), issues);
    let parents_after: Vec<Option<u64>> = [s.guest, s.card, s.receipt, s.addresses, s.schema]
        .iter()
        .map(|n| parent_of(&b, *n))
        .collect();
    assert_eq!(parents_after, parents_before);
    for (number, before) in [s.receipt, s.addresses, s.schema].iter().zip(links_before) {
        let after = blocked_by(&b, *number);
        assert!(
            before.iter().all(|n| after.contains(n)),
            "#{number}: {before:?} kept in {after:?}"
        );
    }
    for item in &plan.items {
        let bound = item.issue.expect("every imported item is bound");
        assert_eq!(number(&report, &item.id), Some(bound));
        assert!(issue(&b, bound)["body"]
            .as_str()
            .unwrap()
            .contains("planpilot:begin"));
    }
    let (_, sent) = sync_ok(&b, &plan, &options).await;
    assert!(sent.is_empty(), "a second sync writes nothing: {sent:?}");
}
