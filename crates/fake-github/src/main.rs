//! The `fake-github` binary: serves one fake until interrupted. Prints
//! `listening http://127.0.0.1:PORT` as its first stdout line.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use fake_github::{Config, ContentLimit, FakeGithub, Faults, Feature};

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
    /// Creating or editing a comment on a pull request fails with 403 "Resource not accessible
    /// by integration", like a GITHUB_TOKEN without `pull-requests: write`.
    #[arg(long)]
    missing_pull_requests_write: bool,
    /// No Projects v2 board at all.
    #[arg(long)]
    no_project: bool,
    /// The organization's own set of issue types, comma-separated (default: GitHub's Task,
    /// Bug, Feature).
    #[arg(long = "issue-types", value_delimiter = ',')]
    issue_type_set: Option<Vec<String>>,
    /// Extra organization issue types (repeatable).
    #[arg(long = "issue-type")]
    issue_types: Vec<String>,
    /// GraphQL schema file (default: $GITHUB_GRAPHQL_SCHEMA, else the vendored GitHub schema).
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Serve the schema without a feature, as an older GitHub Enterprise Server (repeatable):
    /// sub-issues, issue-types, issue-dependencies, duplicate-reason or cards-in-create.
    #[arg(long = "without-feature", value_parser = parse_feature)]
    without_features: Vec<Feature>,
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
    /// Probability that a query's answer leaves a field of one issue out (null, with an error
    /// whose path names it), as GitHub does on a timeout.
    #[arg(long, default_value_t = 0.0)]
    fault_partial_read: f64,
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

fn parse_feature(name: &str) -> Result<Feature, String> {
    Feature::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
        format!("unknown feature \"{name}\" (known: {})", names.join(", "))
    })
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
    config.missing_pull_requests_write = args.missing_pull_requests_write;
    if args.no_project {
        config.project = None;
    }
    if let (false, Some(set)) = (args.user_owned, &args.issue_type_set) {
        let names: Vec<&str> = set.iter().map(String::as_str).collect();
        config.issue_types = fake_github::IssueTypeConfig::set(&names);
    }
    if !args.user_owned {
        config.issue_types.extend(
            args.issue_types
                .iter()
                .map(|n| fake_github::IssueTypeConfig::new(n)),
        );
    }
    config.schema_path = args.schema;
    config.without_features = args.without_features;
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
        partial_read_rate: args.fault_partial_read,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        config(
            Args::try_parse_from(std::iter::once("fake-github").chain(args.iter().copied()))
                .unwrap(),
        )
    }

    #[test]
    fn defaults_match_the_library() {
        let config = parse(&[]);
        let default = Config::default();
        assert_eq!(config.token, default.token);
        assert_eq!(config.owner, default.owner);
        assert_eq!(config.faults, default.faults);
        assert_eq!(config.primary_budget, default.primary_budget);
        assert_eq!(config.primary_window, default.primary_window);
    }

    #[test]
    fn every_flag_reaches_the_config() {
        let config = parse(&[
            "--token",
            "t",
            "--owner",
            "mona",
            "--repo",
            "r",
            "--user-owned",
            "--github-token-like",
            "--missing-project-scope",
            "--missing-pull-requests-write",
            "--no-project",
            "--now",
            "86400",
            "--seed",
            "9",
            "--primary-budget",
            "10",
            "--primary-window-secs",
            "5",
            "--points-per-minute",
            "7",
            "--latency-ms",
            "1",
            "--mutation-latency-ms",
            "2",
            "--jitter-ms",
            "3",
            "--fault-502",
            "0.1",
            "--fault-something-went-wrong",
            "0.2",
            "--fault-drop-after-apply",
            "0.3",
            "--fault-partial-read",
            "0.6",
            "--rate-limited-every",
            "4",
            "--max-concurrent",
            "5",
            "--content-limit",
            "6",
            "--content-window-secs",
            "7",
            "--content-limit-graphql",
            "--retry-after-secs",
            "8",
            "--retry-after-omit",
            "0.4",
            "--log",
            "/tmp/x.jsonl",
            "--without-feature",
            "issue-dependencies",
            "--without-feature",
            "sub-issues",
        ]);
        assert_eq!(
            (
                config.token.as_str(),
                config.owner.as_str(),
                config.repo.as_str()
            ),
            ("t", "mona", "r")
        );
        assert_eq!(config.owner_kind, fake_github::OwnerKind::User);
        assert!(config.users.contains(&"mona".to_string()));
        assert!(config.github_token_like && config.missing_project_scope);
        assert!(config.missing_pull_requests_write);
        assert!(config.project.is_none());
        assert_eq!(
            (config.now, config.seed, config.primary_budget),
            (Some(86_400), 9, 10)
        );
        assert_eq!(config.primary_window, Duration::from_secs(5));
        assert_eq!(config.log_path, Some(PathBuf::from("/tmp/x.jsonl")));
        assert_eq!(
            config.without_features,
            [Feature::IssueDependencies, Feature::SubIssues]
        );
        let f = &config.faults;
        assert_eq!(
            (f.latency, f.mutation_latency, f.jitter),
            (
                Duration::from_millis(1),
                Duration::from_millis(2),
                Duration::from_millis(3)
            )
        );
        assert_eq!(
            (
                f.error_502_rate,
                f.something_went_wrong_rate,
                f.drop_after_apply_rate
            ),
            (0.1, 0.2, 0.3)
        );
        assert_eq!(
            (
                f.rate_limited_every,
                f.max_concurrent,
                f.secondary_points_per_minute
            ),
            (Some(4), Some(5), Some(7))
        );
        assert_eq!(
            f.content_limit,
            Some(ContentLimit {
                max: 6,
                window: Duration::from_secs(7)
            })
        );
        assert!(f.content_limit_graphql);
        assert_eq!(f.partial_read_rate, 0.6);
        assert_eq!((f.retry_after_secs, f.retry_after_omit_rate), (8, 0.4));
    }

    #[test]
    fn an_unknown_feature_is_refused_with_the_known_ones() {
        let error = Args::try_parse_from(["fake-github", "--without-feature", "blocked-by"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("issue-dependencies"), "{error}");
    }

    #[test]
    fn extra_issue_types_are_added_for_organizations() {
        let config = parse(&["--issue-type", "Spike", "--issue-type", "Chore"]);
        let names: Vec<&str> = config.issue_types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Task", "Bug", "Feature", "Spike", "Chore"]);
        let config = parse(&["--issue-types", "Epic,Story,Task", "--issue-type", "Bug"]);
        let names: Vec<&str> = config.issue_types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Epic", "Story", "Task", "Bug"]);
    }
}
