//! Feedback where people look, on the fake GitHub: the preview as one comment on the pull
//! request (posted, edited on the next push, one per plan, a refusal or a fork degrading to one
//! warning, cut under GitHub's limit, plan errors linked to their lines), and roadmap progress
//! from the states GitHub reports (completed vs not planned) in the summary and the `progress`
//! output.
//!
//! The binary runs as the runner starts the container: an empty environment plus `GITHUB_*`
//! and `INPUT_*`; the fake serves it from a runtime of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use fake_github::{Config, FakeGithub};
use planpilot::github::{Client, ClientConfig, Request, Safety, Secret};
use planpilot::plan::{self, LoadOptions, Plan};
use planpilot::render::find_marker;
use planpilot::sync::{self, Silent, SyncOptions, Tally};
use serde_json::{json, Value};

const TOKEN: &str = "ghs_FeedbackTokenValue42";
const ROADMAP: &str = "tests/fixtures/feedback/roadmap.yaml";
const NEXT: &str = "tests/fixtures/feedback/roadmap-next.yaml";
const OTHER: &str = "tests/fixtures/feedback/other.yaml";
const INVALID: &str = "tests/fixtures/feedback/invalid.yaml";
const HEAD_SHA: &str = "5e7a11c0ffee5e7a11c0ffee5e7a11c0ffee5e7a";
const RUN_URL: &str = "https://github.com/acme/roadmap/actions/runs/4242";
/// GitHub's limit on a comment body, in characters.
const COMMENT_LIMIT: usize = 65_536;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fake GitHub and the runtime that serves it while the (blocking) binary runs.
struct World {
    // Declared first so it is dropped before the runtime that serves it.
    fake: FakeGithub,
    runtime: tokio::runtime::Runtime,
}

impl World {
    fn start(config: Config) -> World {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let config = Config {
            token: TOKEN.to_string(),
            project: None,
            ..config
        };
        let fake = runtime
            .block_on(FakeGithub::start(config))
            .expect("fake starts");
        World { fake, runtime }
    }

    fn client(&self) -> Client {
        let mut config = ClientConfig::new(self.fake.graphql_url(), Secret::new(TOKEN));
        config.backoff_base = Duration::from_millis(1);
        config.backoff_max = Duration::from_millis(5);
        Client::new(config).expect("client builds")
    }

    fn options() -> SyncOptions {
        SyncOptions::new("acme/roadmap".parse().expect("repository"))
    }

    /// Syncs `plan` through the library, as a push to the default branch does.
    fn sync(&self, plan: &Plan, dry_run: bool) -> sync::Report {
        let mut options = World::options();
        options.dry_run = dry_run;
        let report = self
            .runtime
            .block_on(sync::run(plan, &self.client(), &options, &Silent))
            .expect("sync runs");
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        report
    }

    /// Issue numbers and node ids of `plan_key`'s items, from the fake's state.
    fn issues_of(&self, plan_key: &str) -> BTreeMap<String, (u64, String)> {
        let state = self.fake.state();
        state["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .filter_map(|issue| {
                let marker = find_marker(issue["body"].as_str()?)?;
                (marker.plan_key == plan_key).then(|| {
                    let number = issue["number"].as_u64().expect("number");
                    let id = issue["id"].as_str().expect("id").to_string();
                    (marker.item_id, (number, id))
                })
            })
            .collect()
    }

    /// Closes an item's issue as a person does, with GitHub's reason.
    fn close(&self, plan_key: &str, item: &str, reason: &str) {
        let (_, id) = self.issues_of(plan_key)[item].clone();
        let document = "mutation($id: ID!, $reason: IssueClosedStateReason) { \
                        closeIssue(input: {issueId: $id, stateReason: $reason}) { issue { id } } }";
        let response = self
            .runtime
            .block_on(self.client().graphql(Request::mutation(
                document,
                json!({"id": id, "reason": reason}),
                Safety::Idempotent,
            )))
            .expect("close");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    fn comments(&self, number: u64) -> Vec<Value> {
        self.fake.comments(number)
    }
}

