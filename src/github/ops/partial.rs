//! Answers that leave part of a read out. GitHub may answer a query with `data` and an `errors`
//! entry whose `path` names a field it nulled (a timeout, a field the token may not read):
//! <https://docs.github.com/en/graphql/guides/forming-calls-with-graphql#communicating-with-graphql>.
//! Such an answer says nothing true about that issue — no labels is not "the labels are gone" —
//! so a read of issues is taken whole or not at all: `read_whole` sends it again, and gives up
//! with `ReadError::Partial` when it stays partial.

use serde_json::Value;

use super::wire::ShapeError;
use crate::github::client::Client;
use crate::github::types::{ApiError, GraphqlError, Request, Response};

/// Attempts of a read whose answer keeps leaving part of it out.
pub const PARTIAL_READ_ATTEMPTS: u32 = 3;

/// One field GitHub left out of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The error's `path`, dotted: `repository.issues.nodes.3.labels`.
    pub path: String,
    /// The number of the issue the field belongs to, when the answer shows it.
    pub issue: Option<u64>,
    /// The field's name (the last named part of the path).
    pub field: String,
    /// GitHub's message.
    pub message: String,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.issue {
            Some(number) => write!(f, "`{}` of #{number}", self.field)?,
            None => write!(f, "`{}`", self.path)?,
        }
        write!(f, " (GitHub: {})", self.message)
    }
}

/// Why a read of issues could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// The answer left part of the issues out, on every attempt.
    #[error(
        "GitHub's answer left part of the issues out on {attempts} attempt(s): {}",
        describe(.gaps)
    )]
    Partial { gaps: Vec<Gap>, attempts: u32 },
}

/// The first few gaps, and how many more.
fn describe(gaps: &[Gap]) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = gaps.iter().take(SHOWN).map(Gap::to_string).collect();
    if gaps.len() > SHOWN {
        parts.push(format!("and {} more", gaps.len() - SHOWN));
    }
    parts.join("; ")
}

/// Where the issues of an answer are, and which errors under that place are gaps.
#[derive(Debug, Clone, Copy)]
pub struct IssuesAt {
    /// The path's first members: `["repository", "issues"]`, `["nodes"]`, `["repository"]`.
    pub prefix: &'static [&'static str],
    /// Errors with a shorter path concern a whole entry (an id or number that names nothing,
    /// which GitHub answers with `null` and `NOT_FOUND`), not a field left out.
    pub min_len: usize,
}

impl IssuesAt {
    /// `repository.issues` of a discovery page: any error at or under it.
    pub const DISCOVERY: IssuesAt = IssuesAt {
        prefix: &["repository", "issues"],
        min_len: 2,
    };
    /// `nodes(ids:)`: an error on a field of an entry (`nodes.3.labels`).
    pub const BY_ID: IssuesAt = IssuesAt {
        prefix: &["nodes"],
        min_len: 3,
    };
    /// `repository { b0: issueOrPullRequest(...) }`: an error on a field of an entry.
    pub const BY_NUMBER: IssuesAt = IssuesAt {
        prefix: &["repository"],
        min_len: 3,
    };
    /// A board's items (`board.projectV2.items.nodes.3.content.labels`): an error on a field
    /// of an item's issue. An item whose whole `content` is withheld (an issue of a repository
    /// the token cannot read) is not an issue of the imported repository, and is counted apart.
    pub const BOARD_ITEMS: IssuesAt = IssuesAt {
        prefix: &["board", "projectV2", "items"],
        min_len: 7,
    };
}

/// The errors of an answer that name a field of an issue it left out.
pub fn gaps(errors: &[GraphqlError], data: &Value, at: IssuesAt) -> Vec<Gap> {
    errors
        .iter()
        .filter(|error| {
            error.path.len() >= at.min_len
                && at
                    .prefix
                    .iter()
                    .zip(&error.path)
                    .all(|(want, got)| got.as_str() == Some(want))
                && error.path.len() >= at.prefix.len()
        })
        .map(|error| gap(error, data))
        .collect()
}

