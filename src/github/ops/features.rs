//! What the server supports, read once per run before the first query: one introspection
//! document (`__type` of `Issue`, `Repository`, `Mutation` and the inputs planpilot fills),
//! from which every other document is built. A feature counts only when every piece of it is
//! there, so no document planpilot sends selects something the server lacks.
//! <https://docs.github.com/en/graphql/guides/introduction-to-graphql#discovering-the-graphql-api>

use serde_json::{json, Value};

use crate::github::client::Client;
use crate::github::features::{Feature, Features};
use crate::github::types::{ApiError, Request, TokenRole};

/// The introspection document: names only, so the answer stays small.
pub(crate) const FEATURES_DOCUMENT: &str = "query Features {\n\
     issue: __type(name: \"Issue\") { fields(includeDeprecated: true) { name args { name } } }\n\
     repository: __type(name: \"Repository\") { fields(includeDeprecated: true) { name } }\n\
     mutation: __type(name: \"Mutation\") { fields(includeDeprecated: true) { name } }\n\
     createIssueInput: __type(name: \"CreateIssueInput\") { inputFields { name } }\n\
     updateIssueInput: __type(name: \"UpdateIssueInput\") { inputFields { name } }\n\
     closeIssueInput: __type(name: \"CloseIssueInput\") { inputFields { name } }\n\
     closedReason: __type(name: \"IssueClosedStateReason\") { enumValues(includeDeprecated: true) { name } }\n\
     }\n";

/// The request that reads what the server supports.
pub fn features_request() -> Request {
    Request::query(FEATURES_DOCUMENT, json!({}))
}

/// The features the answer of `features_request` shows.
pub fn parse_features(data: &Value) -> Features {
    let names = |alias: &str, list: &str| -> Vec<String> {
        data[alias][list]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry["name"].as_str().map(String::from))
            .collect()
    };
    let issue = names("issue", "fields");
    let repository = names("repository", "fields");
    let mutation = names("mutation", "fields");
    let create = names("createIssueInput", "inputFields");
    let update = names("updateIssueInput", "inputFields");
    let close = names("closeIssueInput", "inputFields");
    let reasons = names("closedReason", "enumValues");
    let has = |list: &[String], wanted: &[&str]| wanted.iter().all(|w| list.iter().any(|n| n == w));
    let state_reason_takes_duplicate = data["issue"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|field| field["name"] == "stateReason")
        .flat_map(|field| field["args"].as_array().into_iter().flatten())
        .any(|arg| arg["name"] == "enableDuplicate");
    let present = [
        (
            Feature::SubIssues,
            has(&issue, &["parent", "subIssues"])
                && has(&mutation, &["addSubIssue", "removeSubIssue"])
                && has(&create, &["parentIssueId"]),
        ),
        (
            Feature::IssueTypes,
            has(&issue, &["issueType"])
                && has(&repository, &["issueTypes"])
                && has(&create, &["issueTypeId"])
                && has(&update, &["issueTypeId"]),
        ),
        (
            Feature::IssueDependencies,
            has(&issue, &["blockedBy"]) && has(&mutation, &["addBlockedBy", "removeBlockedBy"]),
        ),
        (
            Feature::DuplicateReason,
            state_reason_takes_duplicate
                && has(&close, &["duplicateIssueId"])
                && has(&reasons, &["DUPLICATE"]),
        ),
        (Feature::CardsInCreate, has(&create, &["projectV2Ids"])),
    ];
    present
        .into_iter()
        .filter(|(_, there)| *there)
        .fold(Features::none(), |set, (feature, _)| set.with(feature))
}

/// What the server supports: read with the first call (with the token of `token`, the one the
/// caller's reads use), then the same answer for every call on this client and its clones — the
/// server does not change during a run.
pub async fn features(client: &Client, token: TokenRole) -> Result<Features, ApiError> {
    let found = client
        .feature_cache()
        .get_or_try_init(|| async {
            let response = client.graphql(features_request().with_token(token)).await?;
            let features = parse_features(&response.data);
            let missing = features.missing();
            if !missing.is_empty() {
                tracing::debug!(?missing, "the server's schema lacks some features");
            }
            Ok::<Features, ApiError>(features)
        })
        .await?;
    Ok(*found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[&str]) -> Value {
        json!({ "fields": names.iter().map(|n| json!({ "name": n, "args": [] })).collect::<Vec<_>>() })
    }

    fn inputs(names: &[&str]) -> Value {
        json!({ "inputFields": names.iter().map(|n| json!({ "name": n })).collect::<Vec<_>>() })
    }

    /// An answer as github.com gives it, for the parts planpilot looks at.
    fn github_com() -> Value {
        json!({
            "issue": { "fields": [
                { "name": "parent", "args": [] }, { "name": "subIssues", "args": [] },
                { "name": "issueType", "args": [] }, { "name": "blockedBy", "args": [] },
                { "name": "stateReason", "args": [{ "name": "enableDuplicate" }] },
            ] },
            "repository": fields(&["issueTypes"]),
            "mutation": fields(&["addSubIssue", "removeSubIssue", "addBlockedBy", "removeBlockedBy"]),
            "createIssueInput": inputs(&["parentIssueId", "issueTypeId", "projectV2Ids"]),
            "updateIssueInput": inputs(&["issueTypeId"]),
            "closeIssueInput": inputs(&["duplicateIssueId"]),
            "closedReason": { "enumValues": [{ "name": "COMPLETED" }, { "name": "DUPLICATE" }] },
        })
    }

    #[test]
    fn every_piece_present_is_every_feature() {
        assert_eq!(parse_features(&github_com()), Features::all());
    }

    #[test]
    fn a_feature_with_a_piece_missing_counts_as_missing() {
        let mut answer = github_com();
        answer["mutation"] = fields(&["addSubIssue", "removeSubIssue", "addBlockedBy"]);
        answer["updateIssueInput"] = inputs(&[]);
        answer["createIssueInput"] = inputs(&["parentIssueId", "issueTypeId"]);
        answer["issue"]["fields"][4]["args"] = json!([]);
        let features = parse_features(&answer);
        assert_eq!(
            features.missing(),
            [
                Feature::IssueTypes,
                Feature::IssueDependencies,
                Feature::DuplicateReason,
                Feature::CardsInCreate
            ]
        );
        assert_eq!(parse_features(&Value::Null), Features::none());
    }
}
