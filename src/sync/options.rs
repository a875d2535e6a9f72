//! What a sync is told to do: the settings that come from the action's inputs.

use crate::plan::ItemKind;
use std::fmt;
use std::str::FromStr;

/// `owner/name` of the repository whose issues are managed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    pub owner: String,
    pub name: String,
}

impl FromStr for RepoRef {
    type Err = String;

    fn from_str(s: &str) -> Result<RepoRef, String> {
        let (owner, name) = s
            .split_once('/')
            .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| format!("expected OWNER/NAME, got {s:?}"))?;
        Ok(RepoRef {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Who owns a Projects v2 board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOwnerKind {
    Organization,
    User,
}

/// A board, from `https://github.com/orgs/<o>/projects/<n>` or `.../users/<u>/projects/<n>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectUrl {
    pub owner_kind: ProjectOwnerKind,
    pub owner: String,
    pub number: u64,
    /// The URL as given, for messages.
    pub url: String,
}

impl FromStr for ProjectUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<ProjectUrl, String> {
        let shape = || {
            format!(
                "expected https://github.com/orgs/OWNER/projects/N or \
                 https://github.com/users/OWNER/projects/N, got {s:?}"
            )
        };
        let rest = s
            .trim_end_matches('/')
            .split_once("://")
            .map(|(_, rest)| rest)
            .ok_or_else(shape)?;
        // Host (github.com or a GitHub Enterprise host), then the path segments.
        let segments: Vec<&str> = rest.split('/').skip(1).collect();
        let (owner_kind, owner, number) = match segments.as_slice() {
            ["orgs", owner, "projects", n, ..] => (ProjectOwnerKind::Organization, *owner, *n),
            ["users", owner, "projects", n, ..] => (ProjectOwnerKind::User, *owner, *n),
            _ => return Err(shape()),
        };
        let number = number
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(shape)?;
        if owner.is_empty() {
            return Err(shape());
        }
        Ok(ProjectUrl {
            owner_kind,
            owner: owner.to_string(),
            number,
            url: s.to_string(),
        })
    }
}

/// What happens to the issue of an item that left the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnRemoved {
    /// Close it as NOT_PLANNED (reopened if the item comes back).
    #[default]
    Close,
    /// Leave it as it is.
    Keep,
}

impl FromStr for OnRemoved {
    type Err = String;

    fn from_str(s: &str) -> Result<OnRemoved, String> {
        match s {
            "close" => Ok(OnRemoved::Close),
            "keep" => Ok(OnRemoved::Keep),
            _ => Err(format!("expected close or keep, got {s:?}")),
        }
    }
}

/// Names of the issue types (or of the `type:` labels when the owner has no issue types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeNames {
    pub epic: String,
    pub story: String,
    pub task: String,
}

impl Default for TypeNames {
    fn default() -> TypeNames {
        TypeNames {
            epic: "Epic".to_string(),
            story: "Story".to_string(),
            task: "Task".to_string(),
        }
    }
}

impl TypeNames {
    /// The name for items of `kind`.
    pub fn get(&self, kind: ItemKind) -> &str {
        match kind {
            ItemKind::Epic => &self.epic,
            ItemKind::Story => &self.story,
            ItemKind::Task => &self.task,
        }
    }

    /// The label marking items of `kind` where the owner has no issue type for it, e.g.
    /// `type:epic`.
    pub fn label(&self, kind: ItemKind) -> String {
        format!("type:{}", self.get(kind).to_lowercase())
    }

    /// The kind whose issue type is `type_name` or whose type label is among `labels`.
    pub fn kind_of(&self, type_name: Option<&str>, labels: &[&str]) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|kind| {
            type_name.is_some_and(|t| t.eq_ignore_ascii_case(self.get(*kind)))
                || labels
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case(&self.label(*kind)))
        })
    }

    /// Whether the name for `kind` is the default one (the runner fills an input's default in,
    /// so a name equal to the default counts as not chosen).
    pub fn is_default(&self, kind: ItemKind) -> bool {
        self.get(kind)
            .eq_ignore_ascii_case(TypeNames::default().get(kind))
    }

    /// The input that sets the name for `kind`.
    pub fn input(kind: ItemKind) -> &'static str {
        match kind {
            ItemKind::Epic => "epic-type",
            ItemKind::Story => "story-type",
            ItemKind::Task => "task-type",
        }
    }
}

