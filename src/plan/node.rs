//! A small document tree with a line and column on every node, shared by the YAML and JSON
//! readers, plus the diagnostics sink they and the item reader write to.
//!
//! Plan files are read into this tree first (instead of deserializing straight into types) so
//! that every error can point at the exact key or value it is about.

use std::path::{Path, PathBuf};

use super::{Diagnostic, Location};

/// Deepest nesting of lists/mappings accepted. A real plan needs about ten levels; the cap keeps
/// hostile input from exhausting memory or the stack, and is checked before descending.
pub(crate) const MAX_DEPTH: usize = 64;

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, col: 1 };
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    /// A boolean, with its source text (kept for places that want text).
    Bool(String),
    /// A number, with its source text.
    Number(f64, String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub text: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    pub fn new(value: Value, pos: Pos) -> Node {
        Node { value, pos }
    }

    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Number(..) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The text of a scalar: strings as they are, numbers and booleans as written.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) | Value::Bool(s) | Value::Number(_, s) => Some(s),
            _ => None,
        }
    }

    /// Number of nodes in this subtree (used to budget alias expansion).
    /// Recursion is bounded by `MAX_DEPTH`, which the readers enforce.
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|(_, v)| 1 + v.size()).sum(),
            _ => 0,
        }
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub(crate) struct Sink {
    pub file: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(file: &Path) -> Sink {
        Sink {
            file: file.to_path_buf(),
            diagnostics: Vec::new(),
        }
    }

    pub fn location(&self, pos: Pos) -> Location {
        Location {
            file: self.file.clone(),
            line: pos.line,
            col: pos.col,
        }
    }

    pub fn error(&mut self, pos: Pos, item: Option<&str>, message: impl Into<String>) {
        let location = self.location(pos);
        self.error_at(&location, item, message);
    }

    /// Reports at a location resolved earlier.
    pub fn error_at(
        &mut self,
        location: &Location,
        item: Option<&str>,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            location: location.clone(),
            item: item.map(str::to_owned),
            message: message.into(),
        });
    }
}
