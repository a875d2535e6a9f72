//! Several mutations in one document: aliased `m0`, `m1`, … in order (GitHub runs them in order,
//! each succeeding or failing on its own), and each alias's answer mapped back to its mutation.

use serde_json::{json, Map, Value};

use super::mutations::Mutation;
use crate::github::client::Client;
use crate::github::features::Feature;
use crate::github::types::{ApiError, GraphqlError, Request, Safety, TokenRole};

/// The document and variables for several mutations, aliased `m0`, `m1`, … in order.
pub fn batch_request(mutations: &[Mutation], safety: Safety, token: TokenRole) -> Request {
    let mut params = Vec::with_capacity(mutations.len());
    let mut fields = String::new();
    let mut variables = Map::new();
    for (i, m) in mutations.iter().enumerate() {
        params.push(format!("$i{i}: {}!", m.input_type));
        fields.push_str(&format!(
            "m{i}: {}(input: $i{i}) {{ {} }}\n",
            m.field, m.selection
        ));
        variables.insert(format!("i{i}"), m.input.clone());
    }
    Request::batch(
        format!(
            "mutation {}({}) {{\n{fields}}}\n",
            operation_name(mutations),
            params.join(", ")
        ),
        Value::Object(variables),
        safety,
        mutations.len() as u64,
    )
    .with_content_creations(mutations.iter().filter(|m| m.creates_content()).count() as u64)
    .with_token(token)
}

/// One result per mutation: its payload, or GitHub's error for that alias.
type PerAlias = Vec<Result<Value, GraphqlError>>;

/// The document's operation name, after the mutation fields it runs, in order of first use
/// (`CreateIssue`, `AddSubIssue_AddBlockedBy`): what the request log (`RUNNER_DEBUG=1`) shows.
fn operation_name(mutations: &[Mutation]) -> String {
    let mut fields: Vec<&str> = Vec::new();
    for m in mutations {
        if !fields.contains(&m.field) {
            fields.push(m.field);
        }
    }
    let names: Vec<String> = fields
        .iter()
        .map(|field| {
            let mut chars = field.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    if names.is_empty() {
        "Batch".to_string()
    } else {
        names.join("_")
    }
}

/// Sends `mutations` in one document. `Err` when the whole request failed; otherwise one result
/// per mutation, in order: its payload, or GitHub's error for that alias (whose
/// `GraphqlError::verdict` says what it means).
///
/// Once the server's features are known (`ops::features`), a mutation that needs one it lacks
/// is not sent: it fails on its own, and the others go without it — one field the server does
/// not know would fail the whole document's validation.
pub async fn send_batch(
    client: &Client,
    mutations: &[Mutation],
    safety: Safety,
    token: TokenRole,
) -> Result<PerAlias, ApiError> {
    let features = client.feature_cache().get().copied();
    let lacking = |m: &Mutation| {
        let features = features?;
        m.requires().into_iter().find(|f| !features.has(*f))
    };
    let lacks: Vec<Option<Feature>> = mutations.iter().map(lacking).collect();
    if lacks.iter().all(Option::is_none) {
        return send_all(client, mutations, safety, token).await;
    }
    let sendable: Vec<Mutation> = mutations
        .iter()
        .zip(&lacks)
        .filter(|(_, lack)| lack.is_none())
        .map(|(m, _)| m.clone())
        .collect();
    let mut sent = if sendable.is_empty() {
        Vec::new()
    } else {
        send_all(client, &sendable, safety, token).await?
    }
    .into_iter();
    Ok(lacks
        .into_iter()
        .enumerate()
        .map(|(i, lack)| match lack {
            Some(feature) => Err(GraphqlError {
                message: format!("not sent: this server has no {}", feature.describe()),
                kind: Some("UNSUPPORTED".into()),
                path: vec![json!(format!("m{i}"))],
            }),
            // One answer per mutation sent, in order.
            None => sent.next().unwrap_or_else(|| {
                Err(GraphqlError {
                    message: "GitHub returned no result for this mutation".into(),
                    kind: None,
                    path: vec![json!(format!("m{i}"))],
                })
            }),
        })
        .collect())
}

/// Sends every one of `mutations` in one document; see `send_batch`.
async fn send_all(
    client: &Client,
    mutations: &[Mutation],
    safety: Safety,
    token: TokenRole,
) -> Result<PerAlias, ApiError> {
    let response = client
        .graphql(batch_request(mutations, safety, token))
        .await?;
    let mut results: Vec<Result<Value, Option<GraphqlError>>> = (0..mutations.len())
        .map(|i| match response.data.get(format!("m{i}")) {
            Some(v) if !v.is_null() => Ok(v.clone()),
            _ => Err(None),
        })
        .collect();
    for error in &response.errors {
        let index = error
            .alias()
            .and_then(|a| a.strip_prefix('m'))
            .and_then(|n| n.parse::<usize>().ok());
        match index.and_then(|i| results.get_mut(i)) {
            Some(slot) => *slot = Err(Some(error.clone())),
            // An error without a path concerns the whole document: every alias failed with it.
            None => {
                for slot in results.iter_mut().filter(|r| r.is_err()) {
                    *slot = Err(Some(error.clone()));
                }
            }
        }
    }
    let results = results
        .into_iter()
        .enumerate()
        .map(|(i, result)| {
            result.map_err(|error| {
                let mut error = error.unwrap_or_else(|| GraphqlError {
                    message: String::new(),
                    kind: None,
                    path: vec![json!(format!("m{i}"))],
                });
                if error.message.is_empty() {
                    error.message = "GitHub returned no result for this mutation".into();
                }
                error
            })
        })
        .collect();
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_aliases_each_mutation_with_its_own_variable() {
        let request = batch_request(
            &[
                Mutation::add_blocked_by("A", "B"),
                Mutation::add_sub_issue("P", "C"),
                Mutation::remove_sub_issue("P", "C"),
            ],
            Safety::Idempotent,
            TokenRole::Issues,
        );
        assert!(request.document.contains("m0: addBlockedBy(input: $i0)"));
        assert!(request.document.contains("m1: addSubIssue(input: $i1)"));
        assert_eq!(request.variables["i1"]["subIssueId"], "C");
    }
}
