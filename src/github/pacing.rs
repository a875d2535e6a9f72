//! Pacing of content-creating writes (`createIssue`, `createLabel`, `addSubIssue`,
//! `addBlockedBy`) to GitHub's content-creation limit, so that a large first sync is paced
//! rather than refused.
//!
//! GitHub documents the limit (80 a minute, 500 an hour) but not how it counts, and reports
//! for issue creation are lower: <https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits>.
//! Integrations that keep hitting secondary limits may be banned, so each refusal is a cost.
//! The pacer therefore:
//!
//! - sends freely until the first refusal of a content-creating request that the content
//!   limit made, then learns the limit from it: the creations admitted in the `retry-after`
//!   before it, per that window (the refused document's own creations bound it from above);
//! - tells the content limit from the others, which share its 403 and wording: a refusal
//!   teaches only when it says "submitted too quickly", or when it carries a `retry-after`,
//!   came at a number of requests in flight GitHub had answered before (so not the
//!   concurrency limit), and after at least `MIN_LEARNED_PER_MINUTE` creations a minute.
//!   taking a concurrency refusal for the content limit would pace a whole run to a crawl;
//! - from then on, gives each creation a token of a bucket shared by every worker. A token
//!   comes back one window (plus a margin) after it was taken, so no window ever holds more
//!   creations than the learned count, whether GitHub counts fixed or sliding windows;
//! - probes upward slowly: after each saturated window without a refusal, one more token per
//!   window, never up to a count already refused;
//! - starts from the `content-rate` input when one is given (then it does not probe).
//!
//! Reads and other writes never come here. Pure: every method takes "now", so the rules are
//! unit-tested without clocks. The client owns one `Pacer` shared by its clones; no lock is
//! held across an `.await`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::config::ContentRate;

/// The lowest rate a refusal in GitHub's general wording may teach, per minute: half the
/// lowest content limit reported for issue creation (~20 a minute). A refusal after fewer
/// creations than that came from another limit.
const MIN_LEARNED_PER_MINUTE: f64 = 10.0;

/// Added to each token's return, as a share of the window: GitHub counts a creation when the
/// request arrives, which can be a little later than when it left here.
const MARGIN_PER_WINDOW: u32 = 20;

/// Saturated windows without a refusal before the bucket grows by one token.
const PROBE_AFTER_WINDOWS: u32 = 1;

/// Waits shorter than this are not announced.
const NOTICE_AFTER: Duration = Duration::from_secs(3);

/// At most one announcement of a wait per this long.
const NOTICE_EVERY: Duration = Duration::from_secs(30);

/// Admissions kept for learning: longer than any window GitHub uses.
const HISTORY: Duration = Duration::from_secs(3600);

/// What a content-creating request must do before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send now: the tokens are taken.
    Now,
    /// Ask again at `until`; `notice` is the announcement to log, if any.
    Wait {
        until: Instant,
        notice: Option<String>,
    },
    /// The document holds more creations than one window admits: it can never be accepted
    /// whole, so its sender should split it.
    TooLarge { capacity: u32 },
}

/// What a refusal of content creations says about its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// "was submitted too quickly": only the content limit words a refusal so. `window`: its
    /// `retry-after`, or the wait planpilot takes without one.
    Wording { window: Duration },
    /// A secondary-limit refusal with GitHub's general wording, which the concurrency and
    /// points limits share. Its `retry-after` (non-zero) when the client judged it a rate
    /// rather than concurrency (GitHub had answered as many requests in flight before);
    /// `None` otherwise: then it teaches nothing.
    Secondary(Option<Duration>),
}

