//! The floor of a run: the time a sync with the same work could not reasonably beat on the
//! latency model, so that wall time can be judged as a ratio measured in the same run.
//!
//! - Server time `W` = requests × request latency + mutations × mutation latency (the fake
//!   charges every request its request latency and each mutation in it its mutation latency,
//!   serially within a document).
//! - Critical path `P` = the chain of round trips that must wait on one another, whatever the
//!   concurrency: each dependent read costs the request latency, each dependent write the
//!   request latency plus one mutation latency.
//! - Floor = `W / c + (1 − 1/c) · P` for max-concurrency `c`: the issue's "server time over
//!   concurrency plus the critical path", in the exact form of Graham's bound. A scheduler that
//!   never leaves a slot idle while some request is ready finishes within it, so a sync slower
//!   than the floor is losing time to barriers or idle slots, not to the work itself. (The
//!   `− P/c` term only matters at small `c`: at `c = 1` the floor is `W`, since a serial run's
//!   critical path is already part of its server time.) The strict lower bound
//!   `max(W / c, P)` — no schedule can beat it — is reported too.

use std::collections::BTreeMap;

/// The latency model the fake was started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    pub request_ms: u64,
    pub mutation_ms: u64,
}

/// The work a run did, as counted by the fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Work {
    pub requests: u64,
    pub mutations: u64,
}

/// Round trips on the critical path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Chain {
    pub reads: u64,
    pub writes: u64,
}

/// Issues per page of `repository.issues` (GitHub's maximum `first`).
pub const PAGE_SIZE: u64 = 100;

/// Mutations that create issues: their parents must exist first (`parentIssueId`).
const CREATE: &str = "createIssue";
/// Mutations that must precede any issue creation (a missing plan label).
const BEFORE_CREATE: [&str; 1] = ["createLabel"];
/// Board mutations: adding a card yields the item id the field writes need.
const BOARD_ADD: &str = "addProjectV2ItemById";
const BOARD_FIELD: [&str; 2] = [
    "updateProjectV2ItemFieldValue",
    "clearProjectV2ItemFieldValue",
];

impl Chain {
    /// Derives the critical path of a run from what it wrote (mutation counts by name, from the
    /// fake) and the plan:
    ///
    /// 1. discovery reads its pages one after another (each needs the previous cursor):
    ///    `max(1, ceil(managed issues before the run / 100))` reads; the repository, label, type
    ///    and board lookups fit in the first one;
    /// 2. a missing label is created before any issue that carries it: 1 write;
    /// 3. issues are created level by level, each with its parent's id: `create_depth` writes
    ///    (3 for epic → story → task when whole branches are new);
    /// 4. then, in parallel, the board (add the card: 1 write; set its fields with the item id
    ///    that returns: 1 more) and everything else that needs the numbers (bodies with
    ///    cross-references, blocked-by links, updates, closes): 1 write.
    pub fn derive(
        existing_issues: u64,
        create_depth: u64,
        mutations_by_name: &BTreeMap<String, u64>,
    ) -> Chain {
        let wrote = |name: &str| mutations_by_name.get(name).copied().unwrap_or(0) > 0;
        let reads = existing_issues.div_ceil(PAGE_SIZE).max(1);
        let before = u64::from(BEFORE_CREATE.iter().any(|name| wrote(name)));
        let creates = if wrote(CREATE) { create_depth } else { 0 };
        let board = u64::from(wrote(BOARD_ADD)) + u64::from(BOARD_FIELD.iter().any(|n| wrote(n)));
        let other = u64::from(mutations_by_name.iter().any(|(name, &count)| {
            count > 0
                && name != CREATE
                && name != BOARD_ADD
                && !BEFORE_CREATE.contains(&name.as_str())
                && !BOARD_FIELD.contains(&name.as_str())
        }));
        Chain {
            reads,
            writes: before + creates + board.max(other),
        }
    }
}

/// Total time the server spends on the run's requests, in ms.
pub fn server_time_ms(work: Work, latency: Latency) -> u64 {
    work.requests * latency.request_ms + work.mutations * latency.mutation_ms
}

/// Duration of the critical path, in ms.
pub fn critical_path_ms(chain: Chain, latency: Latency) -> u64 {
    chain.reads * latency.request_ms + chain.writes * (latency.request_ms + latency.mutation_ms)
}

