//! Sorting every outcome of a request into what the client does next: use the answer, wait for
//! a limit, retry a transient failure, or fail with a message a user can act on.
//!
//! Pure: it sees the status, the rate-limit headers and the body (or the transport error) and
//! decides; the rules are GitHub's
//! (<https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api>,
//! <https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api>).

use serde::Deserialize;

use super::ratelimit::{Limit, RateHeaders};
use super::transport::{RawResponse, TransportError};
use super::types::{
    ApiError, FieldVerdict, GraphqlError, Response, TokenInput, TokenRole, TokenUse,
};

/// What to do with one outcome; `A` is the answer: GraphQL's `Response`, or a REST call's
/// successful `RawResponse`.
#[derive(Debug, Clone)]
pub(crate) enum Verdict<A = Response> {
    /// A usable answer. `limit` is set when some of its fields were refused by a rate limit:
    /// the caller retries those items, and the other workers should pause.
    Answer { response: A, limit: Option<Limit> },
    /// Refused by a rate limit: nothing was executed, so resending is safe.
    Limit(Limit),
    /// Worth retrying. `sent`: the request reached GitHub, which may have applied it.
    Transient { message: String, sent: bool },
    /// Retrying cannot help.
    Fail(ApiError),
}

impl<A> Verdict<A> {
    /// The same verdict with `edit` applied to its free text (to scrub secrets).
    pub fn map_messages(self, edit: impl Fn(&str) -> String) -> Verdict<A> {
        match self {
            Verdict::Transient { message, sent } => Verdict::Transient {
                message: edit(&message),
                sent,
            },
            Verdict::Fail(error) => Verdict::Fail(error.map_message(edit)),
            answer_or_limit => answer_or_limit,
        }
    }

    /// What became of the attempt, in a few words, for the request log (`RUNNER_DEBUG=1`).
    /// Messages are those of the verdict, already scrubbed of tokens by the client.
    pub fn outcome(&self) -> String {
        match self {
            Verdict::Answer { limit: None, .. } => "answered".to_string(),
            Verdict::Answer {
                limit: Some(limit), ..
            } => format!(
                "answered, some fields refused by the {} limit",
                limit.cause()
            ),
            Verdict::Limit(limit) => format!("refused: {}", limit.describe()),
            Verdict::Transient { message, .. } => format!("transient: {message}"),
            Verdict::Fail(error) => format!("failed: {error}"),
        }
    }
}

impl GraphqlError {
    /// Whether the item can be tried again later: a rate limit ("was submitted too quickly")
    /// or "Something went wrong" refused this field, not the data.
    pub fn is_retryable(&self) -> bool {
        is_retryable(self)
    }

    /// What this error of one mutation of an aliased document means for its sender: refused by
    /// a secondary limit, already so (safe to count as done where repeating it changes
    /// nothing), or failed.
    pub fn verdict(&self) -> FieldVerdict {
        if is_secondary_message(&self.message) {
            FieldVerdict::Throttled
        } else if says_already_so(&self.message) {
            FieldVerdict::AlreadyDone
        } else {
            FieldVerdict::Failed
        }
    }

    /// This per-field error as the client's error for a request sent with `token`:
    /// `Forbidden` (with what to do about the token), `NotFound`, `Transient` for retryable
    /// ones, else `Invalid`.
    pub fn to_api_error(&self, token: impl Into<TokenUse>) -> ApiError {
        if self.is_retryable() {
            return ApiError::Transient {
                attempts: 1,
                message: self.message.clone(),
            };
        }
        permanent_error(std::slice::from_ref(self), token.into())
    }
}

/// Classifies the outcome of a request sent with `token`.
pub(crate) fn classify(
    outcome: Result<RawResponse, TransportError>,
    token: impl Into<TokenUse>,
) -> Verdict {
    let role = token.into();
    match outcome {
        Err(error) => Verdict::Transient {
            message: error.message,
            sent: error.sent,
        },
        Ok(raw) => classify_response(&raw, role),
    }
}