/// The shared bucket. See the module docs.
#[derive(Debug)]
pub(crate) struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The rate paced to; `None` until the first refusal (or a preset).
    rate: Option<ContentRate>,
    /// Whether the bucket grows while nothing is refused (not for a preset rate).
    probing: bool,
    /// The smallest count per window known to be refused: the bucket stays below it.
    ceiling: Option<u32>,
    /// When each recent creation left or is due to leave, in order; the last `per_window` of
    /// them decide when the next token is free.
    tokens: VecDeque<Instant>,
    /// When each admitted creating request left and how many creations it carried.
    admitted: VecDeque<(Instant, u32)>,
    /// When the rate was last learned: refusals of requests sent before that belong to the
    /// burst that taught it.
    learned_at: Option<Instant>,
    /// When the bucket last changed size (learning, probing).
    changed_at: Option<Instant>,
    /// Whether a creation had to wait for a token since the bucket last changed size.
    saturated: bool,
    /// Creations admitted so far.
    created: u64,
    /// Creations the run expects to make in all, when its sender said so.
    planned: Option<u64>,
    /// When a wait was last announced.
    noticed_at: Option<Instant>,
}

impl Pacer {
    /// A pacer that learns (`preset` `None`) or starts from `preset`.
    pub fn new(preset: Option<ContentRate>) -> Pacer {
        Pacer {
            state: Mutex::new(State {
                rate: preset,
                probing: preset.is_none(),
                ceiling: None,
                tokens: VecDeque::new(),
                admitted: VecDeque::new(),
                learned_at: None,
                changed_at: None,
                saturated: false,
                created: 0,
                planned: None,
                noticed_at: None,
            }),
        }
    }

    /// The rate currently paced to, if any.
    pub fn rate(&self) -> Option<ContentRate> {
        self.lock().rate
    }

    /// How far the run's creations are, for the announcement of any wait:
    /// `62 of 105 issues, labels and links created`.
    pub fn progress(&self) -> String {
        self.lock().progress()
    }

    /// The run expects `total` creations in all (for the announcement of waits).
    pub fn expect(&self, total: u64) {
        self.lock().planned = Some(total);
    }

    /// Asks for `count` tokens for a request that carries `count` creations, at `now`: they
    /// are taken (`Now`), or the request asks again at `Wait::until`. Waiters ask again rather
    /// than hold a reservation, so a rate that grows meanwhile serves them at once. Taken
    /// tokens are spent whatever becomes of the request.
    pub fn admit(&self, count: u32, now: Instant) -> Admission {
        let mut state = self.lock();
        if count == 0 {
            return Admission::Now;
        }
        let Some(rate) = state.rate else {
            state.push_tokens(count, now, now);
            return Admission::Now;
        };
        let rate = state.probe(rate, now);
        if count > rate.per_window {
            return Admission::TooLarge {
                capacity: rate.per_window,
            };
        }
        let window = rate.window + rate.window / MARGIN_PER_WINDOW;
        // A token is back one window after its request left.
        state.tokens.retain(|taken| *taken + window > now);
        let held = state.tokens.len();
        let count = count as usize;
        let per_window = rate.per_window as usize;
        if held + count <= per_window {
            state.tokens.extend(std::iter::repeat_n(now, count));
            state.tokens.make_contiguous().sort();
            return Admission::Now;
        }
        // The oldest tokens beyond what fits must come back first.
        let until = state.tokens[held + count - per_window - 1] + window;
        state.saturated = true;
        let notice = state.notice(until.saturating_duration_since(now), now);
        Admission::Wait { until, notice }
    }

    /// The request whose `count` tokens were reserved for `reserved` left at `sent` (later
    /// when it queued for a slot): its tokens come back one window after that.
    pub fn departed(&self, count: u32, reserved: Instant, sent: Instant) {
        if sent <= reserved {
            return;
        }
        let mut state = self.lock();
        let mut left = count;
        for token in state.tokens.iter_mut().rev() {
            if left == 0 {
                break;
            }
            if *token == reserved {
                *token = sent;
                left -= 1;
            }
        }
        state.tokens.make_contiguous().sort();
    }

