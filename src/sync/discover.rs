//! Discovery: read every issue carrying the plan's label (paginated `repository.issues`, never
//! search) plus the metadata a sync needs, and find which plan item each issue belongs to.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::github::ops::{
    self, BoardOwner, BoardQuery, DiscoveryPage, DiscoveryQuery, IssueNode, IssueSelection,
    MetadataQuery, ReadError,
};
use crate::github::{Client, Feature, Features, TokenInput, TokenRole};
use crate::plan::Plan;
use crate::render::{find_marker, Marker};

use super::fields::{current_values, Board, CardValue};
use super::issue::{Assignee, ClosedAs, Issue, IssueKey, IssueState, IssueType};
use super::options::{ProjectOwnerKind, ProjectUrl, SyncOptions};
use super::SyncError;

/// An issue that carries this plan's marker.
#[derive(Debug, Clone)]
pub struct ManagedIssue {
    pub issue: Issue,
    pub marker: Marker,
    /// The card on the configured board, if the issue is on it.
    pub card: Option<Card>,
    /// Bound with `issue:` and without a marker yet: the sync adopts it.
    pub adopting: bool,
}

impl ManagedIssue {
    pub fn item_id(&self) -> &str {
        &self.marker.item_id
    }

    pub fn is_open(&self) -> bool {
        self.issue.is_open()
    }

    /// The managed issue `node`, with its card on the board `board_id`.
    pub(super) fn read(
        node: IssueNode,
        marker: Marker,
        board_id: Option<&str>,
        adopting: bool,
    ) -> ManagedIssue {
        let card = card_of(&node, board_id);
        ManagedIssue {
            issue: issue_of(node),
            marker,
            card,
            adopting,
        }
    }
}

/// An issue GitHub names, in the engine's terms.
fn key(r: ops::IssueRef) -> IssueKey {
    IssueKey {
        id: r.id,
        number: r.number,
    }
}

/// Open issues per item they claim: more than one is a duplicate still to close.
fn open_claims(issues: &[ManagedIssue]) -> BTreeMap<&str, usize> {
    let mut claims: BTreeMap<&str, usize> = BTreeMap::new();
    for issue in issues.iter().filter(|i| i.is_open()) {
        *claims.entry(issue.item_id()).or_default() += 1;
    }
    claims
}

/// An issue as GitHub answered it, in the engine's terms: GitHub's wire types go no further.
fn issue_of(node: IssueNode) -> Issue {
    let state = match (node.state.as_str(), node.state_reason.as_deref()) {
        ("OPEN", _) => IssueState::Open,
        (_, Some("NOT_PLANNED")) => IssueState::Closed {
            reason: ClosedAs::NotPlanned,
        },
        (_, Some("DUPLICATE")) => IssueState::Closed {
            reason: ClosedAs::Duplicate,
        },
        _ => IssueState::Closed {
            reason: ClosedAs::Completed,
        },
    };
    Issue {
        id: node.id,
        number: node.number,
        url: node.url,
        title: node.title,
        body: node.body,
        state,
        labels: node
            .labels
            .iter()
            .flat_map(|l| l.iter())
            .map(|l| l.name.clone())
            .collect(),
        assignees: node
            .assignees
            .iter()
            .map(|u| Assignee {
                id: u.id.clone(),
                login: u.name.clone(),
            })
            .collect(),
        milestone_id: node.milestone.map(|m| m.id),
        issue_type: node.issue_type.map(|t| IssueType {
            id: t.id,
            name: t.name,
        }),
        parent: node.parent.map(key),
        blocked_by: node
            .blocked_by
            .nodes
            .into_iter()
            .flatten()
            .map(key)
            .collect(),
        sub_issues: node
            .sub_issues
            .nodes
            .into_iter()
            .flatten()
            .map(key)
            .collect(),
        blocking: Vec::new(),
    }
}

#[derive(Debug, Clone)]
pub struct Card {
    pub id: String,
    /// Current values by field id.
    pub values: BTreeMap<String, CardValue>,
}

/// Everything the diff reads about GitHub.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// What the server supports; what it lacks was neither read nor is written.
    pub features: Features,
    pub repository_id: String,
    /// The owner's enabled issue types.
    pub issue_types: Vec<IssueType>,
    /// Label ids by name: looked-up labels plus every label seen on a managed issue.
    pub labels: HashMap<String, String>,
    /// User ids by lowercased login.
    pub users: HashMap<String, String>,
    /// Milestone ids by title.
    pub milestones: HashMap<String, String>,
    pub board: Option<Board>,
    /// Issues carrying this plan's marker, oldest first.
    pub issues: Vec<ManagedIssue>,
    pub warnings: Vec<String>,
    /// Labelled issues without any marker (a human deleted it or emptied the body).
    pub unmarked: Vec<IssueNode>,
    /// Node ids of issues that carry this plan's marker but live in another repository (they
    /// were transferred): never managed again, but links to them were made by planpilot.
    pub elsewhere: BTreeSet<String>,
    /// Requests discovery made.
    pub requests: u32,
}

