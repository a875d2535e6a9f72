//! `planpilot import` on the fake: a backlog people built by hand (no markers) becomes a plan
//! with the same levels, links, labels and board values, every item bound to its issue; issues
//! another plan manages are left alone and reported; user-owned repositories (type labels, a
//! user board) work the same way; and the round trip — import, then sync that file — adopts
//! every issue, creates none, removes no parent or link, and a second sync writes nothing.

use std::path::Path;
use std::time::Duration;

use fake_github::{Config, FakeGithub, Faults, IssueTypeConfig};
use planpilot::github::backlog::{read_backlog, BacklogError, BacklogQuery, BoardRef, Selector};
use planpilot::github::ops::BoardOwner;
use planpilot::github::{Client, ClientConfig, Request, Safety, Secret};
use planpilot::plan::{self, ItemKind, LoadOptions, Plan};
use planpilot::render::Marker;
use planpilot::sync::import::{import_plan, ImportContext, Imported};
use planpilot::sync::{RepoRef, TypeNames};
use serde_json::{json, Value};

/// A fake with a backlog people made by hand, and a client to make it with.
pub(crate) struct Backlog {
    pub fake: FakeGithub,
    pub client: Client,
    state: Value,
}

/// Epic/Story/Task (and Bug) as organization issue types: opted in, not the fake's default.
pub(crate) fn typed_org() -> Config {
    Config {
        issue_types: ["Epic", "Story", "Task", "Bug"]
            .iter()
            .map(|n| IssueTypeConfig::new(n))
            .collect(),
        ..Config::default()
    }
}

impl Backlog {
    pub async fn start(config: Config) -> Backlog {
        let fake = FakeGithub::start(config).await.expect("fake starts");
        let mut client_config = ClientConfig::new(fake.graphql_url(), Secret::new("test-token"));
        client_config.backoff_base = Duration::from_millis(1);
        client_config.backoff_max = Duration::from_millis(5);
        let client = Client::new(client_config).expect("client builds");
        let state = fake.state();
        Backlog {
            fake,
            client,
            state,
        }
    }

    async fn gql(&self, document: &str, variables: Value) -> Value {
        let response = self
            .client
            .graphql(Request::mutation(document, variables, Safety::Idempotent))
            .await
            .expect("request");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data
    }