    /// A request sent at `sent` with `count` creations was answered.
    pub fn admitted(&self, count: u32, sent: Instant) {
        if count == 0 {
            return;
        }
        let mut state = self.lock();
        state.created += u64::from(count);
        state.admitted.push_back((sent, count));
        // A request in flight with the one whose refusal taught the rate, admitted after all:
        // the limit holds it too.
        if let (Some(learned), Some(rate)) = (state.learned_at, state.rate) {
            if sent < learned && learned.saturating_duration_since(sent) <= rate.window {
                let ceiling = state.ceiling.map_or(u32::MAX, |c| c.saturating_add(count));
                state.ceiling = Some(ceiling);
                state.rate = Some(ContentRate {
                    per_window: (rate.per_window + count).min(ceiling.saturating_sub(1).max(1)),
                    ..rate
                });
            }
        }
        while state
            .admitted
            .front()
            .is_some_and(|(at, _)| sent.saturating_duration_since(*at) > HISTORY)
        {
            state.admitted.pop_front();
        }
    }

    /// A request sent at `sent` with `count` creations was refused by a secondary limit at
    /// `now`. Learns (or lowers) the rate when `evidence` shows the content limit refused it,
    /// unless the request was already in flight when the rate was last learned. Returns the
    /// rate learned.
    pub fn refused(
        &self,
        count: u32,
        sent: Instant,
        evidence: Evidence,
        now: Instant,
    ) -> Option<ContentRate> {
        let mut state = self.lock();
        if count == 0 {
            return None;
        }
        // GitHub does not count a refused creation: its tokens come back at once.
        let mut left = count;
        state.tokens.retain(|token| {
            let refused = left > 0 && *token == sent;
            left -= u32::from(refused);
            !refused
        });
        if state.learned_at.is_some_and(|learned| sent < learned) {
            return None;
        }
        let window = match (state.rate, evidence) {
            (Some(rate), Evidence::Wording { .. }) => rate.window,
            (None, Evidence::Wording { window }) => window,
            (_, Evidence::Secondary(None)) => return None,
            (Some(rate), Evidence::Secondary(Some(_))) => rate.window,
            (None, Evidence::Secondary(Some(window))) => window,
        };
        let before = state.admitted_within(sent, window);
        // Another limit (concurrency, points) refusing a creation early would teach a rate
        // far below any content limit GitHub has shown; such a refusal teaches nothing.
        let certain = matches!(evidence, Evidence::Wording { .. });
        let per_minute = f64::from(before) * 60.0 / window.as_secs_f64().max(0.001);
        if !certain && state.rate.is_none() && per_minute < MIN_LEARNED_PER_MINUTE {
            return None;
        }
        // The limit admitted `before` and refused `before + count`.
        let refused_at = before + count;
        let ceiling = state.ceiling.map_or(refused_at, |c| c.min(refused_at));
        let per_window = match state.rate {
            None => before,
            Some(rate) => before.min(rate.per_window.saturating_sub(1)),
        }
        .clamp(1, ceiling.saturating_sub(1).max(1));
        let rate = ContentRate { per_window, window };
        state.rate = Some(rate);
        state.ceiling = Some(ceiling);
        state.learned_at = Some(now);
        state.changed_at = Some(now);
        state.saturated = false;
        Some(rate)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain data updated under the lock: still consistent after a panic elsewhere.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    /// Creations admitted in the `window` up to `sent`.
    fn admitted_within(&self, sent: Instant, window: Duration) -> u32 {
        self.admitted
            .iter()
            .filter(|(at, _)| *at <= sent && sent.saturating_duration_since(*at) <= window)
            .map(|(_, n)| n)
            .sum()
    }

    fn push_tokens(&mut self, count: u32, at: Instant, now: Instant) {
        self.tokens.extend(std::iter::repeat_n(at, count as usize));
        while self
            .tokens
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > HISTORY)
        {
            self.tokens.pop_front();
        }
    }

