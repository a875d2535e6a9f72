//! Apply: execute a `Changes` value in bounded parallel phases — labels, epics, stories, tasks,
//! then bodies, updates, board items and closes, then board fields and relations.
//!
//! Each phase sends its writes as a few aliased batch documents at once (the client's semaphore
//! bounds what is in flight), collects every failure, and skips what depends on a failed item.
//! A create whose answer was lost is never resent blindly: the managed issues are read again and
//! an issue carrying the item's marker is adopted instead.
//!
//! - `ops`: each change as one mutation, built with what earlier phases learnt.
//! - `send`: a phase's ops as documents, sent, split and resent until each has its answer.

mod ops;
mod send;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value};

use crate::github::{Client, FieldVerdict, Safety};
use crate::plan::{ItemKind, Plan};

use super::changes::{Change, Changes, Create};
use super::discover::discover;
use super::options::SyncOptions;
use super::progress::Progress;

use ops::{picked, Builder, Built, NotReady, Op};
use send::{Answer, Sender, Sending};

pub use ops::Known;

/// Rounds of "read again, then create what is still missing" after lost create answers.
const CREATE_ROUNDS: usize = 3;

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
    /// Set when a rate limit stopped the run (waiting would pass `max-wait`): when it lifts.
    pub resume_after: Option<String>,
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
    sending: Sending,
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
        sending: Sending::default(),
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
    let Sending {
        stopped,
        throttled,
        resume_after,
    } = applier.sending;
    Outcome {
        stopped,
        throttled,
        resume_after,
        ..applier.out
    }
}

