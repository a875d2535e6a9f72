//! The real `planpilot` binary, run the way the runner runs the container: an empty
//! environment plus `GITHUB_*` and `INPUT_*` variables only. Exit codes, validation lines and
//! annotations, input errors naming the input, outputs (heredoc form included), the job
//! summary, and no token in any output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

const TOKEN: &str = "ghs_TopSecretTokenValue123";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with nothing in its environment.
fn planpilot() -> Command {
    let mut cmd = Command::cargo_bin("planpilot").expect("the planpilot binary");
    cmd.env_clear();
    cmd
}

/// A runner-like step: Actions variables, the workspace at the repository root, output files.
struct Step {
    dir: tempfile::TempDir,
}

impl Step {
    fn new() -> Step {
        Step {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn output_path(&self) -> PathBuf {
        self.dir.path().join("github_output")
    }

    fn summary_path(&self) -> PathBuf {
        self.dir.path().join("step_summary")
    }

    fn command(&self) -> Command {
        let mut cmd = planpilot();
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", root())
            .env("GITHUB_REPOSITORY", "acme/roadmap")
            .env("GITHUB_OUTPUT", self.output_path())
            .env("GITHUB_STEP_SUMMARY", self.summary_path())
            .env("INPUT_GITHUB-TOKEN", TOKEN)
            .current_dir(root());
        cmd
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        parse_output_file(&std::fs::read_to_string(self.output_path()).unwrap_or_default())
    }
}

/// Reads a `GITHUB_OUTPUT` file the way the runner does: `name=value` lines and
/// `name<<DELIM` … `DELIM` blocks.
fn parse_output_file(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            loop {
                let next = lines
                    .next()
                    .expect("heredoc must be closed by its delimiter");
                if next == delimiter {
                    break;
                }
                value.push(next);
            }
            outputs.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_string(), value.to_string());
        } else {
            panic!("malformed output line {line:?}");
        }
    }
    outputs
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("planpilot runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// The token appears nowhere except in the `::add-mask::` command the runner consumes.
fn assert_no_token(run: &Run, files: &[&Path]) {
    for line in run.stdout.lines().chain(run.stderr.lines()) {
        if line.starts_with("::add-mask::") {
            continue;
        }
        assert!(!line.contains(TOKEN), "token leaked: {line}");
    }
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        assert!(
            !text.contains(TOKEN),
            "token leaked into {}",
            file.display()
        );
    }
}

#[test]
fn validate_a_good_plan_prints_one_summary_line() {
    let run = run(planpilot().current_dir(root()).args([
        "validate",
        "--plan-file",
        "examples/plan.yaml",
    ]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "examples/plan.yaml: valid — 2 epics, 4 stories, 9 tasks, 10 dependencies\n"
    );
}

#[test]
fn validate_reads_the_plan_file_input_relative_to_the_workspace() {
    let run = run(planpilot()
        .current_dir(std::env::temp_dir())
        .env("GITHUB_WORKSPACE", root())
        .env("INPUT_PLAN-FILE", "tests/fixtures/plans/good/nested.yaml")
        .arg("validate"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("tests/fixtures/plans/good/nested.yaml: valid — "),
        "{}",
        run.stdout
    );
}

#[test]
fn validate_a_bad_plan_prints_each_problem_and_exits_2() {
    let plan = "tests/fixtures/plans/bad/dependencies.yaml";
    let run = run(planpilot()
        .current_dir(root())
        .args(["validate", "--plan-file", plan]));
    assert_eq!(run.code, 2);
    let expected = std::fs::read_to_string(root().join(format!("{plan}.expected"))).unwrap();
    let lines: Vec<&str> = run.stderr.lines().collect();
    let expected: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), expected.len(), "{}", run.stderr);
    for line in &lines {
        assert!(line.starts_with(&format!("{plan}:")), "{line}");
        let mut parts = line.splitn(4, ':').skip(1);
        let (l, c) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(
            l.parse::<usize>().is_ok() && c.parse::<usize>().is_ok(),
            "{line}"
        );
    }
    assert!(run.stdout.is_empty(), "no annotations outside Actions");
}

