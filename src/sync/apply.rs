//! Apply: execute a `Changes` value in bounded parallel phases — labels, epics, stories, tasks,
//! then bodies, updates, board items and closes, then board fields and relations.
//!
//! Each phase sends its writes as a few aliased batch documents at once (the client's semaphore
//! bounds what is in flight), collects every failure, and skips what depends on a failed item.
//! A create whose answer was lost is never resent blindly: the managed issues are read again and
//! an issue carrying the item's marker is adopted instead.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::{join_all, BoxFuture};
use serde_json::{json, Value};

use crate::github::ops::{send_batch, Mutation};
use crate::github::{ApiError, Client, Feature, FieldVerdict, GraphqlError, Safety, TokenRole};
use crate::plan::{ItemKind, Plan};
use crate::render::{append, render_block, splice};

use super::changes::{Change, Changes, CloseReason, Create, FieldSet};
use super::discover::discover;
use super::options::SyncOptions;
use super::progress::Progress;

/// Rounds of "read again, then create what is still missing" after lost create answers.
const CREATE_ROUNDS: usize = 3;

/// Resends of writes GitHub refused as "submitted too quickly" (waits double each time).
const THROTTLE_ROUNDS: usize = 6;

/// An issue planpilot knows the id and number of.
#[derive(Debug, Clone)]
pub struct Known {
    pub id: String,
    pub number: u64,
    pub url: String,
}

/// What happened to each item, filled in as phases finish.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Lines of the changes applied, with their position in the change list.
    pub applied: Vec<(usize, String)>,
    pub created: HashSet<String>,
    pub reopened: HashSet<String>,
    pub touched: BTreeMap<String, Vec<String>>,
    pub failed: BTreeMap<String, Vec<String>>,
    pub skipped: BTreeMap<String, Vec<String>>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub issues: HashMap<String, Known>,
    /// Set when the run stopped early (rate limit, circuit breaker, bad credentials).
    pub stopped: Option<String>,
    /// Writes refused as too quick and sent again.
    pub throttled: usize,
}

/// One mutation with what it is for.
struct Op {
    seq: usize,
    item: String,
    line: String,
    detail: String,
    mutation: Mutation,
    /// "Already so" answers count as success: a link, sub-issue or label that already exists,
    /// a link already gone (a resent document after a lost answer says so).
    tolerate_existing: bool,
    /// Board writes use the project token.
    token: TokenRole,
}

impl Op {
    /// The op of `change`, the `seq`-th of the change list, sent as `mutation`.
    fn new(seq: usize, change: &Change, mutation: Mutation) -> Op {
        Op {
            seq,
            item: change.item().unwrap_or_default().to_string(),
            line: change.line(),
            detail: change.detail(),
            mutation,
            tolerate_existing: tolerates_existing(change),
            token: token_of(change),
        }
    }
}

/// Whether GitHub's "already so" answer to `change` means it is done: a label, sub-issue or
/// link that exists already, a link or sub-issue already gone.
fn tolerates_existing(change: &Change) -> bool {
    matches!(
        change,
        Change::CreateLabel { .. }
            | Change::Move { .. }
            | Change::Link { .. }
            | Change::Unlink { .. }
            | Change::Detach { .. }
    )
}

/// Board writes use the project token, everything else the issues token.
fn token_of(change: &Change) -> TokenRole {
    match change {
        Change::BoardAdd { .. } | Change::SetField(_) => TokenRole::Project,
        _ => TokenRole::Issues,
    }
}

/// The changes `pick` selects, each with its place in the list.
fn picked<'c, T>(changes: &'c Changes, pick: impl Fn(&'c Change) -> Option<T>) -> Vec<(usize, T)> {
    changes
        .list()
        .iter()
        .enumerate()
        .filter_map(|(seq, change)| Some((seq, pick(change)?)))
        .collect()
}

/// Why a create could not be sent.
enum NotReady {
    /// Something it depends on failed.
    Skip(String),
    Fail(String),
}

