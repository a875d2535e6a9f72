//! Black-box tests of fake-github over HTTP, one module per area.

mod common;

mod auth;
mod issues;
mod schema;