impl Discovered {
    /// The label name the repository knows for `name` (labels compare case-insensitively).
    pub fn label_id(&self, name: &str) -> Option<&String> {
        self.labels.get(name).or_else(|| {
            self.labels
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, id)| id)
        })
    }
}

/// Names planpilot may need ids for: the sync label, every plan label, the type labels.
pub fn wanted_labels(plan: &Plan, options: &SyncOptions) -> Vec<String> {
    let mut names = BTreeSet::new();
    names.insert(options.label.clone());
    for item in &plan.items {
        names.extend(item.labels.iter().cloned());
    }
    names.extend(plan.defaults.labels.iter().cloned());
    for kind in crate::plan::ItemKind::ALL {
        names.insert(options.type_names.label(kind));
    }
    names.into_iter().collect()
}

/// Reads the managed issues and the metadata. The first request carries the metadata too.
pub async fn discover(
    client: &Client,
    plan: &Plan,
    options: &SyncOptions,
) -> Result<Discovered, SyncError> {
    let token = if options.project.is_some() {
        TokenRole::Project
    } else {
        TokenRole::Issues
    };
    // Every document below is built from what the server has (read once per client).
    let features = ops::features(client, token).await?;
    let mut query = first_query(plan, options, features);
    let mut pages = Vec::new();
    loop {
        let request = ops::discovery_request(&query, token);
        let page = ops::read_whole(client, &request, |response| {
            ops::parse_discovery(&query, &response.data, &response.errors)
        })
        .await
        .map_err(|e| read_failed(e, token))?;
        let next = page.next.clone();
        pages.push(page);
        match next {
            Some(cursor) => {
                query.after = Some(cursor);
                query.metadata = None;
            }
            None => break,
        }
    }
    let (strays, elsewhere) =
        find_strays(client, plan, options, &query.issues, &pages, token).await?;
    if !strays.is_empty() {
        pages.push(DiscoveryPage {
            issues: strays,
            ..DiscoveryPage::default()
        });
    }
    let mut discovered = assemble(plan, options, pages, client.token_input(token))?;
    discovered.elsewhere = elsewhere;
    read_blocking_of_contested(client, &mut discovered, token).await?;
    Ok(discovered)
}

/// Reads what the issues of an item two open issues claim block, so the links people made to
/// the one closed as a duplicate can pass to the kept one. Nothing is read when no duplicate
/// is open (every run but the one after a race: a closed duplicate costs later runs nothing).
async fn read_blocking_of_contested(
    client: &Client,
    discovered: &mut Discovered,
    token: TokenRole,
) -> Result<(), SyncError> {
    if !discovered.features.has(Feature::IssueDependencies) {
        return Ok(());
    }
    let claims = open_claims(&discovered.issues);
    let contested: Vec<String> = discovered
        .issues
        .iter()
        .filter(|i| claims.get(i.item_id()).is_some_and(|n| *n > 1))
        .map(|i| i.issue.id.clone())
        .collect();
    let mut blocking = HashMap::new();
    for ids in contested.chunks(100) {
        let request = ops::blocking_request(ids, token);
        let read = ops::read_whole(client, &request, |response| {
            ops::parse_blocking(&response.data, &response.errors)
        })
        .await
        .map_err(|e| read_failed(e, token))?;
        discovered.requests += 1;
        blocking.extend(read);
    }
    for issue in &mut discovered.issues {
        if let Some(blocked) = blocking.remove(&issue.issue.id) {
            issue.issue.blocking = blocked.into_iter().map(key).collect();
        }
    }
    Ok(())
}

