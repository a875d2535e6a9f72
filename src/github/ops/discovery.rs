//! The reads planpilot sends: the discovery query (the managed issues page by page, the first
//! page carrying every piece of metadata a sync needs), issues by node id or by number, and one
//! label by name.

use serde_json::{json, Map, Value};

use super::partial::{gaps, whole, IssuesAt, ReadError};
use super::wire::{
    from_value, BoardNode, IssueNode, IssueRef, IssueTypeNode, NamedNode, Nodes, ShapeError,
};
use crate::github::features::{Feature, Features};
use crate::github::types::{GraphqlError, Request, TokenRole};

/// The fields of an issue every server has; `IssueSelection` adds the rest.
const ISSUE_FIELDS: &str = include_str!("../documents/issue_fields.graphql");
const PROJECT_ITEMS: &str = include_str!("../documents/project_items.graphql");
const BOARD: &str = include_str!("../documents/board.graphql");

/// Issues per discovery page (GitHub's maximum for a connection).
pub const PAGE_SIZE: u32 = 100;

/// What is read of each issue: the fields every server has, those of the server's features,
/// and the issue's cards with their field values when a board is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueSelection {
    pub features: Features,
    pub cards: bool,
}

impl IssueSelection {
    /// The selection set, one field per line.
    pub fn fields(&self) -> String {
        let has = |feature| self.features.has(feature);
        let mut fields = String::from(ISSUE_FIELDS);
        // Without `enableDuplicate`, GitHub reports an issue closed as a duplicate as
        // NOT_PLANNED; an older server has neither the argument nor the reason.
        fields.push_str(if has(Feature::DuplicateReason) {
            "stateReason(enableDuplicate: true)\n"
        } else {
            "stateReason\n"
        });
        if has(Feature::IssueTypes) {
            fields.push_str("issueType { id name }\n");
        }
        if has(Feature::SubIssues) {
            fields
                .push_str("parent { id number }\nsubIssues(first: 100) { nodes { id number } }\n");
        }
        if has(Feature::IssueDependencies) {
            fields.push_str(
                "blockedBy(first: 100) { pageInfo { hasNextPage } nodes { id number } }\n",
            );
        }
        if self.cards {
            fields.push_str(PROJECT_ITEMS);
        }
        fields
    }
}

/// Who owns a Projects v2 board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardOwner {
    Organization,
    User,
}

/// A board to read with the first discovery page.
#[derive(Debug, Clone)]
pub struct BoardQuery {
    pub owner_kind: BoardOwner,
    pub owner: String,
    pub number: u64,
}

/// What one discovery request asks for.
#[derive(Debug, Clone)]
pub struct DiscoveryQuery {
    pub owner: String,
    pub name: String,
    pub label: String,
    pub after: Option<String>,
    /// With metadata (the first page): label names, logins and milestone titles to look up.
    pub metadata: Option<MetadataQuery>,
    /// What is read of each issue (with its cards when a board is configured).
    pub issues: IssueSelection,
}

#[derive(Debug, Clone, Default)]
pub struct MetadataQuery {
    pub labels: Vec<String>,
    pub logins: Vec<String>,
    pub milestones: Vec<String>,
    pub board: Option<BoardQuery>,
}