    fn type_id(&self, name: &str) -> Option<String> {
        self.state["issue_types"]
            .as_array()?
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["id"].as_str().map(String::from))
    }

    async fn label_id(&self, name: &str) -> String {
        let data = self
            .gql(
                "query($o: String!, $n: String!, $l: String!) { repository(owner: $o, name: $n) { label(name: $l) { id } } }",
                json!({ "o": self.owner(), "n": "roadmap", "l": name }),
            )
            .await;
        if let Some(id) = data["repository"]["label"]["id"].as_str() {
            return id.to_string();
        }
        let data = self
            .gql(
                "mutation($i: CreateLabelInput!) { createLabel(input: $i) { label { id } } }",
                json!({ "i": { "repositoryId": self.state["repository"]["id"], "name": name, "color": "ededed" } }),
            )
            .await;
        data["createLabel"]["label"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn owner(&self) -> String {
        self.state["owner"]["login"].as_str().unwrap().to_string()
    }

    /// Creates an issue as a person would; returns its number.
    pub async fn issue(&self, title: &str, kind: Option<&str>, labels: &[&str]) -> u64 {
        self.issue_with(title, kind, labels, "Written by a person.")
            .await
    }

    pub async fn issue_with(
        &self,
        title: &str,
        kind: Option<&str>,
        labels: &[&str],
        body: &str,
    ) -> u64 {
        let mut label_ids = Vec::new();
        for label in labels {
            label_ids.push(self.label_id(label).await);
        }
        let mut input = json!({
            "repositoryId": self.state["repository"]["id"],
            "title": title,
            "body": body,
            "labelIds": label_ids,
        });
        if let Some(type_id) = kind.and_then(|k| self.type_id(k)) {
            input["issueTypeId"] = json!(type_id);
        }
        let data = self
            .gql(
                "mutation($i: CreateIssueInput!) { createIssue(input: $i) { issue { number } } }",
                json!({ "i": input }),
            )
            .await;
        data["createIssue"]["issue"]["number"].as_u64().unwrap()
    }

    pub fn node_id(&self, number: u64) -> String {
        let state = self.fake.state();
        let issue = state["issues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == number)
            .cloned()
            .expect("issue exists");
        issue["id"].as_str().unwrap().to_string()
    }

    pub async fn sub(&self, parent: u64, child: u64) {
        let input = json!({ "issueId": self.node_id(parent), "subIssueId": self.node_id(child) });
        self.gql(
            "mutation($i: AddSubIssueInput!) { addSubIssue(input: $i) { issue { id } } }",
            json!({ "i": input }),
        )
        .await;
    }

    pub async fn block(&self, blocked: u64, blocker: u64) {
        let input =
            json!({ "issueId": self.node_id(blocked), "blockingIssueId": self.node_id(blocker) });
        self.gql(
            "mutation($i: AddBlockedByInput!) { addBlockedBy(input: $i) { issue { id } } }",
            json!({ "i": input }),
        )
        .await;
    }

    /// Puts the issue on the board and sets `(field, value)` pairs: option names, iteration
    /// titles, numbers, dates and text as the field's type says.
    pub async fn card(&self, number: u64, values: &[(&str, Value)]) {
        let project = &self.state["project"];
        let data = self
            .gql(
                "mutation($i: AddProjectV2ItemByIdInput!) { addProjectV2ItemById(input: $i) { item { id } } }",
                json!({ "i": { "projectId": project["id"], "contentId": self.node_id(number) } }),
            )
            .await;
        let item = data["addProjectV2ItemById"]["item"]["id"].clone();
        for (name, value) in values {
            let field = project["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == *name)
                .unwrap_or_else(|| panic!("field {name}"));
            let by_name = |list: &str, key: &str| {
                field[list]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o[key] == *value)
                    .map(|o| o["id"].clone())
                    .unwrap_or_else(|| panic!("{name} has no {value}"))
            };
            let value = match field["data_type"].as_str().unwrap() {
                "SINGLE_SELECT" => json!({ "singleSelectOptionId": by_name("options", "name") }),
                "ITERATION" => json!({ "iterationId": by_name("iterations", "title") }),
                "NUMBER" => json!({ "number": value }),
                "DATE" => json!({ "date": value }),
                _ => json!({ "text": value }),
            };
            let input = json!({ "projectId": project["id"], "itemId": item, "fieldId": field["id"], "value": value });
            self.gql(
                "mutation($i: UpdateProjectV2ItemFieldValueInput!) { updateProjectV2ItemFieldValue(input: $i) { projectV2Item { id } } }",
                json!({ "i": input }),
            )
            .await;
        }
    }

    pub fn board_url(&self) -> String {
        self.state["project"]["url"].as_str().unwrap().to_string()
    }

    fn board_ref(&self) -> BoardRef {
        let kind = if self.state["owner"]["kind"] == "User" {
            BoardOwner::User
        } else {
            BoardOwner::Organization
        };
        BoardRef {
            owner_kind: kind,
            owner: self.owner(),
            number: 1,
        }
    }

    fn query(&self, selectors: Vec<Selector>, board: bool) -> BacklogQuery {
        BacklogQuery {
            owner: self.owner(),
            name: "roadmap".into(),
            selectors,
            board: board.then(|| self.board_ref()),
        }
    }

    /// Runs the import's read and build, as the command does.
    pub async fn import(&self, selectors: Vec<Selector>, board: bool) -> (Imported, String, Plan) {
        let backlog = read_backlog(&self.client, &self.query(selectors, board))
            .await
            .expect("reads");
        let (imported, text) = self.build(&backlog);
        let loaded = plan::load_str(&text, Path::new("plan.yaml"), &LoadOptions::default())
            .unwrap_or_else(|e| panic!("the imported plan loads: {:#?}\n{text}", e.diagnostics));
        (imported, text, loaded)
    }

    /// The plan `import` builds from what was read, and its text.
    fn build(&self, backlog: &planpilot::github::backlog::Backlog) -> (Imported, String) {
        let repository: RepoRef = format!("{}/roadmap", self.owner()).parse().unwrap();
        let context = ImportContext {
            repository: &repository,
            selection: "--label backlog",
            type_names: &TypeNames::default(),
            sync_label: "planpilot",
        };
        let imported = import_plan(backlog, &context);
        let text = plan::to_yaml(&imported.draft);
        (imported, text)
    }
}

fn item(plan: &Plan, issue: u64) -> &plan::Item {
    plan.bound_to(issue)
        .unwrap_or_else(|| panic!("no item is bound to #{issue}"))
}

fn ids_of(plan: &Plan, numbers: &[u64]) -> Vec<String> {
    numbers.iter().map(|n| item(plan, *n).id.clone()).collect()
}

/// The hand-made backlog of the tests: two epics (by type), stories, tasks, links across
/// levels, a fourth level, board values. Returns the numbers by name.
pub(crate) struct Shop {
    pub checkout: u64,
    pub guest: u64,
    pub card: u64,
    pub receipt: u64,
    pub addresses: u64,
    pub search: u64,
    pub index: u64,
    pub schema: u64,
    pub too_deep: u64,
}

pub(crate) async fn shop(b: &Backlog, with_board: bool) -> Shop {
    let checkout = b.issue("Checkout flow", Some("Epic"), &["backlog"]).await;
    let guest = b.issue("Pay as a guest", Some("Story"), &[]).await;
    let card = b.issue("Card payment step", Some("Task"), &["ui"]).await;
    let receipt = b.issue("Emailed receipt", Some("Task"), &[]).await;
    let addresses = b.issue("Saved addresses", Some("Story"), &[]).await;
    let search = b.issue("Search", Some("Epic"), &["backlog"]).await;
    let index = b.issue("Index the catalogue", Some("Story"), &[]).await;
    let schema = b.issue("Index schema", Some("Task"), &[]).await;
    let too_deep = b.issue("A checklist under a task", None, &[]).await;
    for (parent, child) in [
        (checkout, guest),
        (checkout, addresses),
        (guest, card),
        (guest, receipt),
        (search, index),
        (index, schema),
        (schema, too_deep),
    ] {
        b.sub(parent, child).await;
    }
    b.block(receipt, card).await; // siblings
    b.block(addresses, guest).await; // siblings, story level
    b.block(schema, card).await; // across epics
    if with_board {
        b.card(checkout, &[("Priority", json!("P1"))]).await;
        b.card(
            card,
            &[
                ("Status", json!("In Progress")),
                ("Estimate", json!(3)),
                ("Iteration", json!("Iteration 1")),
                ("Start date", json!("2026-03-02")),
                ("Notes", json!("needs: design review")),
            ],
        )
        .await;
        b.card(receipt, &[("Size", json!("S"))]).await;
    }
    Shop {
        checkout,
        guest,
        card,
        receipt,
        addresses,
        search,
        index,
        schema,
        too_deep,
    }
}

#[tokio::test]
async fn a_backlog_without_markers_becomes_a_plan_with_its_levels_links_and_board_values() {
    let b = Backlog::start(typed_org()).await;
    let s = shop(&b, true).await;
    let (imported, text, plan) = b
        .import(vec![Selector::Label("backlog".into())], true)
        .await;

    // Levels from the sub-issue tree, every item bound to its issue.
    let kinds = |numbers: &[u64]| -> Vec<ItemKind> {
        numbers.iter().map(|n| item(&plan, *n).kind).collect()
    };
    assert_eq!(kinds(&[s.checkout, s.search]), [ItemKind::Epic; 2]);
    assert_eq!(
        kinds(&[s.guest, s.addresses, s.index]),
        [ItemKind::Story; 3]
    );
    assert_eq!(kinds(&[s.card, s.receipt, s.schema]), [ItemKind::Task; 3]);
    assert_eq!(plan.items.len(), 8);
    assert_eq!(imported.bound, 8);
    assert_eq!(
        ids_of(&plan, &[s.checkout, s.guest, s.card]),
        ["checkout-flow", "pay-as-a-guest", "card-payment-step"]
    );
    assert_eq!(
        item(&plan, s.card).parent.as_deref(),
        Some("pay-as-a-guest")
    );
    assert_eq!(
        item(&plan, s.addresses).parent.as_deref(),
        Some("checkout-flow")
    );

    // Blocked-by links between imported issues, at any level.
    assert_eq!(item(&plan, s.receipt).depends_on, ["card-payment-step"]);
    assert_eq!(item(&plan, s.addresses).depends_on, ["pay-as-a-guest"]);
    assert_eq!(item(&plan, s.schema).depends_on, ["card-payment-step"]);

    // Labels (the selector's too), board values by the field's type.
    assert_eq!(item(&plan, s.checkout).labels, ["backlog"]);
    assert_eq!(item(&plan, s.card).labels, ["ui"]);
    let fields = &item(&plan, s.card).fields;
    let shown: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    assert_eq!(
        shown,
        [
            ("Estimate".to_string(), "3".to_string()),
            ("Iteration".into(), "Iteration 1".into()),
            ("Notes".into(), "needs: design review".into()),
            ("Start date".into(), "2026-03-02".into()),
            ("Status".into(), "In Progress".into()),
        ]
    );
    assert_eq!(item(&plan, s.checkout).fields["Priority"].to_string(), "P1");
    assert!(item(&plan, s.guest).fields.is_empty());

    // The fourth level is reported, not dropped silently.
    assert!(plan.bound_to(s.too_deep).is_none());
    let deep = format!(
        "#{} \"A checklist under a task\": more than three levels deep",
        s.too_deep
    );
    assert!(
        imported.notes.iter().any(|n| n.starts_with(&deep)),
        "{:#?}",
        imported.notes
    );
    assert!(
        text.contains(&deep),
        "the file's header lists it too:\n{text}"
    );
    assert!(text.starts_with("# Imported by `planpilot import` from acme/roadmap"));
}

#[tokio::test]
async fn a_root_imports_its_tree_and_a_parent_outside_the_selection_is_reported() {
    let b = Backlog::start(typed_org()).await;
    let s = shop(&b, false).await;
    let (imported, _, plan) = b.import(vec![Selector::Root(s.guest)], false).await;
    // The story is the top of what was selected: it becomes an epic, its tasks stories.
    let numbers: Vec<u64> = plan.items.iter().filter_map(|i| i.issue).collect();
    assert_eq!(numbers, [s.guest, s.card, s.receipt]);
    assert_eq!(item(&plan, s.guest).kind, ItemKind::Epic);
    let reported = format!(
        "#{} \"Pay as a guest\": its parent #{} is not imported",
        s.guest, s.checkout
    );
    assert!(
        imported.notes.iter().any(|n| n.starts_with(&reported)),
        "{:#?}",
        imported.notes
    );
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("has type Story, imported as an epic")),
        "{:#?}",
        imported.notes
    );
}

