//! planpilot keeps a repository's plan file (epics → stories → tasks, with dependencies) in sync
//! with GitHub Issues and a Projects v2 board.
//!
//! # Layout
//!
//! The modules follow the pipeline, each depending only on those above it:
//!
//! - [`plan`]: the plan model, loading (YAML/JSON, nested/flat/planpilot layouts), validation.
//! - [`render`]: issue bodies — the managed block and the identity marker.
//! - [`github`]: the client (transport, concurrency bound, retries, rate limits) and operations.
//! - [`sync`]: discover → diff (a pure value) → apply, in bounded parallel phases.
//! - [`action`]: inputs, outputs, job summary and annotations of the GitHub Action.
//!
//! [`calendar`] is the one piece of date arithmetic, shared by all of them.
//!
//! The binary (`src/main.rs`) only parses arguments and calls into these.

pub mod action;
pub mod calendar;
pub mod github;
pub mod plan;
pub mod render;
pub mod sync;