/// Builds the discovery document and its variables.
pub fn discovery_request(query: &DiscoveryQuery, token: TokenRole) -> Request {
    let mut variables = Map::new();
    variables.insert("owner".into(), json!(query.owner));
    variables.insert("name".into(), json!(query.name));
    variables.insert("label".into(), json!(query.label));
    variables.insert("after".into(), json!(query.after));
    let mut params = vec![
        "$owner: String!".to_string(),
        "$name: String!".to_string(),
        "$label: String!".to_string(),
        "$after: String".to_string(),
    ];
    let mut repo_extra = String::new();
    let mut top_extra = String::new();
    if let Some(meta) = &query.metadata {
        repo_extra.push_str("id\n");
        if query.issues.features.has(Feature::IssueTypes) {
            repo_extra.push_str("issueTypes(first: 50) { nodes { id name isEnabled } }\n");
        }
        for (i, name) in meta.labels.iter().enumerate() {
            params.push(format!("$l{i}: String!"));
            variables.insert(format!("l{i}"), json!(name));
            repo_extra.push_str(&format!("l{i}: label(name: $l{i}) {{ id name }}\n"));
        }
        for (i, title) in meta.milestones.iter().enumerate() {
            params.push(format!("$m{i}: String"));
            variables.insert(format!("m{i}"), json!(title));
            repo_extra.push_str(&format!(
                "m{i}: milestones(first: 20, query: $m{i}, states: [OPEN, CLOSED]) {{ nodes {{ id title }} }}\n"
            ));
        }
        for (i, login) in meta.logins.iter().enumerate() {
            params.push(format!("$u{i}: String!"));
            variables.insert(format!("u{i}"), json!(login));
            top_extra.push_str(&format!("u{i}: user(login: $u{i}) {{ id login }}\n"));
        }
        if let Some(board) = &meta.board {
            params.push("$projectOwner: String!".into());
            params.push("$projectNumber: Int!".into());
            variables.insert("projectOwner".into(), json!(board.owner));
            variables.insert("projectNumber".into(), json!(board.number));
            let root = match board.owner_kind {
                BoardOwner::Organization => "organization",
                BoardOwner::User => "user",
            };
            top_extra.push_str(&format!(
                "board: {root}(login: $projectOwner) {{\n{BOARD}}}\n"
            ));
        }
    }
    let document = format!(
        "query Discover({params}) {{\n\
         repository(owner: $owner, name: $name) {{\n{repo_extra}\
         issues(labels: [$label], states: [OPEN, CLOSED], first: {PAGE_SIZE}, after: $after, \
         orderBy: {{field: CREATED_AT, direction: ASC}}) {{\n\
         pageInfo {{ hasNextPage endCursor }}\n\
         nodes {{\n{fields}}}\n}}\n}}\n{top_extra}}}\n",
        params = params.join(", "),
        fields = query.issues.fields(),
    );
    Request::query(document, Value::Object(variables)).with_token(token)
}

/// Metadata read with the first page.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// What the server supports (the documents were built from it).
    pub features: Features,
    pub repository_id: String,
    /// `None` when the owner has no issue types (user-owned repositories).
    pub issue_types: Vec<IssueTypeNode>,
    /// Looked-up labels that exist, by the name asked for.
    pub labels: Vec<(String, NamedNode)>,
    pub users: Vec<(String, NamedNode)>,
    pub milestones: Vec<(String, NamedNode)>,
    /// The board, or `None` when it was asked for and does not exist (or is not visible).
    pub board: Option<BoardNode>,
}

/// One page of discovery.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryPage {
    pub metadata: Option<Metadata>,
    pub issues: Vec<IssueNode>,
    pub next: Option<String>,
    /// Those of them about the board (the `board` alias), each with its own cause.
    pub board_errors: Vec<String>,
}

/// Reads issues by node id (at most 100), with the fields discovery reads.
pub fn issues_by_id_request(ids: &[String], issues: &IssueSelection, token: TokenRole) -> Request {
    Request::query(
        format!(
            "query Issues($ids: [ID!]!) {{\nnodes(ids: $ids) {{\n... on Issue {{\n{}}}\n}}\n}}\n",
            issues.fields()
        ),
        json!({ "ids": ids }),
    )
    .with_token(token)
}

/// Reads the issues that each issue of `ids` (at most 100) blocks: asked only of issues two
/// issues claim, so a duplicate's links people made can pass to the kept issue.
pub fn blocking_request(ids: &[String], token: TokenRole) -> Request {
    Request::query(
        "query Blocking($ids: [ID!]!) {\nnodes(ids: $ids) {\n... on Issue {\nid\nnumber\n\
         blocking(first: 100) { nodes { id number } }\n}\n}\n}\n",
        json!({ "ids": ids }),
    )
    .with_token(token)
}

/// Reads the answer of `blocking_request`: each issue's id and the issues it blocks. An answer
/// that left a field out is `Partial`.
pub fn parse_blocking(
    data: &Value,
    errors: &[GraphqlError],
) -> Result<Vec<(String, Vec<IssueRef>)>, ReadError> {
    whole(gaps(errors, data, IssuesAt::BY_ID))?;
    #[derive(serde::Deserialize)]
    struct Blocks {
        id: String,
        blocking: Nodes<IssueRef>,
    }
    let nodes = data["nodes"].as_array().into_iter().flatten();
    Ok(nodes
        .filter_map(|n| serde_json::from_value::<Blocks>(n.clone()).ok())
        .map(|b| (b.id, b.blocking.nodes.into_iter().flatten().collect()))
        .collect())
}

