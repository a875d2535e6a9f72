//! Shared pieces of the reliability tests: a fake GitHub with clients built the way a fresh
//! process builds them, an editable plan model, and the one state checker every test uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_github::{Config, FakeGithub, Faults};
use planpilot::github::{Client, ClientConfig, Request, Safety, Secret};
use planpilot::plan::{self, ItemKind, LoadOptions, Plan};
use planpilot::render::{find_marker, render_block};
use planpilot::sync::{self, Report, Silent, SyncError, SyncOptions};
use serde_json::{json, Value};

pub const TOKEN: &str = "test-token";
pub const ORG_BOARD: &str = "https://github.com/orgs/acme/projects/1";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn load_yaml(text: &str) -> Plan {
    plan::load_str(text, Path::new("plan.yaml"), &LoadOptions { root: None })
        .unwrap_or_else(|e| panic!("plan loads: {:?}\n{text}", e.diagnostics))
}

/// Client settings of a fresh process, with every wait cut to milliseconds.
pub fn client_config(url: &str) -> ClientConfig {
    let mut config = ClientConfig::new(url.to_string(), Secret::new(TOKEN));
    config.max_concurrency = 4;
    config.backoff_base = Duration::from_millis(1);
    config.backoff_max = Duration::from_millis(4);
    config.secondary_min_wait = Duration::from_millis(2);
    config.reset_margin = Duration::from_millis(1);
    config.max_wait = Duration::from_millis(40);
    config
}

/// A fake GitHub (organization with issue types and board 1) and sync options aimed at it.
pub struct Env {
    pub fake: FakeGithub,
    pub options: SyncOptions,
}

impl Env {
    pub async fn start(config: Config) -> Env {
        let fake = FakeGithub::start(config).await.expect("fake starts");
        let mut options = SyncOptions::new("acme/roadmap".parse().expect("repo"));
        options.project = Some(ORG_BOARD.parse().expect("board url"));
        options.allow_mass_close = true;
        Env { fake, options }
    }

    pub async fn org() -> Env {
        Env::start(Config::default()).await
    }

    /// A client as a new process would have it (no remembered budget or breaker state).
    pub fn client(&self) -> Client {
        Client::new(client_config(&self.fake.graphql_url())).expect("client builds")
    }

    pub async fn sync(&self, plan: &Plan) -> Result<Report, SyncError> {
        sync::run(plan, &self.client(), &self.options, &Silent).await
    }

    /// Syncs on a healthy fake and asserts the run completed.
    pub async fn sync_ok(&self, plan: &Plan) -> Report {
        let report = self.sync(plan).await.expect("sync runs");
        assert!(report.errors.is_empty(), "errors: {:#?}", report.errors);
        report
    }

    /// Mutations the fake executed during `sync_ok(plan)`.
    pub async fn mutations_of(&self, plan: &Plan) -> u64 {
        let before = self.fake.stats().mutations.total;
        self.sync_ok(plan).await;
        self.fake.stats().mutations.total - before
    }

    pub fn heal(&self) {
        self.fake.set_faults(Faults::default());
        self.fake.set_primary_budget(5000);
    }

    /// Sends one document as a human's tool would, asserting it succeeded.
    pub async fn human(&self, document: &str, variables: Value) -> Value {
        let response = self
            .client()
            .graphql(Request::mutation(document, variables, Safety::Idempotent))
            .await
            .expect("human request");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data
    }

    /// The issue (from the state dump) that claims `item` and is open.
    pub fn issue_of(&self, plan: &Plan, item: &str) -> Value {
        claims(&self.fake.state(), &plan.key)
            .remove(item)
            .unwrap_or_default()
            .into_iter()
            .find(|i| i["state"] == "OPEN")
            .unwrap_or_else(|| panic!("no open issue for {item}"))
    }
}

