//! Progress of a sync in the log: one collapsible `::group::` per phase under Actions (plain
//! lines locally), with about ten "tasks 40/80" lines per phase whatever its size.

use std::io::Write;
use std::sync::Mutex;

use crate::sync::Progress;

use super::{console, workflow};

/// Progress lines per phase, at most (plus the last one).
const STEPS: usize = 10;

/// A `sync::Progress` that writes to the log.
pub struct LogProgress {
    out: Mutex<Box<dyn Write + Send>>,
    /// Use workflow commands (`::group::`), i.e. running under GitHub Actions.
    actions: bool,
}

impl LogProgress {
    pub fn new(out: Box<dyn Write + Send>, actions: bool) -> LogProgress {
        LogProgress {
            out: Mutex::new(out),
            actions,
        }
    }

    pub fn stdout(actions: bool) -> LogProgress {
        LogProgress::new(Box::new(console::Stdout), actions)
    }

    fn line(&self, text: &str) {
        // A poisoned lock only means another thread panicked mid-line; keep logging.
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // The log is best effort: a closed stdout must not fail the sync.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

/// True when `done` crosses into a new tenth of `total` (or finishes it).
fn worth_a_line(done: usize, total: usize) -> bool {
    if total == 0 || done == 0 || done > total {
        return false;
    }
    done == total || done * STEPS / total != (done - 1) * STEPS / total
}

impl Progress for LogProgress {
    fn phase_started(&self, phase: &str, total: usize) {
        let title = format!("{phase} ({total})");
        if self.actions {
            self.line(&workflow::group(&title));
        } else {
            self.line(&format!("{title}:"));
        }
    }

    fn advanced(&self, phase: &str, done: usize, total: usize) {
        if worth_a_line(done, total) {
            let indent = if self.actions { "" } else { "  " };
            self.line(&format!("{indent}{phase} {done}/{total}"));
        }
    }

    fn phase_finished(&self, _phase: &str) {
        if self.actions {
            self.line(&workflow::endgroup());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer the test can read back after the progress is done with it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn run(actions: bool, total: usize) -> Vec<String> {
        let buffer = Shared::default();
        let progress = LogProgress::new(Box::new(buffer.clone()), actions);
        progress.phase_started("tasks", total);
        for done in 1..=total {
            progress.advanced("tasks", done, total);
        }
        progress.phase_finished("tasks");
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines().map(String::from).collect()
    }

    #[test]
    fn groups_a_phase_under_actions_with_bounded_lines() {
        let lines = run(true, 80);
        assert_eq!(lines.first().unwrap(), "::group::tasks (80)");
        assert_eq!(lines.last().unwrap(), "::endgroup::");
        let steps: Vec<&String> = lines.iter().filter(|l| l.starts_with("tasks ")).collect();
        assert_eq!(steps.len(), 10);
        assert_eq!(steps[0], "tasks 8/80");
        assert_eq!(steps[4], "tasks 40/80");
        assert_eq!(steps[9], "tasks 80/80");
    }

    #[test]
    fn small_phases_show_every_step_and_locally_no_commands() {
        let lines = run(false, 3);
        assert_eq!(
            lines,
            ["tasks (3):", "  tasks 1/3", "  tasks 2/3", "  tasks 3/3"]
        );
    }

    #[test]
    fn out_of_range_progress_is_ignored() {
        assert!(!worth_a_line(0, 10));
        assert!(!worth_a_line(11, 10));
        assert!(!worth_a_line(1, 0));
        assert!(worth_a_line(1, 1));
    }
}
