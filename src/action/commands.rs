//! The commands of the `planpilot` binary — `validate` and `sync` — from checked inputs to
//! what a person sees (log lines, annotations, outputs, job summary) and the exit code.

use std::io::Write;
use std::path::Path;

use crate::github::Client;
use crate::plan::{self, ItemKind, LoadOptions, Plan, PlanError};
use crate::render::PreviewMarker;
use crate::sync::{self, Progress, Report, SyncError, SyncOptions};

use super::console;
use super::inputs::{display_path, plan_location, Env, Flags, InputError, Inputs};
use super::outputs::{report_json, report_outputs, report_table, set_outputs, OutputError};
use super::pr_comment::{self, Problem};
use super::progress::LogProgress;
use super::pull_request::{self, Decision, PullRequest};
use super::summary::{append_summary, render_failure, render_summary};
use super::workflow::{self, Annotation, Annotator, Level};

/// How the process ends. Documented in the README; workflows may branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything in the plan is on GitHub (or, in a dry run, the preview was produced).
    Success,
    /// The sync stopped part-way; what was applied stays, and a re-run resumes.
    SyncFailed,
    /// The plan or an input is invalid; nothing was sent to GitHub.
    Invalid,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::SyncFailed => 1,
            Exit::Invalid => 2,
        }
    }
}

/// `planpilot validate`: loads the plan and prints a one-line summary or every problem.
pub fn validate(flags: &Flags, env: &Env) -> Exit {
    let (plan_file, root) = plan_location(flags, env);
    match load_plan(&plan_file, &root, env) {
        Err(_) => Exit::Invalid,
        Ok(plan) => {
            console::line(format_args!(
                "{}: valid — {}",
                display_path(&plan_file, &root),
                plan_stats(&plan)
            ));
            Exit::Success
        }
    }
}

/// `planpilot sync`: inputs → plan → sync (or offline preview) → outputs, summary, exit code.
pub async fn sync(flags: &Flags, json: bool, env: &Env) -> Exit {
    let inputs = match Inputs::parse(flags, env) {
        Ok(inputs) => inputs,
        Err(errors) => {
            report_input_errors(&errors, env.is_actions());
            let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
            summarise_failure(env, "invalid input", &problems);
            return Exit::Invalid;
        }
    };
    log_inputs(&inputs);
    let mut comment = CommentTarget::new(&inputs, env);
    let plan = match load_plan_problems(&inputs.plan_file, &inputs.root, env) {
        Ok(plan) => plan,
        Err(problems) => {
            let heading = match problems.len() {
                1 => "the plan has 1 error".to_string(),
                n => format!("the plan has {n} errors"),
            };
            comment
                .post_problems(&inputs, env, None, &heading, &problems)
                .await;
            let lines: Vec<String> = problems.into_iter().map(|p| p.text).collect();
            summarise_failure(env, "invalid plan", &lines);
            return Exit::Invalid;
        }
    };
    comment.marker.plan_key = plan.key.clone();
    let options = inputs.sync_options();
    // Locally stdout carries only the result (a table or JSON), so progress goes to stderr.
    let progress = if env.is_actions() {
        LogProgress::new(Box::new(std::io::stdout()), true)
    } else {
        LogProgress::new(Box::new(std::io::stderr()), false)
    };
    let (outcome, client) = run_engine(&plan, &inputs, &options, &progress, env.is_actions()).await;
    let mut report = match outcome {
        Ok(report) => report,
        Err(Stop::Misfit(problems)) => {
            let heading = "the plan does not fit GitHub";
            let listed = report_misfits(&problems, &inputs.root, env.is_actions());
            comment
                .post_problems(&inputs, env, client.as_ref(), heading, &listed)
                .await;
            let lines: Vec<String> = listed.into_iter().map(|p| p.text).collect();
            summarise_failure(env, heading, &lines);
            return Exit::Invalid;
        }
        Err(Stop::Other(exit, message)) => {
            announce(env.is_actions(), Level::Error, &message);
            let heading = if exit == Exit::Invalid {
                "the plan does not fit GitHub"
            } else {
                "sync failed"
            };
            let problems: Vec<String> = message.lines().map(str::trim).map(String::from).collect();
            let listed: Vec<Problem> = problems
                .iter()
                .map(|text| Problem {
                    text: text.clone(),
                    at: None,
                })
                .collect();
            comment
                .post_problems(&inputs, env, client.as_ref(), heading, &listed)
                .await;
            summarise_failure(env, heading, &problems);
            return exit;
        }
    };
    if let Some(warning) = comment
        .post_preview(&inputs, env, client.as_ref(), &report)
        .await
    {
        report.warnings.push(warning);
    }
    publish(&report, json, env)
}