/// Issues of the state dump, by the item their marker claims (for plan `key`), oldest first.
pub fn claims(state: &Value, key: &str) -> BTreeMap<String, Vec<Value>> {
    let mut by_item: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for issue in state["issues"].as_array().into_iter().flatten() {
        let Some(marker) = find_marker(issue["body"].as_str().unwrap_or_default()) else {
            continue;
        };
        if marker.plan_key == key {
            by_item
                .entry(marker.item_id)
                .or_default()
                .push(issue.clone());
        }
    }
    by_item
}

/// The blocked-by links a plan implies, computed here independently of the engine: each
/// dependency links its two items, plus their stories where those differ and their epics where
/// those differ; never a self-link.
pub fn expected_links(plan: &Plan) -> BTreeSet<(String, String)> {
    // The item and its ancestors, nearest first.
    let lineage = |id: &str| {
        let mut chain = vec![id.to_string()];
        while let Some(parent) = plan
            .get(chain.last().unwrap())
            .and_then(|i| i.parent.clone())
        {
            chain.push(parent);
        }
        chain
    };
    let at = |chain: &[String], kind: ItemKind| {
        chain
            .iter()
            .find(|id| plan.get(id).map(|i| i.kind) == Some(kind))
            .cloned()
    };
    let mut links = BTreeSet::new();
    for item in &plan.items {
        for dep in &item.depends_on {
            let (a, b) = (lineage(&item.id), lineage(dep));
            links.insert((item.id.clone(), dep.clone()));
            for kind in [ItemKind::Story, ItemKind::Epic] {
                if let (Some(x), Some(y)) = (at(&a, kind), at(&b, kind)) {
                    if x != y {
                        links.insert((x, y));
                    }
                }
            }
        }
    }
    links
}

/// Names of the enabled issue types the fake's organization has (none for a user owner).
pub fn org_types(state: &Value) -> Vec<String> {
    state["issue_types"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["enabled"] == true)
        .filter_map(|t| t["name"].as_str().map(String::from))
        .collect()
}

/// Asserts how an item's kind shows: its default issue type where the owner has it, otherwise
/// the kind's `type:` label and no type.
pub fn assert_kind_shown(types: &[String], kind: ItemKind, id: &str, issue: &Value) {
    let name = match kind {
        ItemKind::Epic => "Epic",
        ItemKind::Story => "Story",
        ItemKind::Task => "Task",
    };
    let label = format!("type:{}", name.to_lowercase());
    let labels: Vec<&str> = issue["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if types.iter().any(|t| t == name) {
        assert_eq!(issue["issue_type"], name, "{id} type");
        assert!(
            !labels.contains(&label.as_str()),
            "{id} has both its type and {label}"
        );
    } else {
        assert!(
            issue["issue_type"].is_null(),
            "{id} has no type: {}",
            issue["issue_type"]
        );
        assert!(
            labels.contains(&label.as_str()),
            "{id} lacks {label}: {labels:?}"
        );
    }
}

/// How strict `check_converged` is about extra issues claiming an item.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Extras {
    /// Exactly one issue per item, ever.
    None,
    /// Extra claims are allowed only when closed as duplicates (left by racing runs).
    ClosedDuplicates,
}

/// Asserts the fake holds exactly what syncing `plan` must produce (organization with issue
/// types and board 1): one open issue per item with its title, the rendered block (marker and
/// cross-references with the right numbers), labels, type, parent, rolled-up blocked-by links
/// and board fields; no duplicate issue; issues of items no longer in the plan closed as not
/// planned. Returns the issue number of each item.
pub fn assert_converged(plan: &Plan, state: &Value) -> BTreeMap<String, u64> {
    check_converged(plan, state, Extras::None)
}

