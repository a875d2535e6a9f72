//! The client's counters, shared by all clones and read as a `Metrics` snapshot, and the small
//! GraphQL scan that tells mutation documents (and how many mutation fields they hold) apart.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::client::Metrics;

/// Lock-free counters (the retry map aside, which changes rarely).
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    requests: AtomicU64,
    graphql_documents: AtomicU64,
    mutations: AtomicU64,
    mutation_fields: AtomicU64,
    retries: Mutex<BTreeMap<String, u64>>,
    rate_limit_hits: AtomicU64,
    rate_limit_wait_ms: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    ratelimit_remaining: Remaining,
}

/// The last `x-ratelimit-remaining`; `i64::MIN` until a response carried one.
#[derive(Debug)]
struct Remaining(AtomicI64);

impl Default for Remaining {
    fn default() -> Self {
        Remaining(AtomicI64::new(i64::MIN))
    }
}

/// Marks one request in flight for as long as it lives.
pub(crate) struct InFlight<'a>(&'a Recorder);

impl Recorder {
    /// One document the caller asked to send (retries are not counted again).
    pub fn record_document(&self, document: &str) {
        self.graphql_documents.fetch_add(1, Ordering::Relaxed);
        if let Some(fields) = mutation_fields(document) {
            self.mutations.fetch_add(1, Ordering::Relaxed);
            self.mutation_fields.fetch_add(fields, Ordering::Relaxed);
        }
    }