/// The pull request this run comments on, if any (see `pull_request::decide`), and the
/// marker naming the plan previewed.
struct CommentTarget {
    decision: Decision,
    marker: PreviewMarker,
}

impl CommentTarget {
    fn new(inputs: &Inputs, env: &Env) -> CommentTarget {
        CommentTarget {
            decision: pull_request::decide_for(inputs, env),
            // The key is known once the plan loads; until then the file names the plan.
            marker: PreviewMarker {
                plan_key: String::new(),
                plan_file: display_path(&inputs.plan_file, &inputs.root),
            },
        }
    }

    /// Posts the preview of `report`; returns the warning to add to the report, if any.
    async fn post_preview(
        &self,
        inputs: &Inputs,
        env: &Env,
        client: Option<&Client>,
        report: &Report,
    ) -> Option<String> {
        let pr = match &self.decision {
            Decision::Skip => return None,
            Decision::Warn(warning) => return Some(warning.clone()),
            Decision::Post(pr) => pr,
        };
        let links = pull_request::links(inputs, env, pr);
        let body = pr_comment::render_preview(report, &self.marker, &links);
        send(inputs, client, pr, &self.marker, &body).await.err()
    }

    /// Posts the problems that stopped the run, and announces any warning at once (there is
    /// no report to carry it).
    async fn post_problems(
        &self,
        inputs: &Inputs,
        env: &Env,
        client: Option<&Client>,
        heading: &str,
        problems: &[Problem],
    ) {
        let warning = match &self.decision {
            Decision::Skip => None,
            Decision::Warn(warning) => Some(warning.clone()),
            Decision::Post(pr) => {
                let links = pull_request::links(inputs, env, pr);
                let body = pr_comment::render_problems(heading, problems, &self.marker, &links);
                send(inputs, client, pr, &self.marker, &body).await.err()
            }
        };
        if let Some(warning) = warning {
            announce(env.is_actions(), Level::Warning, &warning);
        }
    }
}

/// Posts or edits the comment with the run's client, or a new one when the run stopped before
/// it had any.
async fn send(
    inputs: &Inputs,
    client: Option<&Client>,
    pr: &PullRequest,
    marker: &PreviewMarker,
    body: &str,
) -> Result<(), String> {
    let fresh;
    let client = match client {
        Some(client) => client,
        None => {
            fresh = Client::new(inputs.client_config()).map_err(|e| {
                format!("pr-comment: cannot set up the GitHub client ({e}); nothing was posted")
            })?;
            &fresh
        }
    };
    let posted = pull_request::post(client, inputs, pr, marker, body).await?;
    let (what, url) = match &posted {
        pull_request::Posted::Created(url) => ("posted", url),
        pull_request::Posted::Edited(url) => ("updated", url),
        pull_request::Posted::Unchanged(url) => ("already up to date", url),
    };
    tracing::info!(pull_request = pr.number, %url, "preview comment {what}");
    Ok(())
}

/// The checked inputs at debug level (`RUNNER_DEBUG=1`), tokens only as given or not.
fn log_inputs(inputs: &Inputs) {
    tracing::debug!(
        plan_file = %inputs.plan_file.display(),
        root = %inputs.root.display(),
        repository = %inputs.repository,
        label = %inputs.label,
        dry_run = inputs.dry_run,
        project = inputs.project.as_ref().map_or("none", |p| p.url.as_str()),
        github_token = if inputs.github_token.is_some() { "given" } else { "none" },
        max_concurrency = inputs.max_concurrency,
        max_retries = inputs.max_retries,
        max_wait_s = inputs.max_wait.as_secs(),
        graphql_url = %inputs.graphql_url,
        "inputs"
    );
}

/// Prints the secret masks first, under Actions, so no later line can show a token.
pub fn mask_secrets(flags: &Flags, env: &Env) {
    if !env.is_actions() {
        return;
    }
    for secret in Inputs::secrets(flags, env) {
        for line in workflow::add_mask(&secret) {
            console::line(line);
        }
    }
}