pub fn check_converged(plan: &Plan, state: &Value, extras: Extras) -> BTreeMap<String, u64> {
    let claims = claims(state, &plan.key);
    let mut numbers = BTreeMap::new();
    let mut open_issue = BTreeMap::new();
    for item in &plan.items {
        let found = claims.get(&item.id).cloned().unwrap_or_default();
        let open: Vec<&Value> = found.iter().filter(|i| i["state"] == "OPEN").collect();
        assert_eq!(open.len(), 1, "{}: one open issue, got {found:#?}", item.id);
        match extras {
            Extras::None => assert_eq!(found.len(), 1, "{}: duplicates {found:#?}", item.id),
            Extras::ClosedDuplicates => {
                for extra in found.iter().filter(|i| i["state"] != "OPEN") {
                    assert_eq!(extra["state_reason"], "DUPLICATE", "{}: {extra:#}", item.id);
                    assert_holds_nothing(state, extra, &item.id);
                }
            }
        }
        numbers.insert(item.id.clone(), open[0]["number"].as_u64().expect("number"));
        open_issue.insert(item.id.clone(), open[0].clone());
    }
    for (item, issues) in &claims {
        if plan.get(item).is_none() {
            for issue in issues {
                assert_eq!(issue["state"], "CLOSED", "{item} left the plan: {issue:#}");
            }
        }
    }
    let links = expected_links(plan);
    for item in &plan.items {
        let issue = &open_issue[&item.id];
        let id = &item.id;
        assert_eq!(issue["title"], item.title.as_str(), "{id} title");
        let body = issue["body"].as_str().unwrap_or_default();
        let block = render_block(plan, item);
        assert!(
            body.contains(&block),
            "{id} body:\n{body}\nwanted block:\n{block}"
        );
        assert_eq!(find_marker(body).map(|m| m.item_id), Some(id.clone()));
        let labels: BTreeSet<&str> = issue["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(labels.contains("planpilot"), "{id} labels {labels:?}");
        for label in &item.labels {
            assert!(
                labels.contains(label.as_str()),
                "{id} lacks {label}: {labels:?}"
            );
        }
        assert_kind_shown(&org_types(state), item.kind, id, issue);
        let parent = item.parent.as_ref().map(|p| numbers[p]);
        assert_eq!(issue["parent"].as_u64(), parent, "{id} parent");
        let blocked_by: BTreeSet<u64> = issue["blocked_by"]
            .as_array()
            .expect("blocked_by")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let wanted: BTreeSet<u64> = links
            .iter()
            .filter(|(blocked, _)| blocked == id)
            .map(|(_, blocker)| numbers[blocker])
            .collect();
        assert_eq!(blocked_by, wanted, "{id} blocked-by");
        let fields = &issue["project_item"]["fields"];
        assert!(fields.is_object(), "{id} is on the board: {issue:#}");
        for (name, value) in &item.fields {
            let shown = &fields[name.as_str()];
            match value {
                plan::FieldValue::Number(n) => assert_eq!(shown.as_f64(), Some(*n), "{id} {name}"),
                plan::FieldValue::Text(t) => {
                    assert_eq!(shown.as_str(), Some(t.as_str()), "{id} {name}")
                }
            }
        }
        for (name, value) in &plan.defaults.fields {
            if !item.fields.contains_key(name) {
                assert!(
                    fields[name.as_str()].is_string(),
                    "{id} {name} = {value} filled"
                );
            }
        }
    }
    numbers
}

/// A closed duplicate is out of the way: no parent, no sub-issues, no blocked-by links either
/// way and no board card, so no epic counts it and no board shows it.
pub fn assert_holds_nothing(state: &Value, duplicate: &Value, item: &str) {
    let number = &duplicate["number"];
    let shown = format!("{item}: duplicate #{number}");
    assert!(duplicate["parent"].is_null(), "{shown} has a parent");
    assert_eq!(
        duplicate["sub_issues"],
        serde_json::json!([]),
        "{shown} has sub-issues"
    );
    assert_eq!(
        duplicate["blocked_by"],
        serde_json::json!([]),
        "{shown} is blocked"
    );
    assert!(
        duplicate["project_item"].is_null(),
        "{shown} is on the board"
    );
    let blocking: Vec<&Value> = state["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter(|i| {
            i["blocked_by"]
                .as_array()
                .is_some_and(|b| b.contains(number))
        })
        .collect();
    assert!(blocking.is_empty(), "{shown} blocks {blocking:#?}");
}

