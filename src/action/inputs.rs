//! The action's inputs (toolkit's `getInput`): one list, `INPUTS`, is the single source of the
//! names, descriptions and defaults behind the `planpilot sync` flags, the `INPUT_*` variables
//! and action.yml (a test keeps action.yml in step with it).
//!
//! A value comes from the flag `--NAME`, else the env var `INPUT_NAME` (upper-cased, hyphens
//! kept, as the runner passes it); an empty value counts as unset, since the runner passes empty
//! strings for inputs nobody set. Every value is checked before anything talks to GitHub, and a
//! bad one is reported naming the input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::github::{endpoints, ClientConfig, ContentRate, Secret};
use crate::sync::{OnRemoved, ProjectUrl, RepoRef, SyncOptions, TypeNames};

/// What kind of value an input takes (for `--help` and boolean flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Secret,
    Bool,
    Integer,
}

/// One input of the action.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// The default as written in action.yml (`None`: no default there).
    pub default: Option<&'static str>,
    pub kind: InputKind,
}

impl InputSpec {
    /// The env var the runner sets: `INPUT_` + the name upper-cased, spaces to `_`, hyphens kept.
    pub fn env_var(&self) -> String {
        env_var_name(self.name)
    }
}

/// `plan-file` → `INPUT_PLAN-FILE`.
pub fn env_var_name(input: &str) -> String {
    format!("INPUT_{}", input.replace(' ', "_").to_uppercase())
}

const fn input(
    name: &'static str,
    kind: InputKind,
    default: Option<&'static str>,
    description: &'static str,
) -> InputSpec {
    InputSpec {
        name,
        description,
        default,
        kind,
    }
}

/// Every input, in the order of action.yml and the README.
pub const INPUTS: &[InputSpec] = &[
    input(
        "plan-file",
        InputKind::Text,
        Some("plan.yaml"),
        "Path of the plan file (or planpilot directory), relative to the repository root.",
    ),
    input(
        "github-token",
        InputKind::Secret,
        Some("${{ github.token }}"),
        "Token for issues: needs issues write on the repository. Locally, GITHUB_TOKEN is used when this is unset.",
    ),
    input(
        "project-url",
        InputKind::Text,
        None,
        "URL of the Projects v2 board to keep in step, e.g. https://github.com/orgs/OWNER/projects/N. Unset: no board.",
    ),
    input(
        "project-token",
        InputKind::Secret,
        None,
        "Token for the board (a PAT with the project scope, or a GitHub App token): GITHUB_TOKEN cannot reach Projects v2. Defaults to github-token.",
    ),
    input(
        "repository",
        InputKind::Text,
        Some("${{ github.repository }}"),
        "OWNER/NAME of the repository whose issues are managed. Defaults to GITHUB_REPOSITORY.",
    ),
    input(
        "label",
        InputKind::Text,
        Some("planpilot"),
        "Label carried by every managed issue; planpilot finds its issues by it.",
    ),
    input(
        "dry-run",
        InputKind::Bool,
        Some("false"),
        "true: compute and report the changes (outputs, summary) without changing anything.",
    ),
    input(
        "max-concurrency",
        InputKind::Integer,
        Some("5"),
        "Requests in flight at once, 1 to 100.",
    ),
    input(
        "max-retries",
        InputKind::Integer,
        Some("3"),
        "Retries of a transient failure (5xx, timeout), 0 to 10.",
    ),
    input(
        "max-wait",
        InputKind::Text,
        Some("15m"),
        "Longest total wait on rate limits before stopping (re-run to resume): seconds, or a number with s, m or h; at most 6h.",
    ),
    input(
        "adaptive-backoff",
        InputKind::Bool,
        Some("true"),
        "true: a rate limit pauses every request; refused with more requests at once than GitHub has answered, the concurrency halves, grows back step by step and stays below the refused level for a while (a rate limit only halves it until the next successes). false: only the refused request waits (for comparisons).",
    ),
    input(
        "content-rate",
        InputKind::Text,
        Some("learn"),
        "Pace for creating issues, labels and links (GitHub's content limit): COUNT/WINDOW, e.g. 80/min or 20/5s, from the start; learn: from GitHub's first refusal.",
    ),
    input(
        "on-removed",
        InputKind::Text,
        Some("close"),
        "What happens to the issue of an item removed from the plan: close (as not planned) or keep.",
    ),
    input(
        "allow-mass-close",
        InputKind::Bool,
        Some("false"),
        "true: allow one run to close more than half of the managed issues (a guard against a truncated plan file).",
    ),
    input(
        "epic-type",
        InputKind::Text,
        Some("Epic"),
        "Issue type of epics; where the owner has no such type, epics carry the label `type:epic` instead (a name you set must exist).",
    ),
    input(
        "story-type",
        InputKind::Text,
        Some("Story"),
        "Issue type of stories, or the label `type:story` where there is none.",
    ),
    input(
        "task-type",
        InputKind::Text,
        Some("Task"),
        "Issue type of tasks, or the label `type:task` where there is none.",
    ),
    input(
        "pr-comment",
        InputKind::Text,
        Some("auto"),
        "Post the preview as one comment on the pull request, edited on every push: auto (on pull_request events with dry-run: true), true or false. Needs `pull-requests: write`.",
    ),
];

