//! Everything that shapes a fake: who owns the repository, what the board looks like, and the
//! realism knobs (`Faults`) that tests may change while the fake runs.

use std::path::PathBuf;
use std::time::Duration;

/// Whether the repository owner is an organization (issue types, org project) or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    Organization,
    User,
}

/// One organization issue type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueTypeConfig {
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

impl IssueTypeConfig {
    /// Enabled types with these names, in order.
    pub fn set(names: &[&str]) -> Vec<IssueTypeConfig> {
        names.iter().map(|n| IssueTypeConfig::new(n)).collect()
    }

    pub fn new(name: &str) -> IssueTypeConfig {
        IssueTypeConfig {
            name: name.to_string(),
            description: format!("A {}", name.to_lowercase()),
            enabled: true,
        }
    }
}

/// A part of GitHub's schema that GitHub Enterprise Server gained in a given release. A fake
/// serves every one of them, as github.com does; `Config::without_features` takes some away,
/// as an older server has them not (its schema lacks the fields, so documents selecting them
/// fail validation, and introspection does not list them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// `Issue.parent`, `Issue.subIssues`, `addSubIssue`, `createIssue(parentIssueId:)` (GHES 3.16).
    SubIssues,
    /// `Issue.issueType`, `Repository.issueTypes`, `issueTypeId` inputs (GHES 3.18).
    IssueTypes,
    /// `Issue.blockedBy`, `Issue.blocking`, `addBlockedBy`, `removeBlockedBy` (GHES 3.19).
    IssueDependencies,
    /// Closing as `DUPLICATE`: `stateReason(enableDuplicate:)`, `closeIssue(duplicateIssueId:)`.
    DuplicateReason,
    /// `createIssue(projectV2Ids:)`: the board card made with the issue.
    CardsInCreate,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::SubIssues,
        Feature::IssueTypes,
        Feature::IssueDependencies,
        Feature::DuplicateReason,
        Feature::CardsInCreate,
    ];

    /// The name `--without-feature` takes.
    pub fn name(self) -> &'static str {
        match self {
            Feature::SubIssues => "sub-issues",
            Feature::IssueTypes => "issue-types",
            Feature::IssueDependencies => "issue-dependencies",
            Feature::DuplicateReason => "duplicate-reason",
            Feature::CardsInCreate => "cards-in-create",
        }
    }

    /// The feature `name` names.
    pub fn parse(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The Projects v2 board the owner has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    pub number: u64,
    pub title: String,
    /// Iteration length in days (GitHub's default is 14).
    pub iteration_days: u32,
}

impl Default for ProjectConfig {
    fn default() -> ProjectConfig {
        ProjectConfig {
            number: 1,
            title: "Roadmap".to_string(),
            iteration_days: 14,
        }
    }
}

/// Content-creating operations allowed per window before a secondary limit trips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentLimit {
    pub max: u64,
    pub window: Duration,
}

/// Fault and timing knobs; change them mid-test with `FakeGithub::set_faults`.
/// Every random decision draws from the fake's seeded generator, so a run is reproducible.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Added to every request.
    pub latency: Duration,
    /// Added per mutation field of a document (mutations of one document cost serially).
    pub mutation_latency: Duration,
    /// Up to this much extra, uniformly drawn, per request.
    pub jitter: Duration,
    /// Probability that a request is answered with HTTP 502 (nothing applied).
    pub error_502_rate: f64,
    /// Probability that a GraphQL document is answered "Something went wrong" (nothing applied).
    pub something_went_wrong_rate: f64,
    /// Probability that a mutation document is applied and then the connection is dropped
    /// without any response.
    pub drop_after_apply_rate: f64,
    /// Probability that a query's answer leaves a field of one of its issues out, as GitHub
    /// does on a timeout: the field (labels, assignees, board items, blocked-by, parent,
    /// sub-issues or type, one of those the query selected) comes back `null`, with an `errors`
    /// entry whose `path` names it, beside the rest of the `data`.
    pub partial_read_rate: f64,
    /// Every Nth GraphQL document gets `RATE_LIMITED` (nothing applied).
    pub rate_limited_every: Option<u64>,
    /// Secondary limit: more requests in flight than this → 403.
    pub max_concurrent: Option<u64>,
    /// Secondary limit on content-creating mutations per window → 403.
    pub content_limit: Option<ContentLimit>,
    /// Answer content-limit hits the other way GitHub does: HTTP 200, the creates that still fit
    /// apply, each refused one gets an `UNPROCESSABLE` "was submitted too quickly" error.
    pub content_limit_graphql: bool,
    /// Secondary limit on GraphQL points per minute (GitHub: 2,000; a document with mutations
    /// costs 5 points, a read 1) → 403.
    pub secondary_points_per_minute: Option<u64>,
    /// `retry-after` seconds sent with secondary-limit answers.
    pub retry_after_secs: u64,
    /// Probability that a secondary-limit answer omits `retry-after`, as GitHub sometimes does.
    pub retry_after_omit_rate: f64,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            latency: Duration::ZERO,
            mutation_latency: Duration::ZERO,
            jitter: Duration::ZERO,
            error_502_rate: 0.0,
            something_went_wrong_rate: 0.0,
            drop_after_apply_rate: 0.0,
            partial_read_rate: 0.0,
            rate_limited_every: None,
            max_concurrent: None,
            content_limit: None,
            content_limit_graphql: false,
            secondary_points_per_minute: None,
            retry_after_secs: 60,
            retry_after_omit_rate: 0.0,
        }
    }
}

