//! Why a sync could not run at all: the one error type of the engine, below every file that
//! returns it (and re-exported as `sync::SyncError`).

use crate::github::ApiError;

use super::problem::Problem;

/// Why a sync could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The plan does not fit this repository or board (unknown field, option, type, assignee,
    /// milestone, missing board). Nothing was written.
    #[error("the plan does not match GitHub:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// Closing this many issues needs `allow-mass-close`. Nothing was written.
    #[error(
        "refusing to close {closing} of {managed} open managed issues (more than half); if the plan \
         really dropped them, set allow-mass-close: true"
    )]
    MassClose { closing: usize, managed: usize },
    /// The board cannot be read with the token given for it. Nothing was written.
    #[error("{0}")]
    BoardUnreachable(String),
    #[error("reading the managed issues failed: {0}")]
    Discovery(String),
    /// Reads of the managed issues kept coming back with part of them left out: nothing is
    /// decided from such an answer (no label removed, no board value rewritten, no link made
    /// again because a field came back empty). Exit 1: a re-run resumes.
    #[error(
        "reading the managed issues failed: {0}. The run stopped rather than act on an \
         incomplete answer; re-run to resume"
    )]
    PartialRead(String),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl SyncError {
    /// True when the input (plan or settings) is at fault rather than GitHub: exit code 2.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            SyncError::Invalid(_) | SyncError::MassClose { .. } | SyncError::BoardUnreachable(_)
        )
    }
}
