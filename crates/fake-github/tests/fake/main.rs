//! Black-box tests of fake-github over HTTP, one module per area.

mod common;

mod auth;
mod binary;
mod comments;
mod faults;
mod issues;
mod project;
mod relations;
mod schema;
