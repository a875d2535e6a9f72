//! The client's vocabulary, shared by every part of `github`: a request (`Request`, with its
//! token role, safety and mutation count), a successful answer (`Response`, `GraphqlError`) and
//! why a request failed (`ApiError`). Plain data: the rules that sort answers live in `classify`.

/// Which token a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenRole {
    #[default]
    Issues,
    Project,
}

/// The input a token came from: what a message tells the user to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenInput {
    /// `github-token` (in a workflow usually `GITHUB_TOKEN`; locally `GITHUB_TOKEN`).
    GithubToken,
    /// `project-token`, given and different from `github-token`.
    ProjectToken,
}

impl TokenInput {
    /// The input's name, as in action.yml.
    pub fn name(self) -> &'static str {
        match self {
            TokenInput::GithubToken => "github-token",
            TokenInput::ProjectToken => "project-token",
        }
    }

    /// How messages name the token: "the issues token (`github-token`)" or "`project-token`".
    pub fn describe(self) -> &'static str {
        match self {
            TokenInput::GithubToken => "the issues token (`github-token`)",
            TokenInput::ProjectToken => "`project-token`",
        }
    }
}

/// A request's token: what it is used for and which input it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenUse {
    pub role: TokenRole,
    pub input: TokenInput,
}

impl From<TokenRole> for TokenUse {
    /// Each role with its own input (the board's token given as `project-token`).
    fn from(role: TokenRole) -> TokenUse {
        let input = match role {
            TokenRole::Issues => TokenInput::GithubToken,
            TokenRole::Project => TokenInput::ProjectToken,
        };
        TokenUse { role, input }
    }
}

/// Whether a request may be sent again after an ambiguous failure (sent, no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// A query: always safe to resend.
    Read,
    /// A mutation whose repetition changes nothing or fails harmlessly (update, close, set field).
    Idempotent,
    /// A mutation that creates something: never resent blindly; the caller must look first.
    Create,
}

/// One GraphQL request.
#[derive(Debug, Clone)]
pub struct Request {
    pub document: String,
    pub variables: serde_json::Value,
    pub safety: Safety,
    pub token: TokenRole,
    /// Top-level mutation fields the document runs (one per aliased mutation); 0 for a query.
    /// Set by whoever builds the document, which knows it, so the client never parses one.
    pub mutation_fields: u64,
    /// Of those, the ones GitHub counts against its content-creation limit (`createIssue`,
    /// `createLabel`, `addSubIssue`, `addBlockedBy`): what the client paces (`pacing`).
    pub content_creations: u64,
}

impl Request {
    /// A query, with the issues token.
    pub fn query(document: impl Into<String>, variables: serde_json::Value) -> Request {
        Request {
            document: document.into(),
            variables,
            safety: Safety::Read,
            token: TokenRole::Issues,
            mutation_fields: 0,
            content_creations: 0,
        }
    }

    /// A document of one mutation, with the issues token.
    pub fn mutation(
        document: impl Into<String>,
        variables: serde_json::Value,
        safety: Safety,
    ) -> Request {
        Request::batch(document, variables, safety, 1)
    }

    /// A document of `fields` aliased mutations, with the issues token.
    pub fn batch(
        document: impl Into<String>,
        variables: serde_json::Value,
        safety: Safety,
        fields: u64,
    ) -> Request {
        Request {
            safety,
            mutation_fields: fields,
            ..Request::query(document, variables)
        }
    }

    /// The same request, sent with the token of `role`.
    pub fn with_token(self, role: TokenRole) -> Request {
        Request {
            token: role,
            ..self
        }
    }

    /// The same request, counted as `count` content creations.
    pub fn with_content_creations(self, count: u64) -> Request {
        Request {
            content_creations: count,
            ..self
        }
    }

    /// Whether the document is a mutation.
    pub fn is_mutation(&self) -> bool {
        self.mutation_fields > 0
    }

