//! The GraphQL documents planpilot sends and typed views of their answers.
//!
//! Reads: one discovery query lists the managed issues page by page; its first page also carries
//! every piece of metadata a sync needs (repository id, issue types, label/user/milestone lookups,
//! the board with its fields), so an unchanged re-run costs one request per 100 issues.
//! Writes: every mutation is a `Mutation` value; `send_batch` sends several of them as aliased
//! fields of one document (GitHub runs them in order, each succeeding or failing on its own).

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::client::Client;
use super::types::{ApiError, GraphqlError, Request, Safety, TokenRole};

const ISSUE_FIELDS: &str = include_str!("documents/issue_fields.graphql");
const PROJECT_ITEMS: &str = include_str!("documents/project_items.graphql");
const BOARD: &str = include_str!("documents/board.graphql");

/// Issues per discovery page (GitHub's maximum for a connection).
pub const PAGE_SIZE: u32 = 100;

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
#[derive(Debug, Clone, Default)]
pub struct DiscoveryQuery {
    pub owner: String,
    pub name: String,
    pub label: String,
    pub after: Option<String>,
    /// With metadata (the first page): label names, logins and milestone titles to look up.
    pub metadata: Option<MetadataQuery>,
    /// Read board items and their field values of each issue (a board is configured).
    pub with_project_items: bool,
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
        repo_extra.push_str("id\nissueTypes(first: 50) { nodes { id name isEnabled } }\n");
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
    let project_items = if query.with_project_items {
        PROJECT_ITEMS
    } else {
        ""
    };
    let document = format!(
        "query Discover({params}) {{\n\
         repository(owner: $owner, name: $name) {{\n{repo_extra}\
         issues(labels: [$label], states: [OPEN, CLOSED], first: {PAGE_SIZE}, after: $after, \
         orderBy: {{field: CREATED_AT, direction: ASC}}) {{\n\
         pageInfo {{ hasNextPage endCursor }}\n\
         nodes {{\n{ISSUE_FIELDS}{project_items}}}\n}}\n}}\n{top_extra}}}\n",
        params = params.join(", "),
    );
    Request::query(document, Value::Object(variables)).with_token(token)
}

/// A list of nodes (`{ nodes: [...] }`), tolerating null entries.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct Nodes<T> {
    #[serde(default)]
    pub nodes: Vec<Option<T>>,
    #[serde(default, rename = "pageInfo")]
    pub page_info: Option<PageInfo>,
}

impl<T> Default for Nodes<T> {
    fn default() -> Nodes<T> {
        Nodes {
            nodes: Vec::new(),
            page_info: None,
        }
    }
}

