//! The `planpilot` binary: a thin command-line front over the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("planpilot: not yet implemented");
    ExitCode::from(2)
}