/// The answer for one op.
enum Answer {
    Done(Value),
    /// GitHub refused this mutation; the others of its document stand.
    Refused(GraphqlError),
    /// The whole document failed.
    Failed(ApiError),
    /// The whole document may or may not have been applied.
    Ambiguous(ApiError),
}

impl Answer {
    /// Whether a secondary limit refused this mutation alone (nothing of it happened).
    fn is_throttled(&self) -> bool {
        matches!(self, Answer::Refused(error) if error.verdict() == FieldVerdict::Throttled)
    }
}

struct Applier<'a> {
    plan: &'a Plan,
    client: &'a Client,
    options: &'a SyncOptions,
    progress: &'a dyn Progress,
    changes: &'a Changes,
    labels: HashMap<String, String>,
    bodies: HashMap<String, String>,
    cards: HashMap<String, String>,
    out: Outcome,
}

/// Applies `changes`; never fails as a whole: failures are in the outcome.
pub async fn apply(
    plan: &Plan,
    client: &Client,
    options: &SyncOptions,
    progress: &dyn Progress,
    changes: &Changes,
    labels: HashMap<String, String>,
) -> Outcome {
    let mut applier = Applier {
        plan,
        client,
        options,
        progress,
        changes,
        labels: labels
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect(),
        bodies: HashMap::new(),
        cards: HashMap::new(),
        out: Outcome::default(),
    };
    for (item, existing) in &changes.existing {
        applier.out.issues.insert(
            item.clone(),
            Known {
                id: existing.id.clone(),
                number: existing.number,
                url: existing.url.clone(),
            },
        );
        applier.bodies.insert(item.clone(), existing.body.clone());
        if let Some(card) = &existing.card {
            applier.cards.insert(item.clone(), card.clone());
        }
    }
    applier.run().await;
    applier.out
}