fn load(path: &str) -> Plan {
    plan::load(&root().join(path), &LoadOptions { root: Some(root()) })
        .unwrap_or_else(|e| panic!("{path}: {:?}", e.diagnostics))
}

/// One run of the binary under Actions, with its output files.
struct Step {
    dir: tempfile::TempDir,
    workspace: PathBuf,
    env: Vec<(String, String)>,
}

struct Run {
    code: i32,
    stdout: String,
}

impl Step {
    /// A step in the repository's own workspace, running `plan_file`.
    fn new(world: &World, plan_file: &str) -> Step {
        Step::in_workspace(world, &root(), plan_file)
    }

    fn in_workspace(world: &World, workspace: &Path, plan_file: &str) -> Step {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let env = [
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_WORKSPACE", workspace.display().to_string()),
            ("GITHUB_REPOSITORY", "acme/roadmap".to_string()),
            ("GITHUB_SERVER_URL", "https://github.com".to_string()),
            ("GITHUB_RUN_ID", "4242".to_string()),
            (
                "GITHUB_SHA",
                "0000000000000000000000000000000000000001".to_string(),
            ),
            (
                "GITHUB_OUTPUT",
                dir.path().join("output").display().to_string(),
            ),
            (
                "GITHUB_STEP_SUMMARY",
                dir.path().join("summary").display().to_string(),
            ),
            ("GITHUB_GRAPHQL_URL", world.fake.graphql_url()),
            ("GITHUB_API_URL", world.fake.url()),
            ("INPUT_GITHUB-TOKEN", TOKEN.to_string()),
            ("INPUT_PLAN-FILE", plan_file.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Step {
            dir,
            workspace: workspace.to_path_buf(),
            env,
        }
    }

    fn set(mut self, name: &str, value: &str) -> Step {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// The dry run of a `pull_request` event for pull request `number` (from a fork when
    /// `head_repository` is another repository).
    fn pull_request(self, number: u64, head_repository: &str) -> Step {
        let event = json!({
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "head": {"sha": HEAD_SHA, "repo": {"full_name": head_repository}},
                "base": {"sha": "0000000000000000000000000000000000000002",
                         "repo": {"full_name": "acme/roadmap"}},
            },
            "repository": {"full_name": "acme/roadmap"},
        });
        let path = self.dir.path().join("event.json");
        std::fs::write(&path, event.to_string()).expect("event file");
        let path = path.display().to_string();
        self.set("GITHUB_EVENT_NAME", "pull_request")
            .set("GITHUB_EVENT_PATH", &path)
            .set("INPUT_DRY-RUN", "true")
    }

    fn run(&self) -> Run {
        let mut cmd = Command::cargo_bin("planpilot").expect("the planpilot binary");
        cmd.env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.workspace);
        let output = cmd.output().expect("planpilot runs");
        let stdout = String::from_utf8(output.stdout).expect("UTF-8 stdout");
        let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
        for text in [&stdout, &stderr] {
            for line in text.lines().filter(|l| !l.starts_with("::add-mask::")) {
                assert!(!line.contains(TOKEN), "token leaked: {line}");
            }
        }
        Run {
            code: output.status.code().expect("exited"),
            stdout: format!("{stdout}\n{stderr}"),
        }
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("summary")).unwrap_or_default()
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.dir.path().join("output")).unwrap_or_default();
        let mut outputs = BTreeMap::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if let Some((name, delimiter)) = line.split_once("<<") {
                let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
                outputs.insert(name.to_string(), value.join("\n"));
            } else if let Some((name, value)) = line.split_once('=') {
                outputs.insert(name.to_string(), value.to_string());
            }
        }
        outputs
    }
}

/// The `::warning` annotations a run printed about the comment (a new organization's missing
/// issue types are warned about too).
fn warnings(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("::warning") && l.contains("pr-comment"))
        .collect()
}

fn body_of(comment: &Value) -> &str {
    comment["body"].as_str().expect("a body")
}