/// Everything a sync needs besides the plan and the client.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub repository: RepoRef,
    /// The label every managed issue carries; discovery lists issues by it.
    pub label: String,
    /// Read-only: compute and report the changes, make no mutation.
    pub dry_run: bool,
    pub on_removed: OnRemoved,
    /// Allow closing more than half of the managed issues in one run.
    pub allow_mass_close: bool,
    pub type_names: TypeNames,
    pub project: Option<ProjectUrl>,
    /// First pause before resending writes GitHub refused as "submitted too quickly" inside an
    /// otherwise successful document; it doubles on each further refusal.
    pub throttle_backoff: std::time::Duration,
    /// Most mutations in one document. GitHub runs them one after another and gives a request
    /// about ten seconds, so this bounds a document's server time.
    pub max_batch: usize,
    /// Most content-creating mutations (`createIssue`, `createLabel`, `addSubIssue`,
    /// `addBlockedBy`) in one document. GitHub limits content creation per minute (issue
    /// creation reported to trip at ~20 a minute, and it may count each mutation): with the
    /// default `max-concurrency`, one round of documents stays within that, and a document the limit
    /// refuses whole is split rather than resent as it is.
    pub max_create_batch: usize,
    /// New issues get their board card in `createIssue` itself (`projectV2Ids`) rather than an
    /// `addProjectV2ItemById` each: set by the sync when one token both creates issues and
    /// writes the board.
    pub cards_in_create: bool,
}

impl SyncOptions {
    pub const DEFAULT_LABEL: &'static str = "planpilot";
    /// Default of `max_batch`.
    pub const MAX_BATCH: usize = 50;
    /// Default of `max_create_batch`: 5 documents in flight × 4 = 20 creations per round.
    pub const MAX_CREATE_BATCH: usize = 4;

    pub fn new(repository: RepoRef) -> SyncOptions {
        SyncOptions {
            repository,
            label: SyncOptions::DEFAULT_LABEL.to_string(),
            dry_run: false,
            on_removed: OnRemoved::default(),
            allow_mass_close: false,
            type_names: TypeNames::default(),
            project: None,
            throttle_backoff: std::time::Duration::from_secs(1),
            max_batch: SyncOptions::MAX_BATCH,
            max_create_batch: SyncOptions::MAX_CREATE_BATCH,
            cards_in_create: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_org_and_user_project_urls() {
        let org: ProjectUrl = "https://github.com/orgs/acme/projects/7".parse().unwrap();
        assert_eq!(org.owner_kind, ProjectOwnerKind::Organization);
        assert_eq!((org.owner.as_str(), org.number), ("acme", 7));
        let user: ProjectUrl = "https://github.com/users/jo/projects/2/views/1"
            .parse()
            .unwrap();
        assert_eq!(user.owner_kind, ProjectOwnerKind::User);
        assert_eq!((user.owner.as_str(), user.number), ("jo", 2));
    }

    #[test]
    fn rejects_malformed_project_urls() {
        for bad in [
            "github.com/orgs/acme/projects/1",
            "https://github.com/acme/projects/1",
            "https://github.com/orgs/acme/projects/x",
            "https://github.com/orgs/acme/projects/0",
            "https://github.com/orgs//projects/1",
        ] {
            assert!(
                bad.parse::<ProjectUrl>().is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn parses_repo_refs_and_on_removed() {
        let repo: RepoRef = "acme/roadmap".parse().unwrap();
        assert_eq!(repo.to_string(), "acme/roadmap");
        assert!("acme".parse::<RepoRef>().is_err());
        assert!("a/b/c".parse::<RepoRef>().is_err());
        assert_eq!("keep".parse::<OnRemoved>(), Ok(OnRemoved::Keep));
        assert!("delete".parse::<OnRemoved>().is_err());
    }
}
