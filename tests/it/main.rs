//! planpilot's integration tests: one binary, one module per area.
mod action;
mod cli;
mod client;
mod plan;
mod schema;
mod sync;
