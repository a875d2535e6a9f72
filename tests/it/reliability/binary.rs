//! Runs the real `planpilot` binary the way the runner does (an empty environment plus
//! `GITHUB_*` and `INPUT_*` variables) against an in-process fake GitHub.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use fake_github::{Config, FakeGithub};

use super::support::ORG_BOARD;

/// A fake served by its own runtime, so it keeps answering while a test blocks on the binary.
pub struct Served {
    // Declared first so it is dropped before the runtime that serves it.
    pub fake: FakeGithub,
    _runtime: tokio::runtime::Runtime,
}

impl Served {
    pub fn start(config: Config) -> Served {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let fake = runtime
            .block_on(FakeGithub::start(config))
            .expect("fake starts");
        Served {
            fake,
            _runtime: runtime,
        }
    }

    pub fn mutations(&self) -> u64 {
        self.fake.stats().mutations.total
    }
}

/// One workflow step: a workspace holding `plan.yaml`, and the runner's output files.
pub struct Step {
    pub dir: tempfile::TempDir,
    pub token: String,
}

/// What a finished run left behind.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub output_file: String,
    pub summary_file: String,
}

impl Run {
    /// Every text the run produced: logs, `GITHUB_OUTPUT`, the job summary.
    pub fn all_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}",
            self.stdout, self.stderr, self.output_file, self.summary_file
        )
    }
}

impl Step {
    pub fn new(plan_yaml: &str, token: &str) -> Step {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("plan.yaml"), plan_yaml).expect("plan written");
        Step {
            dir,
            token: token.to_string(),
        }
    }

    pub fn workspace(&self) -> &Path {
        self.dir.path()
    }

    fn output_path(&self) -> PathBuf {
        self.dir.path().join("github_output")
    }

    fn summary_path(&self) -> PathBuf {
        self.dir.path().join("step_summary")
    }

    /// `planpilot` (no arguments: under Actions that means `sync`) aimed at `url`.
    pub fn command(&self, url: &str) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("planpilot"));
        cmd.env_clear()
            .current_dir(self.workspace())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.workspace())
            .env("GITHUB_REPOSITORY", "acme/roadmap")
            .env("GITHUB_OUTPUT", self.output_path())
            .env("GITHUB_STEP_SUMMARY", self.summary_path())
            .env("GITHUB_GRAPHQL_URL", url)
            .env("GITHUB_API_URL", url.trim_end_matches("/graphql"))
            .env("INPUT_GITHUB-TOKEN", &self.token)
            .env("INPUT_PLAN-FILE", "plan.yaml")
            .env("INPUT_PROJECT-URL", ORG_BOARD)
            .env("INPUT_MAX-WAIT", "1");
        cmd
    }

    pub fn spawn(&self, url: &str) -> Child {
        self.command(url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("planpilot starts")
    }

    /// Runs to the end. Output files are emptied first so each run is read on its own.
    pub fn run(&self, cmd: &mut Command) -> Run {
        let _ = std::fs::remove_file(self.output_path());
        let _ = std::fs::remove_file(self.summary_path());
        let output = cmd.output().expect("planpilot runs");
        self.finish(output)
    }

    pub fn finish(&self, output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            output_file: std::fs::read_to_string(self.output_path()).unwrap_or_default(),
            summary_file: std::fs::read_to_string(self.summary_path()).unwrap_or_default(),
        }
    }
}