fn issue_url(number: u64) -> String {
    format!("https://github.com/acme/roadmap/issues/{number}")
}

#[test]
fn a_pull_request_dry_run_posts_one_comment_with_what_the_merge_would_change() {
    let world = World::start(Config::default());
    world.sync(&load(ROADMAP), false);
    let numbers = world.issues_of("shop-roadmap");
    let pr = world.fake.open_pull_request("Roadmap: reorders and T-6");
    let before = world.fake.stats();

    let step = Step::new(&world, NEXT).pull_request(pr, "acme/roadmap");
    let run = step.run();
    assert_eq!(run.code, 0, "{}", run.stdout);

    let comments = world.comments(pr);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    let body = body_of(&comments[0]);
    assert!(
        body.starts_with(
            "<!-- planpilot:preview plan=shop-roadmap \
             file=tests/fixtures/feedback/roadmap-next.yaml -->\n"
        ),
        "{body}"
    );
    assert!(
        body.contains("### planpilot preview: `shop-roadmap`"),
        "{body}"
    );
    assert!(
        body.contains(
            "Merging this pull request would change 5 of 11 items: **1** to create, \
             **3** to update, **1** to close (6 unchanged)."
        ),
        "{body}"
    );
    let (t2, t3, t4, t5) = (
        numbers["T-2"].0,
        numbers["T-3"].0,
        numbers["T-4"].0,
        numbers["T-5"].0,
    );
    for row in [
        "| create | `T-6` task | — | new task: Reorder button |".to_string(),
        format!(
            "| update | `T-2` task | [#{t2}]({}) | title |",
            issue_url(t2)
        ),
        format!(
            "| move | `T-3` task | [#{t3}]({}) | under S-2 |",
            issue_url(t3)
        ),
        format!(
            "| link | `T-4` task | [#{t4}]({}) | blocked by T-3 |",
            issue_url(t4)
        ),
        format!(
            "| close | `T-5` task | [#{t5}]({}) | removed from the plan: closed as not planned |",
            issue_url(t5)
        ),
    ] {
        assert!(body.contains(&row), "missing {row}\n{body}");
    }
    assert!(body.contains("<details><summary>All "), "{body}");
    assert!(
        body.contains(&format!(
            "planpilot dry run of `5e7a11c` · [job summary]({RUN_URL})"
        )),
        "{body}"
    );
    // Nothing else was written: no mutation, one REST write.
    let after = world.fake.stats();
    assert_eq!(after.mutations.total, before.mutations.total);
    assert_eq!(after.rest_writes - before.rest_writes, 1);
    assert!(warnings(&run).is_empty(), "{:?}", warnings(&run));
    assert!(step.summary().contains("Preview (dry run)"));
}

#[test]
fn the_next_push_edits_the_same_comment_and_says_when_nothing_changes() {
    let world = World::start(Config::default());
    world.sync(&load(ROADMAP), false);
    let pr = world.fake.open_pull_request("Roadmap tweaks");
    // People talk on the pull request: planpilot's comment is found past the first page.
    for i in 0..120 {
        world.fake.add_comment(pr, &format!("review note {i}"));
    }
    let first = Step::new(&world, NEXT).pull_request(pr, "acme/roadmap");
    assert_eq!(first.run().code, 0);
    for i in 0..110 {
        world.fake.add_comment(pr, &format!("later note {i}"));
    }
    let ours = |comments: &[Value]| -> Vec<Value> {
        comments
            .iter()
            .filter(|c| body_of(c).starts_with("<!-- planpilot:preview "))
            .cloned()
            .collect()
    };
    let posted = ours(&world.comments(pr));
    assert_eq!(posted.len(), 1);
    let id = posted[0]["id"].clone();

    // The next push goes back to what GitHub has. It names the plan file differently, but the
    // plan key is the same: the comment is found by the key.
    let unchanged = Step::new(&world, ROADMAP).pull_request(pr, "acme/roadmap");
    assert_eq!(unchanged.run().code, 0);
    let edited = ours(&world.comments(pr));
    assert_eq!(edited.len(), 1, "{edited:#?}");
    assert_eq!(edited[0]["id"], id);
    assert!(
        body_of(&edited[0]).contains(
            "This push brings no change: GitHub already matches the plan (10 items up to date)."
        ),
        "{}",
        body_of(&edited[0])
    );
    assert_eq!(world.comments(pr).len(), 120 + 110 + 1);

    // A re-run of the same push finds the comment saying exactly that: no write at all.
    let before = world.fake.stats().rest_writes;
    assert_eq!(unchanged.run().code, 0);
    assert_eq!(world.fake.stats().rest_writes, before);
}

