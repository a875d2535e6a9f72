//! The GitHub Action edge: inputs from env and flags, `GITHUB_OUTPUT`, the job summary,
//! workflow commands (annotations, groups, masks). Named after @actions/toolkit's vocabulary.
//!
//! - `workflow`: workflow commands (`error`/`warning`/`notice`, `group`, `add_mask`).
//! - `outputs`: `set_output` in the runner's file format; the local table and JSON.
//! - `summary`: the job summary markdown.

pub mod outputs;
pub mod summary;
pub mod workflow;