/// Reads the answer of `issues_by_id_request`; ids that are not issues are left out. An
/// answer that left a field of an issue out is `Partial`.
pub fn parse_issues_by_id(
    data: &Value,
    errors: &[GraphqlError],
) -> Result<Vec<IssueNode>, ReadError> {
    whole(gaps(errors, data, IssuesAt::BY_ID))?;
    Ok(data["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| serde_json::from_value(n.clone()).ok())
                .collect()
        })
        .unwrap_or_default())
}

/// What a number bound with `issue:` names in the repository.
#[derive(Debug, Clone)]
pub enum Bound {
    Issue(Box<IssueNode>),
    PullRequest,
    /// No issue or pull request has this number (or it is not visible to the token).
    Missing,
}

/// Numbers read per `bound_issues_request` document.
pub const BOUND_PER_REQUEST: usize = 50;

/// Reads issues by number, with the fields discovery reads. `issueOrPullRequest` tells a pull
/// request from a number that does not exist, which `issue(number:)` does not.
pub fn bound_issues_request(
    owner: &str,
    name: &str,
    numbers: &[u64],
    issues: &IssueSelection,
    token: TokenRole,
) -> Request {
    let selection = issues.fields();
    let mut params = vec!["$owner: String!".to_string(), "$name: String!".to_string()];
    let mut fields = String::new();
    let mut variables = Map::new();
    variables.insert("owner".into(), json!(owner));
    variables.insert("name".into(), json!(name));
    for (i, number) in numbers.iter().enumerate() {
        params.push(format!("$n{i}: Int!"));
        variables.insert(format!("n{i}"), json!(number));
        fields.push_str(&format!(
            "b{i}: issueOrPullRequest(number: $n{i}) {{
__typename
             ... on Issue {{
{selection}}}
}}
"
        ));
    }
    Request::query(
        format!(
            "query Bound({}) {{
repository(owner: $owner, name: $name) {{
{fields}}}
}}
",
            params.join(", ")
        ),
        Value::Object(variables),
    )
    .with_token(token)
}

/// Reads the answer of `bound_issues_request`, one entry per number asked for. An answer that
/// left a field of an issue out is `Partial`.
pub fn parse_bound_issues(
    data: &Value,
    errors: &[GraphqlError],
    numbers: &[u64],
) -> Result<Vec<(u64, Bound)>, ReadError> {
    whole(gaps(errors, data, IssuesAt::BY_NUMBER))?;
    Ok(numbers
        .iter()
        .enumerate()
        .map(|(i, number)| {
            let found = &data["repository"][format!("b{i}")];
            let bound = match found["__typename"].as_str() {
                Some("PullRequest") => Bound::PullRequest,
                Some("Issue") => serde_json::from_value(found.clone())
                    .map(|node| Bound::Issue(Box::new(node)))
                    .unwrap_or(Bound::Missing),
                _ => Bound::Missing,
            };
            (*number, bound)
        })
        .collect())
}

/// Looks up one label by name (after a create found it already there).
pub fn label_lookup_request(owner: &str, name: &str, label: &str) -> Request {
    Request::query(
        "query Label($owner: String!, $name: String!, $label: String!) {\n\
         repository(owner: $owner, name: $name) { label(name: $label) { id name } }\n}\n",
        json!({ "owner": owner, "name": name, "label": label }),
    )
}

/// Reads a discovery answer. An answer that left a field of an issue out is `Partial`: it is
/// no account of those issues (and the page is not read at all).
pub fn parse_discovery(
    query: &DiscoveryQuery,
    data: &Value,
    errors: &[GraphqlError],
) -> Result<DiscoveryPage, ReadError> {
    whole(gaps(errors, data, IssuesAt::DISCOVERY))?;
    let repo = data
        .get("repository")
        .filter(|r| !r.is_null())
        .ok_or_else(|| {
            let detail = errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            ShapeError(format!(
                "repository {}/{} not found or not accessible {detail}",
                query.owner, query.name
            ))
        })?;
    let issues: Nodes<IssueNode> = from_value(&repo["issues"], "issues")?;
    let next = issues
        .page_info
        .as_ref()
        .filter(|p| p.has_next_page)
        .and_then(|p| p.end_cursor.clone());
    let metadata = match &query.metadata {
        Some(meta) => Some(parse_metadata(query, meta, data, repo)?),
        None => None,
    };
    Ok(DiscoveryPage {
        metadata,
        issues: issues.nodes.into_iter().flatten().collect(),
        next,
        board_errors: errors
            .iter()
            .filter(|e| e.alias() == Some("board"))
            .map(|e| e.message.clone())
            .collect(),
    })
}