#[test]
fn two_plans_in_one_repository_keep_two_comments() {
    let world = World::start(Config::default());
    let pr = world.fake.open_pull_request("Both roadmaps");
    // The third run previews another version of the first plan: its comment is edited.
    for plan in [ROADMAP, OTHER, NEXT] {
        let run = Step::new(&world, plan)
            .pull_request(pr, "acme/roadmap")
            .run();
        assert_eq!(run.code, 0, "{}", run.stdout);
    }
    let comments = world.comments(pr);
    assert_eq!(comments.len(), 2, "{comments:#?}");
    assert!(body_of(&comments[0]).starts_with("<!-- planpilot:preview plan=shop-roadmap "));
    assert!(body_of(&comments[1]).starts_with("<!-- planpilot:preview plan=ops-roadmap "));
    assert!(body_of(&comments[1]).contains("| create | `T-1` task | — | new task: Rota calendar |"));
    assert!(
        body_of(&comments[0]).contains("| create | `T-6` task | — | new task: Reorder button |")
    );
    // Two comments posted, the first edited once.
    assert_eq!(world.fake.stats().rest_writes, 3);
}

#[test]
fn without_pull_requests_write_the_run_warns_once_and_passes() {
    let world = World::start(Config::without_pull_requests_write());
    let pr = world.fake.open_pull_request("No permission");
    let step = Step::new(&world, ROADMAP).pull_request(pr, "acme/roadmap");
    let run = step.run();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(world.comments(pr).is_empty());
    let warnings = warnings(&run);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("refused the preview comment on pull request #1 (403)")
            && warnings[0].contains("Add `pull-requests: write` under `permissions:`"),
        "{}",
        warnings[0]
    );
    // The preview is still in the summary, with the warning.
    let summary = step.summary();
    assert!(summary.contains("Items that would change"), "{summary}");
    assert!(summary.contains("`pull-requests: write`"), "{summary}");
}

#[test]
fn a_pull_request_from_a_fork_degrades_to_the_summary_without_a_request() {
    let world = World::start(Config::default());
    let pr = world.fake.open_pull_request("From a fork");
    let step = Step::new(&world, ROADMAP).pull_request(pr, "mona/roadmap");
    let run = step.run();
    assert_eq!(run.code, 0, "{}", run.stdout);
    let warnings = warnings(&run);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("comes from a fork"), "{}", warnings[0]);
    assert!(world.comments(pr).is_empty());
    assert_eq!(world.fake.stats().rest_calls, 0);
    assert!(step.summary().contains("Items that would change"));
}

#[test]
fn pr_comment_false_and_push_events_post_nothing() {
    let world = World::start(Config::default());
    let pr = world.fake.open_pull_request("Quiet");
    let off = Step::new(&world, ROADMAP)
        .pull_request(pr, "acme/roadmap")
        .set("INPUT_PR-COMMENT", "false");
    assert_eq!(off.run().code, 0);
    let push = Step::new(&world, ROADMAP)
        .set("GITHUB_EVENT_NAME", "push")
        .set("INPUT_DRY-RUN", "true");
    assert_eq!(push.run().code, 0);
    assert!(world.comments(pr).is_empty());
    assert_eq!(world.fake.stats().rest_calls, 0);
}

