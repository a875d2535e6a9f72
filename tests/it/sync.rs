//! End-to-end sync tests on the in-process fake GitHub, through the real client.
//!
//! They assert the fake's state and counters (issues, links, board values, mutations, requests),
//! never wall-clock time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_github::{Config, FakeGithub, Faults};
use planpilot::github::{Client, ClientConfig, Request, Safety, Secret, TokenInput};
use planpilot::plan::{self, LoadOptions, Plan};
use planpilot::render::find_marker;
use planpilot::sync::{self, ItemAction, Report, Silent, SyncError, SyncOptions};
use serde_json::{json, Value};

use crate::reliability::support::assert_kind_shown;

/// The issue types a new GitHub organization has, as the fake starts one.
fn github_default_types() -> Vec<String> {
    Config::GITHUB_DEFAULT_TYPES.map(String::from).to_vec()
}

const ORG_BOARD: &str = "https://github.com/orgs/acme/projects/1";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_path() -> PathBuf {
    root().join("tests/fixtures/plans/good/example.yaml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).expect("the example plan fixture")
}

fn load_yaml(text: &str) -> Plan {
    plan::load_str(text, Path::new("plan.yaml"), &LoadOptions { root: None })
        .unwrap_or_else(|e| panic!("plan loads: {:?}", e.diagnostics))
}

/// A client as a fresh process would have it, with waits cut to milliseconds.
fn new_client(fake: &FakeGithub) -> Client {
    let mut config = ClientConfig::new(fake.graphql_url(), Secret::new("test-token"));
    config.max_concurrency = 5;
    config.backoff_base = Duration::from_millis(1);
    config.backoff_max = Duration::from_millis(5);
    config.secondary_min_wait = Duration::from_millis(5);
    config.max_wait = Duration::from_millis(50);
    Client::new(config).expect("client builds")
}

struct Env {
    fake: FakeGithub,
    client: Client,
    options: SyncOptions,
}

impl Env {
    async fn start(config: Config, board: Option<&str>) -> Env {
        let fake = FakeGithub::start(config.clone())
            .await
            .expect("fake starts");
        let client = new_client(&fake);
        let repository = format!("{}/{}", config.owner, config.repo)
            .parse()
            .expect("repo ref");
        let mut options = SyncOptions::new(repository);
        options.project = board.map(|b| b.parse().expect("board url"));
        Env {
            fake,
            client,
            options,
        }
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
        self.fake.state()["issues"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The issue titled `title`, as the fake holds it now.
    fn issue_titled(&self, title: &str) -> Value {
        self.issues()
            .into_iter()
            .find(|i| i["title"] == title)
            .unwrap_or_else(|| panic!("no issue {title}"))
    }

    /// The issue numbered `number`, as the fake holds it now.
    fn issue_numbered(&self, number: &Value) -> Value {
        self.issues()
            .into_iter()
            .find(|i| i["number"] == *number)
            .unwrap_or_else(|| panic!("no issue #{number}"))
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
                by_item
                    .entry(marker.item_id)
                    .or_default()
                    .push(issue.clone());
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
    /// Names of the issue types the owner has (kinds without theirs show as `type:` labels).
    types: Vec<String>,
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
        assert_eq!(
            open.len(),
            1,
            "{}: exactly one open issue, got {found:#?}",
            item.id
        );
        numbers.insert(item.id.clone(), open[0]["number"].as_u64().unwrap());
    }
    for item in &plan.items {
        let issue = claims[&item.id]
            .iter()
            .find(|i| i["state"] == "OPEN")
            .unwrap();
        assert_eq!(issue["title"], item.title.as_str(), "{} title", item.id);
        let labels: Vec<&str> = issue["labels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            labels.contains(&"planpilot"),
            "{} labels {labels:?}",
            item.id
        );
        for label in &item.labels {
            assert!(
                labels.contains(&label.as_str()),
                "{} lacks label {label}",
                item.id
            );
        }
        assert_kind_shown(&expect.types, item.kind, &item.id, issue);
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
                    plan::FieldValue::Number(n) => {
                        assert_eq!(shown.as_f64(), Some(*n), "{} {name}", item.id)
                    }
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
                    assert_eq!(
                        fields[name.as_str()].as_str(),
                        Some(value.to_string().as_str())
                    );
                }
            }
        }
    }
    numbers
}