impl Applier<'_> {
    async fn run(&mut self) {
        let changes = self.changes;
        let label_ops = self.label_ops();
        self.phase("labels", label_ops, Safety::Idempotent).await;
        for (kind, name) in [
            (ItemKind::Epic, "epics"),
            (ItemKind::Story, "stories"),
            (ItemKind::Task, "tasks"),
        ] {
            let of_kind = picked(changes, |change| match change {
                Change::CreateIssue(create) if create.kind == kind => Some(create),
                _ => None,
            });
            self.create_phase(name, of_kind).await;
        }
        // Bodies, board items and closes are independent of each other: one wave. Relations
        // (links, moves) are independent too, but they create content, which GitHub caps per
        // minute: they go with the last phase, so the wave that follows the creates runs
        // while the cap's window refills, and the new cards' fields can run while links wait.
        let mut wave = self.update_ops();
        let relations = self.relation_ops();
        wave.extend(self.board_add_ops());
        // Fields of cards that already exist go with the wave; new cards' fields follow it.
        let (early, late): (Vec<_>, Vec<_>) = picked(changes, |change| match change {
            Change::SetField(set) => Some(set),
            _ => None,
        })
        .into_iter()
        .partition(|(_, set)| self.cards.contains_key(&set.item));
        wave.extend(self.field_ops(&early));
        wave.extend(self.close_ops());
        wave.extend(self.detach_ops());
        self.phase("updates", wave, Safety::Idempotent).await;
        let mut last = self.field_ops(&late);
        last.extend(relations);
        self.phase("fields and links", last, Safety::Idempotent)
            .await;
        self.out.applied.sort_by_key(|(seq, _)| *seq);
    }

    fn issue_id(&self, item: &str) -> Option<String> {
        self.out.issues.get(item).map(|k| k.id.clone())
    }

    fn skip(&mut self, item: &str, why: String) {
        self.out
            .skipped
            .entry(item.to_string())
            .or_default()
            .push(why);
    }

    fn label_ids(&self, names: &[String]) -> Result<Vec<String>, String> {
        names
            .iter()
            .map(|n| {
                self.labels
                    .get(&n.to_lowercase())
                    .cloned()
                    .ok_or_else(|| format!("label \"{n}\" does not exist and could not be created"))
            })
            .collect()
    }

    fn label_ops(&mut self) -> Vec<Op> {
        let changes = self.changes;
        changes
            .list()
            .iter()
            .enumerate()
            .filter_map(|(seq, change)| match change {
                Change::CreateLabel { name } => Some(Op::new(
                    seq,
                    change,
                    Mutation::create_label(&changes.repository_id, name, label_color(name)),
                )),
                _ => None,
            })
            .collect()
    }

    async fn create_phase(&mut self, name: &str, creates: Vec<(usize, &Create)>) {
        let mut pending = creates;
        for round in 0..CREATE_ROUNDS {
            if pending.is_empty() {
                return;
            }
            let mut ops = Vec::new();
            for (seq, create) in &pending {
                match self.create_op(*seq, create) {
                    Ok(op) => ops.push(op),
                    Err(NotReady::Skip(why)) => self.skip(&create.item, why),
                    Err(NotReady::Fail(why)) => {
                        self.out
                            .errors
                            .push(format!("{}: create: {why}", create.item));
                        self.out
                            .failed
                            .entry(create.item.clone())
                            .or_default()
                            .push(why);
                    }
                }
            }
            let results = self.execute(name, ops, Safety::Create).await;
            let mut lost = Vec::new();
            for (op, result) in results {
                match result {
                    Answer::Done(payload) => self.record_created(&op, &payload["issue"], None),
                    Answer::Ambiguous(_) => lost.push(op),
                    Answer::Refused(error) => self.fail(&op, &error.message),
                    Answer::Failed(error) => self.fail(&op, &error.to_string()),
                }
            }
            if lost.is_empty() {
                return;
            }
            // A lost answer may hide a created issue: read again before creating again.
            match discover(self.client, self.plan, self.options).await {
                Ok(found) => {
                    for op in &lost {
                        let adopted = found
                            .issues
                            .iter()
                            .filter(|i| i.item_id() == op.item)
                            .min_by_key(|i| i.node.number);
                        if let Some(issue) = adopted {
                            let payload = json!({ "id": issue.node.id, "number": issue.node.number, "url": issue.node.url });
                            self.record_created(op, &payload, Some(issue.node.body.clone()));
                        }
                    }
                }
                Err(e) => {
                    for op in &lost {
                        self.fail(
                            op,
                            &format!("answer lost and the issues could not be read again: {e}"),
                        );
                    }
                    return;
                }
            }
            let lost_items: HashSet<String> = lost
                .iter()
                .filter(|op| !self.out.issues.contains_key(&op.item))
                .map(|op| op.item.clone())
                .collect();
            pending.retain(|(_, c)| lost_items.contains(&c.item));
            if round + 1 == CREATE_ROUNDS {
                for (_, create) in &pending {
                    let message = "GitHub's answer was lost on every attempt; re-run to finish";
                    self.out
                        .failed
                        .entry(create.item.clone())
                        .or_default()
                        .push(message.into());
                    self.out
                        .errors
                        .push(format!("{}: create: {message}", create.item));
                }
            }
        }
    }
    fn create_op(&self, seq: usize, create: &Create) -> Result<Op, NotReady> {
        let item = self
            .plan
            .get(&create.item)
            .ok_or_else(|| NotReady::Fail(format!("{} is not in the plan", create.item)))?;
        let mut input = json!({
            "repositoryId": self.changes.repository_id,
            "title": create.title,
            "labelIds": self.label_ids(&create.labels).map_err(NotReady::Fail)?,
        });
        // A server without sub-issues gets no parent (the diff wires none either).
        let sub_issues = self.changes.features.has(Feature::SubIssues);
        if let Some(parent) = item.parent.as_ref().filter(|_| sub_issues) {
            let parent_id = self.issue_id(parent).ok_or_else(|| {
                NotReady::Skip(format!("not created: its parent {parent} has no issue"))
            })?;
            input["parentIssueId"] = json!(parent_id);
        }
        input["body"] = json!(render_block(self.plan, item));
        if !create.assignee_ids.is_empty() {
            input["assigneeIds"] = json!(create.assignee_ids);
        }
        if let Some(milestone) = &create.milestone_id {
            input["milestoneId"] = json!(milestone);
        }
        if let Some(type_id) = &create.issue_type_id {
            input["issueTypeId"] = json!(type_id);
        }
        let change = Change::CreateIssue(create.clone());
        Ok(Op::new(seq, &change, Mutation::create_issue(input)))
    }

    fn record_created(&mut self, op: &Op, issue: &Value, body: Option<String>) {
        let known = Known {
            id: issue["id"].as_str().unwrap_or_default().to_string(),
            number: issue["number"].as_u64().unwrap_or_default(),
            url: issue["url"].as_str().unwrap_or_default().to_string(),
        };
        if known.id.is_empty() {
            self.fail(op, "GitHub did not return the created issue");
            return;
        }
        let body = body.unwrap_or_else(|| {
            op.mutation.input["body"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        });
        self.bodies.insert(op.item.clone(), body);
        self.out.issues.insert(op.item.clone(), known);
        self.out.created.insert(op.item.clone());
        self.out.applied.push((op.seq, op.line.clone()));
    }
    fn update_ops(&mut self) -> Vec<Op> {
        let (ops, failures) = self.build_update_ops();
        for (item, why) in failures {
            self.out.errors.push(format!("{item}: update: {why}"));
            self.out.failed.entry(item).or_default().push(why);
        }
        ops
    }

    /// Updates, with the items that could not be prepared.
    fn build_update_ops(&self) -> (Vec<Op>, Vec<(String, String)>) {
        let mut ops = Vec::new();
        let mut failures = Vec::new();
        for (seq, change) in self.changes.list().iter().enumerate() {
            let Change::Update(update) = change else {
                continue;
            };
            let (Some(item), Some(issue_id)) =
                (self.plan.get(&update.item), self.issue_id(&update.item))
            else {
                continue;
            };
            let mut input = json!({ "id": issue_id });
            if let Some(title) = &update.title {
                input["title"] = json!(title);
            }
            if update.body {
                let current = self
                    .bodies
                    .get(&update.item)
                    .map(String::as_str)
                    .unwrap_or_default();
                let block = render_block(self.plan, item);
                input["body"] = json!(match update.adopt {
                    Some(_) => append(current, &block),
                    None => splice(current, &block),
                });
            }
            if let Some(labels) = &update.labels {
                match self.label_ids(labels) {
                    Ok(ids) => input["labelIds"] = json!(ids),
                    Err(why) => {
                        failures.push((update.item.clone(), why));
                        continue;
                    }
                }
            }
            if let Some(ids) = &update.assignee_ids {
                input["assigneeIds"] = json!(ids);
            }
            if let Some(id) = &update.milestone_id {
                input["milestoneId"] = json!(id);
            }
            if let Some(id) = &update.issue_type_id {
                input["issueTypeId"] = json!(id);
            }
            if update.reopen {
                input["state"] = json!("OPEN");
            }
            ops.push(Op::new(seq, change, Mutation::update_issue(input)));
        }
        (ops, failures)
    }

    /// Sub-issue moves, blocked-by links to add and stale links to remove.
    fn relation_ops(&mut self) -> Vec<Op> {
        let changes = self.changes;
        let mut ops = Vec::new();
        for (seq, change) in changes.list().iter().enumerate() {
            match change {
                Change::Move { item, parent } => {
                    match (self.issue_id(item), self.issue_id(parent)) {
                        (Some(child), Some(parent_id)) => ops.push(Op::new(
                            seq,
                            change,
                            Mutation::add_sub_issue(&parent_id, &child),
                        )),
                        _ => self.skip(item, format!("move skipped: {parent} has no issue")),
                    }
                }
                Change::Link { blocked, blocker } => {
                    match (self.issue_id(blocked), self.issue_id(blocker)) {
                        (Some(a), Some(b)) => {
                            ops.push(Op::new(seq, change, Mutation::add_blocked_by(&a, &b)))
                        }
                        _ => self.skip(
                            blocked,
                            format!("link skipped: {blocked} or {blocker} has no issue"),
                        ),
                    }
                }
                Change::Unlink {
                    blocked, blocker, ..
                } => ops.push(Op::new(
                    seq,
                    change,
                    Mutation::remove_blocked_by(&blocked.id, &blocker.id),
                )),
                _ => {}
            }
        }
        ops
    }

    fn board_id(&self) -> String {
        self.changes.board_id.clone().unwrap_or_default()
    }

    fn board_add_ops(&mut self) -> Vec<Op> {
        let board = self.board_id();
        let changes = self.changes;
        let mut ops = Vec::new();
        for (seq, change) in changes.list().iter().enumerate() {
            let Change::BoardAdd { item } = change else {
                continue;
            };
            match self.issue_id(item) {
                Some(id) => ops.push(Op::new(
                    seq,
                    change,
                    Mutation::add_project_item(&board, &id),
                )),
                None => self.skip(item, "board skipped: the issue was not created".into()),
            }
        }
        ops
    }

    /// Field writes of `sets`, each with its place in the change list.
    fn field_ops(&mut self, sets: &[(usize, &FieldSet)]) -> Vec<Op> {
        let board = self.board_id();
        let mut ops = Vec::new();
        for &(seq, set) in sets {
            match self.cards.get(&set.item) {
                Some(card) => ops.push(field_op(&board, card, set, seq)),
                None => self.skip(
                    &set.item,
                    format!("{} skipped: the issue is not on the board", set.field_name),
                ),
            }
        }
        ops
    }

    fn close_ops(&mut self) -> Vec<Op> {
        let changes = self.changes;
        changes
            .list()
            .iter()
            .enumerate()
            .filter_map(|(seq, change)| {
                let Change::Close(close) = change else {
                    return None;
                };
                let (reason, duplicate_of) = match &close.reason {
                    CloseReason::NotPlanned => ("NOT_PLANNED", None),
                    CloseReason::Duplicate { of }
                        if changes.features.has(Feature::DuplicateReason) =>
                    {
                        ("DUPLICATE", Some(of.id.as_str()))
                    }
                    // A server without the reason: the closest one it has.
                    CloseReason::Duplicate { .. } => ("NOT_PLANNED", None),
                };
                let mutation = Mutation::close_issue(&close.issue.id, reason, duplicate_of);
                Some(Op::new(seq, change, mutation))
            })
            .collect()
    }

    fn detach_ops(&mut self) -> Vec<Op> {
        let changes = self.changes;
        changes
            .list()
            .iter()
            .enumerate()
            .filter_map(|(seq, change)| match change {
                Change::Detach { child, parent, .. } => Some(Op::new(
                    seq,
                    change,
                    Mutation::remove_sub_issue(&parent.id, &child.id),
                )),
                _ => None,
            })
            .collect()
    }

    async fn phase(&mut self, name: &str, ops: Vec<Op>, safety: Safety) {
        for (op, result) in self.execute(name, ops, safety).await {
            match result {
                Answer::Done(payload) => {
                    if let Some(card) = payload["item"]["id"].as_str() {
                        self.cards.insert(op.item.clone(), card.to_string());
                    }
                    if let (Some(id), Some(label)) = (
                        payload["label"]["id"].as_str(),
                        payload["label"]["name"].as_str(),
                    ) {
                        self.labels.insert(label.to_lowercase(), id.to_string());
                    }
                    self.succeed(&op);
                }
                Answer::Refused(error)
                    if op.tolerate_existing && error.verdict() == FieldVerdict::AlreadyDone =>
                {
                    if op.item.is_empty() {
                        self.refresh_label(&op).await;
                    }
                    self.succeed(&op);
                }
                Answer::Refused(error) => self.fail(&op, &error.message),
                Answer::Failed(error) | Answer::Ambiguous(error) => {
                    self.fail(&op, &error.to_string())
                }
            }
        }
    }

    /// A label that already existed (created concurrently): read its id.
    async fn refresh_label(&mut self, op: &Op) {
        let name = op.mutation.input["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let request = crate::github::ops::label_lookup_request(
            &self.options.repository.owner,
            &self.options.repository.name,
            &name,
        );
        if let Ok(response) = self.client.graphql(request).await {
            if let Some(id) = response.data["repository"]["label"]["id"].as_str() {
                self.labels.insert(name.to_lowercase(), id.to_string());
            }
        }
    }

    fn succeed(&mut self, op: &Op) {
        self.out.applied.push((op.seq, op.line.clone()));
        if !op.item.is_empty() {
            if self.changes.get(op.seq).is_some_and(Change::is_reopen) {
                self.out.reopened.insert(op.item.clone());
            }
            self.out
                .touched
                .entry(op.item.clone())
                .or_default()
                .push(op.detail.clone());
        }
    }

    fn fail(&mut self, op: &Op, message: &str) {
        let who = if op.item.is_empty() {
            "labels"
        } else {
            op.item.as_str()
        };
        self.out
            .errors
            .push(format!("{who}: {}: {message}", op.detail));
        if !op.item.is_empty() {
            self.out
                .failed
                .entry(op.item.clone())
                .or_default()
                .push(format!("{}: {message}", op.detail));
        }
    }

    /// Sends `ops` as aliased batches, all in flight at once (bounded by the client).
    async fn execute(&mut self, name: &str, ops: Vec<Op>, safety: Safety) -> Vec<(Op, Answer)> {
        if ops.is_empty() {
            return Vec::new();
        }
        if let Some(reason) = &self.out.stopped {
            let reason = reason.clone();
            for op in &ops {
                if !op.item.is_empty() {
                    self.skip(&op.item, format!("{}: not attempted: {reason}", op.detail));
                }
            }
            return Vec::new();
        }
        let total = ops.len();
        self.progress.phase_started(name, total);
        let mut results = Vec::with_capacity(total);
        let mut pending = ops;
        let mut wait = self.options.throttle_backoff;
        for round in 0..=THROTTLE_ROUNDS {
            let answers = self.send_all(name, pending, safety, total).await;
            let (throttled, settled): (Vec<_>, Vec<_>) = answers
                .into_iter()
                .partition(|(_, answer)| answer.is_throttled());
            results.extend(settled);
            if throttled.is_empty() || round == THROTTLE_ROUNDS || self.out.stopped.is_some() {
                results.extend(throttled);
                break;
            }
            // GitHub refused some writes of a document as too quick (the others applied):
            // nothing of those happened, so they are sent again after a pause.
            self.out.throttled += throttled.len();
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
            pending = throttled.into_iter().map(|(op, _)| op).collect();
        }
        self.progress.phase_finished(name);
        results
    }

    /// Sends `ops` as aliased batches, all in flight at once (bounded by the client).
    async fn send_all(
        &mut self,
        name: &str,
        ops: Vec<Op>,
        safety: Safety,
        total: usize,
    ) -> Vec<(Op, Answer)> {
        let max_batch = match safety {
            Safety::Create => self.options.max_create_batch,
            _ => self.options.max_batch,
        };
        let (project, issues): (Vec<Op>, Vec<Op>) = ops
            .into_iter()
            .partition(|op| op.token == TokenRole::Project);
        let shape = Shape {
            concurrency: self.options.concurrency,
            max_batch,
            max_creating: self.options.max_create_batch,
        };
        let mut chunks: Vec<Vec<Op>> = Vec::new();
        for group in [issues, project] {
            chunks.extend(shape.documents(group));
        }
        // Longest documents first (the client admits them in this order): the short ones fill
        // the slots the long ones leave, so the phase ends together.
        chunks.sort_by_key(|chunk| std::cmp::Reverse(chunk.len()));
        let done = AtomicUsize::new(0);
        let client = self.client;
        let progress = self.progress;
        let sends = chunks.iter().map(|chunk| {
            let mutations: Vec<Mutation> = chunk.iter().map(|op| op.mutation.clone()).collect();
            let token = chunk.first().map(|op| op.token).unwrap_or_default();
            let done = &done;
            async move {
                let result = send_splitting(client, &mutations, safety, token).await;
                let finished = done.fetch_add(mutations.len(), Ordering::Relaxed) + mutations.len();
                progress.advanced(name, finished, total);
                result
            }
        });
        let answers = join_all(sends).await;
        let mut results = Vec::with_capacity(total);
        for (chunk, per_op) in chunks.into_iter().zip(answers) {
            for (op, answer) in chunk.into_iter().zip(per_op) {
                let result = match answer {
                    Ok(Ok(value)) => Answer::Done(value),
                    Ok(Err(error)) => Answer::Refused(error),
                    Err(error) => {
                        if is_fatal(&error) && self.out.stopped.is_none() {
                            self.out.stopped = Some(error.to_string());
                        }
                        if matches!(error, ApiError::Ambiguous { .. }) {
                            Answer::Ambiguous(error)
                        } else {
                            Answer::Failed(error)
                        }
                    }
                };
                results.push((op, result));
            }
        }
        results
    }
}

