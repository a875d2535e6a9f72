//! Sending: a phase's ops cut into aliased documents (bounded per document, spread over the
//! concurrency so rounds end together), all sent at once through the client, each document a
//! secondary limit refuses whole split in halves, and mutations refused as too quick sent again
//! after a pause. Every op gets exactly one answer.

use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::{join_all, BoxFuture};
use serde_json::Value;

use crate::github::ops::{send_batch, Mutation};
use crate::github::{ApiError, Client, FieldVerdict, GraphqlError, Safety, TokenRole};
use crate::sync::options::SyncOptions;
use crate::sync::progress::Progress;

use super::ops::Op;

/// Resends of writes GitHub refused as "submitted too quickly" (waits double each time).
const THROTTLE_ROUNDS: usize = 6;

/// The answer for one op.
pub(super) enum Answer {
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

/// What sends a phase: the client, the settings that shape documents, the progress display.
pub(super) struct Sender<'a> {
    pub client: &'a Client,
    pub options: &'a SyncOptions,
    pub progress: &'a dyn Progress,
}

/// How sending has gone over the run so far.
#[derive(Default)]
pub(super) struct Sending {
    /// Set when the run stopped early (rate limit, circuit breaker, bad credentials).
    pub stopped: Option<String>,
    /// Writes refused as too quick and sent again.
    pub throttled: usize,
    /// When the run stopped because waiting out a rate limit would pass `max-wait`: when the
    /// limit lifts (UTC), for the resume message.
    pub resume_after: Option<String>,
}

impl Sender<'_> {
    /// Sends `ops` (a phase) as aliased batches, all in flight at once (bounded by the client);
    /// writes refused as too quick go again after a pause. One answer per op.
    pub async fn phase(
        &self,
        name: &str,
        ops: Vec<Op>,
        safety: Safety,
        sending: &mut Sending,
    ) -> Vec<(Op, Answer)> {
        let total = ops.len();
        self.progress.phase_started(name, total);
        let mut results = Vec::with_capacity(total);
        let mut pending = ops;
        let mut wait = self.options.throttle_backoff;
        for round in 0..=THROTTLE_ROUNDS {
            let answers = self.send_all(name, pending, safety, total, sending).await;
            let (throttled, settled): (Vec<_>, Vec<_>) = answers
                .into_iter()
                .partition(|(_, answer)| answer.is_throttled());
            results.extend(settled);
            if throttled.is_empty() || round == THROTTLE_ROUNDS || sending.stopped.is_some() {
                results.extend(throttled);
                break;
            }
            // GitHub refused some writes of a document as too quick (the others applied):
            // nothing of those happened, so they are sent again after a pause.
            sending.throttled += throttled.len();
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
            pending = throttled.into_iter().map(|(op, _)| op).collect();
        }
        self.progress.phase_finished(name);
        results
    }

    /// Sends `ops` as aliased batches, all in flight at once (bounded by the client).
    async fn send_all(
        &self,
        name: &str,
        ops: Vec<Op>,
        safety: Safety,
        total: usize,
        sending: &mut Sending,
    ) -> Vec<(Op, Answer)> {
        let max_batch = match safety {
            Safety::Create => self.options.max_create_batch,
            _ => self.options.max_batch,
        };
        let (project, issues): (Vec<Op>, Vec<Op>) = ops
            .into_iter()
            .partition(|op| op.token == TokenRole::Project);
        // The client's bound as it is now (lower after GitHub refused a level): as many
        // documents as it lets out at once, so none waits behind a slot it will not get.
        let shape = Shape {
            concurrency: self.client.concurrency(),
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
                        if is_fatal(&error) && sending.stopped.is_none() {
                            sending.stopped = Some(error.to_string());
                            if let ApiError::RateLimited { until } = &error {
                                sending.resume_after = Some(until.clone());
                            }
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

/// Mutations per document: enough documents to keep `concurrency` requests busy in as few
/// rounds as `max` allows, the same size each so the rounds end together.
fn chunk_size(total: usize, concurrency: usize, max: usize) -> usize {
    let concurrency = concurrency.max(1);
    let rounds = total.div_ceil(concurrency * max.max(1)).max(1);
    let documents = (concurrency * rounds).min(total).max(1);
    total.div_ceil(documents).max(1)
}

/// Errors after which no further request can succeed in this run.
fn is_fatal(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Unauthorized { .. } | ApiError::RateLimited { .. } | ApiError::CircuitOpen { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::{chunk_size, Op, Shape};
    use crate::github::ops::Mutation;
    use crate::github::TokenRole;

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
