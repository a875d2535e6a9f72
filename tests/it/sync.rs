//! End-to-end sync tests on the in-process fake GitHub, through the real client.
//!
//! They assert the fake's state and counters (issues, links, board values, mutations, requests),
//! never wall-clock time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_github::{Config, FakeGithub, Faults};
use planpilot::github::{Client, ClientConfig, Request, Safety, Secret};
use planpilot::plan::{self, LoadOptions, Plan};
use planpilot::render::find_marker;
use planpilot::sync::{self, ItemAction, Report, Silent, SyncError, SyncOptions};
use serde_json::{json, Value};

const ORG_BOARD: &str = "https://github.com/orgs/acme/projects/1";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_path() -> PathBuf {
    root().join("../shared/plans/example.yaml")
}

/// The example plan's text, or `None` (with a note) when the shared plans are not present.
fn example_text() -> Option<String> {
    match std::fs::read_to_string(example_path()) {
        Ok(text) => Some(text),
        Err(_) if std::env::var_os("CI").is_some() => panic!("../shared/plans/example.yaml is missing"),
        Err(_) => {
            eprintln!("WARNING: ../shared/plans/example.yaml not found; example-plan sync tests skipped");
            None
        }
    }
}

fn load_yaml(text: &str) -> Plan {
    plan::load_str(text, Path::new("plan.yaml"), &LoadOptions { root: None })
        .unwrap_or_else(|e| panic!("plan loads: {:?}", e.diagnostics))
}

struct Env {
    fake: FakeGithub,
    client: Client,
    options: SyncOptions,
}

impl Env {
    async fn start(config: Config, board: Option<&str>) -> Env {
        let fake = FakeGithub::start(config.clone()).await.expect("fake starts");
        let mut client_config = ClientConfig::new(fake.graphql_url(), Secret::new("test-token"));
        client_config.max_concurrency = 5;
        client_config.backoff_base = Duration::from_millis(1);
        client_config.backoff_max = Duration::from_millis(5);
        client_config.secondary_min_wait = Duration::from_millis(5);
        let client = Client::new(client_config).expect("client builds");
        let repository = format!("{}/{}", config.owner, config.repo).parse().expect("repo ref");
        let mut options = SyncOptions::new(repository);
        options.project = board.map(|b| b.parse().expect("board url"));
        Env { fake, client, options }
    }

    async fn org() -> Env {
        Env::start(Config::default(), Some(ORG_BOARD)).await
    }

    async fn sync(&self, plan: &Plan) -> Result<Report, SyncError> {
        sync::run(plan, &self.client, &self.options, &Silent).await
    }

    /// Syncs and asserts the run completed.
    async fn sync_ok(&self, plan: &Plan) -> Report {
        let report = self.sync(plan).await.expect("sync runs");
        assert!(report.errors.is_empty(), "errors: {:#?}", report.errors);
        report
    }

    /// Syncs and returns (report, mutations, requests) of that run, from the fake's counters.
    async fn measured(&self, plan: &Plan) -> (Report, u64, u64) {
        let before = self.fake.stats();
        let report = self.sync_ok(plan).await;
        let after = self.fake.stats();
        (
            report,
            after.mutations.total - before.mutations.total,
            after.requests - before.requests,
        )
    }

    fn issues(&self) -> Vec<Value> {
        self.fake.state()["issues"].as_array().cloned().unwrap_or_default()
    }

    /// Sends a document like a human's tool would.
    async fn human(&self, document: &str, variables: Value) -> Value {
        let response = self
            .client
            .graphql(Request::mutation(document, variables, Safety::Idempotent))
            .await
            .expect("human request");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data
    }
}

/// Issues of `plan`, by item id: all of them (duplicates included).
fn claims(issues: &[Value], plan: &Plan) -> BTreeMap<String, Vec<Value>> {
    let mut by_item: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for issue in issues {
        if let Some(marker) = find_marker(issue["body"].as_str().unwrap_or_default()) {
            if marker.plan_key == plan.key {
                by_item.entry(marker.item_id).or_default().push(issue.clone());
            }
        }
    }
    by_item
}

/// What the fake must hold after syncing `plan`.
struct Expect<'a> {
    plan: &'a Plan,
    /// `(blocked, blocker)` item pairs.
    links: BTreeSet<(String, String)>,
    /// Issue types (true) or `type:` labels (false).
    types: bool,
    board: bool,
}