/// When the preview is posted as a comment on the pull request (`pr-comment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrComment {
    /// On `pull_request` events, in a dry run.
    Auto,
    /// Whenever the run is for a pull request.
    Always,
    Never,
}

impl std::str::FromStr for PrComment {
    type Err = String;

    fn from_str(value: &str) -> Result<PrComment, String> {
        match value {
            "auto" | "Auto" | "AUTO" => Ok(PrComment::Auto),
            "true" | "True" | "TRUE" => Ok(PrComment::Always),
            "false" | "False" | "FALSE" => Ok(PrComment::Never),
            _ => Err(format!("expected auto, true or false, got {value:?}")),
        }
    }
}

/// Environment variables, read once. Empty values count as unset.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment (variables that are not valid UTF-8 are ignored).
    pub fn from_process() -> Env {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Env { vars }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// True when running as a step of a GitHub Actions job.
    pub fn is_actions(&self) -> bool {
        self.get("GITHUB_ACTIONS") == Some("true")
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Env {
        Env {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

/// Input values given as flags, by input name.
pub type Flags = BTreeMap<String, String>;

/// The raw value of an input: flag, else `INPUT_*` variable; empty means unset.
pub fn get_input(name: &str, flags: &Flags, env: &Env) -> Option<String> {
    flags
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
        .or_else(|| env.get(&env_var_name(name)))
        .map(|v| v.trim().to_string())
}

/// A bad input value, naming the input (or the environment variable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input `{input}`: {message}")]
pub struct InputError {
    pub input: String,
    pub message: String,
}

/// The checked inputs of a sync.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The plan file, resolved against the workspace.
    pub plan_file: PathBuf,
    /// The repository root: the plan key defaults to the plan's path relative to it.
    pub root: PathBuf,
    pub github_token: Option<Secret>,
    /// The board token: `project-token`, else the issues token.
    pub project_token: Option<Secret>,
    pub project: Option<ProjectUrl>,
    pub repository: RepoRef,
    pub label: String,
    pub dry_run: bool,
    pub max_concurrency: usize,
    pub max_retries: u32,
    pub max_wait: Duration,
    pub adaptive_backoff: bool,
    /// `content-rate`: the content-creation rate to pace to from the start; `None`: learn it.
    pub content_rate: Option<ContentRate>,
    pub on_removed: OnRemoved,
    pub allow_mass_close: bool,
    pub type_names: TypeNames,
    pub pr_comment: PrComment,
    pub graphql_url: String,
    pub api_url: String,
    /// `SSL_CERT_FILE`: extra trusted roots (a PEM bundle), e.g. a company CA.
    pub ca_file: Option<PathBuf>,
}

impl Inputs {
    /// Reads and checks every input; returns all problems found, not just the first.
    pub fn parse(flags: &Flags, env: &Env) -> Result<Inputs, Vec<InputError>> {
        let mut errors = Vec::new();
        let get = |name: &str| get_input(name, flags, env);
        let default = |name: &str| default_of(name).unwrap_or_default().to_string();
        let or_default = |name: &str| get(name).unwrap_or_else(|| default(name));

        let (plan_file, root) = plan_location(flags, env);
        let github_token = get("github-token")
            .or_else(|| env.get("GITHUB_TOKEN").map(String::from))
            .map(Secret::new);
        let project_token = get("project-token")
            .map(Secret::new)
            .or_else(|| github_token.clone());
        let project = check(
            &mut errors,
            get("project-url")
                .map(|url| parse_with("project-url", &url, str::parse::<ProjectUrl>))
                .transpose(),
        );
        let repository = check(&mut errors, parse_repository(flags, env));
        let label = check(&mut errors, parse_name("label", &or_default("label"), 50));
        let dry_run = check(&mut errors, parse_bool("dry-run", &or_default("dry-run")));
        let max_concurrency = check(
            &mut errors,
            parse_int("max-concurrency", &or_default("max-concurrency"), 1, 100),
        );
        let max_retries = check(
            &mut errors,
            parse_int("max-retries", &or_default("max-retries"), 0, 10),
        );
        let max_wait = check(
            &mut errors,
            parse_duration("max-wait", &or_default("max-wait")),
        );
        let adaptive_backoff = check(
            &mut errors,
            parse_bool("adaptive-backoff", &or_default("adaptive-backoff")),
        );
        let content_rate = check(&mut errors, parse_content_rate(&or_default("content-rate")));
        let on_removed = check(
            &mut errors,
            parse_with(
                "on-removed",
                &or_default("on-removed"),
                str::parse::<OnRemoved>,
            ),
        );
        let allow_mass_close = check(
            &mut errors,
            parse_bool("allow-mass-close", &or_default("allow-mass-close")),
        );
        let epic = check(
            &mut errors,
            parse_name("epic-type", &or_default("epic-type"), 100),
        );
        let story = check(
            &mut errors,
            parse_name("story-type", &or_default("story-type"), 100),
        );
        let task = check(
            &mut errors,
            parse_name("task-type", &or_default("task-type"), 100),
        );
        let pr_comment = check(
            &mut errors,
            parse_with(
                "pr-comment",
                &or_default("pr-comment"),
                str::parse::<PrComment>,
            ),
        );
        // A missing endpoint is derived from the other (GHES: `…/api/v3` ↔ `…/api/graphql`).
        let graphql_env = check(&mut errors, endpoint(env, "GITHUB_GRAPHQL_URL")).flatten();
        let api_env = check(&mut errors, endpoint(env, "GITHUB_API_URL")).flatten();
        let (graphql_url, api_url) = endpoints(graphql_env, api_env);

        if dry_run == Some(false) && github_token.is_none() {
            errors.push(InputError {
                input: "github-token".into(),
                message: "not set: a sync needs a token (in a workflow: \
                          `github-token: ${{ github.token }}`; locally: set GITHUB_TOKEN), \
                          or use dry-run: true for an offline preview"
                    .into(),
            });
        }
        let inputs = (|| {
            Some(Inputs {
                plan_file,
                root,
                github_token,
                project_token,
                project: project?,
                repository: repository?,
                label: label?,
                dry_run: dry_run?,
                max_concurrency: usize::try_from(max_concurrency?).ok()?,
                max_retries: u32::try_from(max_retries?).ok()?,
                max_wait: max_wait?,
                adaptive_backoff: adaptive_backoff?,
                content_rate: content_rate?,
                on_removed: on_removed?,
                allow_mass_close: allow_mass_close?,
                type_names: TypeNames {
                    epic: epic?,
                    story: story?,
                    task: task?,
                },
                pr_comment: pr_comment?,
                graphql_url,
                api_url,
                ca_file: env.get("SSL_CERT_FILE").map(PathBuf::from),
            })
        })();
        match inputs {
            Some(inputs) if errors.is_empty() => Ok(inputs),
            _ => Err(errors),
        }
    }

    /// The tokens to mask in the log (`::add-mask::`) before anything else is printed.
    pub fn secrets(flags: &Flags, env: &Env) -> Vec<String> {
        ["github-token", "project-token"]
            .iter()
            .filter_map(|name| get_input(name, flags, env))
            .chain(env.get("GITHUB_TOKEN").map(String::from))
            .collect()
    }

    pub fn sync_options(&self) -> SyncOptions {
        let mut options = SyncOptions::new(self.repository.clone());
        options.label = self.label.clone();
        options.dry_run = self.dry_run;
        options.on_removed = self.on_removed;
        options.allow_mass_close = self.allow_mass_close;
        options.type_names = self.type_names.clone();
        options.project = self.project.clone();
        options
    }

    pub fn client_config(&self) -> ClientConfig {
        ClientConfig {
            graphql_url: self.graphql_url.clone(),
            api_url: self.api_url.clone(),
            token: self.github_token.clone(),
            project_token: self.project_token.clone(),
            max_concurrency: self.max_concurrency,
            max_retries: self.max_retries,
            max_wait: self.max_wait,
            adaptive_backoff: self.adaptive_backoff,
            content_rate: self.content_rate,
            ca_file: self.ca_file.clone(),
            ..ClientConfig::default()
        }
    }
}

/// The value of a check, or `None` with its error collected.
fn check<T>(errors: &mut Vec<InputError>, result: Result<T, InputError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// The default of an input as the binary applies it (action.yml expressions excluded).
fn default_of(name: &str) -> Option<&'static str> {
    INPUTS
        .iter()
        .find(|spec| spec.name == name)
        .and_then(|spec| spec.default)
        .filter(|d| !d.starts_with("${{"))
}

/// The plan file (from `plan-file`, relative to `GITHUB_WORKSPACE`) and the repository root.
///
/// Outside Actions the path stays as given (relative to the current directory, so messages
/// show it as typed) and the root is the nearest directory above the plan holding `.git`, so
/// that a local run derives the same plan key as the workflow does (a different key would mean
/// a different set of issues).
pub fn plan_location(flags: &Flags, env: &Env) -> (PathBuf, PathBuf) {
    let name = get_input("plan-file", flags, env).unwrap_or_else(|| "plan.yaml".to_string());
    match env.get("GITHUB_WORKSPACE").map(PathBuf::from) {
        Some(workspace) => (workspace.join(&name), workspace),
        None => {
            let plan_file = PathBuf::from(&name);
            let root = repo_root(&plan_file)
                .or_else(|| std::env::current_dir().ok())
                .unwrap_or_else(|| PathBuf::from("."));
            (plan_file, root)
        }
    }
}

/// `path` relative to `root` when it lies under it (for messages and annotations, which GitHub
/// resolves against the repository root), else as it is: the plan layer's one rule, which
/// also writes the places a message names inside it.
pub use crate::plan::display_path;

fn repo_root(plan_file: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(plan_file).ok()?;
    absolute
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

fn parse_repository(flags: &Flags, env: &Env) -> Result<RepoRef, InputError> {
    let value = get_input("repository", flags, env)
        .or_else(|| env.get("GITHUB_REPOSITORY").map(String::from))
        .ok_or_else(|| InputError {
            input: "repository".into(),
            message: "not set: pass OWNER/NAME (outside Actions, GITHUB_REPOSITORY is not set)"
                .into(),
        })?;
    parse_with("repository", &value, str::parse::<RepoRef>)
}

fn parse_with<T>(
    input: &str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, InputError> {
    parse(value).map_err(|message| InputError {
        input: input.into(),
        message,
    })
}

/// `content-rate`: `learn` (or empty) for `None`, else a rate such as `80/min` or `20/5s`.
pub fn parse_content_rate(value: &str) -> Result<Option<ContentRate>, InputError> {
    let value = value.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("learn") {
        return Ok(None);
    }
    parse_with("content-rate", value, |text| {
        text.parse::<ContentRate>()
            .map_err(|message| format!("{message}, or `learn`"))
    })
    .map(Some)
}

/// `true`/`false`, in the spellings the toolkit's `getBooleanInput` accepts.
pub fn parse_bool(input: &str, value: &str) -> Result<bool, InputError> {
    match value {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(InputError {
            input: input.into(),
            message: format!("expected true or false, got {value:?}"),
        }),
    }
}

pub fn parse_int(input: &str, value: &str, min: u64, max: u64) -> Result<u64, InputError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| InputError {
            input: input.into(),
            message: format!("must be an integer from {min} to {max}, got {value:?}"),
        })
}

/// `90`, `90s`, `15m`, `1h`: at most 6 h (the longest a job may run).
pub fn parse_duration(input: &str, value: &str) -> Result<Duration, InputError> {
    let (digits, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => value.split_at(i),
        None => (value, "s"),
    };
    let scale = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3600),
        _ => None,
    };
    digits
        .parse::<u64>()
        .ok()
        .zip(scale)
        .and_then(|(n, scale)| n.checked_mul(scale))
        .filter(|&secs| secs <= 6 * 3600)
        .map(Duration::from_secs)
        .ok_or_else(|| InputError {
            input: input.into(),
            message: format!(
                "expected seconds or a number with s, m or h (e.g. 90, 15m, 1h), at most 6h; \
                 got {value:?}"
            ),
        })
}

/// A label or type name: non-empty, one line, at most `max` characters.
fn parse_name(input: &str, value: &str, max: usize) -> Result<String, InputError> {
    let ok = !value.is_empty() && !value.contains(['\n', '\r']) && value.chars().count() <= max;
    if ok {
        Ok(value.to_string())
    } else {
        Err(InputError {
            input: input.into(),
            message: format!("must be one line of 1 to {max} characters, got {value:?}"),
        })
    }
}

/// The endpoint `var` names, if set; an error if it is not an http(s) URL.
fn endpoint<'a>(env: &'a Env, var: &str) -> Result<Option<&'a str>, InputError> {
    let Some(url) = env.get(var) else {
        return Ok(None);
    };
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(Some(url))
    } else {
        Err(InputError {
            input: var.into(),
            message: format!("expected an http(s) URL, got {url:?}"),
        })
    }
}