    /// The operation's name, for the request log: `Discover` for `query Discover($a: …) {…}`,
    /// or the operation type (`query`, `mutation`) for an anonymous one. Only the document's
    /// first words are read, never the rest of it.
    pub fn operation_name(&self) -> &str {
        let head = self.document.trim_start();
        let (kind, rest) = match head.split_once(|c: char| !c.is_ascii_alphabetic()) {
            Some(("", _)) => return "query",
            Some((kind, _)) => (kind, head[kind.len()..].trim_start()),
            None => return "query",
        };
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        match &rest[..name_end] {
            "" => kind,
            name => name,
        }
    }
}

/// One entry of a GraphQL `errors` array.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct GraphqlError {
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Vec<serde_json::Value>,
}

impl GraphqlError {
    /// The top-level field (or alias) the error belongs to, for mapping errors of aliased
    /// multi-mutation documents back to their items.
    pub fn alias(&self) -> Option<&str> {
        self.path.first().and_then(|p| p.as_str())
    }
}

/// What GitHub's refusal of one mutation of an aliased document means for its sender; see
/// `GraphqlError::verdict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldVerdict {
    /// A secondary (content-creation) limit refused it: nothing happened; send it again later.
    Throttled,
    /// What it asked for is already so: a link, sub-issue or label that exists, or a link that
    /// is already gone (a resent document after a lost answer says so).
    AlreadyDone,
    /// It failed.
    Failed,
}

/// A successful GraphQL answer: `data`, plus per-field errors when only part of it failed.
#[derive(Debug, Clone)]
pub struct Response {
    pub data: serde_json::Value,
    pub errors: Vec<GraphqlError>,
}

/// Why a request failed, after the client's retries and waits.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error(
        "bad credentials: GitHub rejected the token of `{}` (401); it is expired, revoked, \
         mistyped or empty: check the secret passed as `{}`",
        .input.name(),
        .input.name()
    )]
    Unauthorized { input: TokenInput },
    #[error("forbidden: {message}")]
    Forbidden { message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    #[error("GitHub rejected the request: {message}")]
    Invalid { message: String },
    #[error("rate limited until {until}; re-run after that to resume")]
    RateLimited { until: String },
    /// A document of several mutations refused again and again by a secondary limit: it may
    /// hold more content-creating mutations than the limit admits at once. Nothing of it was
    /// applied; send its mutations in smaller documents.
    #[error(
        "GitHub refused a document of {mutations} mutations {attempts} times in a row \
         (secondary rate limit); send them in smaller documents"
    )]
    Refused { mutations: u64, attempts: u32 },
    #[error("the request may or may not have been applied: {message}")]
    Ambiguous { message: String },
    #[error("GitHub kept failing after {attempts} attempt(s): {message}")]
    Transient { attempts: u32, message: String },
    #[error("stopped after {failures} consecutive failures (circuit breaker)")]
    CircuitOpen { failures: u32 },
}

impl ApiError {
    /// The same error with `edit` applied to its free text (to scrub secrets).
    pub(crate) fn map_message(self, edit: impl Fn(&str) -> String) -> ApiError {
        match self {
            ApiError::Forbidden { message } => ApiError::Forbidden {
                message: edit(&message),
            },
            ApiError::NotFound { message } => ApiError::NotFound {
                message: edit(&message),
            },
            ApiError::Invalid { message } => ApiError::Invalid {
                message: edit(&message),
            },
            ApiError::Ambiguous { message } => ApiError::Ambiguous {
                message: edit(&message),
            },
            ApiError::Transient { attempts, message } => ApiError::Transient {
                attempts,
                message: edit(&message),
            },
            other @ (ApiError::Unauthorized { .. }
            | ApiError::RateLimited { .. }
            | ApiError::Refused { .. }
            | ApiError::CircuitOpen { .. }) => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_name_comes_from_the_document_head() {
        let name = |document: &str| {
            Request::query(document, serde_json::json!({}))
                .operation_name()
                .to_string()
        };
        assert_eq!(name("query Discover($owner: String!) { a }"), "Discover");
        assert_eq!(
            name("\n mutation CreateIssue_AddSubIssue($i0: X!) { m0 }"),
            "CreateIssue_AddSubIssue"
        );
        assert_eq!(name("query{ viewer { login } }"), "query");
        assert_eq!(name("mutation { a: closeIssue }"), "mutation");
        assert_eq!(name("{ viewer { login } }"), "query");
    }
}
