//! GitHub's REST API, for the one thing planpilot does outside GraphQL: the comments of a pull
//! request (https://docs.github.com/en/rest/issues/comments — a pull request is an issue to
//! this API). Every call goes through the client's one path: the same in-flight bound,
//! rate-limit waits, retries and token scrubbing as every GraphQL request.
//!
//! Pagination follows the `Link` header GitHub sends
//! (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api), and
//! only to URLs under the configured API base, so the token never leaves for another host.

use reqwest::{Method, Url};
use serde::Deserialize;

use super::client::Client;
use super::transport::{RawResponse, RestCall};
use super::types::{ApiError, Safety, TokenRole};

/// Comments per page: GitHub's maximum.
const PER_PAGE: u32 = 100;
/// Pages read while looking for a comment (30,000 comments) before giving up.
const MAX_PAGES: u32 = 300;

/// One comment of an issue or pull request, as the REST API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IssueComment {
    pub id: u64,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub html_url: String,
}

/// `owner/name` of a repository, for REST paths.
#[derive(Debug, Clone, Copy)]
pub struct RepoPath<'a> {
    pub owner: &'a str,
    pub name: &'a str,
}

/// The REST side of a client: its base URL (`GITHUB_API_URL`) and the client that sends.
#[derive(Clone)]
pub struct Rest {
    client: Client,
    base: Url,
}

impl Rest {
    /// REST calls under `api_url` (`https://api.github.com`, or GHES's `https://HOST/api/v3`).
    pub fn new(client: Client, api_url: &str) -> Result<Rest, ApiError> {
        let base = Url::parse(api_url.trim_end_matches('/'))
            .ok()
            .filter(|url| matches!(url.scheme(), "https" | "http") && url.has_host())
            .ok_or_else(|| ApiError::Invalid {
                message: format!(
                    "the REST API URL {api_url:?} must be an https:// (or http://) URL"
                ),
            })?;
        Ok(Rest { client, base })
    }

