//! Issue bodies: the managed block rendered from a plan item, and the hidden identity marker
//! (plus the marker of planpilot's pull-request comment).
//!
//! Pure functions, no I/O. The sync engine renders a block, compares it with the current
//! block and writes only when they differ; `splice` keeps what humans wrote outside the block.

mod body;
mod marker;

pub use body::{append, managed_block, render_block, splice};
pub use marker::{find_marker, Marker, PreviewMarker};
