//! fake-github: an honest, stateful stand-in for GitHub's GraphQL API, for planpilot's tests,
//! demo and benchmarks.
//!
//! Layout:
//! - `config`: `Config` (owner, repository, board, token, seed) and `Faults` (realism knobs).
//! - `schema`: GitHub's real schema (the repository's vendored copy, built in), parsed once per
//!   process; validates every document.
//! - `analyze`: checks before execution (pagination bounds, `nodes` limit, rate-limit cost).
//! - `exec`: a small executor over validated documents (aliases, fragments, null propagation).
//! - `resolve`: what each emulated field returns; `mutate`: mutations and GitHub's rules.
//! - `state`: the repository, issues, labels, issue types and board, plus the JSON state dump.
//! - `rest`: the REST endpoints served (the comments of issues and pull requests).
//! - `server`: HTTP, auth, rate limits, injected faults, `/_fake/*` endpoints;
//!   `faults_api`: the fault knobs as JSON for `/_fake/faults`.
//!
//! A `FakeGithub` owns one background accept loop; the state lives as long as that loop or any
//! open connection. `shutdown` (or dropping the `FakeGithub`) stops accepting and closes open
//! connections.

mod analyze;
pub mod config;
mod exec;
pub mod faults_api;
mod mutate;
mod resolve;
mod rest;
pub mod schema;
mod server;
mod shared;
mod state;
pub mod stats;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tower::ServiceExt;

pub use config::{
    Config, ContentLimit, Faults, Feature, IssueTypeConfig, OwnerKind, ProjectConfig,
};
pub use schema::Schema;
pub use stats::{MutationStats, Stats};

use server::DropConnection;
use shared::Shared;

/// A running fake. `shutdown` stops it and waits for the accept loop; dropping it stops it too,
/// without waiting.
pub struct FakeGithub {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose after applying the document")
    }
}

impl std::error::Error for Dropped {}

impl FakeGithub {
    /// Bind 127.0.0.1 on a free port and serve on a background task.
    pub async fn start(config: Config) -> anyhow::Result<FakeGithub> {
        Self::start_on(config, 0).await
    }

    /// Like `start`, on a given port (0 = any free port).
    pub async fn start_on(config: Config, port: u16) -> anyhow::Result<FakeGithub> {
        let schema = match &config.schema_path {
            Some(path) => Schema::load(path)?,
            None => Schema::github()?,
        };
        let shared = Arc::new(Shared::new(&config, schema)?);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .context("binding the fake's port")?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let router = server::router(shared.clone());
        let task = tokio::spawn(accept_loop(listener, router, stopped));
        Ok(FakeGithub {
            addr,
            shared,
            stop,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.url())
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    pub fn state(&self) -> serde_json::Value {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .snapshot()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    pub fn faults(&self) -> Faults {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    fn world(&self) -> std::sync::MutexGuard<'_, state::State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Renames an option of a single-select board field, as a human does in the board's
    /// settings (the option keeps its id). False if there is no such field or option.
    pub fn rename_option(&self, field: &str, from: &str, to: &str) -> bool {
        let mut world = self.world();
        let Some(project) = world.project.as_mut() else {
            return false;
        };
        let options = project.fields.iter_mut().filter(|f| f.name == field);
        for field in options {
            if let state::FieldKind::SingleSelect(options) = &mut field.kind {
                if let Some(option) = options.iter_mut().find(|o| o.name == from) {
                    option.name = to.to_string();
                    return true;
                }
            }
        }
        false
    }

    /// Renames an organization issue type (it keeps its id). False if there is none by `from`.
    pub fn rename_issue_type(&self, from: &str, to: &str) -> bool {
        let mut world = self.world();
        match world.issue_types.iter_mut().find(|t| t.name == from) {
            Some(issue_type) => {
                issue_type.name = to.to_string();
                true
            }
            None => false,
        }
    }

    /// Transfers issue `number` to another repository: it leaves this repository's lists and
    /// numbers, while its node id and its relations live on. False if there is no such issue.
    pub fn transfer_issue(&self, number: u64) -> bool {
        let mut world = self.world();
        match world.issue_by_number(number) {
            Some(index) => {
                world.issues[index].transferred = true;
                true
            }
            None => false,
        }
    }

    /// Opens a pull request, as a person does; it takes the next issue number, which it
    /// returns. `repository.issue(number)` does not find it; `issueOrPullRequest` does.
    pub fn open_pull_request(&self, title: &str) -> u64 {
        self.world().open_pull_request(title)
    }

    /// The comments of issue or pull request `number`, oldest first, as the REST API returns
    /// them (`id`, `body`, `html_url`, `user`, `created_at`, `updated_at`, …). Empty when there
    /// is no such number.
    pub fn comments(&self, number: u64) -> Vec<serde_json::Value> {
        let world = self.world();
        let Some(issue) = world.number_in_repository(number) else {
            return Vec::new();
        };
        world
            .comments
            .iter()
            .filter(|c| c.issue == issue)
            .map(|c| world.comment_json(c))
            .collect()
    }

    /// Comments on issue or pull request `number` as a person does; returns the comment's id,
    /// or `None` when there is no such number.
    pub fn add_comment(&self, number: u64, body: &str) -> Option<u64> {
        let mut world = self.world();
        let issue = world.number_in_repository(number)?;
        let index = world.add_comment(issue, body);
        Some(world.comments[index].id)
    }

    /// Serves the schema without `features` from the next request on, as a server upgraded to
    /// (or rolled back from) the release that has them; the issues stay as they are.
    pub fn set_without_features(&self, features: &[Feature]) -> anyhow::Result<()> {
        let schema = self.shared.base_schema.without(features)?;
        *self.shared.schema.lock().unwrap_or_else(|e| e.into_inner()) = schema;
        Ok(())
    }

    /// Starts a fresh primary-budget window, as if the hour had passed.
    pub fn reset_primary_budget(&self) {
        self.shared.reset_primary_budget(None);
    }

    /// Starts a fresh primary-budget window of `points` (a token with another budget).
    pub fn set_primary_budget(&self, points: u64) {
        self.shared.reset_primary_budget(Some(points));
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                tokio::spawn(serve_connection(stream, router.clone(), stopped.clone()));
            }
            _ = stopped.changed() => return,
        }
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    router: axum::Router,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            let response = match router.oneshot(request.map(axum::body::Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<DropConnection>().is_some() {
                Err(Dropped)
            } else {
                Ok(response)
            }
        }
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = stopped.changed() => {}
    }
}