fn parse_metadata(
    query: &DiscoveryQuery,
    meta: &MetadataQuery,
    data: &Value,
    repo: &Value,
) -> Result<Metadata, ShapeError> {
    let issue_types: Option<Nodes<IssueTypeNode>> = from_value(&repo["issueTypes"], "issueTypes")?;
    let lookup = |names: &[String], prefix: &str, holder: &Value| -> Vec<(String, NamedNode)> {
        names
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let found = &holder[format!("{prefix}{i}")];
                // Milestones come as a search result; keep the exact title match only.
                if let Some(nodes) = found.get("nodes") {
                    let nodes: Vec<NamedNode> = serde_json::from_value(nodes.clone()).ok()?;
                    return nodes
                        .into_iter()
                        .find(|n| &n.name == name)
                        .map(|n| (name.clone(), n));
                }
                serde_json::from_value(found.clone())
                    .ok()
                    .map(|n| (name.clone(), n))
            })
            .collect()
    };
    let board = match &data["board"] {
        Value::Object(owner) => match owner.get("projectV2") {
            Some(b) if !b.is_null() => Some(from_value(b, "projectV2")?),
            _ => None,
        },
        _ => None,
    };
    Ok(Metadata {
        features: query.issues.features,
        repository_id: from_value(&repo["id"], "repository.id")?,
        issue_types: issue_types
            .map(|t| t.nodes.into_iter().flatten().collect())
            .unwrap_or_default(),
        labels: lookup(&meta.labels, "l", repo),
        users: lookup(&meta.logins, "u", data),
        milestones: lookup(&meta.milestones, "m", repo),
        board,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_first_page_reads_metadata_and_issues() {
        let query = DiscoveryQuery {
            owner: "acme".into(),
            name: "roadmap".into(),
            label: "planpilot".into(),
            metadata: Some(MetadataQuery {
                labels: vec!["planpilot".into(), "missing".into()],
                milestones: vec!["v1".into()],
                ..MetadataQuery::default()
            }),
            after: None,
            issues: IssueSelection {
                features: Features::all(),
                cards: false,
            },
        };
        let data = json!({
            "repository": {
                "id": "R1",
                "issueTypes": { "nodes": [{ "id": "T1", "name": "Epic", "isEnabled": true }] },
                "l0": { "id": "L1", "name": "planpilot" },
                "l1": null,
                "m0": { "nodes": [{ "id": "M0", "title": "v10" }, { "id": "M1", "title": "v1" }] },
                "issues": {
                    "pageInfo": { "hasNextPage": true, "endCursor": "c1" },
                    "nodes": [{
                        "id": "I1", "number": 3, "title": "t", "body": "b", "url": "u",
                        "state": "OPEN", "stateReason": null,
                        "labels": { "nodes": [{ "id": "L1", "name": "planpilot" }] },
                        "assignees": { "nodes": [] }, "milestone": null, "issueType": null,
                        "parent": { "id": "I0", "number": 1 },
                        "blockedBy": { "pageInfo": { "hasNextPage": false }, "nodes": [] }
                    }]
                }
            }
        });
        let errors = vec![GraphqlError {
            message: "Could not resolve".into(),
            kind: Some("NOT_FOUND".into()),
            path: vec![json!("repository"), json!("l1")],
        }];
        let page = parse_discovery(&query, &data, &errors).unwrap();
        let meta = page.metadata.unwrap();
        assert_eq!(meta.repository_id, "R1");
        assert_eq!(meta.labels.len(), 1);
        assert_eq!(meta.milestones[0].1.id, "M1");
        assert_eq!(page.next.as_deref(), Some("c1"));
        assert_eq!(page.issues[0].parent.as_ref().unwrap().number, 1);
    }
}
