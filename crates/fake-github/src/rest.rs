//! The REST endpoints the fake serves besides `/rate_limit`: the comments of an issue or pull
//! request, as GitHub's issue-comments API has them
//! (https://docs.github.com/en/rest/issues/comments) — a pull request is an issue to this API.
//!
//! - `GET /repos/{owner}/{repo}/issues/{number}/comments`: oldest first, `per_page` (default
//!   30, at most 100) and `page`; more than one page gets a `Link` header whose URLs name the
//!   repository by its numeric id (`/repositories/{id}/issues/{number}/comments?page=N`), as
//!   GitHub's do, and that path is served too.
//! - `POST` on the same path creates a comment (201); `PATCH
//!   /repos/{owner}/{repo}/issues/comments/{comment_id}` edits one (200).
//! - A body over 65,536 characters is a 422 with GitHub's wording; with
//!   `Config::missing_pull_requests_write` a write on a pull request is a 403 "Resource not
//!   accessible by integration".
//!
//! Every call passes the same gate as GraphQL (token, in-flight limit, latency, 502 faults) and
//! spends the REST (`core`) budget, which is counted apart from GraphQL's.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::exec::RateInfo;
use crate::shared::{gate, lock, with_rate_headers_of, InFlight, Shared};
use crate::state::State;

const LIST_DOCS: &str = "https://docs.github.com/rest/issues/comments#list-issue-comments";
const CREATE_DOCS: &str = "https://docs.github.com/rest/issues/comments#create-an-issue-comment";
const UPDATE_DOCS: &str = "https://docs.github.com/rest/issues/comments#update-an-issue-comment";
const RATE_DOCS: &str =
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";
/// GitHub's limit on a comment body, in characters.
pub const MAX_BODY_CHARS: usize = 65_536;
/// `per_page` when none is given, and its maximum.
const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            get(list_by_name).post(create),
        )
        .route(
            "/repositories/{id}/issues/{number}/comments",
            get(list_by_id),
        )
        .route(
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            patch(update),
        )
}

/// `per_page` and `page` as given; values that are not positive numbers fall back to the
/// defaults, as GitHub's do.
#[derive(Debug, Default, serde::Deserialize)]
struct Paging {
    per_page: Option<String>,
    page: Option<String>,
}

impl Paging {
    fn per_page(&self) -> usize {
        positive(&self.per_page)
            .unwrap_or(DEFAULT_PER_PAGE)
            .min(MAX_PER_PAGE)
    }

    fn page(&self) -> usize {
        positive(&self.page).unwrap_or(1)
    }
}

fn positive(value: &Option<String>) -> Option<usize> {
    value
        .as_deref()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
}

/// A REST error answer: `{"message", "documentation_url", "status"}`.
fn error(status: StatusCode, message: &str, docs: &str) -> Response {
    let body = json!({
        "message": message,
        "documentation_url": docs,
        "status": status.as_u16().to_string(),
    });
    (status, Json(body)).into_response()
}

fn not_found(docs: &str) -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", docs)
}