/// Classifies the outcome of a REST call sent with the token of `role`: any 2xx is the answer;
/// failures follow the same rules as GraphQL's non-200 answers.
pub(crate) fn classify_rest(
    outcome: Result<RawResponse, TransportError>,
    token: impl Into<TokenUse>,
) -> Verdict<RawResponse> {
    let role = token.into();
    match outcome {
        Err(error) => Verdict::Transient {
            message: error.message,
            sent: error.sent,
        },
        Ok(raw) if (200..300).contains(&raw.status) => Verdict::Answer {
            response: raw,
            limit: None,
        },
        Ok(raw) => classify_failure(&raw, &rest_message(&raw.body), role),
    }
}

/// The message of a failed REST answer: `message`, then what each entry of `errors` says
/// (`{"message": "Validation Failed", "errors": [{"field": "data", "message": "Body is too
/// long (maximum is 65536 characters)"}]}`,
/// https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api).
fn rest_message(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let details: Vec<String> = value["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|error| {
            text(&error["message"]).or_else(|| {
                let code = text(&error["code"])?;
                Some(format!(
                    "{} {code}",
                    text(&error["field"]).unwrap_or_default()
                ))
            })
        })
        .collect();
    let mut message = text(&value["message"]).unwrap_or_default();
    if !details.is_empty() {
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&details.join("; "));
    }
    if message.trim().is_empty() {
        "no message in the answer".to_string()
    } else {
        message
    }
}

/// The body of an answer: GraphQL's `data`/`errors`, or a REST-style `message`.
#[derive(Debug, Default, Deserialize)]
struct Body {
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<Vec<GraphqlError>>,
    #[serde(default)]
    message: Option<String>,
}

fn classify_response(raw: &RawResponse, role: TokenUse) -> Verdict {
    let parsed = serde_json::from_slice::<Body>(&raw.body);
    if raw.status == 200 {
        return match parsed {
            Ok(body) => classify_graphql(body, &raw.headers, role),
            Err(error) => Verdict::Transient {
                message: format!("GitHub's answer was incomplete or not JSON ({error})"),
                sent: true,
            },
        };
    }
    let body = parsed.unwrap_or_default();
    classify_failure(raw, &error_message(&body), role)
}

/// A non-200 answer (with its `message`): a limit, a transient failure or a permanent one.
fn classify_failure<A>(raw: &RawResponse, message: &str, role: TokenUse) -> Verdict<A> {
    let message = message.to_string();
    match raw.status {
        401 => Verdict::Fail(ApiError::Unauthorized { input: role.input }),
        403 | 429 => classify_refusal(raw.status, &message, &raw.headers, role),
        404 => Verdict::Fail(ApiError::NotFound { message }),
        500..=599 => Verdict::Transient {
            message: format!("GitHub answered {}: {message}", raw.status),
            sent: true,
        },
        status => Verdict::Fail(ApiError::Invalid {
            message: format!("HTTP {status}: {message}"),
        }),
    }
}

/// A 403 or 429: a rate limit, or a permission problem.
fn classify_refusal<A>(
    status: u16,
    message: &str,
    headers: &RateHeaders,
    role: TokenUse,
) -> Verdict<A> {
    if is_secondary_message(message) || headers.retry_after.is_some() {
        return Verdict::Limit(Limit::Secondary {
            retry_after: headers.retry_after,
        });
    }
    if headers.remaining == Some(0) {
        return Verdict::Limit(Limit::Primary {
            reset: headers.reset,
        });
    }
    if status == 429 {
        return Verdict::Limit(Limit::Secondary { retry_after: None });
    }
    Verdict::Fail(forbidden(message, role))
}