#[test]
fn validate_under_actions_annotates_the_plan_file() {
    let step = Step::new();
    let plan = "tests/fixtures/plans/bad/dependencies.yaml";
    let run = run(step.command().env("INPUT_PLAN-FILE", plan).arg("validate"));
    assert_eq!(run.code, 2);
    let annotations: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(
        annotations.len(),
        run.stderr.lines().count(),
        "{}",
        run.stdout
    );
    // Annotations name the file relative to the workspace, with line and column.
    assert!(
        annotations[0].starts_with(&format!("::error file={plan},line=12,col=31,")),
        "{}",
        annotations[0]
    );
    assert!(annotations[0]
        .ends_with("::task T-7 depends on T-99, which is not in the plan (did you mean T-9?)"));
    assert_no_token(&run, &[]);
    assert!(run.stdout.contains(&format!("::add-mask::{TOKEN}")));
}

#[test]
fn validate_a_missing_plan_exits_2() {
    let run =
        run(planpilot()
            .current_dir(root())
            .args(["validate", "--plan-file", "no/such/plan.yaml"]));
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "no/such/plan.yaml:1:1: plan file not found\n");
}

#[test]
fn bad_inputs_exit_2_naming_the_input_before_any_request() {
    let cases = [
        ("INPUT_MAX-CONCURRENCY", "0", "max-concurrency"),
        ("INPUT_MAX-RETRIES", "many", "max-retries"),
        ("INPUT_DRY-RUN", "yes", "dry-run"),
        ("INPUT_ON-REMOVED", "delete", "on-removed"),
        (
            "INPUT_PROJECT-URL",
            "https://github.com/acme",
            "project-url",
        ),
        ("INPUT_REPOSITORY", "not-a-repo", "repository"),
        ("INPUT_MAX-WAIT", "forever", "max-wait"),
    ];
    for (var, value, input) in cases {
        let step = Step::new();
        // The API points nowhere: a request would fail differently (exit 1).
        let run = run(step
            .command()
            .env("GITHUB_GRAPHQL_URL", "http://127.0.0.1:9/graphql")
            .env(var, value)
            .arg("sync"));
        assert_eq!(run.code, 2, "{var}={value}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(&format!("::error title=planpilot::input `{input}`: "))),
            "{var}={value}: {}",
            run.stdout
        );
        assert!(step.outputs().is_empty(), "no outputs on bad input");
        let summary = summary_of(&step);
        assert!(
            summary.starts_with("## planpilot: invalid input\n"),
            "{summary}"
        );
        assert!(
            summary.contains(&format!("- input `{input}`: ")),
            "{summary}"
        );
        assert_no_token(&run, &[&step.output_path(), &step.summary_path()]);
    }
}

#[test]
fn local_input_errors_go_to_stderr() {
    let run = run(planpilot()
        .current_dir(root())
        .env("GITHUB_REPOSITORY", "acme/roadmap")
        .args(["sync", "--dry-run", "--max-concurrency=500"]));
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: input `max-concurrency`: must be an integer from 1 to 100, got \"500\"\n"
    );
}

#[test]
fn a_sync_without_any_token_is_refused_with_exit_2() {
    let run = run(planpilot()
        .current_dir(root())
        .env("GITHUB_REPOSITORY", "acme/roadmap")
        .args(["sync", "--plan-file", "examples/plan.yaml"]));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("input `github-token`: not set"),
        "{}",
        run.stderr
    );
}

#[test]
fn under_actions_no_command_means_sync() {
    let step = Step::new();
    let run = run(step.command().env("INPUT_MAX-RETRIES", "11"));
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("input `max-retries`"), "{}", run.stdout);
}

#[test]
fn outside_actions_no_command_is_a_usage_error() {
    let run = run(&mut planpilot());
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no command given"), "{}", run.stderr);
}

