//! The pull request a run is for, and planpilot's one comment on it: whether to comment (input
//! `pr-comment`, the event, dry run, token), then find the comment by its hidden marker and edit
//! it, or post it — through the REST issue-comments API, which is what `pull-requests: write`
//! opens to a workflow's token. Nothing else is written.
//!
//! A refusal (403: the workflow does not grant `pull-requests: write`, or a pull request from a
//! fork, whose token is read-only) and any other failure become one warning; the run's exit
//! code stays what the sync made it.

use std::path::Path;

use crate::github::rest::{RepoPath, Rest};
use crate::github::{ApiError, Client};
use crate::render::PreviewMarker;

use super::inputs::{Env, Inputs, PrComment};
use super::pr_comment::Links;

/// What the event payload says about the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    /// `OWNER/NAME` of the repository the pull request is in (its base).
    pub repository: String,
    /// The head commit, so links to plan lines show the files as the pull request has them.
    pub head_sha: Option<String>,
    /// The head branch lives in another repository (or in a fork since deleted): Actions then
    /// gives the workflow a read-only token.
    pub from_fork: bool,
}

impl PullRequest {
    /// From an event payload (https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request):
    /// `pull_request.number`, its base and head repositories, the head commit. `None` when
    /// the payload has no pull request.
    pub fn from_event(
        event: &serde_json::Value,
        fallback_repository: Option<&str>,
    ) -> Option<Self> {
        let pr = &event["pull_request"];
        let number = pr["number"].as_u64()?;
        let base = pr["base"]["repo"]["full_name"]
            .as_str()
            .or_else(|| event["repository"]["full_name"].as_str())
            .or(fallback_repository)?;
        let head = pr["head"]["repo"]["full_name"].as_str();
        Some(PullRequest {
            number,
            repository: base.to_string(),
            head_sha: pr["head"]["sha"].as_str().map(String::from),
            from_fork: head.is_none_or(|head| !head.eq_ignore_ascii_case(base)),
        })
    }

    /// The pull request of the run's event (`GITHUB_EVENT_PATH`), if the event has one.
    pub fn of_run(env: &Env) -> Option<PullRequest> {
        let path = env.get("GITHUB_EVENT_PATH")?;
        let text = std::fs::read_to_string(Path::new(path)).ok()?;
        let event: serde_json::Value = serde_json::from_str(&text).ok()?;
        PullRequest::from_event(&event, env.get("GITHUB_REPOSITORY"))
    }
}

/// Whether this run comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Post(PullRequest),
    Skip,
    /// Not posting, and the reader should know why.
    Warn(String),
}

/// `pr-comment: auto` comments on `pull_request` events in a dry run, with a token, unless the
/// pull request comes from a fork (its token cannot write: one warning instead of a doomed
/// request). `true` comments whenever the run is for a pull request; `false` never.
pub fn decide(
    mode: PrComment,
    event_name: Option<&str>,
    dry_run: bool,
    has_token: bool,
    pr: Option<PullRequest>,
) -> Decision {
    match mode {
        PrComment::Never => Decision::Skip,
        PrComment::Auto => {
            let Some(pr) = pr.filter(|_| event_name == Some("pull_request") && dry_run) else {
                return Decision::Skip;
            };
            if !has_token {
                // An offline preview (`github-token: ""` on forks) asked for nothing to be sent.
                Decision::Skip
            } else if pr.from_fork {
                Decision::Warn(fork_warning(pr.number))
            } else {
                Decision::Post(pr)
            }
        }
        PrComment::Always => match pr {
            None => Decision::Warn(
                "pr-comment: true, but this run is not for a pull request (the event at \
                 GITHUB_EVENT_PATH has no pull_request.number); nothing was posted"
                    .to_string(),
            ),
            Some(_) if !has_token => Decision::Warn(
                "pr-comment: true needs a token (`github-token`) to post the preview; nothing \
                 was posted"
                    .to_string(),
            ),
            Some(pr) => Decision::Post(pr),
        },
    }
}