/// GitHub may answer a read with a field of one issue nulled and an error naming it (a
/// timeout). Such an answer is read again; one that stays partial stops the import, and no
/// plan is ever written from a gap — no labels is not "the issue has no labels".
#[tokio::test]
async fn an_answer_that_leaves_part_of_the_issues_out_never_becomes_the_plan() {
    let b = Backlog::start(typed_org()).await;
    let s = shop(&b, true).await;
    // Each way of selecting reads issues with its own query.
    let selections = [
        vec![Selector::Label("backlog".into())],
        vec![Selector::Board],
        vec![Selector::Root(s.checkout)],
    ];
    let mut whole = Vec::new();
    for selectors in &selections {
        whole.push(b.import(selectors.clone(), true).await.1);
    }

    // Every answer partial: each selection stops, saying so, and nothing is read as empty.
    b.fake.set_faults(Faults {
        partial_read_rate: 1.0,
        ..Faults::default()
    });
    for selectors in &selections {
        let before = b.fake.stats().partial_reads;
        let error = read_backlog(&b.client, &b.query(selectors.clone(), true))
            .await
            .expect_err("a partial answer stops the import");
        assert!(
            matches!(error, BacklogError::Partial(_)),
            "{selectors:?}: {error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("left part of the issues out on 3 attempt(s)")
                && message.contains("run the import again"),
            "{selectors:?}: {message}"
        );
        assert_eq!(
            b.fake.stats().partial_reads - before,
            3,
            "{selectors:?}: read 3 times"
        );
    }

    // Some answers partial: every import that completes writes exactly the whole plan.
    b.fake.set_faults(Faults {
        partial_read_rate: 0.3,
        ..Faults::default()
    });
    let mut completed_after_a_gap = 0;
    for run in 0..4 {
        for (selectors, expected) in selections.iter().zip(&whole) {
            let before = b.fake.stats().partial_reads;
            match read_backlog(&b.client, &b.query(selectors.clone(), true)).await {
                Ok(backlog) => {
                    let (_, text) = b.build(&backlog);
                    assert_eq!(&text, expected, "run {run}, {selectors:?}");
                    if b.fake.stats().partial_reads > before {
                        completed_after_a_gap += 1;
                    }
                }
                Err(BacklogError::Partial(_)) => {}
                Err(other) => panic!("run {run}, {selectors:?}: {other}"),
            }
        }
    }
    assert!(
        completed_after_a_gap > 0,
        "some import read a partial answer again and went on"
    );
}