#[test]
fn a_bad_plan_fails_a_sync_with_exit_2_and_annotations() {
    let step = Step::new();
    let run = run(step
        .command()
        .env("INPUT_PLAN-FILE", "tests/fixtures/plans/bad/cycle.yaml")
        .env("INPUT_DRY-RUN", "true"));
    assert_eq!(run.code, 2);
    assert!(run
        .stdout
        .lines()
        .any(|l| l.starts_with("::error file=tests/fixtures/plans/bad/cycle.yaml,line=")));
    assert!(step.outputs().is_empty());
    let summary = summary_of(&step);
    assert!(
        summary.starts_with("## planpilot: invalid plan\n"),
        "{summary}"
    );
    assert!(
        summary.contains("- tests/fixtures/plans/bad/cycle.yaml:10:26: dependency cycle: "),
        "{summary}"
    );
    assert_no_token(&run, &[]);
}

#[test]
fn parse_output_file_reads_both_forms() {
    let parsed = parse_output_file("a=1\nb<<EOF_x\nline 1\nline=2\nEOF_x\nc=\n");
    assert_eq!(parsed["a"], "1");
    assert_eq!(parsed["b"], "line 1\nline=2");
    assert_eq!(parsed["c"], "");
}

// ---- Against the fake GitHub, started in this process; the binary reaches it by URL. ----

const ORG_BOARD: &str = "https://github.com/orgs/acme/projects/1";

/// A fake GitHub that accepts `TOKEN`, served by a runtime that keeps running while the
/// (blocking) binary runs.
struct Fake {
    // Declared first so it is dropped before the runtime that serves it.
    fake: fake_github::FakeGithub,
    _runtime: tokio::runtime::Runtime,
}

impl Fake {
    fn start() -> Fake {
        Fake::start_with(fake_github::Config {
            token: TOKEN.to_string(),
            ..fake_github::Config::default()
        })
    }

    fn start_with(config: fake_github::Config) -> Fake {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let fake = runtime
            .block_on(fake_github::FakeGithub::start(config))
            .expect("fake starts");
        Fake {
            fake,
            _runtime: runtime,
        }
    }

    /// A step of the example plan against this fake, with its board.
    fn step_command(&self, step: &Step) -> Command {
        let mut cmd = step.command();
        cmd.env("GITHUB_GRAPHQL_URL", self.fake.graphql_url())
            .env("GITHUB_API_URL", self.fake.url())
            .env("INPUT_PLAN-FILE", "examples/plan.yaml")
            .env("INPUT_PROJECT-URL", ORG_BOARD);
        cmd
    }

    fn mutations(&self) -> u64 {
        self.fake.stats().mutations.total
    }

    fn issue_count(&self) -> usize {
        let state = self.fake.state();
        state["issues"].as_array().map_or(0, Vec::len)
    }
}

fn summary_of(step: &Step) -> String {
    std::fs::read_to_string(step.summary_path()).unwrap_or_default()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text:?} is not JSON: {e}"))
}