/// Sub-issues and parents of managed issues that lost the label (a human removed it) but still
/// carry this plan's marker, in this repository. Read only when some plan item has no issue,
/// so that item is not created twice. Also returns the ids of related issues (blockers too)
/// that carry the marker but were transferred to another repository.
async fn find_strays(
    client: &Client,
    plan: &Plan,
    options: &SyncOptions,
    selection: &IssueSelection,
    pages: &[DiscoveryPage],
    token: TokenRole,
) -> Result<(Vec<IssueNode>, BTreeSet<String>), SyncError> {
    let issues: Vec<&IssueNode> = pages.iter().flat_map(|p| p.issues.iter()).collect();
    let ours = |node: &IssueNode| find_marker(&node.body).filter(|m| m.plan_key == plan.key);
    let claimed: BTreeSet<String> = issues
        .iter()
        .filter_map(|n| ours(n))
        .map(|m| m.item_id)
        .collect();
    if plan.items.iter().all(|i| claimed.contains(&i.id)) {
        return Ok(Default::default());
    }
    let known: BTreeSet<&str> = issues.iter().map(|n| n.id.as_str()).collect();
    let unknown: BTreeSet<String> = issues
        .iter()
        .filter(|n| ours(n).is_some())
        .flat_map(|n| {
            n.sub_issues
                .iter()
                .chain(n.parent.iter())
                .chain(n.blocked_by.iter())
        })
        .filter(|related| !known.contains(related.id.as_str()))
        .map(|related| related.id.clone())
        .collect();
    let unknown: Vec<String> = unknown.into_iter().collect();
    let mut strays = Vec::new();
    let mut elsewhere = BTreeSet::new();
    for ids in unknown.chunks(100) {
        let request = ops::issues_by_id_request(ids, selection, token);
        let nodes = ops::read_whole(client, &request, |response| {
            ops::parse_issues_by_id(&response.data, &response.errors)
        })
        .await
        .map_err(|e| read_failed(e, token))?;
        for node in nodes {
            match (ours(&node).is_some(), in_repository(&node, options)) {
                (true, true) => strays.push(node),
                (true, false) => {
                    elsewhere.insert(node.id);
                }
                _ => {}
            }
        }
    }
    Ok((strays, elsewhere))
}

/// The sync's error for a read of issues that failed with `token`.
pub(crate) fn read_failed(error: ReadError, token: TokenRole) -> SyncError {
    match error {
        ReadError::Api(error) => SyncError::Api(error),
        ReadError::Shape(error) => {
            // With a board, discovery reads issues and cards in one query with the project
            // token, which must therefore also read the repository.
            let hint = if token == TokenRole::Project {
                "; with a project board the project token reads the repository's issues too: \
                 give it read access to the repository (classic PAT: repo scope; fine-grained: \
                 Issues read) or use one token for both"
            } else {
                ""
            };
            SyncError::Discovery(format!("{error}{hint}"))
        }
        partial @ ReadError::Partial { .. } => SyncError::PartialRead(partial.to_string()),
    }
}

/// Whether an issue lives in the synced repository: a related issue may be in another one
/// (sub-issues cross repositories; a transferred issue keeps its relations and its marker).
fn in_repository(node: &IssueNode, options: &SyncOptions) -> bool {
    let repo = &options.repository;
    let path = format!("/{}/{}/issues/", repo.owner, repo.name).to_lowercase();
    node.url.to_lowercase().contains(&path)
}

/// The first discovery request on a server with `features`: the first page of issues plus all
/// metadata.
pub fn first_query(plan: &Plan, options: &SyncOptions, features: Features) -> DiscoveryQuery {
    let logins: BTreeSet<String> = plan
        .items
        .iter()
        .flat_map(|i| i.assignees.iter().cloned())
        .collect();
    let milestones: BTreeSet<String> = plan
        .items
        .iter()
        .filter_map(|i| i.milestone.clone())
        .collect();
    let metadata = MetadataQuery {
        labels: wanted_labels(plan, options),
        logins: logins.into_iter().collect(),
        milestones: milestones.into_iter().collect(),
        board: options.project.as_ref().map(|p| BoardQuery {
            owner_kind: match p.owner_kind {
                ProjectOwnerKind::Organization => BoardOwner::Organization,
                ProjectOwnerKind::User => BoardOwner::User,
            },
            owner: p.owner.clone(),
            number: p.number,
        }),
    };
    DiscoveryQuery {
        owner: options.repository.owner.clone(),
        name: options.repository.name.clone(),
        label: options.label.clone(),
        after: None,
        metadata: Some(metadata),
        issues: IssueSelection {
            features,
            cards: options.project.is_some(),
        },
    }
}