/// One mutation's outcome: its payload, GitHub's error for it, or the whole document's error.
type Sent = Result<Result<Value, GraphqlError>, ApiError>;

/// Sends `mutations` as one document; one outcome per mutation, in order. A document that a
/// secondary limit keeps refusing whole (`ApiError::Refused`: nothing of it applied) is split in
/// halves, sent one after the other, down to single mutations.
fn send_splitting<'a>(
    client: &'a Client,
    mutations: &'a [Mutation],
    safety: Safety,
    token: TokenRole,
) -> BoxFuture<'a, Vec<Sent>> {
    Box::pin(async move {
        match send_batch(client, mutations, safety, token).await {
            Ok(per_alias) => per_alias.into_iter().map(Ok).collect(),
            Err(ApiError::Refused { .. }) if mutations.len() > 1 => {
                let (first, second) = mutations.split_at(mutations.len() / 2);
                tracing::info!(
                    mutations = mutations.len(),
                    "a document refused by a secondary limit is sent again in two halves"
                );
                let mut sent = send_splitting(client, first, safety, token).await;
                sent.extend(send_splitting(client, second, safety, token).await);
                sent
            }
            Err(error) => mutations.iter().map(|_| Err(error.clone())).collect(),
        }
    })
}

/// How a phase's writes are cut into documents.
struct Shape {
    concurrency: usize,
    max_batch: usize,
    /// Most content-creating mutations per document.
    max_creating: usize,
}