/// The `planpilot sync` flags, one per input, built from `INPUTS`.
pub fn input_args() -> Vec<clap::Arg> {
    INPUTS
        .iter()
        .map(|spec| {
            let help = match spec.default.filter(|d| !d.starts_with("${{")) {
                Some(default) => format!("{} [default: {default}]", spec.description),
                None => spec.description.to_string(),
            };
            let arg = clap::Arg::new(spec.name)
                .long(spec.name)
                .help(help)
                .help_heading("Inputs (also read from INPUT_<NAME>)");
            match spec.kind {
                // `--dry-run` alone means true; `--dry-run=false` is accepted too.
                InputKind::Bool => arg
                    .value_name("BOOL")
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("true"),
                InputKind::Integer => arg.value_name("N"),
                InputKind::Secret => arg.value_name("TOKEN"),
                InputKind::Text => arg.value_name("VALUE"),
            }
        })
        .collect()
}

/// The input flags given on the command line.
pub fn flags_from_matches(matches: &clap::ArgMatches) -> Flags {
    INPUTS
        .iter()
        .filter_map(|spec| {
            matches
                .get_one::<String>(spec.name)
                .map(|v| (spec.name.to_string(), v.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().copied().collect()
    }

    fn base_env() -> Vec<(&'static str, &'static str)> {
        vec![
            ("GITHUB_REPOSITORY", "acme/roadmap"),
            ("GITHUB_WORKSPACE", "/github/workspace"),
            ("INPUT_GITHUB-TOKEN", "ghs_secret"),
        ]
    }

    fn parse_env(extra: &[(&str, &str)]) -> Result<Inputs, Vec<InputError>> {
        let mut pairs = base_env();
        pairs.extend_from_slice(extra);
        Inputs::parse(&Flags::new(), &env(&pairs))
    }

    fn error_for(extra: &[(&str, &str)]) -> InputError {
        let errors = parse_env(extra).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn env_names_keep_hyphens() {
        assert_eq!(env_var_name("plan-file"), "INPUT_PLAN-FILE");
        assert_eq!(env_var_name("max concurrency"), "INPUT_MAX_CONCURRENCY");
    }

    #[test]
    fn defaults_apply_when_inputs_are_unset_or_empty() {
        let inputs = parse_env(&[("INPUT_LABEL", ""), ("INPUT_DRY-RUN", "")]).unwrap();
        assert_eq!(inputs.plan_file, Path::new("/github/workspace/plan.yaml"));
        assert_eq!(inputs.root, Path::new("/github/workspace"));
        assert_eq!(inputs.repository.to_string(), "acme/roadmap");
        assert_eq!(inputs.label, "planpilot");
        assert!(!inputs.dry_run);
        assert_eq!(inputs.max_concurrency, 5);
        assert_eq!(inputs.max_retries, 3);
        assert_eq!(inputs.max_wait, Duration::from_secs(900));
        // The inputs' defaults are the client's and the sync's: one value per setting.
        let config = ClientConfig::default();
        assert_eq!(inputs.max_concurrency, config.max_concurrency);
        assert_eq!(inputs.max_retries, config.max_retries);
        assert_eq!(inputs.max_wait, config.max_wait);
        // The engine has no copy of the bound: it asks the client (`Client::concurrency`).
        assert_eq!(
            inputs.client_config().max_concurrency,
            config.max_concurrency
        );
        assert!(inputs.adaptive_backoff && inputs.client_config().adaptive_backoff);
        assert_eq!(inputs.on_removed, OnRemoved::Close);
        assert_eq!(inputs.type_names, TypeNames::default());
        assert_eq!(inputs.pr_comment, PrComment::Auto);
        assert_eq!(inputs.graphql_url, "https://api.github.com/graphql");
        assert!(inputs.project.is_none());
        // The board token falls back to the issues token.
        assert_eq!(inputs.project_token.unwrap().expose(), "ghs_secret");
    }

    #[test]
    fn a_ghes_api_url_alone_gives_its_graphql_endpoint() {
        let inputs = parse_env(&[("GITHUB_API_URL", "https://ghe.example.com/api/v3")]).unwrap();
        assert_eq!(inputs.graphql_url, "https://ghe.example.com/api/graphql");
        assert_eq!(
            inputs.client_config().api_url,
            "https://ghe.example.com/api/v3"
        );
        let github = parse_env(&[("GITHUB_API_URL", "https://api.github.com/")]).unwrap();
        assert_eq!(github.graphql_url, "https://api.github.com/graphql");
    }

    #[test]
    fn reads_every_input_from_env() {
        let inputs = parse_env(&[
            ("INPUT_PLAN-FILE", "plans/q1.yaml"),
            (
                "INPUT_PROJECT-URL",
                "https://github.com/orgs/acme/projects/3",
            ),
            ("INPUT_PROJECT-TOKEN", "ghp_board"),
            ("INPUT_REPOSITORY", "acme/other"),
            ("INPUT_LABEL", "roadmap"),
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_MAX-CONCURRENCY", "12"),
            ("INPUT_MAX-RETRIES", "0"),
            ("INPUT_MAX-WAIT", "90"),
            ("INPUT_ADAPTIVE-BACKOFF", "false"),
            ("INPUT_ON-REMOVED", "keep"),
            ("INPUT_ALLOW-MASS-CLOSE", "TRUE"),
            ("INPUT_EPIC-TYPE", "Initiative"),
            ("INPUT_STORY-TYPE", "Feature"),
            ("INPUT_TASK-TYPE", "Chore"),
            ("INPUT_PR-COMMENT", "false"),
            ("GITHUB_GRAPHQL_URL", "http://127.0.0.1:9/graphql"),
            ("GITHUB_API_URL", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(
            inputs.plan_file,
            Path::new("/github/workspace/plans/q1.yaml")
        );
        assert_eq!(inputs.project.unwrap().number, 3);
        assert_eq!(inputs.project_token.unwrap().expose(), "ghp_board");
        assert_eq!(inputs.github_token.unwrap().expose(), "ghs_secret");
        assert_eq!(inputs.repository.to_string(), "acme/other");
        assert_eq!(inputs.label, "roadmap");
        assert!(inputs.dry_run && inputs.allow_mass_close);
        assert_eq!((inputs.max_concurrency, inputs.max_retries), (12, 0));
        assert_eq!(inputs.max_wait, Duration::from_secs(90));
        assert!(!inputs.adaptive_backoff);
        assert_eq!(inputs.on_removed, OnRemoved::Keep);
        assert_eq!(inputs.type_names.epic, "Initiative");
        assert_eq!(inputs.type_names.task, "Chore");
        assert_eq!(inputs.pr_comment, PrComment::Never);
        assert_eq!(inputs.graphql_url, "http://127.0.0.1:9/graphql");
        assert_eq!(inputs.api_url, "http://127.0.0.1:9");
    }

    #[test]
    fn flags_win_over_env() {
        let mut flags = Flags::new();
        flags.insert("max-concurrency".into(), "7".into());
        flags.insert("label".into(), "".into());
        let mut pairs = base_env();
        pairs.push(("INPUT_MAX-CONCURRENCY", "2"));
        pairs.push(("INPUT_LABEL", "from-env"));
        let inputs = Inputs::parse(&flags, &env(&pairs)).unwrap();
        assert_eq!(inputs.max_concurrency, 7);
        // An empty flag is unset, like an empty variable.
        assert_eq!(inputs.label, "from-env");
    }

    #[test]
    fn bad_values_name_their_input() {
        let cases = [
            (
                "INPUT_MAX-CONCURRENCY",
                "abc",
                "max-concurrency",
                "integer from 1 to 100",
            ),
            (
                "INPUT_MAX-CONCURRENCY",
                "0",
                "max-concurrency",
                "integer from 1 to 100",
            ),
            (
                "INPUT_MAX-CONCURRENCY",
                "101",
                "max-concurrency",
                "integer from 1 to 100",
            ),
            (
                "INPUT_MAX-RETRIES",
                "-1",
                "max-retries",
                "integer from 0 to 10",
            ),
            ("INPUT_DRY-RUN", "yes", "dry-run", "expected true or false"),
            (
                "INPUT_ALLOW-MASS-CLOSE",
                "1",
                "allow-mass-close",
                "expected true or false",
            ),
            ("INPUT_MAX-WAIT", "7h", "max-wait", "at most 6h"),
            ("INPUT_MAX-WAIT", "5x", "max-wait", "with s, m or h"),
            ("INPUT_ON-REMOVED", "delete", "on-removed", "close or keep"),
            (
                "INPUT_PR-COMMENT",
                "yes",
                "pr-comment",
                "auto, true or false",
            ),
            ("INPUT_REPOSITORY", "acme", "repository", "OWNER/NAME"),
            ("INPUT_PROJECT-URL", "acme/3", "project-url", "projects/N"),
            (
                "INPUT_LABEL",
                &"x".repeat(51),
                "label",
                "1 to 50 characters",
            ),
            (
                "GITHUB_GRAPHQL_URL",
                "ftp://x",
                "GITHUB_GRAPHQL_URL",
                "http(s) URL",
            ),
        ];
        for (var, value, input, words) in cases {
            let error = error_for(&[(var, value)]);
            assert_eq!(error.input, input, "{var}={value}");
            assert!(error.to_string().starts_with(&format!("input `{input}`: ")));
            assert!(error.message.contains(words), "{var}={value}: {error}");
        }
    }

    #[test]
    fn all_problems_are_reported_together() {
        let errors =
            parse_env(&[("INPUT_DRY-RUN", "maybe"), ("INPUT_MAX-RETRIES", "x")]).unwrap_err();
        let names: Vec<&str> = errors.iter().map(|e| e.input.as_str()).collect();
        assert_eq!(names, ["dry-run", "max-retries"]);
    }

    #[test]
    fn a_sync_needs_a_token_but_a_dry_run_does_not() {
        let no_token = [("GITHUB_REPOSITORY", "acme/roadmap")];
        let errors = Inputs::parse(&Flags::new(), &env(&no_token)).unwrap_err();
        assert_eq!(errors[0].input, "github-token");
        let mut dry = no_token.to_vec();
        dry.push(("INPUT_DRY-RUN", "true"));
        let inputs = Inputs::parse(&Flags::new(), &env(&dry)).unwrap();
        assert!(inputs.github_token.is_none() && inputs.project_token.is_none());
        // Locally, GITHUB_TOKEN stands in for the input.
        let mut local = no_token.to_vec();
        local.push(("GITHUB_TOKEN", "ghp_local"));
        let inputs = Inputs::parse(&Flags::new(), &env(&local)).unwrap();
        assert_eq!(inputs.github_token.unwrap().expose(), "ghp_local");
    }

    #[test]
    fn missing_repository_is_an_input_error() {
        let errors = Inputs::parse(&Flags::new(), &env(&[("INPUT_DRY-RUN", "true")])).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].input, "repository");
    }

    #[test]
    fn errors_never_echo_tokens() {
        let errors =
            parse_env(&[("INPUT_MAX-RETRIES", "x"), ("INPUT_PROJECT-URL", "nope")]).unwrap_err();
        for error in errors {
            assert!(!error.to_string().contains("ghs_secret"));
        }
    }

    #[test]
    fn secrets_lists_every_token_given() {
        let mut pairs = base_env();
        pairs.push(("INPUT_PROJECT-TOKEN", "ghp_board"));
        pairs.push(("GITHUB_TOKEN", "ghp_env"));
        let secrets = Inputs::secrets(&Flags::new(), &env(&pairs));
        assert_eq!(secrets, ["ghs_secret", "ghp_board", "ghp_env"]);
    }

    #[test]
    fn local_plan_paths_stay_as_given() {
        let flags = Flags::from([("plan-file".to_string(), "plans/q1.yaml".to_string())]);
        let (plan_file, root) = plan_location(&flags, &Env::default());
        assert_eq!(plan_file, Path::new("plans/q1.yaml"));
        assert!(root.is_absolute());
        assert_eq!(
            display_path(
                Path::new("/github/workspace/plans/q1.yaml"),
                Path::new("/github/workspace")
            ),
            "plans/q1.yaml"
        );
        assert_eq!(
            display_path(Path::new("q1.yaml"), Path::new("/elsewhere")),
            "q1.yaml"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("w", "0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("w", "45s").unwrap(), Duration::from_secs(45));
        assert_eq!(
            parse_duration("w", "2h").unwrap(),
            Duration::from_secs(7200)
        );
        for bad in ["", "m", "1.5m", "-3", "99999999999999999999h"] {
            assert!(parse_duration("w", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sync_options_and_client_config_carry_the_inputs() {
        let inputs = parse_env(&[
            ("INPUT_LABEL", "roadmap"),
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_MAX-CONCURRENCY", "9"),
        ])
        .unwrap();
        let options = inputs.sync_options();
        assert_eq!(options.label, "roadmap");
        assert!(options.dry_run);
        let config = inputs.client_config();
        assert_eq!(config.max_concurrency, 9);
        assert_eq!(config.token.unwrap().expose(), "ghs_secret");
    }

    #[test]
    fn content_rate_is_learned_unless_given() {
        assert_eq!(parse_env(&[]).unwrap().content_rate, None);
        let inputs = parse_env(&[("INPUT_CONTENT-RATE", "80/min")]).unwrap();
        let expected = ContentRate {
            per_window: 80,
            window: Duration::from_secs(60),
        };
        assert_eq!(inputs.content_rate, Some(expected));
        assert_eq!(inputs.client_config().content_rate, Some(expected));
        assert_eq!(
            parse_content_rate("20/5s").unwrap().unwrap().to_string(),
            "20/5s"
        );
        assert_eq!(parse_content_rate(" Learn ").unwrap(), None);
    }

    #[test]
    fn a_bad_content_rate_names_the_input() {
        for bad in ["fast", "80", "0/min", "80/week"] {
            let errors = parse_env(&[("INPUT_CONTENT-RATE", bad)]).unwrap_err();
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].input, "content-rate");
            assert!(errors[0].message.contains(bad), "{}", errors[0].message);
        }
    }

    #[test]
    fn every_input_is_a_flag() {
        let cmd = clap::Command::new("sync").args(input_args());
        let matches = cmd
            .try_get_matches_from(["sync", "--dry-run", "--max-concurrency", "8", "--label=x"])
            .unwrap();
        let flags = flags_from_matches(&matches);
        assert_eq!(flags["dry-run"], "true");
        assert_eq!(flags["max-concurrency"], "8");
        assert_eq!(flags["label"], "x");
        assert_eq!(input_args().len(), INPUTS.len());
    }
}
