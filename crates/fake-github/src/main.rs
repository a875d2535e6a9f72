//! The `fake-github` binary.
fn main() {}
