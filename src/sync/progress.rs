//! Progress reporting from the engine to whoever shows it (the action's log groups, the CLI).

/// Receives progress of a sync. Implementations must be cheap: apply calls them per item.
pub trait Progress: Send + Sync {
    /// A phase starts, e.g. "epics", "stories", "tasks", "bodies", "relations", "board".
    fn phase_started(&self, _phase: &str, _total: usize) {}
    /// `done` of `total` operations of the phase have finished.
    fn advanced(&self, _phase: &str, _done: usize, _total: usize) {}
    fn phase_finished(&self, _phase: &str) {}
}

/// Shows nothing.
pub struct Silent;

impl Progress for Silent {}