/// `W / c + (1 − 1/c) · P`, in ms (see the module docs).
pub fn floor_ms(work: Work, chain: Chain, latency: Latency, concurrency: u64) -> u64 {
    let c = concurrency.max(1);
    let path = critical_path_ms(chain, latency);
    server_time_ms(work, latency) / c + path - path / c
}

/// `max(W / c, P)`, in ms: no schedule can be faster.
pub fn lower_bound_ms(work: Work, chain: Chain, latency: Latency, concurrency: u64) -> u64 {
    (server_time_ms(work, latency) / concurrency.max(1)).max(critical_path_ms(chain, latency))
}

/// The floor a content-creation cap imposes: `creations` content-creating mutations, at most
/// `per_window` of them per `window_ms`, cannot finish before the window that admits the last
/// one opens, plus one write round trip for that last one.
pub fn cap_floor_ms(creations: u64, per_window: u64, window_ms: u64, latency: Latency) -> u64 {
    if creations == 0 || per_window == 0 {
        return 0;
    }
    let windows_waited = (creations - 1) / per_window;
    windows_waited * window_ms + latency.request_ms + latency.mutation_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: Latency = Latency {
        request_ms: 100,
        mutation_ms: 100,
    };

    fn names(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn server_time_charges_requests_and_each_mutation() {
        let work = Work {
            requests: 10,
            mutations: 25,
        };
        assert_eq!(server_time_ms(work, MODEL), 3_500);
        let fast = Latency {
            request_ms: 20,
            mutation_ms: 5,
        };
        assert_eq!(server_time_ms(work, fast), 325);
    }

    #[test]
    fn first_sync_chain_is_discovery_three_levels_and_the_board() {
        let by_name = names(&[
            ("createIssue", 105),
            ("addProjectV2ItemById", 105),
            ("updateProjectV2ItemFieldValue", 260),
            ("addBlockedBy", 90),
        ]);
        let chain = Chain::derive(0, 3, &by_name);
        assert_eq!(
            chain,
            Chain {
                reads: 1,
                writes: 5
            }
        );
        assert_eq!(critical_path_ms(chain, MODEL), 1_100);
    }

    #[test]
    fn a_missing_label_adds_one_write_before_the_creates() {
        let by_name = names(&[("createLabel", 1), ("createIssue", 3)]);
        assert_eq!(
            Chain::derive(0, 3, &by_name),
            Chain {
                reads: 1,
                writes: 4
            }
        );
    }

    #[test]
    fn rerun_chain_pages_through_existing_issues() {
        let nothing = BTreeMap::new();
        assert_eq!(
            Chain::derive(105, 3, &nothing),
            Chain {
                reads: 2,
                writes: 0
            }
        );
        assert_eq!(
            Chain::derive(1_110, 3, &nothing),
            Chain {
                reads: 12,
                writes: 0
            }
        );
        assert_eq!(
            Chain::derive(100, 3, &nothing),
            Chain {
                reads: 1,
                writes: 0
            }
        );
    }

    #[test]
    fn a_title_edit_is_one_dependent_write() {
        let by_name = names(&[("updateIssue", 1), ("createIssue", 0)]);
        assert_eq!(
            Chain::derive(105, 3, &by_name),
            Chain {
                reads: 2,
                writes: 1
            }
        );
    }

    #[test]
    fn floor_divides_server_time_by_concurrency_and_adds_the_path() {
        let work = Work {
            requests: 100,
            mutations: 400,
        };
        let chain = Chain {
            reads: 1,
            writes: 5,
        };
        // W = 50 s; P = 1.1 s.
        assert_eq!(floor_ms(work, chain, MODEL, 5), 10_000 + 1_100 - 220);
        // Serial: the path is part of the server time already.
        assert_eq!(floor_ms(work, chain, MODEL, 1), 50_000);
        assert_eq!(lower_bound_ms(work, chain, MODEL, 5), 10_000);
        assert_eq!(lower_bound_ms(work, chain, MODEL, 1_000), 1_100);
        // A concurrency of 0 is treated as 1 rather than dividing by zero.
        assert_eq!(floor_ms(work, chain, MODEL, 0), 50_000);
    }

    #[test]
    fn cap_floor_counts_the_windows_before_the_last_creation() {
        assert_eq!(cap_floor_ms(0, 20, 60_000, MODEL), 0);
        assert_eq!(cap_floor_ms(20, 20, 60_000, MODEL), 200);
        assert_eq!(cap_floor_ms(21, 20, 60_000, MODEL), 60_200);
        assert_eq!(cap_floor_ms(105, 20, 10_000, MODEL), 50_200);
    }
}
