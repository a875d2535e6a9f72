//! Runs the real `planpilot` binary the way the GitHub runner does (inputs as `INPUT_*` env
//! variables, nothing else inherited) and measures its wall time and peak memory.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The fake's default credentials and objects (see fake-github's README).
pub const TOKEN: &str = "test-token";
pub const REPOSITORY: &str = "acme/roadmap";
pub const PROJECT_URL: &str = "https://github.com/orgs/acme/projects/1";

/// The action's inputs for one sync.
#[derive(Debug, Clone, Default)]
pub struct SyncInputs {
    pub plan_file: PathBuf,
    /// `None` leaves the input unset, so the binary's default applies.
    pub max_concurrency: Option<u64>,
    pub max_retries: Option<u32>,
    /// `max-wait`, as the input is written (e.g. `10m`).
    pub max_wait: Option<String>,
    /// Further variables, e.g. a switch under test.
    pub extra_env: Vec<(String, String)>,
}

impl SyncInputs {
    /// The environment of the child: the inputs, the fake's URLs, and an output file.
    fn env(&self, fake_url: &str, workdir: &Path) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "INPUT_PLAN-FILE".to_string(),
                self.plan_file.display().to_string(),
            ),
            ("INPUT_GITHUB-TOKEN".to_string(), TOKEN.to_string()),
            ("INPUT_REPOSITORY".to_string(), REPOSITORY.to_string()),
            ("INPUT_PROJECT-URL".to_string(), PROJECT_URL.to_string()),
            ("GITHUB_API_URL".to_string(), fake_url.to_string()),
            (
                "GITHUB_GRAPHQL_URL".to_string(),
                format!("{fake_url}/graphql"),
            ),
            (
                "GITHUB_WORKSPACE".to_string(),
                workdir.display().to_string(),
            ),
            (
                "GITHUB_OUTPUT".to_string(),
                workdir.join("github_output").display().to_string(),
            ),
        ];
        let optional = [
            (
                "INPUT_MAX-CONCURRENCY",
                self.max_concurrency.map(|c| c.to_string()),
            ),
            ("INPUT_MAX-RETRIES", self.max_retries.map(|r| r.to_string())),
            ("INPUT_MAX-WAIT", self.max_wait.clone()),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                env.push((name.to_string(), value));
            }
        }
        env.extend(self.extra_env.iter().cloned());
        env
    }
}

/// What one child process did.
#[derive(Debug, Clone)]
pub struct ChildRun {
    pub wall: Duration,
    /// Peak resident set size of the child, in KiB (`ru_maxrss`).
    pub peak_rss_kib: u64,
    /// Exit code, or `None` when killed by a signal.
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `planpilot sync --json` against the fake and waits for it.
pub fn run_sync(
    binary: &Path,
    inputs: &SyncInputs,
    fake_url: &str,
    workdir: &Path,
) -> Result<ChildRun> {
    let mut command = Command::new(binary);
    command
        .args(["sync", "--json"])
        .env_clear()
        .envs(inputs.env(fake_url, workdir))
        .current_dir(workdir);
    run_measured(command)
}

/// Spawns `command`, drains its output and reaps it with `wait4` for its resource usage.
pub fn run_measured(mut command: Command) -> Result<ChildRun> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the measured process")?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = libc::pid_t::try_from(child.id()).context("pid out of range")?;
    let (status, usage) = wait4(pid)?;
    let wall = started.elapsed();
    Ok(ChildRun {
        wall,
        peak_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stdout: join_text(stdout),
        stderr: join_text(stderr),
    })
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Option<JoinHandle<String>> {
    pipe.map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    })
}

fn join_text(handle: Option<JoinHandle<String>>) -> String {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

/// Reaps `pid` and returns its wait status and resource usage (std's `Child::wait` does not
/// expose `rusage`, and `getrusage(RUSAGE_CHILDREN)` would mix all children together).
fn wait4(pid: libc::pid_t) -> Result<(libc::c_int, libc::rusage)> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `rusage` is plain old data, so all-zero bytes are a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers refer to live, writable locals for the duration of the call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            return Ok((status, usage));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error).context("waiting for the measured process");
        }
    }
}