/// GitHub's 422 for a comment body: missing, or too long.
fn invalid_body(code: &str, message: Option<&str>, docs: &str) -> Response {
    let mut detail = json!({"resource": "IssueComment", "code": code, "field": "body"});
    if let Some(message) = message {
        detail["field"] = json!("data");
        detail["message"] = json!(message);
    }
    let body = json!({
        "message": "Validation Failed",
        "errors": [detail],
        "documentation_url": docs,
        "status": "422",
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Token, in-flight limit, latency, injected 502 and the REST budget, in GitHub's order.
async fn admit(shared: &Shared, headers: &HeaderMap, in_flight: u64) -> Result<RateInfo, Response> {
    gate(shared, headers, in_flight)
        .await
        .map_err(|(response, _)| response)?;
    match shared.spend_core() {
        Ok(rate) => {
            lock(&shared.stats).rest_calls += 1;
            Ok(rate)
        }
        Err(rate) => {
            lock(&shared.stats).rate_limited += 1;
            let refused = error(
                StatusCode::FORBIDDEN,
                "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for \
                 help, please include the request ID 0000:FAKE:0000.",
                RATE_DOCS,
            );
            Err(with_rate_headers_of(refused, &rate, "core"))
        }
    }
}

/// Runs `answer` against the state once the call is admitted; logs the call.
async fn serve(
    shared: &Shared,
    headers: &HeaderMap,
    operation: &'static str,
    answer: impl FnOnce(&mut State) -> Response,
) -> Response {
    let (guard, in_flight) = InFlight::enter(shared);
    let response = match admit(shared, headers, in_flight).await {
        Err(refused) => refused,
        Ok(rate) => {
            let response = answer(&mut lock(&shared.state));
            if response.status().is_success() && operation != "listComments" {
                lock(&shared.stats).rest_writes += 1;
            }
            with_rate_headers_of(response, &rate, "core")
        }
    };
    drop(guard);
    shared.log(json!({
        "at_ms": shared.started.elapsed().as_millis() as u64,
        "status": response.status().as_u16(),
        "kind": "rest",
        "operation": operation,
        "in_flight": in_flight,
    }));
    response
}

/// The issue or pull request `number` of repository `owner/repo`, if it is the fake's.
fn issue_index(state: &State, owner: &str, repo: &str, number: &str) -> Option<usize> {
    let ours = owner.eq_ignore_ascii_case(&state.owner) && repo.eq_ignore_ascii_case(&state.repo);
    let number = number.parse::<u64>().ok()?;
    ours.then(|| state.number_in_repository(number)).flatten()
}

async fn list_by_name(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let link_base = link_base(&headers, uri.path());
    serve(
        &shared,
        &headers,
        "listComments",
        |state| match issue_index(state, &owner, &repo, &number) {
            Some(issue) => list(state, issue, &paging, &link_base),
            None => not_found(LIST_DOCS),
        },
    )
    .await
}

async fn list_by_id(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((id, number)): Path<(String, String)>,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let link_base = link_base(&headers, uri.path());
    serve(&shared, &headers, "listComments", |state| {
        let issue = (id == state.repo_database_id.to_string())
            .then(|| number.parse::<u64>().ok())
            .flatten()
            .and_then(|n| state.number_in_repository(n));
        match issue {
            Some(issue) => list(state, issue, &paging, &link_base),
            None => not_found(LIST_DOCS),
        }
    })
    .await
}

/// `http://HOST` plus `/api/v3` when the call came in under it: what `Link` URLs start with.
fn link_base(headers: &HeaderMap, path: &str) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let prefix = if path.starts_with("/api/v3/") {
        "/api/v3"
    } else {
        ""
    };
    format!("http://{host}{prefix}")
}

/// One page of the comments of `issue`, with GitHub's `Link` header when there are more.
fn list(state: &State, issue: usize, paging: &Paging, link_base: &str) -> Response {
    let all: Vec<Value> = state
        .comments
        .iter()
        .filter(|c| c.issue == issue)
        .map(|c| state.comment_json(c))
        .collect();
    let per_page = paging.per_page();
    let page = paging.page();
    let last = all.len().div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let mut response = Json(Value::Array(items)).into_response();
    if last > 1 {
        let url = |n: usize| {
            let per_page = paging
                .per_page
                .as_ref()
                .map(|_| format!("per_page={per_page}&"))
                .unwrap_or_default();
            format!(
                "<{link_base}/repositories/{}/issues/{}/comments?{per_page}page={n}>",
                state.repo_database_id, state.issues[issue].number
            )
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("{}; rel=\"prev\"", url((page - 1).min(last))));
        }
        if page < last {
            links.push(format!("{}; rel=\"next\"", url(page + 1)));
            links.push(format!("{}; rel=\"last\"", url(last)));
        }
        if page > 1 {
            links.push(format!("{}; rel=\"first\"", url(1)));
        }
        if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
            response.headers_mut().insert("link", value);
        }
    }
    response
}

/// The `body` of a create or edit request, or GitHub's answer to a bad one.
fn comment_body(raw: &[u8], docs: &str) -> Result<String, Box<Response>> {
    let request: Value = serde_json::from_slice(raw).map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "Problems parsing JSON",
            docs,
        ))
    })?;
    let body = request["body"]
        .as_str()
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| Box::new(invalid_body("missing_field", None, docs)))?;
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(Box::new(invalid_body(
            "unprocessable",
            Some("Body is too long (maximum is 65536 characters)"),
            docs,
        )));
    }
    Ok(body.to_string())
}

/// Writing on a pull request needs `pull-requests: write`.
fn may_write(state: &State, issue: usize, docs: &str) -> Result<(), Box<Response>> {
    if state.issues[issue].pull_request && state.missing_pull_requests_write {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
            docs,
        )));
    }
    Ok(())
}

async fn create(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    serve(&shared, &headers, "createComment", |state| {
        let Some(issue) = issue_index(state, &owner, &repo, &number) else {
            return not_found(CREATE_DOCS);
        };
        let body = match may_write(state, issue, CREATE_DOCS)
            .and_then(|()| comment_body(&raw, CREATE_DOCS))
        {
            Ok(body) => body,
            Err(refused) => return *refused,
        };
        let index = state.add_comment(issue, &body);
        let comment = state.comment_json(&state.comments[index]);
        (StatusCode::CREATED, Json(comment)).into_response()
    })
    .await
}

async fn update(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((owner, repo, comment_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    serve(&shared, &headers, "updateComment", |state| {
        let ours =
            owner.eq_ignore_ascii_case(&state.owner) && repo.eq_ignore_ascii_case(&state.repo);
        let found = comment_id
            .parse::<u64>()
            .ok()
            .filter(|_| ours)
            .and_then(|id| state.comment_by_id(id));
        let Some(index) = found else {
            return not_found(UPDATE_DOCS);
        };
        let issue = state.comments[index].issue;
        let body = match may_write(state, issue, UPDATE_DOCS)
            .and_then(|()| comment_body(&raw, UPDATE_DOCS))
        {
            Ok(body) => body,
            Err(refused) => return *refused,
        };
        let now = state.now();
        let comment = &mut state.comments[index];
        comment.body = body;
        comment.updated_at = now;
        let answer = state.comment_json(&state.comments[index]);
        Json(answer).into_response()
    })
    .await
}