/// All settings of a fake. `Config::default()` is an organization `acme` with the issue types a
/// new GitHub organization has (Task, Bug, Feature), repository `acme/roadmap` and board
/// number 1 "Roadmap".
#[derive(Debug, Clone)]
pub struct Config {
    /// The only token accepted (`Authorization: Bearer <token>` or `token <token>`).
    pub token: String,
    pub owner: String,
    pub owner_kind: OwnerKind,
    pub repo: String,
    /// Issue types of the organization (ignored for user owners, which have none).
    pub issue_types: Vec<IssueTypeConfig>,
    /// The owner's board; `None` for no project at all.
    pub project: Option<ProjectConfig>,
    /// Behave like Actions' `GITHUB_TOKEN`: every Projects v2 access is `FORBIDDEN`.
    pub github_token_like: bool,
    /// Behave like a classic PAT without the `project` scope: every Projects v2 access fails
    /// with `INSUFFICIENT_SCOPES`.
    pub missing_project_scope: bool,
    /// Behave like a `GITHUB_TOKEN` whose workflow does not grant `pull-requests: write` (or
    /// the read-only token of a pull request from a fork): creating or editing a comment on a
    /// pull request is 403 "Resource not accessible by integration". Comments on issues and
    /// every read still work. Off by default: the fake's token is one a workflow granted
    /// `issues: write` and `pull-requests: write`.
    pub missing_pull_requests_write: bool,
    /// Schema file; `None` = `Schema::github()` (`GITHUB_GRAPHQL_SCHEMA`, else the vendored copy).
    pub schema_path: Option<PathBuf>,
    /// Parts of the schema this server lacks, as an older GitHub Enterprise Server does (empty:
    /// every feature, as github.com).
    pub without_features: Vec<Feature>,
    /// Seeds node ids and every random fault decision.
    pub seed: u64,
    /// Primary GraphQL budget per window (points).
    pub primary_budget: u64,
    /// Length of the primary budget window (GitHub: one hour); shorten it in tests.
    pub primary_window: Duration,
    /// Logins known to the fake; the first one is the viewer (the token's user).
    pub users: Vec<String>,
    /// Milestone titles of the repository.
    pub milestones: Vec<String>,
    /// Labels that exist before the first request: (name, color).
    pub labels: Vec<(String, String)>,
    /// Fake clock, as Unix seconds; `None` = the real clock at start.
    pub now: Option<u64>,
    /// Append one JSON line per request here.
    pub log_path: Option<PathBuf>,
    pub faults: Faults,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            token: "test-token".to_string(),
            owner: "acme".to_string(),
            owner_kind: OwnerKind::Organization,
            repo: "roadmap".to_string(),
            issue_types: IssueTypeConfig::set(&Config::GITHUB_DEFAULT_TYPES),
            project: Some(ProjectConfig::default()),
            github_token_like: false,
            missing_project_scope: false,
            missing_pull_requests_write: false,
            schema_path: None,
            without_features: Vec::new(),
            seed: 1,
            primary_budget: 5000,
            primary_window: Duration::from_secs(3600),
            users: vec!["octocat".to_string(), "hubot".to_string()],
            milestones: vec!["v1.0".to_string()],
            labels: vec![
                ("bug".to_string(), "d73a4a".to_string()),
                ("enhancement".to_string(), "a2eeef".to_string()),
            ],
            now: None,
            log_path: None,
            faults: Faults::default(),
        }
    }
}

impl Config {
    /// The issue types GitHub gives a new organization.
    /// <https://docs.github.com/en/issues/tracking-your-work-with-issues/configuring-issues/managing-issue-types-in-an-organization>
    pub const GITHUB_DEFAULT_TYPES: [&'static str; 3] = ["Task", "Bug", "Feature"];

    /// An organization whose owners set up their own issue types (opt-in: not GitHub's start).
    pub fn with_issue_types(names: &[&str]) -> Config {
        Config {
            issue_types: IssueTypeConfig::set(names),
            ..Config::default()
        }
    }

    /// A user-owned repository `octocat/roadmap` (no issue types) with a user board.
    pub fn user_owned() -> Config {
        Config {
            owner: "octocat".to_string(),
            owner_kind: OwnerKind::User,
            issue_types: Vec::new(),
            ..Config::default()
        }
    }

    /// A token that, like Actions' `GITHUB_TOKEN`, cannot touch Projects v2.
    pub fn github_token_like() -> Config {
        Config {
            github_token_like: true,
            ..Config::default()
        }
    }

    /// A token without `pull-requests: write`: comments on pull requests are refused.
    pub fn without_pull_requests_write() -> Config {
        Config {
            missing_pull_requests_write: true,
            ..Config::default()
        }
    }

    /// A server without `features`, as an older GitHub Enterprise Server (opt-in: github.com has
    /// them all).
    pub fn without_features(features: &[Feature]) -> Config {
        Config {
            without_features: features.to_vec(),
            ..Config::default()
        }
    }

    /// No Projects v2 board at all.
    pub fn without_project() -> Config {
        Config {
            project: None,
            ..Config::default()
        }
    }
}