    /// The rate, one token larger when the bucket has been saturated for
    /// `PROBE_AFTER_WINDOWS` windows without a refusal and stays below the ceiling.
    fn probe(&mut self, rate: ContentRate, now: Instant) -> ContentRate {
        let changed = *self.changed_at.get_or_insert(now);
        let settled = now.saturating_duration_since(changed) >= rate.window * PROBE_AFTER_WINDOWS;
        let below = self.ceiling.is_none_or(|c| rate.per_window + 1 < c);
        if !(self.probing && self.saturated && settled && below) {
            return rate;
        }
        let grown = ContentRate {
            per_window: rate.per_window + 1,
            ..rate
        };
        self.rate = Some(grown);
        self.changed_at = Some(now);
        self.saturated = false;
        grown
    }

    /// The announcement of a wait of `wait` starting at `now`, at most one per `NOTICE_EVERY`.
    fn notice(&mut self, wait: Duration, now: Instant) -> Option<String> {
        let rate = self.rate?;
        if wait < NOTICE_AFTER
            || self
                .noticed_at
                .is_some_and(|at| now.saturating_duration_since(at) < NOTICE_EVERY)
        {
            return None;
        }
        self.noticed_at = Some(now);
        let done = self.created;
        Some(match self.planned.filter(|&planned| planned >= done) {
            Some(planned) => {
                let left = planned - done;
                let eta = rate
                    .window
                    .mul_f64(left as f64 / f64::from(rate.per_window.max(1)));
                format!(
                    "GitHub's content limit: {}, about {} left",
                    self.progress(),
                    about(eta.max(wait))
                )
            }
            None => format!(
                "GitHub's content limit: {}, pacing at {rate}; next in about {}",
                self.progress(),
                about(wait)
            ),
        })
    }

    fn progress(&self) -> String {
        let done = self.created;
        match self.planned.filter(|&planned| planned >= done) {
            Some(planned) => format!("{done} of {planned} issues, labels and links created"),
            None => format!("{done} issues, labels and links created"),
        }
    }
}