/// Builds the discovered state from the pages read (the first one carries the metadata);
/// `board_token` is the input whose token read the board.
pub fn assemble(
    plan: &Plan,
    options: &SyncOptions,
    pages: Vec<DiscoveryPage>,
    board_token: TokenInput,
) -> Result<Discovered, SyncError> {
    let mut discovered = Discovered {
        requests: pages.len() as u32,
        ..Discovered::default()
    };
    let mut nodes = Vec::new();
    for page in pages {
        if let Some(meta) = page.metadata {
            discovered.features = meta.features;
            discovered.repository_id = meta.repository_id;
            discovered.issue_types = meta
                .issue_types
                .into_iter()
                .filter(|t| t.is_enabled)
                .map(|t| IssueType {
                    id: t.id,
                    name: t.name,
                })
                .collect();
            discovered
                .labels
                .extend(meta.labels.into_iter().map(|(name, n)| (name, n.id)));
            discovered.users.extend(
                meta.users
                    .into_iter()
                    .map(|(login, n)| (login.to_lowercase(), n.id)),
            );
            discovered
                .milestones
                .extend(meta.milestones.into_iter().map(|(t, n)| (t, n.id)));
            discovered.board = meta.board.as_ref().map(Board::from_node);
            if let (Some(project), None) = (&options.project, &discovered.board) {
                return Err(SyncError::BoardUnreachable(board_unreachable(
                    project,
                    board_token,
                    &page.board_errors,
                )));
            }
        }
        nodes.extend(page.issues);
    }
    let board_id = discovered.board.as_ref().map(|b| b.id.clone());
    for node in nodes {
        absorb(&mut discovered, plan, node, board_id.as_deref());
    }
    settle_pasted_markers(&mut discovered, plan);
    adopt_unmarked(&mut discovered, plan, board_id.as_deref());
    let missing = missing_features(plan, &discovered);
    discovered.warnings.extend(missing);
    for issue in &discovered.issues {
        let labelled = issue
            .issue
            .labels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(&options.label));
        if !labelled {
            discovered.warnings.push(format!(
                "#{} ({}) had lost the label \"{}\"; it was found as a sub-issue or parent and is labelled again",
                issue.issue.number,
                issue.item_id(),
                options.label
            ));
        }
    }
    Ok(discovered)
}

/// One warning per feature the server lacks that this plan would use, naming the feature,
/// the GitHub Enterprise Server release that has it, and what is done without it.
fn missing_features(plan: &Plan, discovered: &Discovered) -> Vec<String> {
    let features = discovered.features;
    let mut warnings = Vec::new();
    let lacks = |feature| !features.has(feature);
    let children = plan.items.iter().filter(|i| i.parent.is_some()).count();
    if lacks(Feature::SubIssues) && children > 0 {
        warnings.push(format!(
            "this server has no {}: the {children} stories and tasks are not attached to their              epics and stories as sub-issues (their bodies still name the plan's ids)",
            Feature::SubIssues.describe()
        ));
    }
    if lacks(Feature::IssueTypes) && !plan.items.is_empty() {
        warnings.push(format!(
            "this server has no {}: every item carries its `type:` label (type:epic, type:story,              type:task) instead",
            Feature::IssueTypes.describe()
        ));
    }
    let links = super::relations::blocked_by_links(plan);
    if lacks(Feature::IssueDependencies) && !links.is_empty() {
        const SHOWN: usize = 5;
        let mut named: Vec<String> = links
            .iter()
            .take(SHOWN)
            .map(|(blocked, blocker)| format!("{blocked} blocked by {blocker}"))
            .collect();
        if links.len() > SHOWN {
            named.push(format!("and {} more", links.len() - SHOWN));
        }
        warnings.push(format!(
            "this server has no {}: the plan's {} blocked-by link(s) are not made ({})",
            Feature::IssueDependencies.describe(),
            links.len(),
            named.join(", ")
        ));
    }
    if lacks(Feature::DuplicateReason) && open_claims(&discovered.issues).values().any(|n| *n > 1) {
        warnings.push(format!(
            "this server has no {}: a second issue claiming an item is closed as not planned",
            Feature::DuplicateReason.describe()
        ));
    }
    warnings
}

/// This plan's markers in a body, in order, one per item.
fn plan_markers(body: &str, plan: &Plan) -> Vec<Marker> {
    let mut markers: Vec<Marker> = Vec::new();
    for marker in body.lines().filter_map(Marker::parse_comment) {
        if marker.plan_key == plan.key && markers.iter().all(|m| m.item_id != marker.item_id) {
            markers.push(marker);
        }
    }
    markers
}

/// A body holding several of this plan's markers got another issue's body pasted into it (the
/// marker is hidden in the rendered view). Such an issue belongs to the one item among them that
/// no single-marker issue claims; otherwise it keeps its first marker.
fn settle_pasted_markers(discovered: &mut Discovered, plan: &Plan) {
    let markers: Vec<Vec<Marker>> = discovered
        .issues
        .iter()
        .map(|i| plan_markers(&i.issue.body, plan))
        .collect();
    let settled: BTreeSet<String> = markers
        .iter()
        .filter(|m| m.len() == 1)
        .map(|m| m[0].item_id.clone())
        .collect();
    for (issue, markers) in discovered.issues.iter_mut().zip(markers) {
        let mut free = markers
            .into_iter()
            .filter(|m| !settled.contains(&m.item_id) && plan.get(&m.item_id).is_some());
        if let (Some(marker), None) = (free.next(), free.next()) {
            issue.marker = marker;
        }
    }
}