    /// One HTTP request about to be sent.
    pub fn start_request(&self) -> InFlight<'_> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let now = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.max_in_flight.fetch_max(now, Ordering::AcqRel);
        InFlight(self)
    }

    pub fn record_retry(&self, cause: &str) {
        let mut retries = self
            .retries
            .lock()
            // A map of counters: still consistent after a panic elsewhere.
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *retries.entry(cause.to_string()).or_default() += 1;
    }

    /// One rate-limit refusal, which lengthened the shared pause by `added`.
    pub fn record_limit(&self, added: Duration) {
        self.rate_limit_hits.fetch_add(1, Ordering::Relaxed);
        let millis = u64::try_from(added.as_millis()).unwrap_or(u64::MAX);
        self.rate_limit_wait_ms.fetch_add(millis, Ordering::Relaxed);
    }

    pub fn record_remaining(&self, remaining: Option<i64>) {
        if let Some(remaining) = remaining {
            self.ratelimit_remaining
                .0
                .store(remaining, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> Metrics {
        let remaining = self.ratelimit_remaining.0.load(Ordering::Relaxed);
        Metrics {
            requests: self.requests.load(Ordering::Relaxed),
            graphql_documents: self.graphql_documents.load(Ordering::Relaxed),
            mutations: self.mutations.load(Ordering::Relaxed),
            mutation_fields: self.mutation_fields.load(Ordering::Relaxed),
            retries: self
                .retries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
            rate_limit_hits: self.rate_limit_hits.load(Ordering::Relaxed),
            rate_limit_wait_ms: self.rate_limit_wait_ms.load(Ordering::Relaxed),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
            ratelimit_remaining: (remaining != i64::MIN).then_some(remaining),
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// For a document whose (first) operation is a `mutation`: how many top-level selections it
/// makes, i.e. how many mutations an aliased multi-mutation document runs. `None` otherwise.
pub(crate) fn mutation_fields(document: &str) -> Option<u64> {
    let mut tokens = Tokens { rest: document };
    if tokens.next()? != Token::Name("mutation") {
        return None;
    }
    // Skip the name and variable definitions (whose defaults may hold braces) up to the
    // operation's selection set.
    let mut parens = 0usize;
    loop {
        match tokens.next()? {
            Token::Punct('(') => parens += 1,
            Token::Punct(')') => parens = parens.saturating_sub(1),
            Token::Punct('{') if parens == 0 => break,
            _ => {}
        }
    }
    Some(count_selections(&mut tokens))
}

/// Counts the selections of a selection set whose `{` was just read, up to its `}`.
fn count_selections(tokens: &mut Tokens<'_>) -> u64 {
    #[derive(PartialEq)]
    enum After {
        Selection,
        Colon,
        At,
        Spread,
        On,
    }
    let mut count = 0;
    let mut after = After::Selection;
    while let Some(token) = tokens.next() {
        match token {
            Token::Punct('}') => break,
            Token::Punct('{') => {
                tokens.skip_group('{', '}');
                after = After::Selection;
            }
            Token::Punct('(') => tokens.skip_group('(', ')'),
            Token::Punct(':') => after = After::Colon,
            Token::Punct('@') => after = After::At,
            Token::Spread => {
                count += 1;
                after = After::Spread;
            }
            Token::Name(name) => {
                after = match after {
                    After::Spread if name == "on" => After::On,
                    After::Colon | After::At | After::Spread | After::On => After::Selection,
                    After::Selection => {
                        count += 1;
                        After::Selection
                    }
                }
            }
            Token::Punct(_) | Token::Other => {}
        }
    }
    count
}

#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Name(&'a str),
    Punct(char),
    Spread,
    /// Strings, numbers, variables' `$`: nothing the count looks at.
    Other,
}

/// A GraphQL lexer just good enough to find selections: it skips whitespace, commas, comments
/// and strings (which may contain braces).
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            self.rest = self
                .rest
                .trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '\u{feff}');
            match self.rest.strip_prefix('#') {
                Some(comment) => self.rest = comment.split_once('\n').map_or("", |(_, r)| r),
                None => break,
            }
        }
        let first = self.rest.chars().next()?;
        if first == '_' || first.is_ascii_alphabetic() {
            let end = self
                .rest
                .find(|c: char| c != '_' && !c.is_ascii_alphanumeric())
                .unwrap_or(self.rest.len());
            let (name, rest) = self.rest.split_at(end);
            self.rest = rest;
            return Some(Token::Name(name));
        }
        if let Some(rest) = self.rest.strip_prefix("...") {
            self.rest = rest;
            return Some(Token::Spread);
        }
        if let Some(rest) = self.rest.strip_prefix("\"\"\"") {
            self.rest = rest.split_once("\"\"\"").map_or("", |(_, r)| r);
            return Some(Token::Other);
        }
        if let Some(rest) = self.rest.strip_prefix('"') {
            self.rest = skip_string(rest);
            return Some(Token::Other);
        }
        self.rest = &self.rest[first.len_utf8()..];
        Some(if "{}():@".contains(first) {
            Token::Punct(first)
        } else {
            Token::Other
        })
    }

    /// Skips to the `close` that matches an `open` just read.
    fn skip_group(&mut self, open: char, close: char) {
        let mut depth = 1usize;
        while let Some(token) = self.next() {
            match token {
                Token::Punct(c) if c == open => depth += 1,
                Token::Punct(c) if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

/// The text after a `"…"` string whose opening quote was just read.
fn skip_string(mut rest: &str) -> &str {
    loop {
        match rest.find(['"', '\\']) {
            None => return "",
            Some(at) if rest[at..].starts_with('\\') => {
                rest = &rest[at + 1..];
                let escaped = rest.chars().next().map_or(0, char::len_utf8);
                rest = &rest[escaped..];
            }
            Some(at) => return &rest[at + 1..],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_not_mutations() {
        assert_eq!(mutation_fields("query { viewer { login } }"), None);
        assert_eq!(mutation_fields("{ viewer { login } }"), None);
        assert_eq!(mutation_fields("# mutation\nquery Q { a }"), None);
        assert_eq!(mutation_fields(""), None);
    }

    #[test]
    fn counts_a_single_mutation() {
        let document = r#"mutation CreateIssue($input: CreateIssueInput!) {
            createIssue(input: $input) { issue { id number url } }
        }"#;
        assert_eq!(mutation_fields(document), Some(1));
    }

    #[test]
    fn counts_aliased_mutations() {
        let document = r#"
            # three links in one document
            mutation {
              a0: addSubIssue(input: {issueId: "I_1", subIssueId: "I_2"}) { issue { id } }
              a1: addSubIssue(input: {issueId: "I_1", subIssueId: "I_3"}) { issue { id } }
              a2: closeIssue(input: {issueId: "I_4", stateReason: COMPLETED}) { clientMutationId }
            }"#;
        assert_eq!(mutation_fields(document), Some(3));
    }

    #[test]
    fn braces_in_strings_defaults_and_directives_do_not_confuse_the_count() {
        let document = r#"mutation M($body: String = "}{", $o: X = {a: "{"}) {
            a: updateIssue(input: {id: "I", body: "text with } and \" and { inside"}) @include(if: true) { issue { id } }
            b: updateIssue(input: {id: "J", body: """block } { "quoted" """}) { issue { id } }
            clientMutationId
            ...Extra
            ... on Mutation { c: closeIssue(input: {issueId: "K"}) { clientMutationId } }
        }"#;
        assert_eq!(mutation_fields(document), Some(5));
    }

    #[test]
    fn counts_per_document_and_per_field() {
        let recorder = Recorder::default();
        recorder.record_document("query { viewer { login } }");
        recorder.record_document("mutation { a: closeIssue(input: {issueId: \"1\"}) { clientMutationId } b: closeIssue(input: {issueId: \"2\"}) { clientMutationId } }");
        let metrics = recorder.snapshot();
        assert_eq!(metrics.graphql_documents, 2);
        assert_eq!(metrics.mutations, 1);
        assert_eq!(metrics.mutation_fields, 2);
    }

    #[test]
    fn tracks_in_flight_high_water_mark_and_remaining() {
        let recorder = Recorder::default();
        assert_eq!(recorder.snapshot().ratelimit_remaining, None);
        let first = recorder.start_request();
        let second = recorder.start_request();
        drop(first);
        drop(second);
        let _third = recorder.start_request();
        recorder.record_remaining(Some(4_321));
        recorder.record_remaining(None);
        recorder.record_retry("transient");
        recorder.record_retry("transient");
        recorder.record_limit(Duration::from_millis(1_500));
        let metrics = recorder.snapshot();
        assert_eq!(metrics.requests, 3);
        assert_eq!(metrics.max_in_flight, 2);
        assert_eq!(metrics.ratelimit_remaining, Some(4_321));
        assert_eq!(metrics.retries.get("transient"), Some(&2));
        assert_eq!(
            (metrics.rate_limit_hits, metrics.rate_limit_wait_ms),
            (1, 1_500)
        );
    }
}
