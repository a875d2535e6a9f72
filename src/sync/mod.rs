//! The sync engine: discover what exists on GitHub, diff it against the plan, apply the changes.
//!
//! - `options`: what a sync is told to do (from the action's inputs).
//! - `discover`: read every managed issue (by label, never by search) and the board.
//! - `diff`: a pure function from plan + discovered state to a list of changes.
//! - `apply`: execute the changes in bounded parallel phases.
//! - `report`: what happened, per item, for outputs and the job summary.

pub mod options;
pub mod progress;
pub mod report;

pub use options::{OnRemoved, ProjectOwnerKind, ProjectUrl, RepoRef, SyncOptions, TypeNames};
pub use progress::{Progress, Silent};
pub use report::{Counts, ItemAction, ItemReport, Report};