/// A plan of 1 epic, 7 stories and 700 tasks with long titles, written into `dir`.
fn write_large_plan(dir: &Path) {
    let mut text =
        String::from("id: big-roadmap\nepics:\n  - id: E-1\n    title: Everything\n    stories:\n");
    for s in 0..7 {
        text.push_str(&format!(
            "      - id: S-{s}\n        title: Story {s}\n        tasks:\n"
        ));
        for t in 0..100 {
            let title = format!(
                "Task {s}-{t} {}",
                "with a long descriptive title ".repeat(6)
            );
            text.push_str(&format!(
                "          - id: T-{s}-{t}\n            title: \"{}\"\n",
                title.trim()
            ));
        }
    }
    std::fs::write(dir.join("plan.yaml"), text).expect("plan written");
}

#[test]
fn an_oversized_preview_is_cut_under_githubs_limit_with_the_rows_left_out() {
    let world = World::start(Config::default());
    let workspace = tempfile::tempdir().expect("a workspace");
    write_large_plan(workspace.path());
    let pr = world.fake.open_pull_request("A huge plan");
    let step =
        Step::in_workspace(&world, workspace.path(), "plan.yaml").pull_request(pr, "acme/roadmap");
    let run = step.run();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(warnings(&run).is_empty(), "{:?}", warnings(&run));
    let comments = world.comments(pr);
    assert_eq!(comments.len(), 1);
    let body = body_of(&comments[0]);
    assert!(
        body.chars().count() <= COMMENT_LIMIT,
        "{}",
        body.chars().count()
    );
    let shown = body.lines().filter(|l| l.starts_with("| create |")).count();
    assert!(shown > 0 && shown < 708, "{shown} rows");
    assert!(
        body.contains(&format!(
            "…{} more rows left out to stay under GitHub's 65,536-character limit for a \
             comment; every change is in the [job summary]({RUN_URL}).",
            708 - shown
        )),
        "{}",
        &body[body.len().saturating_sub(800)..]
    );
}

#[test]
fn plan_errors_are_posted_with_links_to_their_lines_and_replaced_once_fixed() {
    let world = World::start(Config::default());
    let workspace = tempfile::tempdir().expect("a workspace");
    let invalid = std::fs::read_to_string(root().join(INVALID)).expect("fixture");
    std::fs::write(workspace.path().join("plan.yaml"), invalid).expect("plan written");
    let pr = world.fake.open_pull_request("A broken plan");
    let step =
        Step::in_workspace(&world, workspace.path(), "plan.yaml").pull_request(pr, "acme/roadmap");
    let run = step.run();
    assert_eq!(run.code, 2, "{}", run.stdout);
    let comments = world.comments(pr);
    assert_eq!(comments.len(), 1);
    let body = body_of(&comments[0]);
    assert!(
        body.starts_with("<!-- planpilot:preview plan= file=plan.yaml -->\n"),
        "{body}"
    );
    assert!(body.contains("— the plan has 2 errors"), "{body}");
    let blob = format!("https://github.com/acme/roadmap/blob/{HEAD_SHA}/plan.yaml");
    assert!(body.contains(&format!("]({blob}#L14)")), "{body}");
    assert!(body.contains(&format!("]({blob}#L15)")), "{body}");
    assert!(body.contains("T-9"), "{body}");
    assert_eq!(world.fake.stats().mutations.total, 0);

    // The next push fixes the plan: the same comment now shows the preview.
    let valid = std::fs::read_to_string(root().join(ROADMAP)).expect("fixture");
    std::fs::write(workspace.path().join("plan.yaml"), valid).expect("plan written");
    assert_eq!(step.run().code, 0);
    let comments = world.comments(pr);
    assert_eq!(comments.len(), 1);
    assert!(body_of(&comments[0]).contains("| create | `T-1` task |"));
    assert!(body_of(&comments[0])
        .starts_with("<!-- planpilot:preview plan=shop-roadmap file=plan.yaml -->"));
}