impl Shape {
    /// `ops` in documents of at most `max_batch` mutations and `max_creating` content-creating
    /// ones, a multiple of `concurrency` documents where there are enough ops (so rounds end
    /// together), content-creating ops spread evenly over them.
    fn documents(&self, ops: Vec<Op>) -> Vec<Vec<Op>> {
        if ops.is_empty() {
            return Vec::new();
        }
        let total = ops.len();
        let creating = ops
            .iter()
            .filter(|op| op.mutation.creates_content())
            .count();
        let size = chunk_size(total, self.concurrency, self.max_batch);
        let needed = total
            .div_ceil(size)
            .max(creating.div_ceil(self.max_creating.max(1)));
        let concurrency = self.concurrency.max(1);
        let count = (needed.div_ceil(concurrency) * concurrency).min(total);
        let (mut ordered, rest): (Vec<Op>, Vec<Op>) = ops
            .into_iter()
            .partition(|op| op.mutation.creates_content());
        ordered.extend(rest);
        let mut documents: Vec<Vec<Op>> = (0..count).map(|_| Vec::new()).collect();
        for (i, op) in ordered.into_iter().enumerate() {
            documents[i % count].push(op);
        }
        documents
    }
}

/// A board field write (with the project token).
fn field_op(board: &str, card: &str, set: &FieldSet, seq: usize) -> Op {
    let mutation = Mutation::set_field(board, card, &set.field_id, set.setting.to_input());
    Op::new(seq, &Change::SetField(set.clone()), mutation)
}

