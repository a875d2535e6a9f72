//! Plan files: the model, loading (YAML/JSON, nested, flat and planpilot layouts) and validation.
//!
//! Nothing here talks to GitHub. `load` either returns a `Plan` whose invariants hold (see
//! `model::Plan`) or every problem found, each with its file, line, column and item id.

mod model;

pub use model::*;

use std::fmt;

/// One problem in a plan file, pointing at where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Location,
    /// The item the problem belongs to, when there is one.
    pub item: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Why a plan could not be loaded: all problems found, in file order.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} problem(s) in the plan", diagnostics.len())]
pub struct PlanError {
    pub diagnostics: Vec<Diagnostic>,
}
