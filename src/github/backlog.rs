//! Reading an existing backlog for `planpilot import`: the issues a selection names (a label, a
//! milestone, a board's items, a root issue), every sub-issue below them, and the board's fields.
//!
//! Only reads. What becomes of the issues (levels, ids, what is left out) is decided by
//! `sync::import`, a pure function over what is read here.

use std::cell::Cell;
use std::collections::{BTreeSet, HashSet};

use serde_json::{json, Value};

use super::client::Client;
use super::features::Features;
use super::ops::{
    self, gaps, issues_by_id_request, parse_issues_by_id, read_whole, whole, BoardNode, BoardOwner,
    IssueNode, IssueSelection, IssuesAt, ReadError,
};
use super::types::{ApiError, GraphqlError, Request, Response, TokenRole};

const BOARD: &str = include_str!("documents/board.graphql");

/// Sub-issue levels read below the selected issues. GitHub nests at most 8 levels, so this
/// reads whole trees; it only bounds the loop.
const MAX_EXPANSION: usize = 10;

/// One way of naming issues to import. Several are OR-ed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Issues carrying the label.
    Label(String),
    /// Issues of the milestone with this title.
    Milestone(String),
    /// The issues on the board (`--project-url`).
    Board,
    /// One issue, by number, with its sub-issue tree.
    Root(u64),
}

/// The board of `--project-url`.
#[derive(Debug, Clone)]
pub struct BoardRef {
    pub owner_kind: BoardOwner,
    pub owner: String,
    pub number: u64,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct BacklogQuery {
    pub owner: String,
    pub name: String,
    pub selectors: Vec<Selector>,
    /// With a board, every issue is read with its cards and their field values.
    pub board: Option<BoardRef>,
}

/// What was read.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    /// Every issue read, selected ones first, then the sub-issues below them, each once.
    pub issues: Vec<IssueNode>,
    /// Node ids of the issues a selector named (the others were read as sub-issues).
    pub selected: BTreeSet<String>,
    pub board: Option<BoardNode>,
    /// Board items that are not issues of this repository (pull requests, drafts, issues of
    /// other repositories).
    pub other_board_items: usize,
    /// Requests made.
    pub requests: usize,
}

/// Why a backlog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BacklogError {
    /// Something the command names does not exist (repository, milestone, issue, board):
    /// the input is at fault.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    /// GitHub's answer left part of the issues out on every attempt: no plan is written from
    /// it.
    #[error("{0}; no plan was written from it — run the import again")]
    Partial(ops::ReadError),
}

impl From<ReadError> for BacklogError {
    fn from(error: ReadError) -> BacklogError {
        match error {
            ReadError::Api(ApiError::NotFound { message }) => BacklogError::NotFound(message),
            ReadError::Api(error) => BacklogError::Api(error),
            partial => BacklogError::Partial(partial),
        }
    }
}

/// Reads the selected issues, their sub-issue trees and the board's fields.
pub async fn read_backlog(client: &Client, query: &BacklogQuery) -> Result<Backlog, BacklogError> {
    // Built from what the server has: an older GitHub Enterprise Server lacks sub-issues,
    // issue types or dependencies, and then the issues are read without them.
    let token = if query.board.is_some() {
        TokenRole::Project
    } else {
        TokenRole::Issues
    };
    let features = ops::features(client, token).await?;
    let mut reader = Reader {
        client,
        query,
        issues: IssueSelection {
            features,
            cards: query.board.is_some(),
        },
        backlog: Backlog::default(),
        seen: HashSet::new(),
    };
    if let Some(board) = &query.board {
        reader.backlog.board = Some(reader.board_fields(board).await?);
    }
    for selector in &query.selectors {
        let issues = match selector {
            Selector::Label(label) => {
                let request = label_request(query, &reader.issues, label);
                reader.pages(&request).await?
            }
            Selector::Milestone(title) => {
                let number = reader.milestone_number(title).await?;
                let request = milestone_request(query, &reader.issues, number);
                reader.pages(&request).await?
            }
            Selector::Board => reader.board_issues().await?,
            Selector::Root(number) => vec![reader.root(*number).await?],
        };
        for issue in issues {
            reader.backlog.selected.insert(issue.id.clone());
            reader.add(issue);
        }
    }
    reader.expand().await?;
    Ok(reader.backlog)
}

struct Reader<'a> {
    client: &'a Client,
    query: &'a BacklogQuery,
    /// What is read of each issue.
    issues: IssueSelection,
    backlog: Backlog,
    seen: HashSet<String>,
}