#[tokio::test]
async fn issue_types_put_the_epics_below_an_initiative() {
    let b = Backlog::start(typed_org()).await;
    let initiative = b.issue("Grow revenue", None, &["backlog"]).await;
    let epic = b.issue("Checkout flow", Some("Epic"), &[]).await;
    let story = b.issue("Pay as a guest", Some("Story"), &[]).await;
    let task = b.issue("Card payment step", Some("Task"), &[]).await;
    b.sub(initiative, epic).await;
    b.sub(epic, story).await;
    b.sub(story, task).await;
    let (imported, _, plan) = b
        .import(vec![Selector::Label("backlog".into())], false)
        .await;
    assert_eq!(
        [epic, story, task].map(|n| item(&plan, n).kind),
        [ItemKind::Epic, ItemKind::Story, ItemKind::Task]
    );
    assert!(plan.bound_to(initiative).is_none());
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.starts_with(&format!("#{initiative} \"Grow revenue\": above the epics"))),
        "{:#?}",
        imported.notes
    );
}

/// The marker block another plan writes into the issues it manages.
pub(crate) fn managed_body(plan_key: &str, item: &str) -> String {
    let marker = Marker {
        plan_key: plan_key.into(),
        item_id: item.into(),
        ..Marker::default()
    };
    format!(
        "{}\nManaged elsewhere.\n<!-- planpilot:end -->",
        marker.to_comment()
    )
}