#[test]
fn a_sync_under_actions_writes_outputs_summary_and_log_groups() {
    let fake = Fake::start();
    let step = Step::new();
    let run = run(&mut fake.step_command(&step));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // Outputs, as the runner parses them; the long issue map uses the heredoc form.
    let raw = std::fs::read_to_string(step.output_path()).unwrap();
    assert!(raw.contains("issue-map<<ghadelimiter_"), "{raw}");
    let outputs = step.outputs();
    let created: Vec<u64> = serde_json::from_value(json(&outputs["created-issues"])).unwrap();
    assert_eq!(created.len(), 15);
    assert_eq!(outputs["created-count"], "15");
    assert_eq!(outputs["updated-count"], "0");
    assert_eq!(outputs["unchanged-count"], "0");
    assert_eq!(outputs["closed-count"], "0");
    assert_eq!(outputs["plan-key"], "offline-mode");
    let map = json(&outputs["issue-map"]);
    assert_eq!(map.as_object().unwrap().len(), 15);
    let epic = &map["OFF-1"];
    assert_eq!(epic["action"], "created");
    let number = epic["number"].as_u64().unwrap();
    assert!(created.contains(&number));
    assert!(epic["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/issues/{number}")));
    assert_eq!(fake.issue_count(), 15);

    // The job summary: counts, the table of changed items with links, the graph.
    let summary = summary_of(&step);
    assert!(
        summary.contains("| Created | Updated | Unchanged | Closed |"),
        "{summary}"
    );
    assert!(summary.contains("| 15 | 0 | 0 | 0 |"), "{summary}");
    assert!(summary.contains(&format!("| `OFF-1` | epic | created | [#{number}](")));
    assert!(summary.contains("```mermaid\nflowchart TD\n"));

    // The log: one group per phase with progress lines.
    assert!(
        run.stdout.contains("::group::tasks (9)\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("tasks 9/9\n"));
    assert_eq!(
        run.stdout.matches("::group::").count(),
        run.stdout.matches("::endgroup::").count()
    );
    assert!(run.stdout.starts_with(&format!("::add-mask::{TOKEN}\n")));
    assert_no_token(&run, &[&step.output_path(), &step.summary_path()]);
}

#[test]
fn a_second_sync_changes_nothing() {
    let fake = Fake::start();
    let first = run(&mut fake.step_command(&Step::new()));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = fake.mutations();

    let step = Step::new();
    let second = run(&mut fake.step_command(&step));
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(fake.mutations(), before, "a re-run makes no mutation");
    let outputs = step.outputs();
    assert_eq!(outputs["created-issues"], "[]");
    assert_eq!(outputs["created-count"], "0");
    assert_eq!(outputs["unchanged-count"], "15");
    assert!(summary_of(&step).contains("no item changed"));
    assert_eq!(fake.issue_count(), 15);
}

#[test]
fn a_dry_run_previews_without_writing() {
    let fake = Fake::start();
    let step = Step::new();
    let run = run(fake.step_command(&step).env("INPUT_DRY-RUN", "true"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fake.mutations(), 0);
    assert_eq!(fake.issue_count(), 0);
    let outputs = step.outputs();
    assert_eq!(outputs["created-count"], "15");
    assert_eq!(outputs["created-issues"], "[]", "nothing was created");
    let map = json(&outputs["issue-map"]);
    assert_eq!(map["OFF-2.2.2"]["number"], serde_json::Value::Null);
    assert_eq!(map["OFF-2.2.2"]["action"], "created");
    let summary = summary_of(&step);
    assert!(summary.contains("Preview (dry run)"));
    assert!(
        summary.contains("| `OFF-2.2.2` | task | create |"),
        "{summary}"
    );
}

#[test]
fn an_offline_dry_run_needs_no_token_and_no_network() {
    let step = Step::new();
    let run = run(step
        .command()
        .env_remove("INPUT_GITHUB-TOKEN")
        .env("GITHUB_GRAPHQL_URL", "http://127.0.0.1:9/graphql")
        .env("INPUT_PLAN-FILE", "examples/plan.yaml")
        .env("INPUT_DRY-RUN", "true"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("::warning title=planpilot::offline preview"),
        "{}",
        run.stdout
    );
    let outputs = step.outputs();
    assert_eq!(outputs["created-count"], "15");
    assert_eq!(outputs["plan-key"], "offline-mode");
    assert!(summary_of(&step).contains("### Items that would change"));
}

#[test]
fn a_rejected_token_fails_with_exit_1_without_showing_it() {
    let fake = Fake::start();
    let step = Step::new();
    let wrong = "ghp_WrongTokenValue987";
    let run = run(fake.step_command(&step).env("INPUT_GITHUB-TOKEN", wrong));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("::error title=planpilot::sync failed: bad credentials"),
        "{}",
        run.stdout
    );
    for line in run.stdout.lines().chain(run.stderr.lines()) {
        assert!(
            line.starts_with("::add-mask::") || !line.contains(wrong),
            "{line}"
        );
    }
    assert_eq!(fake.issue_count(), 0);
}

#[test]
fn a_plan_that_does_not_fit_the_board_exits_2_before_writing() {
    let fake = Fake::start();
    let workspace = tempfile::tempdir().unwrap();
    std::fs::write(
        workspace.path().join("plan.yaml"),
        "id: misfit\nepics:\n  - id: E-1\n    title: One\n    fields: { Mood: Happy }\n",
    )
    .unwrap();
    let step = Step::new();
    let run = run(fake
        .step_command(&step)
        .env("GITHUB_WORKSPACE", workspace.path())
        .env("INPUT_PLAN-FILE", "plan.yaml"));
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Mood"), "{}", run.stdout);
    assert_eq!(fake.mutations(), 0);
    let summary = summary_of(&step);
    assert!(
        summary.starts_with("## planpilot: the plan does not fit GitHub\n"),
        "{summary}"
    );
    assert!(summary.contains("Mood"), "{summary}");
}

#[test]
fn problems_only_github_reveals_point_at_the_plan_line_that_names_them() {
    let fake = Fake::start();
    let workspace = tempfile::tempdir().unwrap();
    std::fs::write(
        workspace.path().join("plan.yaml"),
        "id: misfit\nepics:\n  - id: E-1\n    title: One\n    assignees: [nobody-here]\n    \
         milestone: v9\n    fields:\n      Mood: Happy\n      Status: Sideways\n",
    )
    .unwrap();
    let step = Step::new();
    let run = run(fake
        .step_command(&step)
        .env("GITHUB_WORKSPACE", workspace.path())
        .env("INPUT_PLAN-FILE", "plan.yaml"));
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(fake.mutations(), 0);
    let annotation = |line: usize, says: &str| {
        run.stdout.lines().any(|l| {
            l.starts_with(&format!("::error file=plan.yaml,line={line},")) && l.contains(says)
        })
    };
    for (line, says) in [
        (5, "unknown assignee \"nobody-here\""),
        (6, "no milestone \"v9\""),
        (8, "Mood"),
        (9, "Sideways"),
    ] {
        assert!(
            annotation(line, says),
            "line {line}, {says}:\n{}",
            run.stdout
        );
    }
    // Each problem carries its own cause: the assignee's is not told about the board.
    let assignee = run
        .stdout
        .lines()
        .find(|l| l.contains("nobody-here"))
        .unwrap();
    assert!(!assignee.contains("board"), "{assignee}");
    // The summary lists the problems once each, as one list.
    let summary = summary_of(&step);
    assert!(!summary.contains("- - "), "{summary}");
    assert_eq!(
        summary.lines().filter(|l| l.starts_with("- ")).count(),
        4,
        "{summary}"
    );
}

#[test]
fn locally_the_result_is_a_table_or_json() {
    let fake = Fake::start();
    let mut base = planpilot();
    base.current_dir(root())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_GRAPHQL_URL", fake.fake.graphql_url())
        .args([
            "sync",
            "--repository",
            "acme/roadmap",
            "--plan-file",
            "examples/plan.yaml",
        ]);
    let table = run(&mut base);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table
            .stdout
            .contains("ID         KIND   ACTION   ISSUE  TITLE\n"),
        "{}",
        table.stdout
    );
    assert!(table
        .stdout
        .contains("15 created, 0 updated, 0 unchanged, 0 closed\n"));
    assert!(
        !table.stdout.contains("::"),
        "no workflow commands outside Actions"
    );

    let again = run(base.arg("--json"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    let result = json(&again.stdout);
    assert_eq!(result["counts"]["unchanged"], 15);
    assert_eq!(result["created-issues"], serde_json::json!([]));
    assert_eq!(result["plan-key"], "offline-mode");
    assert_no_token(&table, &[]);
    assert_no_token(&again, &[]);
}

#[test]
fn a_rate_limited_sync_exits_1_and_a_re_run_resumes_without_duplicates() {
    let fake = Fake::start();
    // GitHub's content-creation limit after 4 issues, with a wait longer than max-wait allows.
    fake.fake.set_faults(fake_github::Faults {
        content_limit: Some(fake_github::ContentLimit {
            max: 4,
            window: std::time::Duration::from_secs(3600),
        }),
        retry_after_secs: 600,
        ..fake_github::Faults::default()
    });
    let step = Step::new();
    let stopped = run(fake.step_command(&step).env("INPUT_MAX-WAIT", "1"));
    assert_eq!(stopped.code, 1, "{}\n{}", stopped.stdout, stopped.stderr);
    // The limit is announced in the log with its reason.
    assert!(
        stopped.stderr.contains("max-wait"),
        "the rate-limit stop is announced: {}",
        stopped.stderr
    );
    assert!(
        stopped.stdout.contains("::error title=planpilot::"),
        "{}",
        stopped.stdout
    );
    let partial = fake.issue_count();
    assert!(partial < 15, "stopped part-way, {partial} issues");
    let outputs = step.outputs();
    assert_eq!(outputs["created-count"], partial.to_string());
    // The summary and the annotation say what is left and when the run can resume.
    let summary = summary_of(&step);
    assert!(
        summary.contains("changes applied") && summary.contains("left. It can resume after 20"),
        "{summary}"
    );
    assert!(summary.contains("re-run the workflow then"), "{summary}");
    assert!(
        stopped
            .stdout
            .contains("would keep this run waiting past max-wait"),
        "{}",
        stopped.stdout
    );

    fake.fake.set_faults(fake_github::Faults::default());
    let resumed_step = Step::new();
    let resumed = run(&mut fake.step_command(&resumed_step));
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    assert_eq!(fake.issue_count(), 15, "no duplicates after the re-run");
    let outputs = resumed_step.outputs();
    assert_eq!(outputs["created-count"], (15 - partial).to_string());
    assert_no_token(&stopped, &[&step.output_path(), &step.summary_path()]);
}

#[test]
fn runner_debug_turns_on_debug_logging_without_tokens() {
    let step = Step::new();
    let mut cmd = step.command();
    cmd.env("INPUT_PLAN-FILE", "examples/plan.yaml")
        .env("INPUT_GITHUB-TOKEN", "")
        .env("INPUT_DRY-RUN", "true");
    let quiet = run(&mut cmd);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("DEBUG"), "{}", quiet.stderr);

    let debug = run(cmd
        .env("RUNNER_DEBUG", "1")
        .env("INPUT_PROJECT-TOKEN", TOKEN));
    assert_eq!(debug.code, 0, "{}", debug.stderr);
    let line = debug
        .stderr
        .lines()
        .find(|l| l.contains("DEBUG") && l.contains("inputs"))
        .unwrap_or_else(|| panic!("no debug line: {}", debug.stderr));
    assert!(line.contains("repository=acme/roadmap"), "{line}");
    assert!(line.contains("dry_run=true"), "{line}");
    assert_no_token(&debug, &[&step.output_path(), &step.summary_path()]);
}

/// The `request` lines of a debug log, each as its `key=value` fields.
fn request_lines(log: &str) -> Vec<BTreeMap<String, String>> {
    log.lines()
        .filter(|line| line.contains("DEBUG") && line.contains(" request "))
        .map(|line| {
            let fields = line.split_once(" request ").unwrap().1;
            // `outcome=` comes last and may hold spaces.
            let (head, outcome) = fields.split_once("outcome=").unwrap_or((fields, ""));
            let mut map: BTreeMap<String, String> = head
                .split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            map.insert("outcome".into(), outcome.trim().to_string());
            map
        })
        .collect()
}

#[test]
fn runner_debug_logs_every_request_with_its_operation_status_time_and_retries() {
    // Every 10th document is refused with RATE_LIMITED; the budget resets each second, so the
    // waits are short.
    let fake = Fake::start_with(fake_github::Config {
        token: TOKEN.to_string(),
        primary_window: std::time::Duration::from_secs(1),
        faults: fake_github::Faults {
            rate_limited_every: Some(10),
            ..fake_github::Faults::default()
        },
        ..fake_github::Config::default()
    });
    let step = Step::new();
    let debug = run(fake
        .step_command(&step)
        .env_remove("INPUT_PROJECT-URL")
        .env("RUNNER_DEBUG", "1"));
    assert_eq!(debug.code, 0, "{}\n{}", debug.stdout, debug.stderr);
    assert_eq!(fake.issue_count(), 15);

    let requests = request_lines(&debug.stderr);
    let stats = fake.fake.stats();
    assert_eq!(
        requests.len() as u64,
        stats.requests,
        "one line per request GitHub received: {}",
        debug.stderr
    );
    for line in &requests {
        assert_eq!(line["method"], "POST", "{line:?}");
        assert_eq!(line["api"], "graphql", "{line:?}");
        assert_eq!(line["token"], "github-token", "{line:?}");
        assert_eq!(line["status"], "200", "{line:?}");
        assert!(line["time_ms"].parse::<u64>().is_ok(), "{line:?}");
        assert!(line["retry"].parse::<u32>().is_ok(), "{line:?}");
    }
    let discover = requests
        .iter()
        .find(|l| l["operation"] == "Discover")
        .unwrap_or_else(|| panic!("the discovery query is named: {requests:?}"));
    assert_eq!(discover["mutations"], "0", "{discover:?}");
    assert!(
        requests
            .iter()
            .any(|l| l["operation"] == "CreateIssue" && l["mutations"] != "0"),
        "the creates are named: {requests:?}"
    );
    // Each refusal is logged with its reason, and the resend of that document with its count.
    let refused: Vec<&BTreeMap<String, String>> = requests
        .iter()
        .filter(|l| l["outcome"].starts_with("refused: primary rate limit"))
        .collect();
    assert_eq!(refused.len() as u64, stats.rate_limited, "{requests:?}");
    assert!(!refused.is_empty());
    assert!(
        requests.iter().any(|l| l["retry"] != "0"),
        "a resend says it is one: {requests:?}"
    );
    assert!(requests.iter().any(|l| l["outcome"] == "answered"));
    assert_no_token(&debug, &[&step.output_path(), &step.summary_path()]);

    // Without RUNNER_DEBUG, no request log.
    let quiet = run(fake
        .step_command(&Step::new())
        .env_remove("INPUT_PROJECT-URL"));
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(request_lines(&quiet.stderr).is_empty(), "{}", quiet.stderr);
}

#[test]
fn an_unwritable_output_or_summary_file_fails_the_step_with_exit_1() {
    // A directory stands for the file: it cannot be opened for writing, even by root.
    let offline = |step: &Step| {
        let mut cmd = step.command();
        cmd.env_remove("INPUT_GITHUB-TOKEN")
            .env("INPUT_PLAN-FILE", "examples/plan.yaml")
            .env("INPUT_DRY-RUN", "true");
        cmd
    };
    let step = Step::new();
    let lost_outputs = run(offline(&step).env("GITHUB_OUTPUT", step.dir.path()));
    assert_eq!(
        lost_outputs.code, 1,
        "{}\n{}",
        lost_outputs.stdout, lost_outputs.stderr
    );
    let expected = format!(
        "::error title=planpilot::cannot write the step outputs to GITHUB_OUTPUT ({}): ",
        step.dir.path().display()
    );
    assert!(
        lost_outputs.stdout.contains(&expected),
        "{}",
        lost_outputs.stdout
    );
    // The other file is still written.
    assert!(summary_of(&step).contains("Preview (dry run)"));

    let step = Step::new();
    let missing = step.dir.path().join("no-such-dir/summary.md");
    let lost_summary = run(offline(&step).env("GITHUB_STEP_SUMMARY", &missing));
    assert_eq!(
        lost_summary.code, 1,
        "{}\n{}",
        lost_summary.stdout, lost_summary.stderr
    );
    let expected = format!(
        "::error title=planpilot::cannot write the job summary to GITHUB_STEP_SUMMARY ({}): ",
        missing.display()
    );
    assert!(
        lost_summary.stdout.contains(&expected),
        "{}",
        lost_summary.stdout
    );
    assert_eq!(step.outputs()["created-count"], "15");
    assert!(
        lost_summary.stderr.contains("could not be written"),
        "{}",
        lost_summary.stderr
    );

    // Both writable: exit 0.
    let step = Step::new();
    assert_eq!(run(&mut offline(&step)).code, 0);
}