/// What the bench reads from planpilot's `--json` report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportSummary {
    pub retries_by_cause: BTreeMap<String, u64>,
    pub rate_limit_wait_ms: u64,
    pub client_requests: u64,
    pub client_max_in_flight: u64,
    pub errors: Vec<String>,
}

impl ReportSummary {
    pub fn retries(&self) -> u64 {
        self.retries_by_cause.values().sum()
    }
}

/// Finds the report in the binary's stdout: the JSON document itself, or one that nests it
/// under `report`. Lines before the document (log groups) are skipped.
pub fn parse_report(stdout: &str) -> Result<ReportSummary> {
    let start = stdout
        .find("\n{")
        .map(|i| i + 1)
        .or_else(|| stdout.starts_with('{').then_some(0))
        .context("no JSON report on stdout")?;
    let value: serde_json::Value =
        serde_json::from_str(stdout[start..].trim()).context("parsing the --json report")?;
    let report = if value.get("metrics").is_some() {
        &value
    } else {
        value
            .get("report")
            .context("the JSON has no report metrics")?
    };
    let Some(metrics) = report.get("metrics") else {
        bail!("the report has no metrics");
    };
    let number = |name: &str| metrics.get(name).and_then(|v| v.as_u64()).unwrap_or(0);
    let retries_by_cause = metrics
        .get("retries")
        .and_then(|r| r.as_object())
        .map(|causes| {
            causes
                .iter()
                .map(|(cause, n)| (cause.clone(), n.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let errors = report
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|list| {
            list.iter()
                .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(ReportSummary {
        retries_by_cause,
        rate_limit_wait_ms: number("rate_limit_wait_ms"),
        client_requests: number("requests"),
        client_max_in_flight: number("max_in_flight"),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_has_the_runner_inputs_and_only_the_set_optional_ones() {
        let inputs = SyncInputs {
            plan_file: PathBuf::from("/tmp/p/plan.yaml"),
            max_concurrency: Some(3),
            ..SyncInputs::default()
        };
        let env: BTreeMap<_, _> = inputs
            .env("http://127.0.0.1:9", Path::new("/tmp/p"))
            .into_iter()
            .collect();
        assert_eq!(env["INPUT_PLAN-FILE"], "/tmp/p/plan.yaml");
        assert_eq!(env["INPUT_MAX-CONCURRENCY"], "3");
        assert_eq!(env["GITHUB_GRAPHQL_URL"], "http://127.0.0.1:9/graphql");
        assert_eq!(env["GITHUB_OUTPUT"], "/tmp/p/github_output");
        assert!(!env.contains_key("INPUT_MAX-RETRIES"));
        assert!(!env.contains_key("INPUT_MAX-WAIT"));
    }

    #[test]
    fn measures_a_child_and_its_exit_code() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let run = run_measured(command).unwrap();
        assert_eq!(run.exit_code, Some(3));
        assert_eq!(run.stdout, "out\n");
        assert_eq!(run.stderr, "err\n");
        assert!(run.peak_rss_kib > 0);
    }

    #[test]
    fn parses_the_report_with_or_without_leading_log_lines() {
        let report = r#"{"plan_key":"k","errors":["T1: createIssue: boom"],
            "metrics":{"requests":12,"mutations":9,"retries":{"transient":2,"secondary":1},
            "rate_limit_wait_ms":1500,"max_in_flight":5}}"#;
        let summary = parse_report(report).unwrap();
        assert_eq!(summary.retries(), 3);
        assert_eq!(summary.rate_limit_wait_ms, 1500);
        assert_eq!(summary.client_requests, 12);
        assert_eq!(summary.client_max_in_flight, 5);
        assert_eq!(summary.errors, vec!["T1: createIssue: boom".to_string()]);
        let logged = format!("::group::tasks\n::endgroup::\n{report}\n");
        assert_eq!(parse_report(&logged).unwrap(), summary);
        let nested = format!("{{\"report\":{report}}}");
        assert_eq!(parse_report(&nested).unwrap(), summary);
        assert!(parse_report("no json here").is_err());
    }
}