#[tokio::test]
async fn issues_another_plan_manages_are_left_alone_and_reported() {
    let b = Backlog::start(typed_org()).await;
    let ours = b.issue("Checkout flow", Some("Epic"), &["backlog"]).await;
    let story = b.issue("Pay as a guest", Some("Story"), &[]).await;
    let theirs = b
        .issue_with(
            "Search",
            Some("Epic"),
            &["backlog", "planpilot"],
            &managed_body("other.yaml", "E-9"),
        )
        .await;
    let their_story = b
        .issue_with(
            "Index",
            Some("Story"),
            &["planpilot"],
            &managed_body("other.yaml", "S-9"),
        )
        .await;
    b.sub(ours, story).await;
    b.sub(theirs, their_story).await;
    let (imported, _, plan) = b
        .import(vec![Selector::Label("backlog".into())], false)
        .await;
    let numbers: Vec<u64> = plan.items.iter().filter_map(|i| i.issue).collect();
    assert_eq!(numbers, [ours, story]);
    for (number, item) in [(theirs, "E-9"), (their_story, "S-9")] {
        let text = format!("already managed by plan `other.yaml` (item `{item}`); left alone");
        assert!(
            imported
                .notes
                .iter()
                .any(|n| n.starts_with(&format!("#{number} ")) && n.ends_with(&text)),
            "{number}: {:#?}",
            imported.notes
        );
    }
}