/// "40 s", "3 min", "2 h": a duration rounded for people.
pub(crate) fn about(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 90 {
        format!("{} s", seconds.max(1))
    } else if seconds < 90 * 60 {
        format!("{} min", (seconds + 30) / 60)
    } else {
        format!("{} h", (seconds + 1800) / 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_S: Duration = Duration::from_secs(5);
    const MINUTE: Duration = Duration::from_secs(60);

    fn rate(per_window: u32, seconds: u64) -> ContentRate {
        ContentRate {
            per_window,
            window: Duration::from_secs(seconds),
        }
    }

    /// When a request of `count` creations that first asks at `now` leaves: it asks again
    /// whenever told to wait, as the client does.
    fn leaves(pacer: &Pacer, count: u32, now: Instant) -> Instant {
        let mut now = now;
        loop {
            match pacer.admit(count, now) {
                Admission::Now => return now,
                Admission::Wait { until, .. } => {
                    assert!(until > now, "told to wait until now");
                    now = until;
                }
                other => panic!("not admitted: {other:?}"),
            }
        }
    }

    /// Sends `n` single creations one after another from `now`, each asking when the one
    /// before left, and records them answered; their departures.
    fn admit_all(pacer: &Pacer, n: u32, now: Instant) -> Vec<Instant> {
        let mut clock = now;
        (0..n)
            .map(|_| {
                clock = leaves(pacer, 1, clock);
                pacer.admitted(1, clock);
                clock
            })
            .collect()
    }

    #[test]
    fn until_a_refusal_nothing_waits() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        assert!(admit_all(&pacer, 200, start).iter().all(|t| *t == start));
        assert_eq!(pacer.rate(), None);
    }

    #[test]
    fn no_window_holds_more_than_the_rate() {
        let pacer = Pacer::new(Some(rate(20, 5)));
        let start = Instant::now();
        let documents: Vec<Instant> = (0..5).map(|_| leaves(&pacer, 4, start)).collect();
        let mut all = admit_all(&pacer, 45, start);
        all.sort();
        // The first 20 at once (five documents of 4), then 20 a window, each window with its
        // margin.
        assert!(documents.iter().all(|t| *t == start));
        let window = FIVE_S + FIVE_S / MARGIN_PER_WINDOW;
        assert_eq!(all[0], start + window);
        assert_eq!(all[19], start + window);
        assert_eq!(all[20], start + window * 2);
        for (i, t) in all.iter().enumerate() {
            let in_window = all[i..].iter().filter(|u| **u < *t + FIVE_S).count();
            assert!(in_window <= 20, "{in_window} creations within 5 s of #{i}");
        }
    }

    #[test]
    fn a_token_comes_back_a_window_after_its_request_really_left() {
        let pacer = Pacer::new(Some(rate(2, 5)));
        let start = Instant::now();
        admit_all(&pacer, 2, start);
        // The first queued for a slot for a second.
        pacer.departed(1, start, start + Duration::from_secs(1));
        let window = FIVE_S + FIVE_S / MARGIN_PER_WINDOW;
        assert_eq!(leaves(&pacer, 1, start), start + window);
        assert_eq!(
            leaves(&pacer, 1, start),
            start + Duration::from_secs(1) + window
        );
    }

    #[test]
    fn a_document_larger_than_a_window_is_handed_back() {
        let pacer = Pacer::new(Some(rate(3, 60)));
        assert_eq!(
            pacer.admit(4, Instant::now()),
            Admission::TooLarge { capacity: 3 }
        );
    }

    #[test]
    fn the_first_refusal_teaches_the_rate_from_what_was_admitted_before_it() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        admit_all(&pacer, 17, start);
        let straggler = leaves(&pacer, 4, start);
        let sent = leaves(&pacer, 4, start + Duration::from_millis(300));
        let refused_at = sent + Duration::from_millis(10);
        let learned = pacer.refused(4, sent, Evidence::Secondary(Some(FIVE_S)), refused_at);
        assert_eq!(learned, Some(rate(17, 5)));
        // Another document that was in flight with it changes nothing.
        assert_eq!(
            pacer.refused(4, straggler, Evidence::Secondary(Some(FIVE_S)), refused_at),
            None
        );
        assert_eq!(pacer.rate(), Some(rate(17, 5)));
        // The 17 admitted hold their tokens until one window after they left.
        let next = leaves(&pacer, 1, refused_at);
        assert_eq!(next, start + FIVE_S + FIVE_S / MARGIN_PER_WINDOW);
    }

    #[test]
    fn creations_in_flight_with_the_refused_one_and_admitted_later_raise_the_rate() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        admit_all(&pacer, 13, start);
        let other = leaves(&pacer, 4, start);
        let refused = leaves(&pacer, 4, start);
        let refused_at = start + Duration::from_millis(300);
        pacer.refused(4, refused, Evidence::Secondary(Some(FIVE_S)), refused_at);
        assert_eq!(pacer.rate(), Some(rate(13, 5)));
        // Another document of 4, sent with the refused one, answered after the refusal.
        pacer.admitted(4, other);
        assert_eq!(pacer.rate(), Some(rate(17, 5)));
        // One sent after the refusal is paced, and says nothing new.
        pacer.admitted(1, refused_at + FIVE_S);
        assert_eq!(pacer.rate(), Some(rate(17, 5)));
    }

    #[test]
    fn a_too_quickly_refusal_without_retry_after_assumes_the_wait_taken() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        admit_all(&pacer, 30, start);
        let now = start + Duration::from_secs(1);
        assert_eq!(
            pacer.refused(1, now, Evidence::Wording { window: MINUTE }, now),
            Some(rate(30, 60))
        );
    }

    #[test]
    fn a_refusal_another_limit_could_have_made_teaches_nothing() {
        let start = Instant::now();
        let now = start + Duration::from_secs(1);
        // Judged concurrency: more requests in flight than GitHub had answered.
        let pacer = Pacer::new(None);
        admit_all(&pacer, 30, start);
        assert_eq!(pacer.refused(1, now, Evidence::Secondary(None), now), None);
        assert_eq!(pacer.rate(), None);
        assert_eq!(leaves(&pacer, 1, now), now, "nothing waits");
        // A rate, but after a few creations a minute: below any content limit GitHub shows.
        let pacer = Pacer::new(None);
        admit_all(&pacer, 6, start);
        let secondary = Evidence::Secondary(Some(MINUTE));
        assert_eq!(pacer.refused(1, now, secondary, now), None);
        assert_eq!(pacer.rate(), None);
        // The same count worded "submitted too quickly" is the content limit.
        assert_eq!(
            pacer.refused(1, now, Evidence::Wording { window: MINUTE }, now),
            Some(rate(6, 60))
        );
    }

    #[test]
    fn a_refusal_while_paced_lowers_the_rate_and_sets_a_ceiling() {
        let pacer = Pacer::new(Some(rate(25, 5)));
        let start = Instant::now();
        admit_all(&pacer, 20, start);
        let now = start + Duration::from_secs(1);
        assert_eq!(
            pacer.refused(1, now, Evidence::Secondary(Some(FIVE_S)), now),
            Some(rate(20, 5))
        );
        let later = now + Duration::from_secs(1);
        assert_eq!(
            pacer.refused(1, later, Evidence::Secondary(Some(FIVE_S)), later),
            Some(rate(19, 5)),
            "refused again: one lower"
        );
    }

    #[test]
    fn a_saturated_bucket_grows_slowly_but_never_to_a_refused_count() {
        let pacer = Pacer::new(None);
        let mut now = Instant::now();
        admit_all(&pacer, 16, now);
        now += Duration::from_millis(200);
        // 16 admitted, a document of 4 more refused: the limit is 16 to 19.
        assert_eq!(
            pacer.refused(4, now, Evidence::Secondary(Some(FIVE_S)), now),
            Some(rate(16, 5))
        );
        let mut sizes = Vec::new();
        for _ in 0..40 {
            sizes.push(pacer.rate().unwrap().per_window);
            now = *admit_all(&pacer, 5, now).last().unwrap();
        }
        // One more per saturated window, at most.
        assert!(sizes.windows(2).all(|w| w[1] <= w[0] + 1), "{sizes:?}");
        assert_eq!(sizes.first(), Some(&16));
        assert_eq!(sizes.last(), Some(&19), "below the refused 20: {sizes:?}");
    }

    #[test]
    fn an_idle_bucket_does_not_grow() {
        let pacer = Pacer::new(None);
        let mut now = Instant::now();
        admit_all(&pacer, 10, now);
        now += Duration::from_millis(100);
        pacer.refused(1, now, Evidence::Secondary(Some(FIVE_S)), now);
        for _ in 0..10 {
            now += FIVE_S * 3;
            admit_all(&pacer, 2, now);
        }
        assert_eq!(pacer.rate(), Some(rate(10, 5)));
    }

    #[test]
    fn a_preset_rate_is_not_probed() {
        let pacer = Pacer::new(Some(rate(4, 1)));
        let mut now = Instant::now();
        for _ in 0..20 {
            now += Duration::from_secs(1);
            admit_all(&pacer, 8, now);
        }
        assert_eq!(pacer.rate(), Some(rate(4, 1)));
    }

    #[test]
    fn long_waits_are_announced_with_what_is_done_and_left_but_not_each_time() {
        let pacer = Pacer::new(Some(rate(20, 60)));
        pacer.expect(105);
        let now = Instant::now();
        admit_all(&pacer, 20, now);
        let notices: Vec<String> = (0..10)
            .filter_map(|_| match pacer.admit(1, now) {
                Admission::Wait { notice, .. } => notice,
                Admission::Now | Admission::TooLarge { .. } => None,
            })
            .collect();
        assert_eq!(
            notices,
            ["GitHub's content limit: 20 of 105 issues, labels and links created, about 4 min left"]
        );
    }

    #[test]
    fn durations_are_rounded_for_people() {
        assert_eq!(about(Duration::from_millis(300)), "1 s");
        assert_eq!(about(Duration::from_secs(42)), "42 s");
        assert_eq!(about(Duration::from_secs(200)), "3 min");
        assert_eq!(about(Duration::from_secs(3 * 3600)), "3 h");
    }
}