impl<T> Nodes<T> {
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.nodes.iter().flatten()
    }

    pub fn is_truncated(&self) -> bool {
        self.page_info.as_ref().is_some_and(|p| p.has_next_page)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    #[serde(default)]
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct NamedNode {
    pub id: String,
    #[serde(alias = "title", alias = "login")]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IssueTypeNode {
    pub id: String,
    pub name: String,
    #[serde(default = "enabled")]
    pub is_enabled: bool,
}

fn enabled() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct IssueRef {
    pub id: String,
    pub number: u64,
}

/// One managed issue as discovery reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueNode {
    pub id: String,
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub url: String,
    /// `OPEN` or `CLOSED`.
    pub state: String,
    /// `COMPLETED`, `NOT_PLANNED`, `DUPLICATE`, `REOPENED` or none.
    pub state_reason: Option<String>,
    #[serde(default)]
    pub labels: Option<Nodes<NamedNode>>,
    #[serde(default)]
    pub assignees: Nodes<NamedNode>,
    pub milestone: Option<NamedNode>,
    pub issue_type: Option<NamedNode>,
    pub parent: Option<IssueRef>,
    #[serde(default)]
    pub blocked_by: Nodes<IssueRef>,
    #[serde(default)]
    pub sub_issues: Nodes<IssueRef>,
    #[serde(default)]
    pub project_items: Option<Nodes<ProjectItemNode>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectItemNode {
    pub id: String,
    pub project: Option<IdNode>,
    #[serde(default)]
    pub field_values: Nodes<FieldValueNode>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdNode {
    pub id: String,
}

/// A field value of a board item; which members are set depends on the field's type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldValueNode {
    pub option_id: Option<String>,
    pub name: Option<String>,
    pub iteration_id: Option<String>,
    pub title: Option<String>,
    pub number: Option<f64>,
    pub date: Option<String>,
    pub text: Option<String>,
    pub field: Option<FieldRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FieldRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BoardNode {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub fields: Nodes<BoardFieldNode>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardFieldNode {
    pub id: Option<String>,
    pub name: Option<String>,
    /// `TEXT`, `NUMBER`, `DATE`, `SINGLE_SELECT`, `ITERATION`, or a built-in field's type.
    pub data_type: Option<String>,
    pub options: Option<Vec<NamedNode>>,
    pub configuration: Option<IterationConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IterationConfig {
    #[serde(default)]
    pub iterations: Vec<IterationNode>,
    #[serde(default)]
    pub completed_iterations: Vec<IterationNode>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IterationNode {
    pub id: String,
    pub title: String,
    pub start_date: String,
    pub duration: u32,
}

/// Metadata read with the first page.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
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
    /// Errors GitHub returned for parts of the answer (e.g. a login that does not exist).
    pub partial_errors: Vec<String>,
}

/// Why an answer could not be understood.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unexpected answer from GitHub: {0}")]
pub struct ShapeError(pub String);

/// Reads issues by node id (at most 100), with the fields discovery reads.
pub fn issues_by_id_request(ids: &[String], with_project_items: bool, token: TokenRole) -> Request {
    let project_items = if with_project_items {
        PROJECT_ITEMS
    } else {
        ""
    };
    Request::query(
        format!(
            "query Issues($ids: [ID!]!) {{\nnodes(ids: $ids) {{\n... on Issue {{\n{ISSUE_FIELDS}{project_items}}}\n}}\n}}\n"
        ),
        json!({ "ids": ids }),
    )
    .with_token(token)
}

/// Reads the answer of `issues_by_id_request`; ids that are not issues are left out.
pub fn parse_issues_by_id(data: &Value) -> Vec<IssueNode> {
    data["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| serde_json::from_value(n.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
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
    with_project_items: bool,
    token: TokenRole,
) -> Request {
    let project_items = if with_project_items {
        PROJECT_ITEMS
    } else {
        ""
    };
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
{ISSUE_FIELDS}{project_items}}}
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

/// Reads the answer of `bound_issues_request`, one entry per number asked for.
pub fn parse_bound_issues(data: &Value, numbers: &[u64]) -> Vec<(u64, Bound)> {
    numbers
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
        .collect()
}

/// Looks up one label by name (after a create found it already there).
pub fn label_lookup_request(owner: &str, name: &str, label: &str) -> Request {
    Request::query(
        "query Label($owner: String!, $name: String!, $label: String!) {\n\
         repository(owner: $owner, name: $name) { label(name: $label) { id name } }\n}\n",
        json!({ "owner": owner, "name": name, "label": label }),
    )
}

/// Reads a discovery answer.
pub fn parse_discovery(
    query: &DiscoveryQuery,
    data: &Value,
    errors: &[GraphqlError],
) -> Result<DiscoveryPage, ShapeError> {
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
        Some(meta) => Some(parse_metadata(meta, data, repo)?),
        None => None,
    };
    Ok(DiscoveryPage {
        metadata,
        issues: issues.nodes.into_iter().flatten().collect(),
        next,
        partial_errors: errors.iter().map(|e| e.message.clone()).collect(),
    })
}

fn parse_metadata(
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

fn from_value<T: serde::de::DeserializeOwned>(value: &Value, what: &str) -> Result<T, ShapeError> {
    serde_json::from_value(value.clone()).map_err(|e| ShapeError(format!("{what}: {e}")))
}

/// One mutation field of a (possibly batched) document.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    pub field: &'static str,
    pub input_type: &'static str,
    pub selection: &'static str,
    pub input: Value,
}

impl Mutation {
    fn new(
        field: &'static str,
        input_type: &'static str,
        selection: &'static str,
        input: Value,
    ) -> Mutation {
        Mutation {
            field,
            input_type,
            selection,
            input,
        }
    }

    /// `createIssue` with type, labels, assignees, milestone and parent in the one call.
    pub fn create_issue(input: Value) -> Mutation {
        Mutation::new(
            "createIssue",
            "CreateIssueInput",
            "issue { id number url }",
            input,
        )
    }

    /// `updateIssue`: only the members present in `input` change.
    pub fn update_issue(input: Value) -> Mutation {
        Mutation::new("updateIssue", "UpdateIssueInput", "issue { id }", input)
    }

    pub fn close_issue(issue_id: &str, reason: &str, duplicate_of: Option<&str>) -> Mutation {
        let mut input = json!({ "issueId": issue_id, "stateReason": reason });
        if let Some(original) = duplicate_of {
            input["duplicateIssueId"] = json!(original);
        }
        Mutation::new("closeIssue", "CloseIssueInput", "issue { id }", input)
    }

    pub fn add_sub_issue(parent_id: &str, child_id: &str) -> Mutation {
        let input = json!({ "issueId": parent_id, "subIssueId": child_id, "replaceParent": true });
        Mutation::new("addSubIssue", "AddSubIssueInput", "issue { id }", input)
    }

    pub fn remove_sub_issue(parent_id: &str, child_id: &str) -> Mutation {
        let input = json!({ "issueId": parent_id, "subIssueId": child_id });
        Mutation::new(
            "removeSubIssue",
            "RemoveSubIssueInput",
            "issue { id }",
            input,
        )
    }

    pub fn add_blocked_by(blocked_id: &str, blocking_id: &str) -> Mutation {
        let input = json!({ "issueId": blocked_id, "blockingIssueId": blocking_id });
        Mutation::new("addBlockedBy", "AddBlockedByInput", "issue { id }", input)
    }

    pub fn remove_blocked_by(blocked_id: &str, blocking_id: &str) -> Mutation {
        let input = json!({ "issueId": blocked_id, "blockingIssueId": blocking_id });
        Mutation::new(
            "removeBlockedBy",
            "RemoveBlockedByInput",
            "issue { id }",
            input,
        )
    }

    pub fn add_project_item(project_id: &str, content_id: &str) -> Mutation {
        let input = json!({ "projectId": project_id, "contentId": content_id });
        Mutation::new(
            "addProjectV2ItemById",
            "AddProjectV2ItemByIdInput",
            "item { id }",
            input,
        )
    }

    /// `value` is one of `{text}`, `{number}`, `{date}`, `{singleSelectOptionId}`, `{iterationId}`.
    pub fn set_field(project_id: &str, item_id: &str, field_id: &str, value: Value) -> Mutation {
        let input = json!({ "projectId": project_id, "itemId": item_id, "fieldId": field_id, "value": value });
        Mutation::new(
            "updateProjectV2ItemFieldValue",
            "UpdateProjectV2ItemFieldValueInput",
            "projectV2Item { id }",
            input,
        )
    }

    pub fn create_label(repository_id: &str, name: &str, color: &str) -> Mutation {
        let input = json!({ "repositoryId": repository_id, "name": name, "color": color });
        Mutation::new(
            "createLabel",
            "CreateLabelInput",
            "label { id name }",
            input,
        )
    }
}

/// Mutations GitHub counts against its content-creation limit (~80 a minute documented, issue
/// creation reported to trip at ~20 a minute): they make a new issue, label or link.
pub const CONTENT_CREATING: &[&str] =
    &["createIssue", "createLabel", "addSubIssue", "addBlockedBy"];

impl Mutation {
    /// Whether GitHub counts this mutation against its content-creation limit.
    pub fn creates_content(&self) -> bool {
        CONTENT_CREATING.contains(&self.field)
    }
}

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
        format!("mutation Batch({}) {{\n{fields}}}\n", params.join(", ")),
        Value::Object(variables),
        safety,
        mutations.len() as u64,
    )
    .with_token(token)
}

/// Sends `mutations` in one document. `Err` when the whole request failed; otherwise one result
/// per mutation, in order: its payload, or GitHub's error for that alias (whose
/// `GraphqlError::verdict` says what it means).
pub async fn send_batch(
    client: &Client,
    mutations: &[Mutation],
    safety: Safety,
    token: TokenRole,
) -> Result<Vec<Result<Value, GraphqlError>>, ApiError> {
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

/// A representative instance of every document `ops` can send, by name, for schema validation.
pub fn sample_documents() -> Vec<(String, String)> {
    let board = BoardQuery {
        owner_kind: BoardOwner::Organization,
        owner: "acme".into(),
        number: 1,
    };
    let first = DiscoveryQuery {
        owner: "acme".into(),
        name: "roadmap".into(),
        label: "planpilot".into(),
        after: None,
        metadata: Some(MetadataQuery {
            labels: vec!["planpilot".into(), "type:epic".into()],
            logins: vec!["octocat".into()],
            milestones: vec!["v1".into()],
            board: Some(board.clone()),
        }),
        with_project_items: true,
    };
    let user_board = DiscoveryQuery {
        metadata: Some(MetadataQuery {
            board: Some(BoardQuery {
                owner_kind: BoardOwner::User,
                ..board
            }),
            ..MetadataQuery::default()
        }),
        ..first.clone()
    };
    let next_page = DiscoveryQuery {
        after: Some("cursor".into()),
        metadata: None,
        with_project_items: false,
        ..first.clone()
    };
    let all_mutations = vec![
        Mutation::create_issue(json!({})),
        Mutation::update_issue(json!({})),
        Mutation::close_issue("I", "NOT_PLANNED", Some("J")),
        Mutation::add_sub_issue("P", "C"),
        Mutation::remove_sub_issue("P", "C"),
        Mutation::add_blocked_by("A", "B"),
        Mutation::remove_blocked_by("A", "B"),
        Mutation::add_project_item("P", "I"),
        Mutation::set_field("P", "I", "F", json!({ "text": "x" })),
        Mutation::create_label("R", "planpilot", "ededed"),
    ];
    let mut samples = vec![
        (
            "bound-issues".to_string(),
            bound_issues_request("acme", "roadmap", &[1, 2], true, TokenRole::Issues).document,
        ),
        (
            "issues-by-id".to_string(),
            issues_by_id_request(&["I1".to_string()], true, TokenRole::Issues).document,
        ),
        (
            "label-lookup".to_string(),
            label_lookup_request("acme", "roadmap", "planpilot").document,
        ),
        (
            "discover-first-page".to_string(),
            discovery_request(&first, TokenRole::Issues).document,
        ),
        (
            "discover-user-board".to_string(),
            discovery_request(&user_board, TokenRole::Issues).document,
        ),
        (
            "discover-next-page".to_string(),
            discovery_request(&next_page, TokenRole::Issues).document,
        ),
    ];
    for m in &all_mutations {
        let doc = batch_request(
            std::slice::from_ref(m),
            Safety::Idempotent,
            TokenRole::Issues,
        )
        .document;
        samples.push((m.field.to_string(), doc));
    }
    samples.push((
        "batch-of-all".to_string(),
        batch_request(&all_mutations, Safety::Idempotent, TokenRole::Issues).document,
    ));
    samples
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

    #[test]
    fn content_creating_mutations_are_the_ones_that_make_something() {
        assert!(Mutation::create_issue(json!({})).creates_content());
        assert!(Mutation::create_label("R", "x", "ededed").creates_content());
        assert!(Mutation::add_sub_issue("P", "C").creates_content());
        assert!(Mutation::add_blocked_by("A", "B").creates_content());
        assert!(!Mutation::update_issue(json!({})).creates_content());
        assert!(!Mutation::remove_blocked_by("A", "B").creates_content());
        assert!(!Mutation::add_project_item("P", "I").creates_content());
        assert!(!Mutation::set_field("P", "I", "F", json!({})).creates_content());
    }

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
            ..DiscoveryQuery::default()
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
