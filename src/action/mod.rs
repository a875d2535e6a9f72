//! The GitHub Action edge: inputs from env and flags, `GITHUB_OUTPUT`, the job summary,
//! workflow commands (annotations, groups, masks). Named after @actions/toolkit's vocabulary.
//!
//! - `commands`: `validate` and `sync` of the binary, down to their exit codes.
//! - `import`: `planpilot import`, an existing backlog written as a plan that adopts it.
//! - `console`: stdout, ending quietly when the reader closes the pipe.
//! - `inputs`: every input (`INPUTS`), read from flags and `INPUT_*`, checked.
//! - `workflow`: workflow commands (`error`/`warning`/`notice`, `group`, `add_mask`).
//! - `outputs`: `set_output` in the runner's file format; the local table and JSON.
//! - `progress`: `LogProgress`, the engine's progress as log groups and lines.
//! - `summary`: the job summary markdown (progress per epic and story included).
//! - `pr_comment`: the text of the preview comment on a pull request (pure).
//! - `pull_request`: the pull request a run is for (from `GITHUB_EVENT_PATH`), whether to
//!   comment, and posting or editing the one comment.

pub mod commands;
pub mod console;
#[cfg(test)]
mod fixtures;
pub mod import;
pub mod inputs;
pub mod outputs;
pub mod pr_comment;
pub mod progress;
pub mod pull_request;
pub mod summary;
pub mod workflow;