#[tokio::test]
async fn a_user_owned_repository_reads_type_labels_and_the_user_board() {
    let b = Backlog::start(Config::user_owned()).await;
    let epic = b
        .issue("Offline mode", None, &["backlog", "type:epic"])
        .await;
    let story = b.issue("Cache today's jobs", None, &["type:story"]).await;
    let task = b.issue("Sync queue", None, &["type:task", "mobile"]).await;
    b.sub(epic, story).await;
    b.sub(story, task).await;
    b.card(task, &[("Priority", json!("P2"))]).await;
    assert!(b.board_url().contains("/users/octocat/"));
    let (_, text, plan) = b
        .import(
            vec![Selector::Label("backlog".into()), Selector::Board],
            true,
        )
        .await;
    assert_eq!(
        [epic, story, task].map(|n| item(&plan, n).kind),
        [ItemKind::Epic, ItemKind::Story, ItemKind::Task]
    );
    // Type labels say the level; they are not copied into the plan's labels.
    assert_eq!(item(&plan, task).labels, ["mobile"]);
    assert_eq!(item(&plan, story).id, "cache-todays-jobs");
    assert_eq!(item(&plan, task).fields["Priority"].to_string(), "P2");
    assert!(!text.contains("type:"), "{text}");
}

#[tokio::test]
async fn a_milestone_selects_its_issues_and_titles_become_unique_ids() {
    let b = Backlog::start(typed_org()).await;
    let first = b.issue("Fix login", None, &[]).await;
    let second = b.issue("Fix login", None, &[]).await;
    let other = b.issue("Unrelated", None, &[]).await;
    let data = b
        .gql(
            "query { repository(owner: \"acme\", name: \"roadmap\") { milestones(first: 5) { nodes { id title } } } }",
            json!({}),
        )
        .await;
    let milestone_id = data["repository"]["milestones"]["nodes"][0]["id"].clone();
    for number in [first, second] {
        let input = json!({ "id": b.node_id(number), "milestoneId": milestone_id });
        b.gql(
            "mutation($i: UpdateIssueInput!) { updateIssue(input: $i) { issue { id } } }",
            json!({ "i": input }),
        )
        .await;
    }
    let (_, _, plan) = b
        .import(vec![Selector::Milestone("v1.0".into())], false)
        .await;
    assert!(plan.bound_to(other).is_none());
    assert_eq!(
        ids_of(&plan, &[first, second]),
        ["fix-login".to_string(), format!("fix-login-{second}")]
    );
    assert_eq!(item(&plan, first).milestone.as_deref(), Some("v1.0"));
}

