//! Standard output of the command line. A reader that goes away (`planpilot validate | head -1`)
//! ends the process quietly with exit 0, as other command-line tools do, where `println!` would
//! panic on the broken pipe.

use std::fmt::Display;
use std::io::{self, Write};

/// Stdout whose writes end the process when the reader has closed the pipe.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        quiet_on_closed_pipe(io::stdout().write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        quiet_on_closed_pipe(io::stdout().flush())
    }
}

fn quiet_on_closed_pipe<T>(result: io::Result<T>) -> io::Result<T> {
    match result {
        // Nobody reads what follows: stop as SIGPIPE stops C programs, without a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

/// Prints `text` and a newline.
pub fn line(text: impl Display) {
    // Any other write error (a full disk behind a redirect) leaves nothing better to report it to.
    let _ = writeln!(Stdout, "{text}");
}

/// Prints `text` as it is.
pub fn text(text: impl Display) {
    let _ = write!(Stdout, "{text}");
    let _ = Stdout.flush();
}