/// The plan-relevant state with issue numbers replaced by item ids, for comparing two fakes
/// that reached the same plan by different paths. Only open issues of plan items count.
pub fn normalized(plan: &Plan, state: &Value) -> BTreeMap<String, Value> {
    let claims = claims(state, &plan.key);
    let item_of: BTreeMap<u64, String> = claims
        .iter()
        .flat_map(|(item, issues)| {
            issues
                .iter()
                .filter_map(move |i| Some((i["number"].as_u64()?, item.clone())))
        })
        .collect();
    let name = |n: &Value| {
        n.as_u64()
            .map(|n| item_of.get(&n).cloned().unwrap_or_else(|| format!("#{n}")))
    };
    let mut out = BTreeMap::new();
    for item in &plan.items {
        let Some(issue) = claims
            .get(&item.id)
            .and_then(|c| c.iter().find(|i| i["state"] == "OPEN"))
        else {
            continue;
        };
        let mut labels: Vec<&str> = issue["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        labels.sort_unstable();
        let blocked_by: BTreeSet<Option<String>> = issue["blocked_by"]
            .as_array()
            .into_iter()
            .flatten()
            .map(name)
            .collect();
        out.insert(
            item.id.clone(),
            json!({
                "title": issue["title"],
                "body": renumber(issue["body"].as_str().unwrap_or_default(), &item_of),
                "state": issue["state"],
                "labels": labels,
                "type": issue["issue_type"],
                "parent": name(&issue["parent"]),
                "blocked_by": blocked_by,
                "fields": issue["project_item"]["fields"],
                "assignees": issue["assignees"],
                "milestone": issue["milestone"],
            }),
        );
    }
    out
}

/// `#123` references replaced by the item id the issue belongs to.
fn renumber(body: &str, item_of: &BTreeMap<u64, String>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..at + 1]);
        rest = &rest[at + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Some(item) = digits.parse::<u64>().ok().and_then(|n| item_of.get(&n)) {
            out.push_str(&format!("<{item}>"));
            rest = &rest[digits.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// An editable plan: epics → stories → tasks with dependencies and board fields. Items carry
/// stable ids, so edits keep their identity.
#[derive(Debug, Clone)]
pub struct Model {
    pub key: String,
    pub epics: Vec<Node>,
    /// Highest number used in ids so far; new items take the next.
    pub next_id: usize,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub title: String,
    pub priority: &'static str,
    pub size: &'static str,
    pub estimate: u32,
    pub depends_on: Vec<String>,
    pub children: Vec<Node>,
}

pub const PRIORITIES: [&str; 3] = ["P0", "P1", "P2"];
pub const SIZES: [&str; 5] = ["XS", "S", "M", "L", "XL"];

impl Node {
    pub fn new(id: String) -> Node {
        Node {
            title: format!("Item {id}"),
            id,
            priority: "P1",
            size: "M",
            estimate: 1,
            depends_on: Vec::new(),
            children: Vec::new(),
        }
    }
}

impl Model {
    /// `epics` × `stories` × `tasks`, each task depending on the previous one (so links cross
    /// stories and epics and roll up).
    pub fn grid(key: &str, epics: usize, stories: usize, tasks: usize) -> Model {
        let mut model = Model {
            key: key.to_string(),
            epics: Vec::new(),
            next_id: 0,
        };
        let mut previous: Option<String> = None;
        for _ in 0..epics {
            let mut epic = Node::new(model.fresh_id("E"));
            for _ in 0..stories {
                let mut story = Node::new(model.fresh_id("S"));
                for t in 0..tasks {
                    let mut task = Node::new(model.fresh_id("T"));
                    task.size = SIZES[t % SIZES.len()];
                    task.estimate = t as u32 + 1;
                    if let Some(p) = previous.replace(task.id.clone()) {
                        task.depends_on.push(p);
                    }
                    story.children.push(task);
                }
                epic.children.push(story);
            }
            model.epics.push(epic);
        }
        model
    }

    pub fn fresh_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{}", self.next_id)
    }

    pub fn stories(&self) -> impl Iterator<Item = &Node> {
        self.epics.iter().flat_map(|e| e.children.iter())
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Node> {
        self.stories().flat_map(|s| s.children.iter())
    }

    pub fn all(&self) -> impl Iterator<Item = &Node> {
        self.epics.iter().chain(self.stories()).chain(self.tasks())
    }

    pub fn find_mut(&mut self, id: &str) -> Option<&mut Node> {
        fn walk<'a>(nodes: &'a mut [Node], id: &str) -> Option<&'a mut Node> {
            for node in nodes {
                if node.id == id {
                    return Some(node);
                }
                if let Some(found) = walk(&mut node.children, id) {
                    return Some(found);
                }
            }
            None
        }
        walk(&mut self.epics, id)
    }

    /// Removes an item (and its subtree) and every dependency on what left.
    pub fn remove(&mut self, id: &str) {
        fn walk(nodes: &mut Vec<Node>, id: &str) {
            nodes.retain(|n| n.id != id);
            for node in nodes {
                walk(&mut node.children, id);
            }
        }
        walk(&mut self.epics, id);
        let present: BTreeSet<String> = self.all().map(|n| n.id.clone()).collect();
        fn prune(nodes: &mut [Node], present: &BTreeSet<String>) {
            for node in nodes {
                node.depends_on.retain(|d| present.contains(d));
                prune(&mut node.children, present);
            }
        }
        prune(&mut self.epics, &present);
    }

    /// The plan file. Titles are quoted, so any text may go in them.
    pub fn yaml(&self) -> String {
        let mut out = format!(
            "version: 1\nid: {}\ndefaults:\n  labels: [roadmap]\n  fields:\n    Status: Todo\nepics:\n",
            self.key
        );
        for epic in &self.epics {
            node_yaml(&mut out, epic, 1, "stories");
            for story in &epic.children {
                node_yaml(&mut out, story, 3, "tasks");
                for task in &story.children {
                    node_yaml(&mut out, task, 5, "");
                }
            }
        }
        out
    }

    pub fn plan(&self) -> Plan {
        load_yaml(&self.yaml())
    }
}

fn node_yaml(out: &mut String, node: &Node, indent: usize, children_key: &str) {
    let pad = "  ".repeat(indent);
    let title = serde_json::to_string(&node.title).expect("a string serializes");
    out.push_str(&format!("{pad}- id: {}\n{pad}  title: {title}\n", node.id));
    out.push_str(&format!(
        "{pad}  fields: {{ Priority: {}, Size: {}, Estimate: {} }}\n",
        node.priority, node.size, node.estimate
    ));
    if !node.depends_on.is_empty() {
        out.push_str(&format!(
            "{pad}  depends_on: [{}]\n",
            node.depends_on.join(", ")
        ));
    }
    if !children_key.is_empty() && !node.children.is_empty() {
        out.push_str(&format!("{pad}  {children_key}:\n"));
    }
}

impl Model {
    /// Takes one item out of the tree without touching dependencies (for moves).
    pub fn remove_node_only(&mut self, id: &str) {
        fn walk(nodes: &mut Vec<Node>, id: &str) {
            nodes.retain(|n| n.id != id);
            for node in nodes {
                walk(&mut node.children, id);
            }
        }
        walk(&mut self.epics, id);
    }
}
