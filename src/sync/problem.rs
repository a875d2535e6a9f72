//! What stops a sync before any write because the plan does not fit GitHub (an unknown
//! assignee, milestone, board field or option, issue type, a binding that cannot be honoured):
//! each with its own cause and, where the plan names the value, the plan line.

use std::fmt;

use crate::plan::Location;

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where the plan names what GitHub refuses; `None` for settings (inputs).
    pub at: Option<Location>,
    pub message: String,
}

impl Problem {
    /// A problem with a setting, not a plan line.
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            at: None,
            message: message.into(),
        }
    }

    /// A problem with what the plan writes at `at`.
    pub fn at(at: &Location, message: impl Into<String>) -> Problem {
        Problem {
            at: Some(at.clone()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