impl Applier<'_> {
    async fn run(&mut self) {
        let changes = self.changes;
        let label_ops = self.ops().labels();
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
        // A link planpilot made is known as its own by the dependencies the marker records: a
        // link goes before the record stops implying it, and is added after the record implies
        // it, so no fault leaves a link of planpilot's looking like a person's.
        // A link someone made to a duplicate is made on the kept issue before the duplicate's
        // is removed, so no fault loses it.
        let relinks = self.ops().relinks();
        self.phase("relinks", relinks, Safety::Idempotent).await;
        let unlinks = self.hold_back_unrelinked(self.ops().unlinks());
        let unlinked = self.phase_succeeded("unlinks", unlinks).await;
        // Bodies, board items and closes are independent of each other: one wave. Field
        // values and relations (links, moves) follow it: fields need the cards the wave adds,
        // and relations create content, which GitHub caps per minute, so field writes run
        // while the links wait for the cap.
        let updates = self.ops().updates();
        let mut wave = self.take(updates, "update");
        if !unlinked {
            wave = self.hold_back_records(wave);
        }
        let board_adds = self.ops().board_adds();
        wave.extend(self.take(board_adds, "board"));
        wave.extend(self.ops().closes());
        wave.extend(self.ops().detaches());
        self.phase("updates", wave, Safety::Idempotent).await;
        let fields = picked(changes, |change| match change {
            Change::SetField(set) => Some(set),
            _ => None,
        });
        let fields = self.ops().fields(&fields);
        let mut last = self.take(fields, "field");
        let relations = self.ops().relations(!self.a_record_failed());
        last.extend(self.take(relations, "relation"));
        self.phase("fields and links", last, Safety::Idempotent)
            .await;
        self.out.applied.sort_by_key(|(seq, _)| *seq);
    }

    /// The unlinks of `ops` that take a link off a duplicate whose link to the kept issue did
    /// not go through wait for the next run, which tries the pair again.
    fn hold_back_unrelinked(&mut self, ops: Vec<Op>) -> Vec<Op> {
        let applied: HashSet<usize> = self.out.applied.iter().map(|(seq, _)| *seq).collect();
        let mut unmoved = HashSet::new();
        for (seq, change) in self.changes.list().iter().enumerate() {
            if let Change::Relink { from, .. } = change {
                if !applied.contains(&seq) {
                    unmoved.insert(from.id.as_str());
                }
            }
        }
        let (held, kept): (Vec<Op>, Vec<Op>) = ops.into_iter().partition(|op| {
            matches!(self.changes.list().get(op.seq), Some(Change::Unlink { blocked, blocker, .. })
                if unmoved.contains(blocked.id.as_str()) || unmoved.contains(blocker.id.as_str()))
        });
        for op in held {
            self.skip(
                &op.item,
                "unlink skipped: the link could not be made on the kept issue first".into(),
            );
        }
        kept
    }

    /// The updates of `wave` that rewrite a dependency record wait for the next run (a stale
    /// link they stop implying could not be removed first).
    fn hold_back_records(&mut self, wave: Vec<Op>) -> Vec<Op> {
        let (held, kept): (Vec<Op>, Vec<Op>) =
            wave.into_iter().partition(|op| self.records_deps(op.seq));
        for op in held {
            self.skip(
                &op.item,
                "update skipped: a stale link could not be removed first".into(),
            );
        }
        kept
    }

    /// Whether the change at `seq` is an update that rewrites a dependency record.
    fn records_deps(&self, seq: usize) -> bool {
        matches!(self.changes.list().get(seq), Some(Change::Update(u)) if u.records_deps)
    }

    /// Whether an update that rewrites a dependency record did not go through.
    fn a_record_failed(&self) -> bool {
        let applied: HashSet<usize> = self.out.applied.iter().map(|(seq, _)| *seq).collect();
        (0..self.changes.list().len()).any(|seq| self.records_deps(seq) && !applied.contains(&seq))
    }

    /// Runs a phase (when it has work) and says whether every op of it succeeded.
    async fn phase_succeeded(&mut self, name: &str, ops: Vec<Op>) -> bool {
        if ops.is_empty() {
            return true;
        }
        let applied = self.out.applied.len();
        let count = ops.len();
        self.phase(name, ops, Safety::Idempotent).await;
        self.out.applied.len() - applied == count
    }

    /// Builds ops with what is known now.
    fn ops(&self) -> Builder<'_> {
        Builder {
            plan: self.plan,
            changes: self.changes,
            issues: &self.out.issues,
            labels: &self.labels,
            bodies: &self.bodies,
            cards: &self.cards,
        }
    }

    /// The ops built; what could not be built is recorded as skipped or failed (`what`: the
    /// kind of write, for the error list).
    fn take(&mut self, built: Built, what: &str) -> Vec<Op> {
        for (item, why) in built.skipped {
            self.skip(&item, why);
        }
        for (item, why) in built.failed {
            self.out.errors.push(format!("{item}: {what}: {why}"));
            self.out.failed.entry(item).or_default().push(why);
        }
        built.ops
    }

    fn skip(&mut self, item: &str, why: String) {
        self.out
            .skipped
            .entry(item.to_string())
            .or_default()
            .push(why);
    }

    async fn create_phase(&mut self, name: &str, creates: Vec<(usize, &Create)>) {
        let mut pending = creates;
        for round in 0..CREATE_ROUNDS {
            if pending.is_empty() {
                return;
            }
            let mut ops = Vec::new();
            for (seq, create) in &pending {
                match self.ops().create(*seq, create) {
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
                    Answer::Done(payload) => {
                        self.record_card(&op, &payload["issue"]);
                        self.record_created(&op, &payload["issue"], None)
                    }
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
                            .min_by_key(|i| i.issue.number);
                        if let Some(card) = adopted.and_then(|i| i.card.as_ref()) {
                            self.cards.insert(op.item.clone(), card.id.clone());
                        }
                        if let Some(issue) = adopted {
                            let payload = json!({ "id": issue.issue.id, "number": issue.issue.number, "url": issue.issue.url });
                            self.record_created(op, &payload, Some(issue.issue.body.clone()));
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
    /// The card a create put on the board (`projectV2Ids`), for the field writes that follow.
    fn record_card(&mut self, op: &Op, issue: &Value) {
        let Some(board) = &self.changes.board_id else {
            return;
        };
        let cards = issue["projectItems"]["nodes"]
            .as_array()
            .into_iter()
            .flatten();
        let on_board = cards
            .filter(|card| card["project"]["id"].as_str() == Some(board.as_str()))
            .find_map(|card| card["id"].as_str());
        if let Some(card) = on_board {
            self.cards.insert(op.item.clone(), card.to_string());
        }
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
    /// Runs a phase of independent writes and records the results.
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

    /// Sends a phase's ops; after the run stopped, they are not attempted.
    async fn execute(&mut self, name: &str, ops: Vec<Op>, safety: Safety) -> Vec<(Op, Answer)> {
        if ops.is_empty() {
            return Vec::new();
        }
        if let Some(reason) = &self.sending.stopped {
            let reason = reason.clone();
            for op in &ops {
                if !op.item.is_empty() {
                    self.skip(&op.item, format!("{}: not attempted: {reason}", op.detail));
                }
            }
            return Vec::new();
        }
        let sender = Sender {
            client: self.client,
            options: self.options,
            progress: self.progress,
        };
        sender.phase(name, ops, safety, &mut self.sending).await
    }
}