/// Mutations per document: enough documents to keep `concurrency` requests busy in as few
/// rounds as `max` allows, the same size each so the rounds end together.
fn chunk_size(total: usize, concurrency: usize, max: usize) -> usize {
    let concurrency = concurrency.max(1);
    let rounds = total.div_ceil(concurrency * max.max(1)).max(1);
    let documents = (concurrency * rounds).min(total).max(1);
    total.div_ceil(documents).max(1)
}

/// Errors after which no further request can succeed in this run.
pub fn is_fatal(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Unauthorized { .. } | ApiError::RateLimited { .. } | ApiError::CircuitOpen { .. }
    )
}

/// A stable color per label name (GitHub requires one).
fn label_color(name: &str) -> &'static str {
    const COLORS: [&str; 6] = ["5319e7", "0e8a16", "1d76db", "fbca04", "d93f0b", "c5def5"];
    let hash = name
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    COLORS[hash % COLORS.len()]
}

#[cfg(test)]
mod tests {
    use super::{chunk_size, field_op, Op, Shape};
    use crate::github::ops::Mutation;
    use crate::github::TokenRole;
    use crate::sync::changes::FieldSet;
    use crate::sync::fields::Setting;

    #[test]
    fn board_writes_use_the_project_token() {
        let set = FieldSet {
            item: "T-1".into(),
            field_id: "F1".into(),
            field_name: "Size".into(),
            setting: Setting::Text("M".into()),
        };
        let op = field_op("P1", "C1", &set, 7);
        assert_eq!(op.token, TokenRole::Project);
        assert_eq!((op.seq, op.line.as_str()), (7, "set T-1 Size = M"));
    }

