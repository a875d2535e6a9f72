//! planpilot's benchmark harness: measures real syncs, black-box, against `fake-github`'s
//! latency model (see BENCHMARKS.md for the scenarios, the floor and the results).
//!
//! - `generate`: deterministic nested plans of a given shape.
//! - `fake`: the fake's process, counters and state.
//! - `run`: the planpilot process, with the runner's env inputs; wall time and peak RSS.
//! - `floor`: the time a run with the same work could not reasonably beat.
//! - `scenarios`: the scenarios and their targets.
//! - `table`: the printed results.

pub mod fake;
pub mod floor;
pub mod generate;
pub mod http;
pub mod run;
pub mod scenarios;
pub mod table;