impl Reader<'_> {
    fn token(&self) -> TokenRole {
        if self.query.board.is_some() {
            TokenRole::Project
        } else {
            TokenRole::Issues
        }
    }

    async fn send(&mut self, request: Request) -> Result<Response, BacklogError> {
        self.backlog.requests += 1;
        match self.client.graphql(request.with_token(self.token())).await {
            Ok(response) => Ok(response),
            Err(ApiError::NotFound { message }) => Err(BacklogError::NotFound(message)),
            Err(error) => Err(error.into()),
        }
    }

    /// Sends a read of issues. An answer that leaves a field of an issue out (the errors
    /// under `at`) is sent again (`ops::read_whole`); one that stays partial is an error, so
    /// no plan is built from a gap.
    async fn read_issues<T>(
        &mut self,
        request: Request,
        at: IssuesAt,
        parse: impl Fn(&Response) -> T,
    ) -> Result<T, BacklogError> {
        let answers = Cell::new(0);
        let read = read_whole(self.client, &request.with_token(self.token()), |response| {
            answers.set(answers.get() + 1);
            whole(gaps(&response.errors, &response.data, at))?;
            Ok(parse(response))
        })
        .await;
        // A request that got no answer (an API error) was sent all the same.
        self.backlog.requests += answers.get().max(1);
        Ok(read?)
    }

    fn add(&mut self, issue: IssueNode) {
        if self.seen.insert(issue.id.clone()) {
            self.backlog.issues.push(issue);
        }
    }

    async fn board_fields(&mut self, board: &BoardRef) -> Result<BoardNode, BacklogError> {
        let response = self.send(board_fields_request(board)).await?;
        let node = &response.data["board"]["projectV2"];
        serde_json::from_value(node.clone()).map_err(|_| {
            BacklogError::NotFound(format!(
                "the board {} number {} was not found or is not visible to the token{}",
                board.owner,
                board.number,
                first_message(&response.errors)
            ))
        })
    }

    /// Every issue of a paginated `repository.issues` request.
    async fn pages(&mut self, first: &Request) -> Result<Vec<IssueNode>, BacklogError> {
        let mut issues = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut request = first.clone();
            request.variables["after"] = json!(after);
            let response = self
                .read_issues(request, IssuesAt::DISCOVERY, Response::clone)
                .await?;
            let connection = &response.data["repository"]["issues"];
            if connection.is_null() {
                return Err(self.repository_missing(&response.errors));
            }
            issues.extend(nodes(connection));
            match next_cursor(connection) {
                Some(cursor) => after = Some(cursor),
                None => return Ok(issues),
            }
        }
    }

    fn repository_missing(&self, errors: &[GraphqlError]) -> BacklogError {
        BacklogError::NotFound(format!(
            "repository {}/{} not found or not visible to the token{}",
            self.query.owner,
            self.query.name,
            first_message(errors)
        ))
    }

    async fn milestone_number(&mut self, title: &str) -> Result<u64, BacklogError> {
        let response = self.send(milestones_request(self.query, title)).await?;
        let milestones = &response.data["repository"]["milestones"]["nodes"];
        if response.data["repository"].is_null() {
            return Err(self.repository_missing(&response.errors));
        }
        let listed: Vec<(&str, u64)> = milestones
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| Some((m["title"].as_str()?, m["number"].as_u64()?)))
            .collect();
        listed
            .iter()
            .find(|(t, _)| *t == title)
            .or_else(|| listed.iter().find(|(t, _)| t.eq_ignore_ascii_case(title)))
            .map(|(_, n)| *n)
            .ok_or_else(|| {
                BacklogError::NotFound(format!(
                    "repository {}/{} has no milestone \"{title}\"",
                    self.query.owner, self.query.name
                ))
            })
    }

    /// The issues of this repository among the board's items.
    async fn board_issues(&mut self) -> Result<Vec<IssueNode>, BacklogError> {
        let Some(board) = self.query.board.clone() else {
            return Ok(Vec::new());
        };
        let repository =
            format!("/{}/{}/issues/", self.query.owner, self.query.name).to_lowercase();
        let mut issues = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let request = board_items_request(&board, self.issues.features, after.as_deref());
            let response = self
                .read_issues(request, IssuesAt::BOARD_ITEMS, Response::clone)
                .await?;
            let items = &response.data["board"]["projectV2"]["items"];
            if items.is_null() {
                return Err(BacklogError::NotFound(format!(
                    "the board's items could not be read{}",
                    first_message(&response.errors)
                )));
            }
            for item in items["nodes"].as_array().into_iter().flatten() {
                let issue = serde_json::from_value::<IssueNode>(item["content"].clone()).ok();
                match issue.filter(|i| i.url.to_lowercase().contains(&repository)) {
                    Some(issue) => issues.push(issue),
                    None => self.backlog.other_board_items += 1,
                }
            }
            match next_cursor(items) {
                Some(cursor) => after = Some(cursor),
                None => return Ok(issues),
            }
        }
    }

    async fn root(&mut self, number: u64) -> Result<IssueNode, BacklogError> {
        let request = root_request(self.query, &self.issues, number);
        let response = self
            .read_issues(request, IssuesAt::BY_NUMBER, Response::clone)
            .await?;
        if response.data["repository"].is_null() {
            return Err(self.repository_missing(&response.errors));
        }
        serde_json::from_value(response.data["repository"]["issue"].clone()).map_err(|_| {
            BacklogError::NotFound(format!(
                "issue #{number} not found in {}/{}",
                self.query.owner, self.query.name
            ))
        })
    }

    /// Reads the sub-issues of every issue read, level by level, until none is new.
    async fn expand(&mut self) -> Result<(), BacklogError> {
        for _ in 0..MAX_EXPANSION {
            let unread: Vec<String> = self
                .backlog
                .issues
                .iter()
                .flat_map(|i| i.sub_issues.iter())
                .map(|s| s.id.clone())
                .filter(|id| !self.seen.contains(id))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if unread.is_empty() {
                return Ok(());
            }
            for ids in unread.chunks(100) {
                let request = issues_by_id_request(ids, &self.issues, TokenRole::Issues);
                // Gaps were checked by `read_issues`; what is left are ids that name nothing.
                let issues = self
                    .read_issues(request, IssuesAt::BY_ID, |response| {
                        parse_issues_by_id(&response.data, &[])
                    })
                    .await??;
                for issue in issues {
                    self.add(issue);
                }
            }
            // Ids that did not come back (deleted meanwhile) must not be asked for again.
            self.seen.extend(unread);
        }
        Ok(())
    }
}

