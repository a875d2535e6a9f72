//! The `fake-github` binary: serves one fake until interrupted. Prints
//! `listening http://127.0.0.1:PORT` as its first stdout line.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use fake_github::{Config, ContentLimit, FakeGithub, Faults};

/// An honest, stateful stand-in for GitHub's GraphQL API.
#[derive(Parser, Debug)]
#[command(name = "fake-github", version)]
struct Args {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The only accepted token.
    #[arg(long, default_value = "test-token")]
    token: String,
    /// Repository owner login.
    #[arg(long)]
    owner: Option<String>,
    /// Repository name.
    #[arg(long)]
    repo: Option<String>,
    /// The owner is a user: no issue types, board under `user(login)`.
    #[arg(long)]
    user_owned: bool,
    /// Every Projects v2 access fails with FORBIDDEN, like Actions' GITHUB_TOKEN.
    #[arg(long)]
    github_token_like: bool,
    /// Every Projects v2 access fails with INSUFFICIENT_SCOPES, like a PAT without `project`.
    #[arg(long)]
    missing_project_scope: bool,
    /// No Projects v2 board at all.
    #[arg(long)]
    no_project: bool,
    /// Extra organization issue types (repeatable).
    #[arg(long = "issue-type")]
    issue_types: Vec<String>,
    /// GraphQL schema file (default: $GITHUB_GRAPHQL_SCHEMA, then ../shared/github/schema.graphql).
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Check documents against the fake's built-in API subset instead of GitHub's schema file.
    #[arg(long)]
    builtin_schema: bool,
    /// Fake clock start, as Unix seconds (default: now); iterations are laid out from it.
    #[arg(long)]
    now: Option<u64>,
    /// Seed for node ids and every random fault decision.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Primary GraphQL points per hour.
    #[arg(long, default_value_t = 5000)]
    primary_budget: u64,
    /// Length of the primary budget window, in seconds.
    #[arg(long, default_value_t = 3600)]
    primary_window_secs: u64,
    /// Secondary limit: GraphQL points per minute (mutation documents cost 5, reads 1).
    #[arg(long)]
    points_per_minute: Option<u64>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Latency added per mutation field of a document, in milliseconds.
    #[arg(long, default_value_t = 0)]
    mutation_latency_ms: u64,
    /// Up to this much random extra latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Probability of answering HTTP 502.
    #[arg(long, default_value_t = 0.0)]
    fault_502: f64,
    /// Probability of a GraphQL "Something went wrong" answer.
    #[arg(long, default_value_t = 0.0)]
    fault_something_went_wrong: f64,
    /// Probability that a mutation document is applied and the connection then dropped unanswered.
    #[arg(long, default_value_t = 0.0)]
    fault_drop_after_apply: f64,
    /// Every Nth GraphQL document gets RATE_LIMITED.
    #[arg(long)]
    rate_limited_every: Option<u64>,
    /// Secondary limit: more requests in flight than this get 403.
    #[arg(long)]
    max_concurrent: Option<u64>,
    /// Secondary limit: content-creating mutations allowed per window.
    #[arg(long)]
    content_limit: Option<u64>,
    /// Answer --content-limit hits as GraphQL errors "was submitted too quickly" (HTTP 200).
    #[arg(long)]
    content_limit_graphql: bool,
    /// Window of --content-limit, in seconds.
    #[arg(long, default_value_t = 60)]
    content_window_secs: u64,
    /// `retry-after` seconds on secondary-limit answers.
    #[arg(long, default_value_t = 60)]
    retry_after_secs: u64,
    /// Probability that a secondary-limit answer omits `retry-after`.
    #[arg(long, default_value_t = 0.0)]
    retry_after_omit: f64,
    /// Append one JSON line per GraphQL request to this file.
    #[arg(long)]
    log: Option<PathBuf>,
}

fn config(args: Args) -> Config {
    let mut config = if args.user_owned {
        Config::user_owned()
    } else {
        Config::default()
    };
    config.token = args.token;
    if let Some(owner) = args.owner {
        if args.user_owned && !config.users.contains(&owner) {
            config.users.insert(0, owner.clone());
        }
        config.owner = owner;
    }
    if let Some(repo) = args.repo {
        config.repo = repo;
    }
    config.github_token_like = args.github_token_like;
    config.missing_project_scope = args.missing_project_scope;
    if args.no_project {
        config.project = None;
    }
    if !args.user_owned {
        config.issue_types.extend(
            args.issue_types
                .iter()
                .map(|n| fake_github::IssueTypeConfig::new(n)),
        );
    }
    config.schema_path = args.schema;
    config.builtin_schema = args.builtin_schema;
    config.now = args.now;
    config.seed = args.seed;
    config.primary_budget = args.primary_budget;
    config.primary_window = Duration::from_secs(args.primary_window_secs);
    config.log_path = args.log;
    config.faults = Faults {
        latency: Duration::from_millis(args.latency_ms),
        mutation_latency: Duration::from_millis(args.mutation_latency_ms),
        jitter: Duration::from_millis(args.jitter_ms),
        error_502_rate: args.fault_502,
        something_went_wrong_rate: args.fault_something_went_wrong,
        drop_after_apply_rate: args.fault_drop_after_apply,
        rate_limited_every: args.rate_limited_every,
        max_concurrent: args.max_concurrent,
        content_limit: args.content_limit.map(|max| ContentLimit {
            max,
            window: Duration::from_secs(args.content_window_secs),
        }),
        content_limit_graphql: args.content_limit_graphql,
        secondary_points_per_minute: args.points_per_minute,
        retry_after_secs: args.retry_after_secs,
        retry_after_omit_rate: args.retry_after_omit,
    };
    config
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let port = args.port;
    let fake = FakeGithub::start_on(config(args), port).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {}", fake.url())?;
    stdout.flush()?;
    tokio::signal::ctrl_c().await?;
    fake.shutdown().await;
    Ok(())
}