fn example_links() -> BTreeSet<(String, String)> {
    [
        // Each declared dependency links its own two issues…
        ("T-2", "T-1"),
        ("T-3", "T-2"),
        ("T-4", "T-3"),
        ("E-2", "E-1"),
        ("T-6", "T-5"),
        ("T-6", "T-4"),
        // …and rolls up: T-3 (S-2) on T-2 (S-1); T-6 (S-3, E-2) on T-4 (S-2, E-1).
        ("S-2", "S-1"),
        ("S-3", "S-2"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

#[tokio::test]
async fn example_first_sync_builds_the_plan_and_a_rerun_writes_nothing() {
    let text = example_text();
    let plan = plan::load(&example_path(), &LoadOptions { root: None }).expect("example loads");
    let env = Env::org().await;
    let (report, mutations, _) = env.measured(&plan).await;
    assert_eq!(report.counts().created, plan.items.len());
    assert_eq!(
        mutations as usize,
        report.changes.len(),
        "one change line per mutation"
    );
    let expect = Expect {
        plan: &plan,
        links: example_links(),
        types: github_default_types(),
        board: true,
    };
    let numbers = assert_state(&env.issues(), &expect);
    assert_eq!(load_yaml(&text).items.len(), plan.items.len());
    // S-1 asks for "@current": the iteration that contains today.
    let state = env.fake.state();
    let iteration = state["project"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Iteration")
        .unwrap();
    let today = sync::fields::Date::today();
    let current = iteration["iterations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            let start = sync::fields::Date::parse(i["start_date"].as_str().unwrap()).unwrap();
            start <= today && today < start.add_days(i["duration"].as_i64().unwrap())
        })
        .expect("the fake has a current iteration");
    let story = env
        .issues()
        .into_iter()
        .find(|i| i["number"] == numbers["S-1"])
        .unwrap();
    assert_eq!(
        story["project_item"]["fields"]["Iteration"],
        current["title"]
    );

    let (again, mutations, requests) = env.measured(&plan).await;
    assert_eq!(mutations, 0, "re-run changes: {:#?}", again.changes);
    assert!(requests <= 3, "re-run used {requests} requests");
    assert_eq!(again.counts().unchanged, plan.items.len());
}

/// A generated plan: epics → stories → tasks, each task depending on the previous one, so
/// dependencies cross stories and epics (and roll up).
/// A story id and its task ids.
type StoryShape = (String, Vec<String>);

#[derive(Clone)]
struct Shape {
    /// `(epic id, [(story id, [task id])])`.
    epics: Vec<(String, Vec<StoryShape>)>,
    /// `(task, depends on)` pairs.
    deps: Vec<(String, String)>,
}

impl Shape {
    fn new(epics: usize, stories: usize, tasks: usize) -> Shape {
        let mut shape = Shape {
            epics: Vec::new(),
            deps: Vec::new(),
        };
        let mut previous: Option<String> = None;
        for e in 1..=epics {
            let mut story_list = Vec::new();
            for s in 1..=stories {
                let mut task_list = Vec::new();
                for t in 1..=tasks {
                    let id = format!("E{e}-S{s}-T{t}");
                    if let Some(p) = previous.replace(id.clone()) {
                        shape.deps.push((id.clone(), p));
                    }
                    task_list.push(id);
                }
                story_list.push((format!("E{e}-S{s}"), task_list));
            }
            shape.epics.push((format!("E{e}"), story_list));
        }
        shape
    }

    fn story_of(&self, task: &str) -> (&str, &str) {
        for (epic, stories) in &self.epics {
            for (story, tasks) in stories {
                if tasks.iter().any(|t| t == task) {
                    return (epic, story);
                }
            }
        }
        panic!("{task} is not in the shape")
    }

    fn move_task(&mut self, task: &str, to_story: &str) {
        for (_, stories) in &mut self.epics {
            for (_, tasks) in stories.iter_mut() {
                tasks.retain(|t| t != task);
            }
        }
        for (_, stories) in &mut self.epics {
            for (story, tasks) in stories.iter_mut() {
                if story == to_story {
                    tasks.push(task.to_string());
                }
            }
        }
    }

    fn remove_task(&mut self, task: &str) {
        for (_, stories) in &mut self.epics {
            for (_, tasks) in stories.iter_mut() {
                tasks.retain(|t| t != task);
            }
        }
        self.deps.retain(|(a, b)| a != task && b != task);
    }

    /// The blocked-by links the plan implies, by hand: each task dependency links the two
    /// tasks, plus their stories where those differ and their epics where those differ.
    fn links(&self) -> BTreeSet<(String, String)> {
        let mut links = BTreeSet::new();
        for (a, b) in &self.deps {
            let ((ea, sa), (eb, sb)) = (self.story_of(a), self.story_of(b));
            links.insert((a.clone(), b.clone()));
            if sa != sb {
                links.insert((sa.to_string(), sb.to_string()));
            }
            if ea != eb {
                links.insert((ea.to_string(), eb.to_string()));
            }
        }
        links
    }

    fn yaml(&self) -> String {
        let sizes = ["S", "M", "L"];
        let mut out = String::from(
            "version: 1\nid: generated\ndefaults:\n  labels: [roadmap]\n  fields:\n    Status: Todo\nepics:\n",
        );
        for (e, (epic, stories)) in self.epics.iter().enumerate() {
            out += &format!("  - id: {epic}\n    title: Epic {epic}\n    goal: Deliver {epic}.\n");
            if e == 0 {
                out += "    fields: { Iteration: \"@current\" }\n";
            }
            out += "    stories:\n";
            for (s, (story, tasks)) in stories.iter().enumerate() {
                let priority = if s % 2 == 0 { "P1" } else { "P2" };
                out += &format!("      - id: {story}\n        title: Story {story}\n");
                out += &format!("        fields: {{ Priority: {priority} }}\n        tasks:\n");
                for (t, task) in tasks.iter().enumerate() {
                    out += &format!("          - id: {task}\n            title: Task {task}\n");
                    let deps: Vec<&str> = self
                        .deps
                        .iter()
                        .filter(|(a, _)| a == task)
                        .map(|(_, b)| b.as_str())
                        .collect();
                    if !deps.is_empty() {
                        out += &format!("            depends_on: [{}]\n", deps.join(", "));
                    }
                    if t % 2 == 0 {
                        out += "            labels: [backend]\n";
                    }
                    out += &format!(
                        "            fields: {{ Size: {}, Estimate: {} }}\n",
                        sizes[t % 3],
                        t + 1
                    );
                }
            }
        }
        out
    }

    fn plan(&self) -> Plan {
        load_yaml(&self.yaml())
    }
}

fn expect_generated<'a>(plan: &'a Plan, shape: &Shape) -> Expect<'a> {
    Expect {
        plan,
        links: shape.links(),
        types: github_default_types(),
        board: true,
    }
}

#[tokio::test]
async fn a_hundred_item_plan_syncs_in_full_and_a_rerun_is_two_requests() {
    let shape = Shape::new(5, 4, 4);
    let plan = shape.plan();
    assert_eq!(plan.items.len(), 105);
    let env = Env::org().await;
    let (report, mutations, requests) = env.measured(&plan).await;
    eprintln!(
        "100-item first sync: {mutations} mutations ({:.2} per item), {requests} requests, max in flight {}",
        mutations as f64 / plan.items.len() as f64,
        env.fake.stats().max_in_flight
    );
    assert_eq!(report.counts().created, 105);
    assert_eq!(mutations as usize, report.changes.len());
    assert!(env.fake.stats().max_in_flight <= 5);
    assert_state(&env.issues(), &expect_generated(&plan, &shape));

    let (again, mutations, requests) = env.measured(&plan).await;
    eprintln!("100-item re-run: {mutations} mutations, {requests} requests");
    assert_eq!(mutations, 0, "{:#?}", again.changes);
    assert!(requests <= 3, "re-run used {requests} requests");
    assert_eq!(env.issues().len(), 105);
}

#[tokio::test]
async fn a_user_owned_repository_gets_type_labels_and_a_user_board() {
    let shape = Shape::new(2, 2, 2);
    let plan = shape.plan();
    let env = Env::start(
        Config::user_owned(),
        Some("https://github.com/users/octocat/projects/1"),
    )
    .await;
    env.sync_ok(&plan).await;
    let expect = Expect {
        types: Vec::new(),
        ..expect_generated(&plan, &shape)
    };
    assert_state(&env.issues(), &expect);
    let (_, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0);
}

/// One token for issues and board: each new issue gets its card in its own `createIssue`, and
/// its fields are set on that card; no `addProjectV2ItemById` is sent.
#[tokio::test]
async fn with_one_token_a_new_issue_gets_its_card_in_its_create() {
    let shape = Shape::new(1, 2, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    let (_, mutations, _) = env.measured(&plan).await;
    let stats = env.fake.stats();
    let count = |name: &str| stats.mutations.by_name.get(name).copied().unwrap_or(0);
    assert_eq!(count("createIssue"), plan.items.len() as u64);
    assert_eq!(
        count("addProjectV2ItemById"),
        0,
        "{:?}",
        stats.mutations.by_name
    );
    assert_eq!(
        mutations,
        count("createIssue")
            + count("updateProjectV2ItemFieldValue")
            + count("addBlockedBy")
            + count("createLabel"),
        "{:?}",
        stats.mutations.by_name
    );
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
    let (_, again, _) = env.measured(&plan).await;
    assert_eq!(again, 0);
}

#[tokio::test]
async fn editing_one_title_is_one_mutation() {
    let text = example_text();
    let env = Env::org().await;
    env.sync_ok(&load_yaml(&text)).await;
    let edited = load_yaml(&text.replace(
        "Address form with validation",
        "Address form with live validation",
    ));
    let (report, mutations, _) = env.measured(&edited).await;
    assert_eq!(mutations, 1, "{:#?}", report.changes);
    assert_eq!(report.counts().updated, 1);
    assert_state(
        &env.issues(),
        &Expect {
            plan: &edited,
            links: example_links(),
            types: github_default_types(),
            board: true,
        },
    );
}

#[tokio::test]
async fn moving_a_task_moves_its_issue() {
    let mut shape = Shape::new(2, 2, 2);
    let env = Env::org().await;
    env.sync_ok(&shape.plan()).await;
    let before = assert_state(&env.issues(), &expect_generated(&shape.plan(), &shape));
    shape.move_task("E1-S1-T1", "E2-S2");
    let plan = shape.plan();
    let report = env.sync_ok(&plan).await;
    let after = assert_state(&env.issues(), &expect_generated(&plan, &shape));
    assert_eq!(
        before["E1-S1-T1"], after["E1-S1-T1"],
        "the same issue moved"
    );
    assert_eq!(env.issues().len(), plan.items.len(), "no new issue");
    assert!(
        report
            .changes
            .iter()
            .any(|c| c == "move E1-S1-T1 under E2-S2"),
        "{:#?}",
        report.changes
    );
    let (_, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0);
}

/// "A moved task costs at most its sub-issue move plus the links whose roll-up changed", and a
/// new task writes no body anywhere: the managed block names no issue numbers.
#[tokio::test]
async fn a_move_or_a_new_task_writes_no_body() {
    use crate::reliability::support::{assert_converged, expected_links};
    let plan_text = |t2_story: &str, extra: &str| {
        let t2 = "        - { id: T-2, title: Two, depends_on: [T-1] }\n";
        let (s1, s2) = if t2_story == "S-1" {
            (t2, "")
        } else {
            ("", t2)
        };
        format!(
            "id: moves\ndefaults:\n  fields: {{ Status: Todo }}\nepics:\n\
             - id: E-1\n  title: Epic\n  stories:\n\
             \x20   - id: S-1\n      title: First\n      tasks:\n\
             \x20       - {{ id: T-1, title: One }}\n{s1}{extra}\
             \x20   - id: S-2\n      title: Second\n      tasks:\n\
             \x20       - {{ id: T-3, title: Three, depends_on: [T-1] }}\n{s2}"
        )
    };
    let env = Env::org().await;
    let first = load_yaml(&plan_text("S-1", ""));
    env.sync_ok(&first).await;
    assert_converged(&first, &env.fake.state());

    let moved = load_yaml(&plan_text("S-2", ""));
    let changed_links = expected_links(&first)
        .symmetric_difference(&expected_links(&moved))
        .count() as u64;
    env.fake.reset_stats();
    env.sync_ok(&moved).await;
    let stats = env.fake.stats();
    let count = |name: &str| stats.mutations.by_name.get(name).copied().unwrap_or(0);
    assert_eq!(count("updateIssue"), 0, "{:?}", stats.mutations.by_name);
    assert_eq!(count("addSubIssue"), 1, "{:?}", stats.mutations.by_name);
    assert!(
        stats.mutations.total <= 1 + changed_links,
        "{changed_links} links changed: {:?}",
        stats.mutations.by_name
    );
    assert_converged(&moved, &env.fake.state());

    let added = load_yaml(&plan_text("S-2", "        - { id: T-9, title: Nine }\n"));
    env.fake.reset_stats();
    env.sync_ok(&added).await;
    let stats = env.fake.stats();
    assert_eq!(
        stats.mutations.by_name.get("updateIssue"),
        None,
        "{:?}",
        stats.mutations.by_name
    );
    assert_eq!(stats.mutations.by_name.get("createIssue"), Some(&1));
    assert_converged(&added, &env.fake.state());
}

#[tokio::test]
async fn removing_an_item_closes_it_and_restoring_reopens_it() {
    let full = Shape::new(2, 2, 2);
    let env = Env::org().await;
    env.sync_ok(&full.plan()).await;
    let numbers = assert_state(&env.issues(), &expect_generated(&full.plan(), &full));
    let mut reduced = full.clone();
    reduced.remove_task("E2-S1-T2");
    let report = env.sync_ok(&reduced.plan()).await;
    let closed = report
        .items
        .iter()
        .find(|i| i.id == "E2-S1-T2")
        .expect("reported");
    assert_eq!(closed.action, ItemAction::Closed);
    let issue = env
        .issues()
        .into_iter()
        .find(|i| i["number"] == numbers["E2-S1-T2"])
        .unwrap();
    assert_eq!(
        (issue["state"].as_str(), issue["state_reason"].as_str()),
        (Some("CLOSED"), Some("NOT_PLANNED"))
    );
    assert_state(&env.issues(), &expect_generated(&reduced.plan(), &reduced));

    // The next run has nothing to say about the item that left: it is neither reported nor
    // counted as unchanged, and the counts add up to the plan.
    let later = env.sync_ok(&reduced.plan()).await;
    assert!(
        later.items.iter().all(|i| i.id != "E2-S1-T2"),
        "{:#?}",
        later.items
    );
    assert_eq!(later.counts().unchanged, reduced.plan().items.len());

    let report = env.sync_ok(&full.plan()).await;
    let reopened = report.items.iter().find(|i| i.id == "E2-S1-T2").unwrap();
    assert_eq!(reopened.action, ItemAction::Reopened);
    let after = assert_state(&env.issues(), &expect_generated(&full.plan(), &full));
    assert_eq!(after, numbers, "the same issues, none new");
}

#[tokio::test]
async fn human_text_and_a_human_moved_status_survive() {
    let shape = Shape::new(1, 2, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let issue = env
        .issues()
        .into_iter()
        .find(|i| i["title"] == "Task E1-S1-T2")
        .unwrap();
    let body = format!(
        "Notes from the team.\n\n{}\n\nMore human text.",
        issue["body"].as_str().unwrap()
    );
    env.human(
        "mutation($id: ID!, $body: String!) { updateIssue(input: {id: $id, body: $body}) { issue { id } } }",
        json!({ "id": issue["id"], "body": body }),
    )
    .await;
    let state = env.fake.state();
    let project = &state["project"];
    let status = project["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Status")
        .unwrap();
    let in_progress = status["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "In Progress")
        .unwrap();
    env.human(
        "mutation($p: ID!, $i: ID!, $f: ID!, $o: String!) { updateProjectV2ItemFieldValue(input: \
         {projectId: $p, itemId: $i, fieldId: $f, value: {singleSelectOptionId: $o}}) { projectV2Item { id } } }",
        json!({ "p": project["id"], "i": issue["project_item"]["id"], "f": status["id"], "o": in_progress["id"] }),
    )
    .await;

    let (_, mutations, _) = env.measured(&plan).await;
    assert_eq!(
        mutations, 0,
        "human text and a moved card are not the plan's to undo"
    );

    let edited = load_yaml(&shape.yaml().replace(
        "          - id: E1-S1-T2\n",
        "          - id: E1-S1-T2\n            description: Now with a description.\n",
    ));
    let (_, mutations, _) = env.measured(&edited).await;
    assert_eq!(mutations, 1);
    let issue = env
        .issues()
        .into_iter()
        .find(|i| i["id"] == issue["id"])
        .unwrap();
    let body = issue["body"].as_str().unwrap();
    assert!(body.starts_with("Notes from the team.\n\n"), "{body}");
    assert!(body.ends_with("\n\nMore human text."), "{body}");
    assert!(body.contains("Now with a description."));
    assert_eq!(issue["project_item"]["fields"]["Status"], "In Progress");

    // The web editor saves CRLF line ends: not a change worth a write.
    env.human(
        "mutation($id: ID!, $body: String!) { updateIssue(input: {id: $id, body: $body}) { issue { id } } }",
        json!({ "id": issue["id"], "body": body.replace('\n', "\r\n") }),
    )
    .await;
    let (_, mutations, _) = env.measured(&edited).await;
    assert_eq!(mutations, 0);
}

#[tokio::test]
async fn dropped_answers_on_creates_never_duplicate_and_a_rerun_converges() {
    let shape = Shape::new(2, 3, 3);
    let plan = shape.plan();
    let env = Env::org().await;
    env.fake.set_faults(Faults {
        drop_after_apply_rate: 0.3,
        ..Faults::default()
    });
    // The first run may stop short (lost answers); it must not leave two issues for one item.
    let first = env.sync(&plan).await;
    env.fake.set_faults(Faults::default());
    assert!(env.fake.stats().dropped_after_apply > 0, "the fault fired");
    for (item, issues) in claims(&env.issues(), &plan) {
        assert_eq!(
            issues.len(),
            1,
            "{item} has {} issues after {first:?}",
            issues.len()
        );
    }
    env.sync_ok(&plan).await;
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
    assert_eq!(env.issues().len(), plan.items.len(), "no duplicates");
    let (_, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0);
}

#[tokio::test]
async fn a_run_cut_short_is_finished_by_the_next_one() {
    let shape = Shape::new(2, 2, 3);
    let plan = shape.plan();
    let env = Env::org().await;
    // Every 7th document is rate limited: the run stops early, as a killed run would.
    env.fake.set_faults(Faults {
        rate_limited_every: Some(7),
        ..Faults::default()
    });
    let stopped = env.sync(&plan).await;
    assert!(
        stopped.as_ref().map_or(true, |r| !r.errors.is_empty()),
        "the limited run reports that it stopped: {stopped:?}"
    );
    env.fake.set_faults(Faults::default());
    let mut env = env;
    env.client = new_client(&env.fake);
    env.sync_ok(&plan).await;
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
    assert_eq!(env.issues().len(), plan.items.len());
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_predicts_exactly_what_apply_does() {
    let text = example_text();
    let env = Env::org().await;
    let plan = load_yaml(&text);
    let mut dry = env.options.clone();
    dry.dry_run = true;
    let dry_run = |plan: Plan| {
        let env = &env;
        let dry = dry.clone();
        async move {
            let before = env.fake.stats().mutations.total;
            let report = sync::run(&plan, &env.client, &dry, &Silent)
                .await
                .expect("dry run");
            assert_eq!(
                env.fake.stats().mutations.total,
                before,
                "a dry run makes no mutation"
            );
            assert!(report.dry_run);
            report
        }
    };
    let predicted = dry_run(plan.clone()).await;
    assert_eq!(predicted.counts().created, plan.items.len());
    let (applied, mutations, _) = env.measured(&plan).await;
    assert_eq!(applied.changes, predicted.changes);
    assert_eq!(mutations as usize, predicted.changes.len());

    // An edit touching titles, dependencies, fields and removal is predicted exactly too.
    let edited = load_yaml(
        &text
            .replace("Tracking timeline UI", "Tracking timeline")
            .replace("depends_on: [T-5, T-4]", "depends_on: [T-5]")
            .replace(
                "fields: { Size: S, Estimate: 3 }",
                "fields: { Size: M, Estimate: 5 }",
            )
            .replace("          - id: T-4\n", "          - id: T-7\n"),
    );
    let predicted = dry_run(edited.clone()).await;
    let (applied, mutations, _) = env.measured(&edited).await;
    assert_eq!(applied.changes, predicted.changes);
    assert_eq!(
        mutations as usize,
        predicted.changes.len(),
        "{:#?}",
        applied.changes
    );
    assert!(
        predicted.changes.iter().any(|c| c.starts_with("close #")),
        "{:#?}",
        predicted.changes
    );
}

#[tokio::test]
async fn closing_most_issues_is_refused_without_allow_mass_close() {
    let full = Shape::new(1, 2, 2);
    let env = Env::org().await;
    env.sync_ok(&full.plan()).await;
    let mut truncated = full.clone();
    for task in ["E1-S1-T1", "E1-S1-T2", "E1-S2-T1", "E1-S2-T2"] {
        truncated.remove_task(task);
    }
    let before = env.fake.stats().mutations.total;
    let error = env.sync(&truncated.plan()).await.expect_err("refused");
    assert!(
        matches!(
            error,
            SyncError::MassClose {
                closing: 4,
                managed: 7
            }
        ),
        "{error}"
    );
    assert!(error.is_invalid_input());
    assert_eq!(env.fake.stats().mutations.total, before);
    let mut env = env;
    env.options.allow_mass_close = true;
    let report = env.sync_ok(&truncated.plan()).await;
    assert_eq!(report.counts().closed, 4);
}

#[tokio::test]
async fn unknown_board_fields_and_options_fail_before_any_write() {
    let text = Shape::new(1, 1, 1)
        .yaml()
        .replace("Priority: P1", "Priority: P9")
        .replace("Size: S", "Colour: S");
    let env = Env::org().await;
    let error = env.sync(&load_yaml(&text)).await.expect_err("invalid");
    let message = error.to_string();
    assert!(error.is_invalid_input());
    assert!(
        message.contains("no option \"P9\"") && message.contains("P0, P1, P2"),
        "{message}"
    );
    assert!(
        message.contains("no field \"Colour\"") && message.contains("Status"),
        "{message}"
    );
    assert_eq!(env.fake.stats().mutations.total, 0);
}

#[tokio::test]
async fn a_second_issue_claiming_an_item_is_closed_as_duplicate_not_multiplied() {
    let shape = Shape::new(1, 1, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let original = env.issue_titled("Task E1-S1-T1");
    racing_copy(&env, &original).await;
    let report = env.sync_ok(&plan).await;
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("both claim item E1-S1-T1")),
        "{:?}",
        report.warnings
    );
    let claims = claims(&env.issues(), &plan);
    let copies = &claims["E1-S1-T1"];
    assert_eq!(copies.len(), 2, "never a third");
    let newer = copies.iter().max_by_key(|i| i["number"].as_u64()).unwrap();
    assert_eq!(newer["state"], "CLOSED");
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
    let (_, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0);
}

/// "A sub-issue someone filed under a duplicate stays in the plan's tree": a racing run left a
/// second issue of story E1-S1, and a person filed their own issue under it. Closing the
/// duplicate moves that sub-issue under the story's kept issue; the person's issue keeps its
/// title, body and state, and the next run writes nothing.
#[tokio::test]
async fn a_persons_sub_issue_of_a_duplicate_moves_to_the_kept_issue() {
    let shape = Shape::new(1, 1, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let story = env.issue_titled("Story E1-S1");
    let duplicate = racing_copy(&env, &story).await;
    let mine = persons_issue(&env, "Ask legal about the wording", "Mine.", vec![]).await;
    env.human(
        "mutation($p: ID!, $c: ID!) { addSubIssue(input: {issueId: $p, subIssueId: $c}) { issue { id } } }",
        json!({ "p": duplicate["id"], "c": mine["id"] }),
    )
    .await;

    let report = env.sync_ok(&plan).await;
    let moved = format!(
        "move #{} (under duplicate #{}) under #{} (E1-S1)",
        mine["number"], duplicate["number"], story["number"]
    );
    assert!(report.changes.contains(&moved), "{:#?}", report.changes);
    let mine_now = env.issue_titled("Ask legal about the wording");
    assert_eq!(mine_now["parent"], story["number"], "under the kept issue");
    assert_eq!(
        (mine_now["state"].as_str(), mine_now["body"].as_str()),
        (Some("OPEN"), Some("Mine.")),
        "otherwise as the person left it"
    );
    let duplicate_now = env.issue_numbered(&duplicate["number"]);
    assert_eq!(duplicate_now["state"], "CLOSED");
    crate::reliability::support::assert_holds_nothing(&env.fake.state(), &duplicate_now, "E1-S1");
    let (_, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0, "the next run writes nothing");
}

/// An issue as a person creates it: with the given labels, no parent, no type.
async fn persons_issue(env: &Env, title: &str, body: &str, labels: Vec<Value>) -> Value {
    let state = env.fake.state();
    let created = env
        .human(
            "mutation($r: ID!, $t: String!, $b: String!, $l: [ID!]) { createIssue(input: \
             {repositoryId: $r, title: $t, body: $b, labelIds: $l}) { issue { id number } } }",
            json!({ "r": state["repository"]["id"], "t": title, "b": body, "l": labels }),
        )
        .await;
    created["createIssue"]["issue"].clone()
}

/// A second issue of the item `issue` belongs to, as a racing second run would have left it:
/// the same title, body (marker) and sync label.
async fn racing_copy(env: &Env, issue: &Value) -> Value {
    let state = env.fake.state();
    let label = state["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "planpilot")
        .unwrap()["id"]
        .clone();
    let (title, body) = (
        issue["title"].as_str().unwrap(),
        issue["body"].as_str().unwrap(),
    );
    persons_issue(env, title, body, vec![label]).await
}

/// `blocked` blocked by `blocker`, as a person links them.
async fn persons_link(env: &Env, blocked: &Value, blocker: &Value) {
    env.human(
        "mutation($a: ID!, $b: ID!) { addBlockedBy(input: {issueId: $a, blockingIssueId: $b}) { issue { id } } }",
        json!({ "a": blocked["id"], "b": blocker["id"] }),
    )
    .await;
}

/// "Links people made to a duplicate pass to the kept issue": a racing run left a second issue
/// of task E1-S1-T1; one person's issue is blocked by the duplicate, and the duplicate is
/// blocked by another person's issue. Closing the duplicate takes both links off it and makes
/// them on the kept issue, so no one's dependency is lost; the next run writes nothing.
#[tokio::test]
async fn links_people_made_to_a_duplicate_pass_to_the_kept_issue() {
    let shape = Shape::new(1, 1, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let (_, _, unchanged_requests) = env.measured(&plan).await;
    let task = env.issue_titled("Task E1-S1-T1");
    let duplicate = racing_copy(&env, &task).await;
    let waits = persons_issue(&env, "Release notes", "Waits for the task.", vec![]).await;
    let needed = persons_issue(&env, "Vendor contract", "The task waits for it.", vec![]).await;
    persons_link(&env, &waits, &duplicate).await;
    persons_link(&env, &duplicate, &needed).await;

    let report = env.sync_ok(&plan).await;
    assert_eq!(
        env.issue_numbered(&waits["number"])["blocked_by"],
        json!([task["number"]]),
        "Release notes waits for the kept issue instead: {:#?}",
        report.changes
    );
    let task_blockers = env.issue_numbered(&task["number"])["blocked_by"].clone();
    assert!(
        task_blockers
            .as_array()
            .unwrap()
            .contains(&needed["number"]),
        "the kept issue waits for the contract: {task_blockers} {:#?}",
        report.changes
    );
    let duplicate_now = env.issue_numbered(&duplicate["number"]);
    assert_eq!(duplicate_now["state"], "CLOSED");
    crate::reliability::support::assert_holds_nothing(
        &env.fake.state(),
        &duplicate_now,
        "E1-S1-T1",
    );
    let (_, mutations, requests) = env.measured(&plan).await;
    assert_eq!(mutations, 0, "the next run writes nothing");
    assert_eq!(
        requests, unchanged_requests,
        "the duplicate, closed, costs later runs no extra read"
    );
}

/// "A link on a duplicate is never dropped before it is made on the kept issue": the kept
/// issue is already blocked by as many issues as GitHub allows, so the link someone made to
/// the duplicate cannot move; the duplicate keeps it, the item says why, and nothing else is
/// lost.
#[tokio::test]
async fn a_link_that_cannot_move_to_the_kept_issue_stays_on_the_duplicate() {
    let shape = Shape::new(1, 1, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let task = env.issue_titled("Task E1-S1-T1");
    // GitHub's reported cap: an issue is blocked by at most 50 issues.
    let mut n = 0;
    while env.issue_numbered(&task["number"])["blocked_by"]
        .as_array()
        .unwrap()
        .len()
        < 50
    {
        n += 1;
        let blocker = persons_issue(&env, &format!("Blocker {n}"), "Someone's.", vec![]).await;
        persons_link(&env, &task, &blocker).await;
    }
    let duplicate = racing_copy(&env, &task).await;
    let needed = persons_issue(&env, "Vendor contract", "The task waits for it.", vec![]).await;
    persons_link(&env, &duplicate, &needed).await;

    let report = env.sync(&plan).await.expect("the run ends with a report");
    let duplicate_now = env.issue_numbered(&duplicate["number"]);
    assert_eq!(duplicate_now["state"], "CLOSED", "{:#?}", report.changes);
    assert_eq!(
        duplicate_now["blocked_by"],
        json!([needed["number"]]),
        "the person's link stays where it is"
    );
    let details = &report
        .items
        .iter()
        .find(|i| i.id == "E1-S1-T1")
        .expect("the item is reported")
        .details;
    assert!(
        details
            .iter()
            .any(|d| d
                .contains("unlink skipped: the link could not be made on the kept issue first")),
        "{details:#?}"
    );
    assert!(
        details.iter().any(|d| d.contains("more than 50 issues")),
        "the failed link says why: {details:#?}"
    );
}

#[test]
fn an_offline_preview_creates_everything() {
    let shape = Shape::new(1, 2, 2);
    let plan = shape.plan();
    let mut options = SyncOptions::new("acme/roadmap".parse().unwrap());
    options.project = Some(ORG_BOARD.parse().unwrap());
    let report = sync::preview_offline(&plan, &options);
    assert!(report.dry_run);
    assert_eq!(report.counts().created, plan.items.len());
    assert!(report.warnings[0].contains("offline"));
    assert!(
        report
            .changes
            .contains(&"set E1-S1 Priority = P1".to_string()),
        "{:#?}",
        report.changes
    );
}

#[tokio::test]
async fn an_issue_whose_body_a_human_emptied_is_adopted_not_duplicated() {
    let shape = Shape::new(1, 1, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let issue = env
        .issues()
        .into_iter()
        .find(|i| i["title"] == "Task E1-S1-T2")
        .unwrap();
    env.human(
        "mutation($id: ID!) { updateIssue(input: {id: $id, body: \"\"}) { issue { id } } }",
        json!({ "id": issue["id"] }),
    )
    .await;
    let report = env.sync_ok(&plan).await;
    assert!(
        report.warnings.iter().any(|w| w.contains("adopted")),
        "{:?}",
        report.warnings
    );
    assert_eq!(env.issues().len(), plan.items.len(), "no second issue");
    let numbers = assert_state(&env.issues(), &expect_generated(&plan, &shape));
    assert_eq!(numbers["E1-S1-T2"], issue["number"].as_u64().unwrap());
    let (_, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0);
}

/// Data-driven diff cases: `tests/fixtures/sync/diff/<case>/` holds `plan.yaml`, the first
/// discovery answer `discovery.json` (a body `{{render ID}}` stands for the item's block as
/// planpilot renders it with the answer's numbers; a `board` member means a board is
/// configured) and the expected change list `changes.txt`.
#[test]
fn diff_fixtures_produce_the_expected_change_lists() {
    let dir = root().join("tests/fixtures/sync/diff");
    let mut cases = 0;
    for case in std::fs::read_dir(&dir).expect("fixture dir").flatten() {
        let path = case.path();
        let plan = load_yaml(&std::fs::read_to_string(path.join("plan.yaml")).unwrap());
        let raw: Value =
            serde_json::from_str(&std::fs::read_to_string(path.join("discovery.json")).unwrap())
                .unwrap();
        let mut options = SyncOptions::new("acme/roadmap".parse().unwrap());
        // A case whose answer holds a board has one configured.
        if raw.get("board").is_some() {
            options.project = Some(ORG_BOARD.parse().unwrap());
        }
        let data = render_placeholders(raw, &plan);
        let query =
            sync::discover::first_query(&plan, &options, planpilot::github::Features::all());
        let page =
            planpilot::github::ops::parse_discovery(&query, &data, &[]).expect("answer parses");
        let discovered =
            sync::discover::assemble(&plan, &options, vec![page], TokenInput::GithubToken)
                .expect("assembles");
        let today = sync::fields::Date::parse("2026-11-20").unwrap();
        let changes = sync::plan_changes_on(&plan, &discovered, &options, today).expect("diff");
        let expected: Vec<String> = std::fs::read_to_string(path.join("changes.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(String::from)
            .collect();
        assert_eq!(changes.lines(), expected, "case {}", path.display());
        cases += 1;
    }
    assert!(cases > 0);
}

/// Replaces `{{render ID}}` in issue bodies with the block rendered from the plan.
fn render_placeholders(mut data: Value, plan: &Plan) -> Value {
    let placeholder = |body: &str| -> Option<String> {
        let start = body.find("{{render ")?;
        let end = body[start..].find("}}")? + start;
        Some(body[start + 9..end].to_string())
    };
    let nodes = data["repository"]["issues"]["nodes"]
        .as_array_mut()
        .unwrap();
    for node in nodes.iter_mut() {
        let body = node["body"].as_str().unwrap_or_default().to_string();
        if let Some(id) = placeholder(&body) {
            let block = match plan.get(&id) {
                Some(item) => planpilot::render::render_block(plan, item),
                None => format!(
                    "{}\nRemoved item.\n<!-- planpilot:end -->",
                    planpilot::render::Marker {
                        plan_key: plan.key.clone(),
                        item_id: id.clone(),
                        ..Default::default()
                    }
                    .to_comment()
                ),
            };
            node["body"] = json!(body.replace(&format!("{{{{render {id}}}}}"), &block));
        }
    }
    data
}

#[tokio::test]
async fn a_failed_create_is_reported_with_githubs_message_and_its_dependents_skipped() {
    let mut shape = Shape::new(1, 2, 1);
    let env = Env::org().await;
    env.sync_ok(&shape.plan()).await;
    // A human fills story E1-S1 up to GitHub's 100 sub-issues.
    let state = env.fake.state();
    let story = env
        .issues()
        .into_iter()
        .find(|i| i["title"] == "Story E1-S1")
        .unwrap();
    let fields: String = (1..100)
        .map(|n| {
            format!("c{n}: createIssue(input: {{repositoryId: $r, title: \"Human {n}\", parentIssueId: $p}}) {{ issue {{ id }} }}\n")
        })
        .collect();
    env.human(
        &format!("mutation($r: ID!, $p: ID!) {{\n{fields}}}"),
        json!({ "r": state["repository"]["id"], "p": story["id"] }),
    )
    .await;
    shape.epics[0].1[0].1.push("E1-S1-T9".into());
    let plan = shape.plan();
    let report = env.sync(&plan).await.expect("the run itself completes");
    let failed = report.items.iter().find(|i| i.id == "E1-S1-T9").unwrap();
    assert_eq!(failed.action, ItemAction::Failed, "{failed:?}");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0].starts_with("E1-S1-T9: create: "),
        "{:?}",
        report.errors
    );
    assert!(
        failed
            .details
            .iter()
            .any(|d| d.contains("not attempted") || d.contains("skipped")),
        "{failed:?}"
    );
    assert!(!report.is_complete());
    // Everything else is in place, and nothing was written for the failed item's card.
    let claims = claims(&env.issues(), &plan);
    assert!(!claims.contains_key("E1-S1-T9"));
    assert!(
        !report.changes.iter().any(|c| c.contains("E1-S1-T9")),
        "{:#?}",
        report.changes
    );
}

#[tokio::test]
async fn unknown_assignees_milestones_and_issue_types_fail_before_any_write() {
    let text = Shape::new(1, 1, 1).yaml().replace(
        "    goal: Deliver E1.\n",
        "    goal: Deliver E1.\n    assignees: [octocat, nobody-here]\n    milestone: v9\n",
    );
    let plan = load_yaml(&text);
    let mut env = Env::org().await;
    let message = env.sync(&plan).await.expect_err("invalid").to_string();
    assert!(
        message.contains("unknown assignee \"nobody-here\""),
        "{message}"
    );
    assert!(message.contains("no milestone \"v9\""), "{message}");
    assert!(!message.contains("octocat"), "{message}");
    // A type the user named that the organization does not have stops the run, naming the input.
    env.options.type_names.story = "Initiative".into();
    let message = env
        .sync(&Shape::new(1, 1, 1).plan())
        .await
        .expect_err("invalid")
        .to_string();
    assert!(
        message.contains("story-type: the organization has no issue type \"Initiative\"")
            && message.contains("Task, Bug, Feature"),
        "{message}"
    );
    assert_eq!(env.fake.stats().mutations.total, 0);
}

#[tokio::test]
async fn an_issue_whose_label_a_human_removed_is_found_again_not_duplicated() {
    let shape = Shape::new(1, 1, 2);
    let plan = shape.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let state = env.fake.state();
    let label = state["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "planpilot")
        .unwrap();
    let issue = env
        .issues()
        .into_iter()
        .find(|i| i["title"] == "Task E1-S1-T2")
        .unwrap();
    env.human(
        "mutation($id: ID!, $l: [ID!]!) { removeLabelsFromLabelable(input: {labelableId: $id, labelIds: $l}) \
         { clientMutationId } }",
        json!({ "id": issue["id"], "l": [label["id"]] }),
    )
    .await;
    let report = env.sync_ok(&plan).await;
    assert!(
        report.warnings.iter().any(|w| w.contains("lost the label")),
        "{:?}",
        report.warnings
    );
    assert_eq!(env.issues().len(), plan.items.len(), "no second issue");
    let numbers = assert_state(&env.issues(), &expect_generated(&plan, &shape));
    assert_eq!(numbers["E1-S1-T2"], issue["number"].as_u64().unwrap());
    let (_, mutations, requests) = env.measured(&plan).await;
    assert_eq!(mutations, 0);
    assert!(requests <= 3);
}

#[tokio::test]
async fn a_token_without_board_access_fails_clearly_before_any_write() {
    // GITHUB_TOKEN as the only token: GitHub answers FORBIDDEN "Resource not accessible by
    // integration" for the board.
    let env = Env::start(Config::github_token_like(), Some(ORG_BOARD)).await;
    let error = env
        .sync(&Shape::new(1, 1, 1).plan())
        .await
        .expect_err("no board access");
    assert!(error.is_invalid_input(), "exit 2: re-running cannot help");
    let message = error.to_string();
    for words in [
        ORG_BOARD,
        "`project-url`",
        "not accessible",
        "with the issues token (`github-token`)",
        "Resource not accessible by integration",
        "set `project-token` to",
        "classic personal access token with the `project` scope (plus `repo` for a private",
        "fine-grained personal access token",
        "GitHub App installation token with the organization permission Projects read and write",
        "Issues read on this repository",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    assert_eq!(env.fake.stats().mutations.total, 0);
}

#[tokio::test]
async fn a_project_token_that_cannot_see_the_board_is_named_as_project_token() {
    // A token of another owner sees no such board: GitHub answers NOT_FOUND.
    let fake = FakeGithub::start(Config::without_project()).await.unwrap();
    let config = ClientConfig {
        project_token: Some(Secret::new("test-token")),
        ..ClientConfig::new(fake.graphql_url(), Secret::new("ghs_issues_token"))
    };
    let client = Client::new(config).unwrap();
    let mut options = SyncOptions::new("acme/roadmap".parse().unwrap());
    options.project = Some(ORG_BOARD.parse().unwrap());
    let error = sync::run(&Shape::new(1, 1, 1).plan(), &client, &options, &Silent)
        .await
        .expect_err("no such board");
    let message = error.to_string();
    assert!(message.contains("`project-url`"), "{message}");
    assert!(
        message.contains("not accessible with `project-token`"),
        "{message}"
    );
    assert!(message.contains("`project-token` must be"), "{message}");
    assert!(!message.contains("issues token"), "{message}");
    assert!(!message.contains("ghs_issues_token"), "{message}");
    assert_eq!(fake.stats().mutations.total, 0);
}

#[tokio::test]
async fn dry_runs_predict_apply_exactly_on_the_hundred_item_plan_and_its_edits() {
    let mut shape = Shape::new(5, 4, 4);
    let env = Env::org().await;
    let mut dry = env.options.clone();
    dry.dry_run = true;
    for step in 0..3 {
        match step {
            1 => {
                shape.move_task("E1-S1-T2", "E3-S2");
                shape.remove_task("E5-S4-T4");
                shape.deps.push(("E4-S3-T1".into(), "E2-S1-T3".into()));
            }
            2 => shape.epics[1].1[1].1.push("E2-S2-T9".into()),
            _ => {}
        }
        let plan = shape.plan();
        let before = env.fake.stats().mutations.total;
        let predicted = sync::run(&plan, &env.client, &dry, &Silent)
            .await
            .expect("dry run");
        assert_eq!(env.fake.stats().mutations.total, before);
        let (applied, mutations, _) = env.measured(&plan).await;
        assert_eq!(applied.changes, predicted.changes, "step {step}");
        assert_eq!(mutations as usize, predicted.changes.len(), "step {step}");
        assert_state(&env.issues(), &expect_generated(&plan, &shape));
    }
}

#[tokio::test]
async fn writes_refused_as_too_quick_are_sent_again_and_the_run_completes() {
    let shape = Shape::new(2, 2, 2);
    let plan = shape.plan();
    let mut env = Env::org().await;
    env.options.throttle_backoff = Duration::from_millis(40);
    // Whole documents refused wait in the client; this one may wait long enough for the window.
    let mut config = ClientConfig::new(env.fake.graphql_url(), Secret::new("test-token"));
    config.secondary_min_wait = Duration::from_millis(20);
    config.max_wait = Duration::from_secs(5);
    env.client = Client::new(config).expect("client builds");
    env.fake.set_faults(Faults {
        content_limit: Some(fake_github::ContentLimit {
            max: 6,
            window: Duration::from_millis(150),
        }),
        content_limit_graphql: true,
        retry_after_secs: 0,
        ..Faults::default()
    });
    let report = env.sync_ok(&plan).await;
    // Refused writes are resent by the client (paced from the first refusal on) or, when an
    // answer reaches the sync with some refused, by the sync, which then says so.
    let refused = env.fake.stats().secondary_limited;
    assert!(refused > 0, "the cap refused writes as too quick");
    assert_eq!(report.counts().created, plan.items.len());
    env.fake.set_faults(Faults::default());
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
    assert_eq!(env.issues().len(), plan.items.len());
}

/// Syncs `shape` against a fake that refuses, with a 403 for the whole document, more than
/// `max` content-creating mutations per 100 ms window; then checks the run completed, left one
/// issue per item and converges (a re-run without the cap writes nothing).
async fn sync_under_a_content_cap(shape: &Shape, max: u64, max_create_batch: usize) -> u64 {
    let plan = shape.plan();
    let mut env = Env::org().await;
    env.options.max_create_batch = max_create_batch;
    let mut config = ClientConfig::new(env.fake.graphql_url(), Secret::new("test-token"));
    config.secondary_min_wait = Duration::from_millis(100);
    config.max_wait = Duration::from_secs(30);
    env.client = Client::new(config).expect("client builds");
    env.fake.set_faults(Faults {
        content_limit: Some(fake_github::ContentLimit {
            max,
            window: Duration::from_millis(100),
        }),
        retry_after_omit_rate: 1.0,
        ..Faults::default()
    });
    let report = env.sync_ok(&plan).await;
    let refused = env.fake.stats().secondary_limited;
    env.fake.set_faults(Faults::default());
    assert_eq!(report.counts().created, plan.items.len());
    assert_state(&env.issues(), &expect_generated(&plan, shape));
    assert_eq!(env.issues().len(), plan.items.len(), "no duplicate");
    let (again, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0, "converged: {:#?}", again.changes);
    refused
}

#[tokio::test]
async fn a_content_creation_cap_refusing_whole_documents_is_waited_out_without_errors() {
    // 32 items and 31 dependencies: more links than the cap admits in one window.
    let shape = Shape::new(2, 3, 4);
    assert!(shape.deps.len() > 20);
    sync_under_a_content_cap(&shape, 8, SyncOptions::MAX_CREATE_BATCH).await;
}

#[tokio::test]
async fn documents_too_large_for_a_content_cap_are_split_until_they_fit() {
    // Up to 50 content-creating mutations per document against a cap of 3: every document the
    // sync builds first is refused whole, again and again, until it is split.
    let refused = sync_under_a_content_cap(&Shape::new(2, 3, 4), 3, 50).await;
    assert!(refused > 0, "the cap refused documents");
}

#[tokio::test]
async fn a_content_cap_is_learned_from_its_first_refusal_and_paced_to() {
    // 32 items, 31 dependencies and their sub-issue links: about 70 creations against a cap
    // of 20 a second, answered with a 403 and `retry-after: 1`. Two requests in flight: the
    // first refusal can find at most one other in flight, refused with it.
    let shape = Shape::new(2, 3, 4);
    let plan = shape.plan();
    let mut env = Env::org().await;
    let mut config = ClientConfig::new(env.fake.graphql_url(), Secret::new("test-token"));
    config.max_wait = Duration::from_secs(60);
    config.max_concurrency = 2;
    env.client = Client::new(config).expect("client builds");
    env.fake.set_faults(Faults {
        content_limit: Some(fake_github::ContentLimit {
            max: 20,
            window: Duration::from_secs(1),
        }),
        retry_after_secs: 1,
        ..Faults::default()
    });
    let report = env.sync_ok(&plan).await;
    let stats = env.fake.stats();
    env.fake.set_faults(Faults::default());
    let creations: u64 = ["createIssue", "createLabel", "addSubIssue", "addBlockedBy"]
        .iter()
        .filter_map(|name| stats.mutations.by_name.get(*name))
        .sum();
    assert!(
        creations > 40,
        "more creations ({creations}) than two windows admit"
    );
    assert!(stats.secondary_limited >= 1, "the cap was reached");
    assert!(
        stats.secondary_limited <= 3,
        "{} refusals: paced after the first",
        stats.secondary_limited
    );
    assert_eq!(report.counts().created, plan.items.len());
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
    let (again, mutations, _) = env.measured(&plan).await;
    assert_eq!(mutations, 0, "converged: {:#?}", again.changes);
}

#[tokio::test]
async fn a_preset_content_rate_paces_from_the_first_write_without_a_refusal() {
    let shape = Shape::new(2, 2, 3);
    let plan = shape.plan();
    let mut env = Env::org().await;
    let mut config = ClientConfig::new(env.fake.graphql_url(), Secret::new("test-token"));
    config.content_rate = Some("15/s".parse().expect("a rate"));
    env.client = Client::new(config).expect("client builds");
    env.fake.set_faults(Faults {
        content_limit: Some(fake_github::ContentLimit {
            max: 15,
            window: Duration::from_secs(1),
        }),
        retry_after_secs: 1,
        ..Faults::default()
    });
    let report = env.sync_ok(&plan).await;
    let refused = env.fake.stats().secondary_limited;
    env.fake.set_faults(Faults::default());
    assert_eq!(refused, 0, "paced below the cap from the start");
    assert_eq!(report.counts().created, plan.items.len());
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
}

#[tokio::test]
async fn a_rate_limit_past_max_wait_stops_resumably_saying_what_is_left_and_when() {
    // GitHub's content cap asks for two minutes; the run may wait one: it stops, says how
    // much is left and when it can go on, and a later run finishes without a duplicate.
    let shape = Shape::new(2, 2, 3);
    let plan = shape.plan();
    let mut env = Env::org().await;
    let mut config = ClientConfig::new(env.fake.graphql_url(), Secret::new("test-token"));
    config.max_wait = Duration::from_secs(60);
    env.client = Client::new(config).expect("client builds");
    env.fake.set_faults(Faults {
        content_limit: Some(fake_github::ContentLimit {
            max: 6,
            window: Duration::from_secs(120),
        }),
        retry_after_secs: 120,
        ..Faults::default()
    });
    let report = env.sync(&plan).await.expect("the run reports");
    let resume = report.resume.clone().expect("stopped resumably");
    assert!(!report.is_complete());
    assert!(resume.left > 0 && resume.left < resume.total, "{resume:?}");
    assert_eq!(resume.total, report.changes.len() + resume.left);
    assert!(resume.after.ends_with('Z'), "a UTC time: {}", resume.after);
    let message = resume.message();
    assert!(
        message.contains(&format!("{} left", resume.left)),
        "{message}"
    );
    assert!(message.contains(&resume.after), "{message}");
    assert!(report.errors.contains(&message), "{:?}", report.errors);
    let created = report.counts().created;
    assert!(created < plan.items.len(), "stopped part-way: {created}");
    // The limit has lifted: the next run (a new process) goes on from what GitHub shows.
    env.fake.set_faults(Faults::default());
    let config = ClientConfig::new(env.fake.graphql_url(), Secret::new("test-token"));
    env.client = Client::new(config).expect("client builds");
    let rest = env.sync_ok(&plan).await;
    assert_eq!(rest.resume, None);
    assert_eq!(rest.counts().created, plan.items.len() - created);
    assert_state(&env.issues(), &expect_generated(&plan, &shape));
    assert_eq!(env.issues().len(), plan.items.len(), "no duplicate");
}