/// The decision for this run's inputs and environment.
pub fn decide_for(inputs: &Inputs, env: &Env) -> Decision {
    decide(
        inputs.pr_comment,
        env.get("GITHUB_EVENT_NAME"),
        inputs.dry_run,
        inputs.github_token.is_some(),
        PullRequest::of_run(env),
    )
}

fn fork_warning(number: u64) -> String {
    format!(
        "pr-comment: pull request #{number} comes from a fork, and GitHub gives such runs a \
         read-only token, so the preview was not posted as a comment; it is in the job summary"
    )
}

/// The comment's links: issues, the pull request's files, the run (its job summary).
pub fn links(inputs: &Inputs, env: &Env, pr: &PullRequest) -> Links {
    let server = env
        .get("GITHUB_SERVER_URL")
        .unwrap_or("https://github.com")
        .trim_end_matches('/')
        .to_string();
    let sha = pr
        .head_sha
        .clone()
        .or_else(|| env.get("GITHUB_SHA").map(String::from));
    let workflow_repository = env.get("GITHUB_REPOSITORY").unwrap_or(&pr.repository);
    Links {
        issues: format!("{server}/{}", inputs.repository),
        files: sha
            .as_ref()
            .map(|sha| format!("{server}/{}/blob/{sha}", pr.repository)),
        run: env
            .get("GITHUB_RUN_ID")
            .map(|id| format!("{server}/{workflow_repository}/actions/runs/{id}")),
        sha,
    }
}

/// What happened to the comment; each with its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Created(String),
    Edited(String),
    /// The comment already said exactly this (a re-run): no write.
    Unchanged(String),
}

/// Edits the comment on `pr` whose marker names the same plan as `marker`, or posts one.
pub async fn upsert(
    rest: &Rest,
    pr: &PullRequest,
    marker: &PreviewMarker,
    body: &str,
) -> Result<Posted, ApiError> {
    let Some((owner, name)) = pr.repository.split_once('/') else {
        return Err(ApiError::Invalid {
            message: format!(
                "the event names the repository {:?}, not OWNER/NAME",
                pr.repository
            ),
        });
    };
    let repo = RepoPath { owner, name };
    let ours = |body: &str| PreviewMarker::of_body(body).is_some_and(|m| marker.is_same_plan(&m));
    match rest
        .find_comment(repo, pr.number, |c| ours(&c.body))
        .await?
    {
        Some(found) if found.body == body => Ok(Posted::Unchanged(found.html_url)),
        Some(found) => rest
            .update_comment(repo, found.id, body)
            .await
            .map(|c| Posted::Edited(c.html_url)),
        None => rest
            .create_comment(repo, pr.number, body)
            .await
            .map(|c| Posted::Created(c.html_url)),
    }
}

/// Posts `body` with `client`; `Err` is the one warning to show.
pub async fn post(
    client: &Client,
    inputs: &Inputs,
    pr: &PullRequest,
    marker: &PreviewMarker,
    body: &str,
) -> Result<Posted, String> {
    let rest = Rest::new(client.clone(), &inputs.api_url).map_err(|e| failure(pr, &e))?;
    upsert(&rest, pr, marker, body)
        .await
        .map_err(|e| failure(pr, &e))
}