#[test]
fn progress_counts_completed_tasks_and_leaves_not_planned_ones_out() {
    let world = World::start(Config::default());
    let plan = load(ROADMAP);
    world.sync(&plan, false);
    world.close("shop-roadmap", "T-1", "COMPLETED");
    world.close("shop-roadmap", "T-2", "NOT_PLANNED");
    world.close("shop-roadmap", "T-5", "COMPLETED");

    let before = world.fake.stats().requests;
    let preview = world.sync(&plan, true);
    // Discovery's reads carry the states: one introspection of what the server supports and
    // one page of issues, and progress adds no request of its own.
    assert_eq!(world.fake.stats().requests - before, 2);
    let roadmap = preview.roadmap.expect("progress");
    let tally = |done, total| Tally { done, total };
    let e1 = &roadmap.epics[0];
    assert_eq!((e1.id.as_str(), e1.tally), ("E-1", tally(1, 3)));
    assert_eq!(e1.tally.percent(), Some(33));
    assert_eq!(
        (e1.stories[0].id.as_str(), e1.stories[0].tally),
        ("S-1", tally(1, 2))
    );
    assert_eq!(
        (e1.stories[1].id.as_str(), e1.stories[1].tally),
        ("S-2", tally(0, 1))
    );
    let e2 = &roadmap.epics[1];
    assert_eq!((e2.tally, e2.stories[0].tally), (tally(1, 1), tally(1, 1)));
    assert_eq!(roadmap.total, tally(2, 4));
    assert_eq!(
        roadmap.done.iter().map(String::as_str).collect::<Vec<_>>(),
        ["T-1", "T-5"]
    );

    // A sync reopens the task still in the plan: it is back in the total, to do.
    let synced = world.sync(&plan, false);
    let roadmap = synced.roadmap.expect("progress");
    assert_eq!(roadmap.epics[0].stories[0].tally, tally(1, 3));
    assert_eq!(roadmap.total, tally(2, 5));
}

#[test]
fn the_progress_output_and_the_summary_show_the_figures() {
    let world = World::start(Config::default());
    world.sync(&load(ROADMAP), false);
    world.close("shop-roadmap", "T-1", "COMPLETED");
    world.close("shop-roadmap", "T-2", "NOT_PLANNED");
    world.close("shop-roadmap", "T-5", "COMPLETED");
    let step = Step::new(&world, ROADMAP).set("INPUT_DRY-RUN", "true");
    let run = step.run();
    assert_eq!(run.code, 0, "{}", run.stdout);
    let progress: Value =
        serde_json::from_str(&step.outputs()["progress"]).expect("progress is JSON");
    assert_eq!(
        progress,
        json!({
            "done": 2, "total": 4, "percent": 50,
            "epics": [
                {"id": "E-1", "done": 1, "total": 3, "percent": 33, "stories": [
                    {"id": "S-1", "done": 1, "total": 2, "percent": 50},
                    {"id": "S-2", "done": 0, "total": 1, "percent": 0},
                ]},
                {"id": "E-2", "done": 1, "total": 1, "percent": 100, "stories": [
                    {"id": "S-3", "done": 1, "total": 1, "percent": 100},
                ]},
            ]
        })
    );
    let summary = step.summary();
    for row in [
        "| **`E-1`** Guest checkout | 1/3 | ███░░░░░░░ 33% |",
        "| ↳ `S-1` Pay as a guest | 1/2 | █████░░░░░ 50% |",
        "| ↳ `S-2` Ship to an address | 0/1 | ░░░░░░░░░░ 0% |",
        "| **`E-2`** Order history | 1/1 | ██████████ 100% |",
        "| **Plan** | 2/4 | █████░░░░░ 50% |",
    ] {
        assert!(summary.contains(row), "missing {row}\n{summary}");
    }
    // Done items have their own colour in the graph.
    assert!(
        summary.contains("classDef done fill:#fbefff,stroke:#8250df"),
        "{summary}"
    );
    assert!(summary.contains("[\"✓ T-1 #35;"), "{summary}");
}