/// A 200: GraphQL's answer, possibly with errors.
fn classify_graphql(body: Body, headers: &RateHeaders, role: TokenUse) -> Verdict {
    let errors = body.errors.unwrap_or_default();
    let cures: Vec<Option<Verdict>> = errors
        .iter()
        .map(|error| retryable_error(error, headers))
        .collect();
    let all_retryable = cures.iter().all(Option::is_some);
    // A limit comes first: it is a refusal, so nothing was applied.
    let limit = cures.iter().flatten().find_map(|cure| match cure {
        Verdict::Limit(limit) => Some(*limit),
        _ => None,
    });
    match body.data {
        // Per-field errors go back to the caller, who maps them to items by alias.
        Some(data) if has_values(&data) || errors.is_empty() || !all_retryable => Verdict::Answer {
            response: Response { data, errors },
            limit,
        },
        // No data at all, or only nulls refused by a limit or a failure: the errors decide.
        _ if all_retryable => match limit {
            Some(limit) => Verdict::Limit(limit),
            None => cures
                .into_iter()
                .flatten()
                .next()
                .unwrap_or_else(|| Verdict::Transient {
                    message: "GitHub answered with neither data nor errors".to_string(),
                    sent: true,
                }),
        },
        _ => Verdict::Fail(permanent_error(&errors, role)),
    }
}

/// Whether `data` holds anything: `{"createIssue": null}` does not.
fn has_values(data: &serde_json::Value) -> bool {
    match data {
        serde_json::Value::Null => false,
        serde_json::Value::Object(fields) => fields.values().any(|value| !value.is_null()),
        _ => true,
    }
}

/// The verdict for an error that a wait or a retry can cure; `None` for permanent ones.
fn retryable_error(error: &GraphqlError, headers: &RateHeaders) -> Option<Verdict> {
    let kind = error.kind.as_deref().unwrap_or("");
    if matches!(kind, "RATE_LIMITED" | "RATE_LIMIT") {
        return Some(Verdict::Limit(Limit::Primary {
            reset: headers.reset,
        }));
    }
    if is_secondary_message(&error.message) {
        return Some(Verdict::Limit(Limit::Secondary {
            retry_after: headers.retry_after,
        }));
    }
    if error
        .message
        .to_lowercase()
        .contains("something went wrong")
    {
        return Some(Verdict::Transient {
            message: format!("GitHub: {}", error.message),
            sent: true,
        });
    }
    None
}