#[test]
fn written_text_loads_back_exactly() {
    let awkward = [
        "Plain title",
        "yes",
        "12",
        "2026-01-01",
        "a: b # c",
        "\"quoted\" and 'single'",
        "- starts like a list",
        "@current",
        "trailing space ",
        "ünïcode ✓",
        "[brackets], {braces}",
        "back\\slash",
    ];
    let epics = awkward
        .iter()
        .enumerate()
        .map(|(i, title)| plan::DraftItem {
            id: format!("e{i}"),
            title: title.trim().to_string(),
            issue: Some(i as u64 + 1),
            labels: vec![title.to_string(), "x, y".into()],
            fields: [(title.to_string(), plan::FieldValue::Number(2.5))]
                .into_iter()
                .collect(),
            ..plan::DraftItem::default()
        })
        .collect();
    let draft = plan::Draft {
        comments: vec!["a comment\nwith a line break".into()],
        epics,
    };
    let text = plan::to_yaml(&draft);
    let plan = plan::load_str(&text, Path::new("plan.yaml"), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}\n{text}", e.diagnostics));
    for (i, title) in awkward.iter().enumerate() {
        let item = plan.get(&format!("e{i}")).unwrap();
        assert_eq!(item.title, title.trim());
        assert_eq!(item.labels, [title.to_string(), "x, y".into()]);
        assert_eq!(item.fields[*title], plan::FieldValue::Number(2.5));
        assert_eq!(item.issue, Some(i as u64 + 1));
    }
}

/// The real binary against a backlog on the fake, served by a runtime that keeps running while
/// the (blocking) binary runs.
#[test]
fn the_command_writes_the_plan_file_and_exits_2_on_bad_input() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let b = runtime.block_on(Backlog::start(typed_org()));
    let s = runtime.block_on(shop(&b, true));
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("plan.yaml");
    let command = || {
        let mut cmd = assert_cmd::Command::cargo_bin("planpilot").unwrap();
        cmd.env_clear()
            .env("GITHUB_TOKEN", "test-token")
            .env("GITHUB_GRAPHQL_URL", b.fake.graphql_url())
            .env("GITHUB_API_URL", b.fake.url())
            .current_dir(dir.path());
        cmd
    };
    let run = command()
        .args([
            "import",
            "--repository",
            "acme/roadmap",
            "--label",
            "backlog",
        ])
        .args(["--project-url", "https://github.com/orgs/acme/projects/1"])
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(run.stdout.is_empty(), "the plan goes to the file");
    assert!(
        stderr.contains("imported 8 issue(s) from acme/roadmap"),
        "{stderr}"
    );
    assert!(stderr.contains("note: #"), "{stderr}");
    assert!(!stderr.contains("test-token"));
    let text = std::fs::read_to_string(&output).unwrap();
    let plan = plan::load_str(&text, &output, &LoadOptions::default()).expect("loads");
    assert_eq!(
        item(&plan, s.card).fields["Status"].to_string(),
        "In Progress"
    );

    // `--output -` (or none) prints the plan; it is the same plan.
    let printed = command()
        .args([
            "import",
            "--repository",
            "acme/roadmap",
            "--label",
            "backlog",
        ])
        .args(["--project-url", "https://github.com/orgs/acme/projects/1"])
        .args(["--output", "-"])
        .output()
        .unwrap();
    assert_eq!(printed.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&printed.stdout), text);

    // Bad input: exit 2, a message, no file.
    for (args, message) in [
        (
            vec!["import", "--repository", "acme/roadmap"],
            "nothing selected",
        ),
        (
            vec!["import", "--repository", "acme/roadmap", "--root", "999"],
            "issue #999 not found in acme/roadmap",
        ),
        (
            vec!["import", "--repository", "acme/nope", "--label", "backlog"],
            "repository acme/nope not found",
        ),
        (
            vec![
                "import",
                "--repository",
                "acme/roadmap",
                "--milestone",
                "v9",
            ],
            "has no milestone \"v9\"",
        ),
        (
            vec!["import", "--repository", "acme", "--label", "x"],
            "input `repository`",
        ),
    ] {
        let run = command().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(run.stdout.is_empty(), "{args:?}");
    }
    let no_token = command()
        .env_remove("GITHUB_TOKEN")
        .args([
            "import",
            "--repository",
            "acme/roadmap",
            "--label",
            "backlog",
        ])
        .output()
        .unwrap();
    assert_eq!(no_token.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("set GITHUB_TOKEN"));
    drop(b);
}