/// The warning for a comment GitHub did not take.
pub fn failure(pr: &PullRequest, error: &ApiError) -> String {
    let number = pr.number;
    match error {
        // A 403 that is not a rate limit (those were waited out): the token may not write on
        // pull requests.
        ApiError::Forbidden { .. } => format!(
            "pr-comment: GitHub refused the preview comment on pull request #{number} (403): \
             the token lacks `pull-requests: write`. Add `pull-requests: write` under \
             `permissions:` in the workflow (pull requests from forks get a read-only token; \
             their preview stays in the job summary)"
        ),
        other => format!(
            "pr-comment: the preview could not be posted on pull request #{number} ({other}); \
             it is in the job summary"
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(base: &str, head: Option<&str>) -> serde_json::Value {
        json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": {"sha": "0123456789abcdef", "repo": head.map(|h| json!({"full_name": h}))},
                "base": {"sha": "fedcba", "repo": {"full_name": base}},
            },
            "repository": {"full_name": base},
        })
    }

    fn pr(from_fork: bool) -> PullRequest {
        PullRequest {
            number: 7,
            repository: "acme/roadmap".into(),
            head_sha: Some("0123456789abcdef".into()),
            from_fork,
        }
    }

    #[test]
    fn the_event_gives_the_number_repository_head_and_fork() {
        let own = PullRequest::from_event(&event("acme/roadmap", Some("acme/roadmap")), None);
        assert_eq!(own, Some(pr(false)));
        let fork = PullRequest::from_event(&event("acme/roadmap", Some("mona/roadmap")), None);
        assert!(fork.unwrap().from_fork);
        // A fork deleted since: no head repository.
        let gone = PullRequest::from_event(&event("acme/roadmap", None), None);
        assert!(gone.unwrap().from_fork);
        let push = json!({"ref": "refs/heads/main", "repository": {"full_name": "acme/roadmap"}});
        assert_eq!(PullRequest::from_event(&push, None), None);
    }

    #[test]
    fn auto_comments_on_pull_request_dry_runs_only() {
        let post = Decision::Post(pr(false));
        let auto = |event: &str, dry_run: bool, token: bool, pr: Option<PullRequest>| {
            decide(PrComment::Auto, Some(event), dry_run, token, pr)
        };
        assert_eq!(auto("pull_request", true, true, Some(pr(false))), post);
        assert_eq!(
            auto("pull_request", false, true, Some(pr(false))),
            Decision::Skip
        );
        assert_eq!(auto("push", true, true, None), Decision::Skip);
        assert_eq!(
            auto("pull_request_target", true, true, Some(pr(false))),
            Decision::Skip
        );
        assert_eq!(
            auto("pull_request", true, false, Some(pr(false))),
            Decision::Skip
        );
        let Decision::Warn(fork) = auto("pull_request", true, true, Some(pr(true))) else {
            panic!("a fork warns");
        };
        assert!(
            fork.contains("#7 comes from a fork") && fork.contains("read-only"),
            "{fork}"
        );
    }

    #[test]
    fn true_comments_on_any_run_for_a_pull_request_and_false_never() {
        assert_eq!(
            decide(PrComment::Always, Some("push"), false, true, Some(pr(true))),
            Decision::Post(pr(true))
        );
        assert!(matches!(
            decide(PrComment::Always, Some("push"), false, true, None),
            Decision::Warn(w) if w.contains("not for a pull request")
        ));
        assert!(matches!(
            decide(PrComment::Always, Some("pull_request"), true, false, Some(pr(false))),
            Decision::Warn(w) if w.contains("needs a token")
        ));
        assert_eq!(
            decide(
                PrComment::Never,
                Some("pull_request"),
                true,
                true,
                Some(pr(false))
            ),
            Decision::Skip
        );
    }

    #[test]
    fn a_refusal_names_the_permission_to_add_whatever_githubs_words() {
        let forbidden = ApiError::Forbidden {
            message: "anything at all".into(),
        };
        let warning = failure(&pr(false), &forbidden);
        assert!(warning.contains("`pull-requests: write`"), "{warning}");
        assert!(warning.contains("`permissions:`"), "{warning}");
        assert!(!warning.contains("anything at all"));
        let other = failure(
            &pr(false),
            &ApiError::NotFound {
                message: "Not Found".into(),
            },
        );
        assert!(
            other.contains("could not be posted on pull request #7"),
            "{other}"
        );
        assert!(!other.contains("pull-requests: write"));
    }
}