    #[test]
    fn chunks_fill_every_slot_in_as_few_rounds_as_possible() {
        assert_eq!(chunk_size(3, 5, 50), 1);
        assert_eq!(chunk_size(80, 5, 50), 16);
        assert_eq!(chunk_size(286, 5, 50), 29);
        assert_eq!(chunk_size(1000, 5, 50), 50);
        assert_eq!(chunk_size(7, 1, 50), 7);
        assert_eq!(chunk_size(0, 5, 50), 1);
    }

    fn op(seq: usize, mutation: Mutation) -> Op {
        Op {
            seq,
            item: format!("T-{seq}"),
            line: String::new(),
            detail: String::new(),
            mutation,
            tolerate_existing: true,
            token: TokenRole::Issues,
        }
    }

    #[test]
    fn content_creating_writes_are_bounded_per_document() {
        let shape = Shape {
            concurrency: 5,
            max_batch: 50,
            max_creating: 4,
        };
        let mut ops: Vec<Op> = (0..73)
            .map(|i| op(i, Mutation::update_issue(serde_json::json!({}))))
            .collect();
        ops.extend((73..131).map(|i| op(i, Mutation::add_blocked_by("A", "B"))));
        let documents = shape.documents(ops);
        assert_eq!(documents.len(), 15, "58 links need 15 documents of 4");
        let mut seen: Vec<usize> = documents.iter().flatten().map(|op| op.seq).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..131).collect::<Vec<_>>(), "every op exactly once");
        for document in &documents {
            let creating = document
                .iter()
                .filter(|op| op.mutation.creates_content())
                .count();
            assert!(
                creating <= 4 && document.len() <= 9,
                "{creating} of {}",
                document.len()
            );
        }
    }

    #[test]
    fn writes_that_create_nothing_keep_the_large_documents() {
        let shape = Shape {
            concurrency: 5,
            max_batch: 50,
            max_creating: 4,
        };
        let ops: Vec<Op> = (0..105)
            .map(|i| op(i, Mutation::add_project_item("P", "I")))
            .collect();
        let sizes: Vec<usize> = shape.documents(ops).iter().map(Vec::len).collect();
        assert_eq!(sizes, [21; 5]);
        let creates: Vec<Op> = (0..80)
            .map(|i| op(i, Mutation::create_issue(serde_json::json!({}))))
            .collect();
        let sizes: Vec<usize> = shape.documents(creates).iter().map(Vec::len).collect();
        assert_eq!(sizes, [4; 20]);
        assert!(shape.documents(Vec::new()).is_empty());
    }
}