/// Runs the sync against GitHub, or without a token (dry run only, as `Inputs` ensures), the
/// offline preview: everything in the plan would be created. Also returns the client, when one
/// was made, for the pull-request comment.
async fn run_engine(
    plan: &Plan,
    inputs: &Inputs,
    options: &SyncOptions,
    progress: &dyn Progress,
    actions: bool,
) -> (Result<Report, Stop>, Option<Client>) {
    if inputs.github_token.is_none() {
        // The preview's report carries a warning saying it is offline.
        return (Ok(sync::preview_offline(plan, options)), None);
    }
    let client = match Client::new(inputs.client_config()) {
        Ok(client) => client,
        Err(e) => {
            let message = format!("cannot set up the GitHub client: {e}");
            return (Err(Stop::Other(Exit::Invalid, message)), None);
        }
    };
    // Waits on GitHub's limits are worth a line in the run's log (`::notice::`).
    client.on_wait(move |message| {
        if actions {
            console::line(Annotation::new(message).to_command(Level::Notice));
        } else {
            eprintln!("{}: {message}", Level::Notice.command());
        }
    });
    let outcome = sync::run(plan, &client, options, progress)
        .await
        .map_err(|e| match e {
            SyncError::Invalid(problems) => Stop::Misfit(problems),
            e => {
                let exit = if e.is_invalid_input() {
                    Exit::Invalid
                } else {
                    Exit::SyncFailed
                };
                Stop::Other(exit, format!("sync failed: {e}"))
            }
        });
    (outcome, Some(client))
}

/// Why `run_engine` produced no report.
enum Stop {
    /// The plan does not fit GitHub: one problem each, with its plan line where it has one.
    Misfit(Vec<sync::Problem>),
    Other(Exit, String),
}

/// Each problem on its own: an annotation at its plan line under Actions, a `file:line:col:`
/// line on stderr; returns them for the summary and the pull-request comment.
fn report_misfits(problems: &[sync::Problem], root: &Path, actions: bool) -> Vec<Problem> {
    let mut annotator = Annotator::new(std::io::stdout());
    let mut lines = Vec::new();
    for problem in problems {
        let mut annotation =
            Annotation::new(&problem.message).title("planpilot: the plan does not fit GitHub");
        let (text, at) = match &problem.at {
            Some(at) => {
                let file = display_path(&at.file, root);
                annotation = annotation.at(file.clone(), at.line, at.col);
                let text = format!("{file}:{}:{}: {}", at.line, at.col, problem.message);
                (text, Some((file, at.line)))
            }
            None => (problem.message.clone(), None),
        };
        if actions {
            let _ = annotator.emit(Level::Error, &annotation);
        } else {
            eprintln!("error: {text}");
        }
        lines.push(Problem { text, at });
    }
    let _ = annotator.finish();
    lines
}

/// Outputs, table or JSON, job summary and annotations of a finished run; its exit code.
pub fn publish(report: &Report, json: bool, env: &Env) -> Exit {
    let actions = env.is_actions();
    if json {
        console::line(serde_json::to_string_pretty(&report_json(report)).unwrap_or_default());
    } else {
        console::text(report_table(report));
    }
    // A step whose outputs or summary are lost has not done its job: later steps would read
    // empty outputs as "nothing created". So a file the runner gave that cannot be written
    // fails the step (exit 1), after both have been tried.
    let mut unwritten = 0;
    if let Some(path) = env.get("GITHUB_OUTPUT") {
        if let Err(e) = set_outputs(Path::new(path), &report_outputs(report)) {
            let reason = match &e {
                OutputError::Io { source, .. } => source.to_string(),
                other => other.to_string(),
            };
            announce(
                actions,
                Level::Error,
                &unwritable("GITHUB_OUTPUT", "the step outputs", path, &reason),
            );
            unwritten += 1;
        }
    }
    if let Some(path) = env.get("GITHUB_STEP_SUMMARY") {
        if let Err(e) = append_summary(Path::new(path), &render_summary(report)) {
            announce(
                actions,
                Level::Error,
                &unwritable(
                    "GITHUB_STEP_SUMMARY",
                    "the job summary",
                    path,
                    &e.to_string(),
                ),
            );
            unwritten += 1;
        }
    }
    annotate_report(report, actions);
    if report.is_complete() && unwritten > 0 {
        let done = if report.dry_run {
            "the preview was computed"
        } else {
            "the sync itself finished"
        };
        eprintln!(
            "planpilot: {done}, but the runner's files could not be written; a re-run \
             changes nothing more on GitHub and writes them again"
        );
    }
    if report.is_complete() && unwritten == 0 {
        Exit::Success
    } else {
        Exit::SyncFailed
    }
}