    /// The first comment on issue or pull request `number` that `wanted` accepts, oldest
    /// first, reading as many pages as it takes (`None` when no comment matches).
    pub async fn find_comment(
        &self,
        repo: RepoPath<'_>,
        number: u64,
        wanted: impl Fn(&IssueComment) -> bool,
    ) -> Result<Option<IssueComment>, ApiError> {
        let mut url = self.url(&[
            "repos",
            repo.owner,
            repo.name,
            "issues",
            &number.to_string(),
            "comments",
        ]);
        url.query_pairs_mut()
            .append_pair("per_page", &PER_PAGE.to_string());
        for _ in 0..MAX_PAGES {
            let answer = self.call(Method::GET, url, None, Safety::Read).await?;
            let page: Vec<IssueComment> = parse(&answer, "the list of comments")?;
            if let Some(found) = page.into_iter().find(|comment| wanted(comment)) {
                return Ok(Some(found));
            }
            match next_link(answer.link.as_deref()) {
                Some(next) => url = self.within_base(&next)?,
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Posts a new comment. An ambiguous failure (`ApiError::Ambiguous`) is not resent: look
    /// for the comment before posting again.
    pub async fn create_comment(
        &self,
        repo: RepoPath<'_>,
        number: u64,
        body: &str,
    ) -> Result<IssueComment, ApiError> {
        let url = self.url(&[
            "repos",
            repo.owner,
            repo.name,
            "issues",
            &number.to_string(),
            "comments",
        ]);
        let answer = self
            .call(Method::POST, url, Some(body), Safety::Create)
            .await?;
        parse(&answer, "the new comment")
    }

    /// Replaces the body of comment `id`.
    pub async fn update_comment(
        &self,
        repo: RepoPath<'_>,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ApiError> {
        let url = self.url(&[
            "repos",
            repo.owner,
            repo.name,
            "issues",
            "comments",
            &id.to_string(),
        ]);
        let answer = self
            .call(Method::PATCH, url, Some(body), Safety::Idempotent)
            .await?;
        parse(&answer, "the edited comment")
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&str>,
        safety: Safety,
    ) -> Result<RawResponse, ApiError> {
        let call = RestCall {
            method,
            url,
            body: body.map(|body| serde_json::json!({ "body": body }).to_string()),
        };
        self.client.rest(&call, TokenRole::Issues, safety).await
    }

    /// The base URL with `segments` appended, each percent-encoded as a path segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        // A base with a host (checked in `new`) can always take path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// `link` as a URL, if it lies under the API base (same origin, path below the base's).
    fn within_base(&self, link: &str) -> Result<Url, ApiError> {
        let outside = || ApiError::Invalid {
            message: format!(
                "GitHub's next-page link {link:?} is not under {}",
                self.base
            ),
        };
        let url = Url::parse(link).map_err(|_| outside())?;
        let base_path = self.base.path().trim_end_matches('/');
        let under = url.origin() == self.base.origin()
            && (url.path() == base_path || url.path().starts_with(&format!("{base_path}/")));
        if under {
            Ok(url)
        } else {
            Err(outside())
        }
    }
}

/// The JSON of a successful answer as `T`.
fn parse<T: serde::de::DeserializeOwned>(answer: &RawResponse, what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(&answer.body).map_err(|error| ApiError::Invalid {
        message: format!("GitHub's answer with {what} could not be read ({error})"),
    })
}

/// The `rel="next"` URL of a `Link` header:
/// `<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <…>; rel="last"`.
pub(crate) fn next_link(header: Option<&str>) -> Option<String> {
    header?.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|param| {
            param
                .trim()
                .strip_prefix("rel=")
                .is_some_and(|rel| rel.trim_matches('"').split(' ').any(|r| r == "next"))
        });
        is_next.then(|| target.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::ClientConfig;

    fn rest(base: &str) -> Rest {
        let client = Client::new(ClientConfig::new("http://127.0.0.1:1/graphql", "t")).unwrap();
        Rest::new(client, base).unwrap()
    }

    #[test]
    fn the_next_link_is_found_among_the_others() {
        let header = "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=1>; rel=\"prev\", \
             <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel=\"next\", \
             <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=9>; rel=\"last\"";
        assert_eq!(
            next_link(Some(header)).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3")
        );
        let last_page = "<https://api.github.com/x?page=1>; rel=\"first\", <https://api.github.com/x?page=1>; rel=\"prev\"";
        assert_eq!(next_link(Some(last_page)), None);
        assert_eq!(next_link(None), None);
        assert_eq!(next_link(Some("garbage")), None);
    }

    #[test]
    fn paths_are_built_under_the_base_with_encoded_segments() {
        let ghes = rest("https://ghe.example/api/v3/");
        assert_eq!(
            ghes.url(&["repos", "acme", "road map", "issues", "7", "comments"])
                .as_str(),
            "https://ghe.example/api/v3/repos/acme/road%20map/issues/7/comments"
        );
        let dotcom = rest("https://api.github.com");
        assert_eq!(
            dotcom.url(&["repos", "a", "b"]).as_str(),
            "https://api.github.com/repos/a/b"
        );
    }

    #[test]
    fn next_links_outside_the_base_are_refused() {
        let ghes = rest("https://ghe.example/api/v3");
        assert!(ghes
            .within_base("https://ghe.example/api/v3/repositories/1/issues/2/comments?page=2")
            .is_ok());
        for outside in [
            "https://evil.example/api/v3/repositories/1?page=2",
            "http://ghe.example/api/v3/repositories/1?page=2",
            "https://ghe.example/api/v30/x",
            "https://ghe.example/other",
            "not a url",
        ] {
            assert!(ghes.within_base(outside).is_err(), "{outside}");
        }
        assert!(Rest::new(rest("https://a.b").client, "ftp://x").is_err());
    }
}