fn nodes(connection: &Value) -> Vec<IssueNode> {
    connection["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| serde_json::from_value(n.clone()).ok())
        .collect()
}

fn next_cursor(connection: &Value) -> Option<String> {
    let info = &connection["pageInfo"];
    if info["hasNextPage"].as_bool() == Some(true) {
        info["endCursor"].as_str().map(String::from)
    } else {
        None
    }
}

fn first_message(errors: &[GraphqlError]) -> String {
    errors
        .first()
        .map(|e| format!(": {}", e.message))
        .unwrap_or_default()
}

fn owner_root(kind: BoardOwner) -> &'static str {
    match kind {
        BoardOwner::Organization => "organization",
        BoardOwner::User => "user",
    }
}

/// The board's id, title and fields (with their types, options and iterations).
pub fn board_fields_request(board: &BoardRef) -> Request {
    let root = owner_root(board.owner_kind);
    Request::query(
        format!(
            "query BoardFields($projectOwner: String!, $projectNumber: Int!) {{\n\
             board: {root}(login: $projectOwner) {{\n{BOARD}}}\n}}\n"
        ),
        json!({ "projectOwner": board.owner, "projectNumber": board.number }),
    )
}

/// One page of the issues carrying `label`, open and closed, oldest first.
pub fn label_request(query: &BacklogQuery, issues: &IssueSelection, label: &str) -> Request {
    Request::query(
        format!(
            "query LabelIssues($owner: String!, $name: String!, $label: String!, $after: String) {{\n\
             repository(owner: $owner, name: $name) {{\n\
             issues(labels: [$label], states: [OPEN, CLOSED], first: 100, after: $after, \
             orderBy: {{field: CREATED_AT, direction: ASC}}) {{\n\
             pageInfo {{ hasNextPage endCursor }}\nnodes {{\n{}}}\n}}\n}}\n}}\n",
            issues.fields()
        ),
        json!({ "owner": query.owner, "name": query.name, "label": label, "after": null }),
    )
}