/// The message for a runner file (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`) that cannot be
/// written: which variable, which file, why.
fn unwritable(variable: &str, what: &str, path: &str, reason: &str) -> String {
    format!("cannot write {what} to {variable} ({path}): {reason}")
}

fn annotate_report(report: &Report, actions: bool) {
    if actions {
        let mut annotator = Annotator::new(std::io::stdout());
        for (level, lines) in [
            (Level::Error, &report.errors),
            (Level::Warning, &report.warnings),
        ] {
            for line in lines {
                let _ = annotator.emit(level, &Annotation::new(line).title("planpilot"));
            }
        }
        let _ = annotator.finish();
    } else {
        for (word, lines) in [("error", &report.errors), ("warning", &report.warnings)] {
            for line in lines {
                eprintln!("{word}: {line}");
            }
        }
    }
    if !report.is_complete() {
        eprintln!(
            "planpilot: the sync stopped with {} error(s); what was applied stays — re-run to \
             resume",
            report.errors.len()
        );
    }
}

/// Loads the plan; on failure prints one `PATH:LINE:COL: message` line per problem (and, under
/// Actions, annotations on the plan file) and returns those lines.
pub fn load_plan(plan_file: &Path, root: &Path, env: &Env) -> Result<Plan, Vec<String>> {
    load_plan_problems(plan_file, root, env)
        .map_err(|problems| problems.into_iter().map(|p| p.text).collect())
}

/// `load_plan`, keeping each problem's file (relative to `root`) and line.
fn load_plan_problems(plan_file: &Path, root: &Path, env: &Env) -> Result<Plan, Vec<Problem>> {
    let options = LoadOptions {
        root: Some(root.to_path_buf()),
    };
    plan::load(plan_file, &options)
        .map_err(|error| report_plan_errors(&error, root, env.is_actions()))
}

fn report_plan_errors(error: &PlanError, root: &Path, actions: bool) -> Vec<Problem> {
    let problems: Vec<Problem> = error
        .diagnostics
        .iter()
        .map(|d| {
            let file = display_path(&d.location.file, root);
            Problem {
                text: format!(
                    "{file}:{}:{}: {}",
                    d.location.line, d.location.col, d.message
                ),
                at: (d.location.line > 0).then_some((file, d.location.line)),
            }
        })
        .collect();
    let mut stderr = std::io::stderr().lock();
    for problem in &problems {
        let _ = writeln!(stderr, "{}", problem.text);
    }
    drop(stderr);
    if actions {
        let mut annotator = Annotator::new(std::io::stdout());
        for d in &error.diagnostics {
            let file = display_path(&d.location.file, root);
            let annotation = Annotation::new(&d.message)
                .at(file, d.location.line, d.location.col)
                .title("planpilot: invalid plan");
            let _ = annotator.emit(Level::Error, &annotation);
        }
        let _ = annotator.finish();
    }
    problems
}

/// Under Actions, a short job summary saying why nothing was synced.
fn summarise_failure(env: &Env, heading: &str, problems: &[String]) {
    if let Some(path) = env.get("GITHUB_STEP_SUMMARY") {
        // The step fails already (its exit code says why); the lost summary is an error too.
        if let Err(e) = append_summary(Path::new(path), &render_failure(heading, problems)) {
            let message = unwritable(
                "GITHUB_STEP_SUMMARY",
                "the job summary",
                path,
                &e.to_string(),
            );
            announce(env.is_actions(), Level::Error, &message);
        }
    }
}

fn report_input_errors(errors: &[InputError], actions: bool) {
    for error in errors {
        announce(actions, Level::Error, &error.to_string());
    }
}

/// One message: an annotation under Actions, `error: …` on stderr locally.
fn announce(actions: bool, level: Level, message: &str) {
    if actions {
        let annotation = Annotation::new(message).title("planpilot");
        console::line(annotation.to_command(level));
    } else {
        eprintln!("{}: {message}", level.command());
    }
}

/// "2 epics, 3 stories, 6 tasks, 7 dependencies".
pub fn plan_stats(plan: &Plan) -> String {
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    [
        count(plan.count(ItemKind::Epic), "epic", "epics"),
        count(plan.count(ItemKind::Story), "story", "stories"),
        count(plan.count(ItemKind::Task), "task", "tasks"),
        count(plan.dependency_count(), "dependency", "dependencies"),
    ]
    .join(", ")
}