/// An item without an issue adopts the one labelled issue without a marker that has its exact
/// title: the marker was deleted by hand, and creating a second issue would duplicate it.
fn adopt_unmarked(discovered: &mut Discovered, plan: &Plan, board_id: Option<&str>) {
    let claimed: BTreeSet<String> = discovered
        .issues
        .iter()
        .map(|i| i.item_id().to_string())
        .collect();
    for item in plan
        .items
        .iter()
        .filter(|i| i.issue.is_none() && !claimed.contains(&i.id))
    {
        let mut matching = discovered.unmarked.iter().filter(|n| n.title == item.title);
        let (Some(node), None) = (matching.next(), matching.next()) else {
            continue;
        };
        let number = node.number;
        let Some(index) = discovered.unmarked.iter().position(|n| n.number == number) else {
            continue;
        };
        let node = discovered.unmarked.remove(index);
        discovered.warnings.push(format!(
            "#{number} has no planpilot marker but carries the label and the title of {}; it is adopted",
            item.id
        ));
        let marker = Marker {
            plan_key: plan.key.clone(),
            item_id: item.id.clone(),
            ..Marker::default()
        };
        let issue = ManagedIssue::read(node, marker, board_id, false);
        discovered.issues.push(issue);
    }
}

fn card_of(node: &IssueNode, board_id: Option<&str>) -> Option<Card> {
    let board = board_id?;
    node.project_items
        .iter()
        .flat_map(|items| items.iter())
        .find(|item| item.project.as_ref().is_some_and(|p| p.id == board))
        .map(|item| Card {
            id: item.id.clone(),
            values: current_values(&item.field_values.iter().cloned().collect::<Vec<_>>()),
        })
}

/// The one message for a board the token cannot reach (GitHub answers `FORBIDDEN` "Resource not
/// accessible by integration" to `GITHUB_TOKEN`, `INSUFFICIENT_SCOPES` to a classic PAT without
/// `project`, `NOT_FOUND` to a token that cannot see the board): what to check and which token
/// works. <https://docs.github.com/en/issues/planning-and-tracking-with-projects/automating-your-project/automating-projects-using-actions>
fn board_unreachable(project: &ProjectUrl, token: TokenInput, errors: &[String]) -> String {
    let said = errors
        .first()
        .map(|e| format!(" (GitHub: {e})"))
        .unwrap_or_default();
    let fix = match token {
        TokenInput::GithubToken => "GITHUB_TOKEN cannot reach Projects v2: set `project-token` to",
        TokenInput::ProjectToken => "`project-token` must be",
    };
    format!(
        "`project-url` {url}: the board was not found or is not accessible with {token}{said}. \
         Check that `project-url` names the board (`/orgs/` or `/users/`, owner and number). \
         {fix} a classic personal access token with the `project` scope (plus `repo` for a \
         private repository), a fine-grained personal access token of the board's owner with \
         the organization permission Projects read and write and Issues read on this \
         repository, or a GitHub App installation token with the organization permission \
         Projects read and write and Issues read on this repository: discovery reads the \
         issues with it.",
        url = project.url,
        token = token.describe(),
    )
}

/// Learns the ids of the labels an issue carries, so updates can name them by id.
pub(super) fn remember_labels(discovered: &mut Discovered, node: &IssueNode) {
    for label in node.labels.iter().flat_map(|l| l.iter()) {
        discovered
            .labels
            .entry(label.name.clone())
            .or_insert(label.id.clone());
    }
}

/// Records an issue if it carries this plan's marker; other labelled issues are not ours.
fn absorb(discovered: &mut Discovered, plan: &Plan, node: IssueNode, board_id: Option<&str>) {
    remember_labels(discovered, &node);
    if node.blocked_by.is_truncated() {
        discovered.warnings.push(format!(
            "#{} has more blocked-by links than one page; links beyond it are left as they are",
            node.number
        ));
    }
    let Some(marker) = find_marker(&node.body) else {
        discovered.unmarked.push(node);
        return;
    };
    if marker.plan_key != plan.key {
        return;
    }
    let issue = ManagedIssue::read(node, marker, board_id, false);
    discovered.issues.push(issue);
}
