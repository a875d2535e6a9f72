//! Reliability and security: faults GitHub really produces, interrupted and racing runs, plans
//! edited in any order, hostile text and inputs, issues humans changed, and secrets. Every test
//! asserts the fake's state and counters, never wall-clock time; `docs/guarantees.md` names the
//! test behind each promise.

mod binary;
mod docs;
mod faults;
mod hostile;
mod humans;
mod kill;
mod property;
mod race;
mod secrets;
pub(crate) mod support;