/// Milestones whose title contains `title` (GitHub's `query` is a search), open and closed.
pub fn milestones_request(query: &BacklogQuery, title: &str) -> Request {
    Request::query(
        "query Milestones($owner: String!, $name: String!, $title: String) {\n\
         repository(owner: $owner, name: $name) {\n\
         milestones(first: 100, query: $title, states: [OPEN, CLOSED]) { nodes { number title } }\n\
         }\n}\n",
        json!({ "owner": query.owner, "name": query.name, "title": title }),
    )
}

/// One page of the issues of milestone `number`, open and closed, oldest first.
pub fn milestone_request(query: &BacklogQuery, issues: &IssueSelection, number: u64) -> Request {
    Request::query(
        format!(
            "query MilestoneIssues($owner: String!, $name: String!, $milestone: String!, $after: String) {{\n\
             repository(owner: $owner, name: $name) {{\n\
             issues(filterBy: {{milestoneNumber: $milestone}}, states: [OPEN, CLOSED], first: 100, \
             after: $after, orderBy: {{field: CREATED_AT, direction: ASC}}) {{\n\
             pageInfo {{ hasNextPage endCursor }}\nnodes {{\n{}}}\n}}\n}}\n}}\n",
            issues.fields()
        ),
        json!({
            "owner": query.owner,
            "name": query.name,
            "milestone": number.to_string(),
            "after": null,
        }),
    )
}

/// One page of the board's items, with the issue behind each (and its cards).
pub fn board_items_request(board: &BoardRef, features: Features, after: Option<&str>) -> Request {
    let root = owner_root(board.owner_kind);
    let fields = IssueSelection {
        features,
        cards: true,
    }
    .fields();
    Request::query(
        format!(
            "query BoardItems($projectOwner: String!, $projectNumber: Int!, $after: String) {{\n\
             board: {root}(login: $projectOwner) {{\n\
             projectV2(number: $projectNumber) {{\n\
             items(first: 100, after: $after) {{\n\
             pageInfo {{ hasNextPage endCursor }}\n\
             nodes {{ content {{ ... on Issue {{\n{fields}}} }} }}\n}}\n}}\n}}\n}}\n"
        ),
        json!({ "projectOwner": board.owner, "projectNumber": board.number, "after": after }),
    )
}

/// One issue by number (`--root`).
pub fn root_request(query: &BacklogQuery, issues: &IssueSelection, number: u64) -> Request {
    Request::query(
        format!(
            "query RootIssue($owner: String!, $name: String!, $number: Int!) {{\n\
             repository(owner: $owner, name: $name) {{\nissue(number: $number) {{\n{}}}\n}}\n}}\n",
            issues.fields()
        ),
        json!({ "owner": query.owner, "name": query.name, "number": number }),
    )
}

/// A representative instance of every document this module sends to github.com, by name, for
/// schema validation.
pub fn sample_documents() -> Vec<(String, String)> {
    sample_documents_for(Features::all())
}

/// The same for a server with `features`.
pub fn sample_documents_for(features: Features) -> Vec<(String, String)> {
    let org = BoardRef {
        owner_kind: BoardOwner::Organization,
        owner: "acme".into(),
        number: 1,
    };
    let user = BoardRef {
        owner_kind: BoardOwner::User,
        ..org.clone()
    };
    let plain = BacklogQuery {
        owner: "acme".into(),
        name: "roadmap".into(),
        selectors: Vec::new(),
        board: None,
    };
    let with_board = BacklogQuery {
        board: Some(org.clone()),
        ..plain.clone()
    };
    let mut samples = vec![
        (
            "import-board-fields".to_string(),
            board_fields_request(&org),
        ),
        (
            "import-board-fields-user".into(),
            board_fields_request(&user),
        ),
        (
            "import-board-items".into(),
            board_items_request(&org, features, Some("c")),
        ),
        (
            "import-board-items-user".into(),
            board_items_request(&user, features, None),
        ),
        ("import-milestones".into(), milestones_request(&plain, "v1")),
    ];
    for (suffix, query) in [("", &plain), ("-with-cards", &with_board)] {
        let issues = IssueSelection {
            features,
            cards: query.board.is_some(),
        };
        samples.push((
            format!("import-label{suffix}"),
            label_request(query, &issues, "backlog"),
        ));
        samples.push((
            format!("import-milestone{suffix}"),
            milestone_request(query, &issues, 3),
        ));
        samples.push((
            format!("import-root{suffix}"),
            root_request(query, &issues, 7),
        ));
    }
    samples
        .into_iter()
        .map(|(name, request)| (name, request.document))
        .collect()
}