/// Asserts exactly one open issue per item with the right title, type, labels, parent, links
/// and board values. Returns the number of each item.
fn assert_state(issues: &[Value], expect: &Expect) -> BTreeMap<String, u64> {
    let plan = expect.plan;
    let claims = claims(issues, plan);
    let mut numbers = BTreeMap::new();
    for item in &plan.items {
        let found = claims.get(&item.id).cloned().unwrap_or_default();
        let open: Vec<&Value> = found.iter().filter(|i| i["state"] == "OPEN").collect();
        assert_eq!(open.len(), 1, "{}: exactly one open issue, got {found:#?}", item.id);
        numbers.insert(item.id.clone(), open[0]["number"].as_u64().unwrap());
    }
    for item in &plan.items {
        let issue = claims[&item.id].iter().find(|i| i["state"] == "OPEN").unwrap();
        assert_eq!(issue["title"], item.title.as_str(), "{} title", item.id);
        let labels: Vec<&str> = issue["labels"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(labels.contains(&"planpilot"), "{} labels {labels:?}", item.id);
        for label in &item.labels {
            assert!(labels.contains(&label.as_str()), "{} lacks label {label}", item.id);
        }
        let kind_name = match item.kind {
            plan::ItemKind::Epic => "Epic",
            plan::ItemKind::Story => "Story",
            plan::ItemKind::Task => "Task",
        };
        if expect.types {
            assert_eq!(issue["issue_type"], kind_name, "{} type", item.id);
        } else {
            assert!(issue["issue_type"].is_null());
            let type_label = format!("type:{}", kind_name.to_lowercase());
            assert!(labels.contains(&type_label.as_str()), "{} lacks {type_label}", item.id);
        }
        let parent = item.parent.as_ref().map(|p| numbers[p]);
        assert_eq!(issue["parent"].as_u64(), parent, "{} parent", item.id);
        let blocked_by: BTreeSet<u64> = issue["blocked_by"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let wanted: BTreeSet<u64> = expect
            .links
            .iter()
            .filter(|(blocked, _)| *blocked == item.id)
            .map(|(_, blocker)| numbers[blocker])
            .collect();
        assert_eq!(blocked_by, wanted, "{} blocked-by", item.id);
        if expect.board {
            let fields = &issue["project_item"]["fields"];
            assert!(fields.is_object(), "{} is on the board", item.id);
            for (name, value) in &item.fields {
                let shown = &fields[name.as_str()];
                match value {
                    plan::FieldValue::Number(n) => assert_eq!(shown.as_f64(), Some(*n), "{} {name}", item.id),
                    plan::FieldValue::Text(t) if t.starts_with('@') => {
                        assert!(shown.is_string(), "{} {name} set", item.id)
                    }
                    plan::FieldValue::Text(t) => {
                        assert_eq!(shown.as_str(), Some(t.as_str()), "{} {name}", item.id)
                    }
                }
            }
            for (name, value) in &plan.defaults.fields {
                if !item.fields.contains_key(name) {
                    assert_eq!(fields[name.as_str()].as_str(), Some(value.to_string().as_str()));
                }
            }
        }
    }
    numbers
}

fn example_links() -> BTreeSet<(String, String)> {
    [("T-2", "T-1"), ("S-2", "S-1"), ("T-4", "T-3"), ("E-2", "E-1"), ("T-6", "T-5")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn example_first_sync_builds_the_plan_and_a_rerun_writes_nothing() {
    let Some(text) = example_text() else { return };
    let plan = plan::load(&example_path(), &LoadOptions { root: None }).expect("example loads");
    let env = Env::org().await;
    let (report, mutations, _) = env.measured(&plan).await;
    assert_eq!(report.counts().created, plan.items.len());
    assert_eq!(mutations as usize, report.changes.len(), "one change line per mutation");
    let expect = Expect {
        plan: &plan,
        links: example_links(),
        types: true,
        board: true,
    };
    assert_state(&env.issues(), &expect);
    assert_eq!(load_yaml(&text).items.len(), plan.items.len());

    let (again, mutations, requests) = env.measured(&plan).await;
    assert_eq!(mutations, 0, "re-run changes: {:#?}", again.changes);
    assert!(requests <= 3, "re-run used {requests} requests");
    assert_eq!(again.counts().unchanged, plan.items.len());
}
