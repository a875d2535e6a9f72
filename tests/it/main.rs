//! planpilot's integration tests: one binary, one module per area.
mod action;
mod adopt;
mod cli;
mod client;
mod feedback;
mod ghes;
mod import;
mod layers;
mod links;
mod plan;
mod plan_schema;
mod release;
mod reliability;
mod schema;
mod sync;
mod tls;
mod types;