fn gap(error: &GraphqlError, data: &Value) -> Gap {
    let mut issue = None;
    let mut node = data;
    for step in &error.path {
        if let Some(number) = node.get("number").and_then(Value::as_u64) {
            issue = Some(number);
        }
        node = match step {
            Value::String(name) => &node[name.as_str()],
            Value::Number(index) => &node[index.as_u64().unwrap_or(u64::MAX) as usize],
            _ => &Value::Null,
        };
    }
    let path: Vec<String> = error
        .path
        .iter()
        .map(|step| match step {
            Value::String(name) => name.clone(),
            other => other.to_string(),
        })
        .collect();
    let field = error
        .path
        .iter()
        .rev()
        .find_map(|step| step.as_str())
        .unwrap_or_default()
        .to_string();
    Gap {
        path: path.join("."),
        issue,
        field,
        message: error.message.clone(),
    }
}

/// Sends `request` and reads its answer with `parse`; an answer that left part of the issues
/// out (`parse` says `Partial`) is sent again, up to `PARTIAL_READ_ATTEMPTS` times, after the
/// client's transient-failure delay. Never takes a partial answer for the truth.
pub async fn read_whole<T>(
    client: &Client,
    request: &Request,
    parse: impl Fn(&Response) -> Result<T, ReadError>,
) -> Result<T, ReadError> {
    let mut attempt = 1;
    loop {
        let response = client.graphql(request.clone()).await?;
        match parse(&response) {
            Err(ReadError::Partial { gaps, .. }) if attempt < PARTIAL_READ_ATTEMPTS => {
                tracing::info!(
                    attempt,
                    "GitHub's answer left part of the issues out ({}); reading again",
                    describe(&gaps)
                );
                client.note_retry("partial read");
                tokio::time::sleep(client.retry_delay(attempt - 1)).await;
                attempt += 1;
            }
            Err(ReadError::Partial { gaps, .. }) => {
                return Err(ReadError::Partial {
                    gaps,
                    attempts: attempt,
                })
            }
            other => return other,
        }
    }
}

/// `Err(Partial)` when `gaps` is not empty.
pub(crate) fn whole(gaps: Vec<Gap>) -> Result<(), ReadError> {
    if gaps.is_empty() {
        Ok(())
    } else {
        Err(ReadError::Partial { gaps, attempts: 1 })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error(path: Value) -> GraphqlError {
        GraphqlError {
            message: "Something went wrong".into(),
            kind: None,
            path: path.as_array().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn a_nulled_field_of_an_issue_is_a_gap_named_by_its_issue() {
        let data = json!({ "repository": { "issues": { "nodes": [
            { "number": 4, "labels": { "nodes": [] } },
            { "number": 7, "labels": null },
        ] } } });
        let errors = [error(json!(["repository", "issues", "nodes", 1, "labels"]))];
        let found = gaps(&errors, &data, IssuesAt::DISCOVERY);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].issue, found[0].field.as_str()),
            (Some(7), "labels")
        );
        assert_eq!(found[0].path, "repository.issues.nodes.1.labels");
        assert_eq!(
            found[0].to_string(),
            "`labels` of #7 (GitHub: Something went wrong)"
        );
    }

    #[test]
    fn a_lookup_that_found_nothing_is_not_a_gap() {
        let data = json!({ "nodes": [null, { "number": 2, "blockedBy": null }] });
        let errors = [
            error(json!(["nodes", 0])),
            error(json!(["u0"])),
            error(json!(["nodes", 1, "blockedBy"])),
        ];
        let found = gaps(&errors, &data, IssuesAt::BY_ID);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].issue, Some(2));
        assert!(gaps(&errors[1..2], &data, IssuesAt::DISCOVERY).is_empty());
        let bound = [error(json!(["repository", "b0"]))];
        assert!(gaps(&bound, &data, IssuesAt::BY_NUMBER).is_empty());
    }

    #[test]
    fn on_a_board_a_withheld_item_is_not_a_gap_but_a_field_of_its_issue_is() {
        let data = json!({ "board": { "projectV2": { "items": { "nodes": [
            { "content": null },
            { "content": { "number": 9, "parent": null } },
        ] } } } });
        let errors = [
            error(json!([
                "board",
                "projectV2",
                "items",
                "nodes",
                0,
                "content"
            ])),
            error(json!([
                "board",
                "projectV2",
                "items",
                "nodes",
                1,
                "content",
                "parent"
            ])),
        ];
        let found = gaps(&errors, &data, IssuesAt::BOARD_ITEMS);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].issue, found[0].field.as_str()),
            (Some(9), "parent")
        );
    }
}