/// The error for GraphQL errors that no wait or retry cures.
pub(crate) fn permanent_error(errors: &[GraphqlError], role: TokenUse) -> ApiError {
    let message = errors
        .iter()
        .map(|error| error.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let has_kind = |kinds: &[&str]| {
        errors.iter().any(|error| {
            error
                .kind
                .as_deref()
                .is_some_and(|kind| kinds.contains(&kind))
        })
    };
    if has_kind(&["FORBIDDEN", "INSUFFICIENT_SCOPES"]) {
        forbidden(&message, role)
    } else if has_kind(&["NOT_FOUND"]) {
        ApiError::NotFound { message }
    } else {
        ApiError::Invalid { message }
    }
}

/// Whether waiting and sending again can cure this error (a rate limit, "Something went wrong").
pub(crate) fn is_retryable(error: &GraphqlError) -> bool {
    retryable_error(error, &RateHeaders::default()).is_some()
}

/// GitHub's wording for secondary limits.
fn is_secondary_message(message: &str) -> bool {
    let message = message.to_lowercase();
    message.contains("secondary rate limit") || message.contains("submitted too quickly")
}

/// GitHub's ways of saying a link or label is already there (or a link already gone).
fn says_already_so(message: &str) -> bool {
    let message = message.to_lowercase();
    message.contains("already")
        || message.contains("duplicate")
        || message.contains("has been taken")
        || message.contains("is not blocked by")
        || message.contains("is not a sub-issue of")
}

/// The message of a non-200 answer.
fn error_message(body: &Body) -> String {
    let from_errors = body.errors.as_ref().map(|errors| {
        errors
            .iter()
            .map(|error| error.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    });
    body.message
        .clone()
        .or(from_errors)
        .filter(|message| !message.trim().is_empty())
        .unwrap_or_else(|| "no message in the answer".to_string())
}

/// A permission failure, with what to do about it for the token in use.
/// Tokens and what they reach: <https://docs.github.com/en/issues/planning-and-tracking-with-projects/automating-your-project/automating-projects-using-actions>
fn forbidden(message: &str, token: TokenUse) -> ApiError {
    let advice = match (token.role, token.input) {
        (TokenRole::Project, TokenInput::GithubToken) => {
            "GITHUB_TOKEN cannot use Projects v2 — set `project-token` to a classic PAT with the \
             `project` scope, a fine-grained PAT or a GitHub App token with Projects read and write"
        }
        (TokenRole::Project, TokenInput::ProjectToken) => {
            "`project-token` needs Projects read and write (classic PAT: the `project` scope; \
             GITHUB_TOKEN cannot use Projects v2 at all)"
        }
        (TokenRole::Issues, _) => {
            "the token needs `issues: write` (set `permissions:` in the workflow) or, for a PAT, \
             the `repo` scope"
        }
    };
    ApiError::Forbidden {
        message: format!(
            "{} cannot access this resource ({message}): {advice}",
            token.input.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    fn answer(status: u16, headers: RateHeaders, body: serde_json::Value) -> Verdict {
        classify_role(status, headers, body, TokenRole::Issues)
    }

    fn classify_role(
        status: u16,
        headers: RateHeaders,
        body: serde_json::Value,
        role: TokenRole,
    ) -> Verdict {
        let raw = RawResponse {
            status,
            headers,
            body: body.to_string().into_bytes(),
            link: None,
        };
        classify(Ok(raw), role)
    }

    fn none() -> RateHeaders {
        RateHeaders::default()
    }

    fn retry_after(seconds: u64) -> RateHeaders {
        RateHeaders {
            retry_after: Some(Duration::from_secs(seconds)),
            ..RateHeaders::default()
        }
    }

    fn spent(reset: u64) -> RateHeaders {
        RateHeaders {
            remaining: Some(0),
            reset: Some(reset),
            retry_after: None,
        }
    }

    #[test]
    fn data_is_an_answer() {
        let verdict = answer(200, none(), json!({"data": {"viewer": {"login": "me"}}}));
        let Verdict::Answer { response, limit } = verdict else {
            panic!("expected an answer, got {verdict:?}");
        };
        assert_eq!(response.data["viewer"]["login"], "me");
        assert!(response.errors.is_empty());
        assert_eq!(limit, None);
    }

    #[test]
    fn partial_errors_stay_with_the_answer_for_alias_mapping() {
        let verdict = answer(
            200,
            none(),
            json!({
                "data": {"a0": {"issue": {"id": "I_1"}}, "a1": null},
                "errors": [{"type": "NOT_FOUND", "path": ["a1"], "message": "Could not resolve"}]
            }),
        );
        let Verdict::Answer { response, limit } = verdict else {
            panic!("expected an answer, got {verdict:?}");
        };
        assert_eq!(response.errors.len(), 1);
        assert_eq!(response.errors[0].alias(), Some("a1"));
        assert_eq!(limit, None);
    }

    #[test]
    fn a_null_field_with_a_permanent_error_is_still_an_answer() {
        let verdict = answer(
            200,
            none(),
            json!({
                "data": {"organization": null},
                "errors": [{"type": "NOT_FOUND", "path": ["organization"], "message": "Could not resolve to an Organization"}]
            }),
        );
        assert!(matches!(verdict, Verdict::Answer { .. }), "{verdict:?}");
    }

    #[test]
    fn partly_refused_answers_ask_the_others_to_pause() {
        let verdict = answer(
            200,
            retry_after(30),
            json!({
                "data": {"a0": {"issue": {"id": "I_1"}}, "a1": null},
                "errors": [{"type": "UNPROCESSABLE", "path": ["a1"], "message": "was submitted too quickly"}]
            }),
        );
        let Verdict::Answer { limit, .. } = verdict else {
            panic!("expected an answer, got {verdict:?}");
        };
        assert_eq!(
            limit,
            Some(Limit::Secondary {
                retry_after: Some(Duration::from_secs(30))
            })
        );
    }

    #[test]
    fn graphql_rate_limited_in_a_200_is_a_primary_limit() {
        for kind in ["RATE_LIMITED", "RATE_LIMIT"] {
            let headers = RateHeaders {
                remaining: Some(12),
                reset: Some(1_800_000_000),
                retry_after: None,
            };
            let verdict = answer(
                200,
                headers,
                json!({"data": null, "errors": [{"type": kind, "message": "API rate limit exceeded"}]}),
            );
            assert!(
                matches!(
                    verdict,
                    Verdict::Limit(Limit::Primary {
                        reset: Some(1_800_000_000)
                    })
                ),
                "{kind}: {verdict:?}"
            );
        }
    }

    #[test]
    fn a_create_refused_as_too_quick_is_a_secondary_limit() {
        let verdict = answer(
            200,
            none(),
            json!({
                "data": {"createIssue": null},
                "errors": [{"type": "UNPROCESSABLE", "path": ["createIssue"], "message": "was submitted too quickly"}]
            }),
        );
        assert!(
            matches!(
                verdict,
                Verdict::Limit(Limit::Secondary { retry_after: None })
            ),
            "{verdict:?}"
        );
    }

    #[test]
    fn secondary_limits_on_403_and_429() {
        let message = json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes."});
        for status in [403, 429] {
            assert!(matches!(
                answer(status, retry_after(5), message.clone()),
                Verdict::Limit(Limit::Secondary { retry_after: Some(d) }) if d == Duration::from_secs(5)
            ));
            assert!(matches!(
                answer(status, none(), message.clone()),
                Verdict::Limit(Limit::Secondary { retry_after: None })
            ));
            assert!(matches!(
                answer(status, retry_after(2), json!({})),
                Verdict::Limit(Limit::Secondary {
                    retry_after: Some(_)
                })
            ));
        }
        assert!(matches!(
            answer(429, none(), json!({"message": "Too Many Requests"})),
            Verdict::Limit(Limit::Secondary { retry_after: None })
        ));
        assert!(matches!(
            answer(
                200,
                none(),
                json!({"errors": [{"message": "You have exceeded a secondary rate limit"}]})
            ),
            Verdict::Limit(Limit::Secondary { retry_after: None })
        ));
    }

    #[test]
    fn spent_budget_on_403_is_a_primary_limit() {
        assert!(matches!(
            answer(
                403,
                spent(1_700_000_000),
                json!({"message": "API rate limit exceeded"})
            ),
            Verdict::Limit(Limit::Primary {
                reset: Some(1_700_000_000)
            })
        ));
    }

    #[test]
    fn server_errors_and_broken_answers_are_transient_and_sent() {
        for status in [500, 502, 503, 504] {
            assert!(matches!(
                answer(status, none(), json!({"message": "Server Error"})),
                Verdict::Transient { sent: true, .. }
            ));
        }
        let truncated = RawResponse {
            status: 200,
            headers: none(),
            body: br#"{"data": {"crea"#.to_vec(),
            link: None,
        };
        assert!(matches!(
            classify(Ok(truncated), TokenRole::Issues),
            Verdict::Transient { sent: true, .. }
        ));
        assert!(matches!(
            answer(
                200,
                none(),
                json!({"data": null, "errors": [{"message": "Something went wrong while executing your query."}]})
            ),
            Verdict::Transient { sent: true, .. }
        ));
    }

    #[test]
    fn transport_errors_keep_whether_the_request_was_sent() {
        for sent in [false, true] {
            let error = TransportError {
                message: "connection reset".to_string(),
                sent,
            };
            assert!(matches!(
                classify(Err(error), TokenRole::Issues),
                Verdict::Transient { sent: s, .. } if s == sent
            ));
        }
    }

    #[test]
    fn permanent_failures() {
        assert!(matches!(
            answer(401, none(), json!({"message": "Bad credentials"})),
            Verdict::Fail(ApiError::Unauthorized {
                input: TokenInput::GithubToken
            })
        ));
        assert!(matches!(
            answer(404, none(), json!({"message": "Not Found"})),
            Verdict::Fail(ApiError::NotFound { .. })
        ));
        assert!(matches!(
            answer(422, none(), json!({"message": "Validation Failed"})),
            Verdict::Fail(ApiError::Invalid { .. })
        ));
        assert!(matches!(
            answer(
                200,
                none(),
                json!({"errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a Repository"}]})
            ),
            Verdict::Fail(ApiError::NotFound { .. })
        ));
        let invalid = answer(
            200,
            none(),
            json!({"errors": [{"message": "Field 'nope' doesn't exist on type 'Query'", "path": ["query", "nope"]}]}),
        );
        let Verdict::Fail(ApiError::Invalid { message }) = invalid else {
            panic!("expected Invalid, got {invalid:?}");
        };
        assert!(message.contains("Field 'nope' doesn't exist"));
    }

    #[test]
    fn forbidden_says_what_to_do_for_each_token() {
        let body = json!({"data": null, "errors": [{"type": "FORBIDDEN", "message": "Resource not accessible by integration"}]});
        let Verdict::Fail(project) = classify_role(200, none(), body.clone(), TokenRole::Project)
        else {
            panic!("expected a failure");
        };
        let text = project.to_string();
        assert!(
            text.contains("Resource not accessible by integration"),
            "{text}"
        );
        assert!(
            text.contains("GITHUB_TOKEN cannot use Projects v2"),
            "{text}"
        );
        assert!(text.contains("`project-token`"), "{text}");
        let Verdict::Fail(issues) = classify_role(200, none(), body, TokenRole::Issues) else {
            panic!("expected a failure");
        };
        assert!(issues.to_string().contains("issues: write"), "{issues}");
        let scopes = answer(
            200,
            none(),
            json!({"errors": [{"type": "INSUFFICIENT_SCOPES", "message": "Your token has not been granted the required scopes"}]}),
        );
        assert!(matches!(scopes, Verdict::Fail(ApiError::Forbidden { .. })));
        assert!(matches!(
            answer(
                403,
                none(),
                json!({"message": "Resource not accessible by integration"})
            ),
            Verdict::Fail(ApiError::Forbidden { .. })
        ));
    }

    #[test]
    fn a_non_json_error_page_is_described_by_its_status() {
        let raw = RawResponse {
            status: 418,
            headers: none(),
            body: b"<html>teapot</html>".to_vec(),
            link: None,
        };
        let Verdict::Fail(ApiError::Invalid { message }) = classify(Ok(raw), TokenRole::Issues)
        else {
            panic!("expected Invalid");
        };
        assert_eq!(message, "HTTP 418: no message in the answer");
    }

    #[test]
    fn answers_that_mean_already_done_or_too_quick() {
        let verdict = |message: &str| {
            GraphqlError {
                message: message.to_string(),
                kind: Some("UNPROCESSABLE".to_string()),
                path: vec![json!("m0")],
            }
            .verdict()
        };
        for done in [
            "Issue is already a sub-issue of this parent",
            "Issue is already blocked by this issue",
            "Name has already been taken",
            "Issue is not blocked by this issue",
            "Issue is not a sub-issue of this parent",
        ] {
            assert_eq!(verdict(done), FieldVerdict::AlreadyDone, "{done}");
        }
        assert_eq!(
            verdict("Sub issue may only have one parent"),
            FieldVerdict::Failed
        );
        assert_eq!(
            verdict("was submitted too quickly"),
            FieldVerdict::Throttled
        );
        assert_eq!(
            verdict("You have exceeded a secondary rate limit"),
            FieldVerdict::Throttled
        );
        assert_eq!(verdict("Title can't be blank"), FieldVerdict::Failed);
    }

    #[test]
    fn per_field_errors_map_to_client_errors() {
        let error = |kind: Option<&str>, message: &str| GraphqlError {
            message: message.to_string(),
            kind: kind.map(str::to_string),
            path: vec![json!("a3")],
        };
        let forbidden = error(Some("FORBIDDEN"), "Resource not accessible by integration");
        assert!(!forbidden.is_retryable());
        let text = forbidden.to_api_error(TokenRole::Project).to_string();
        assert!(
            text.contains("GITHUB_TOKEN cannot use Projects v2"),
            "{text}"
        );
        assert!(matches!(
            error(Some("NOT_FOUND"), "gone").to_api_error(TokenRole::Issues),
            ApiError::NotFound { .. }
        ));
        let quick = error(Some("UNPROCESSABLE"), "was submitted too quickly");
        assert!(quick.is_retryable());
        assert!(matches!(
            quick.to_api_error(TokenRole::Issues),
            ApiError::Transient { .. }
        ));
        assert!(matches!(
            error(Some("UNPROCESSABLE"), "Sub issue may only have one parent")
                .to_api_error(TokenRole::Issues),
            ApiError::Invalid { .. }
        ));
    }

    fn rest(status: u16, headers: RateHeaders, body: serde_json::Value) -> Verdict<RawResponse> {
        let raw = RawResponse {
            status,
            headers,
            body: body.to_string().into_bytes(),
            link: Some("<https://api.github.com/x?page=2>; rel=\"next\"".to_string()),
        };
        classify_rest(Ok(raw), TokenRole::Issues)
    }

    #[test]
    fn rest_answers_are_any_2xx_and_keep_their_link() {
        for status in [200, 201] {
            let Verdict::Answer { response, limit } = rest(status, none(), json!([{"id": 1}]))
            else {
                panic!("expected an answer for {status}");
            };
            assert_eq!(response.status, status);
            assert!(response.link.unwrap().contains("page=2"));
            assert!(limit.is_none());
        }
    }

    #[test]
    fn rest_failures_follow_githubs_rules_and_keep_the_details() {
        let too_long = json!({
            "message": "Validation Failed",
            "errors": [{"resource": "IssueComment", "code": "unprocessable", "field": "data",
                        "message": "Body is too long (maximum is 65536 characters)"}],
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
            "status": "422"
        });
        let Verdict::Fail(ApiError::Invalid { message }) = rest(422, none(), too_long) else {
            panic!("expected Invalid");
        };
        assert_eq!(
            message,
            "HTTP 422: Validation Failed: Body is too long (maximum is 65536 characters)"
        );
        let missing = json!({"message": "Validation Failed",
                             "errors": [{"resource": "IssueComment", "code": "missing_field", "field": "body"}]});
        let Verdict::Fail(ApiError::Invalid { message }) = rest(422, none(), missing) else {
            panic!("expected Invalid");
        };
        assert_eq!(message, "HTTP 422: Validation Failed: body missing_field");
        assert!(matches!(
            rest(
                403,
                none(),
                json!({"message": "Resource not accessible by integration"})
            ),
            Verdict::Fail(ApiError::Forbidden { .. })
        ));
        assert!(matches!(
            rest(404, none(), json!({"message": "Not Found"})),
            Verdict::Fail(ApiError::NotFound { .. })
        ));
        assert!(matches!(
            rest(
                403,
                retry_after(5),
                json!({"message": "You have exceeded a secondary rate limit."})
            ),
            Verdict::Limit(Limit::Secondary { .. })
        ));
        assert!(matches!(
            rest(502, none(), json!({"message": "Bad Gateway"})),
            Verdict::Transient { sent: true, .. }
        ));
    }
}
