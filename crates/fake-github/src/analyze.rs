//! Checks GitHub makes before running a document: pagination bounds on every connection,
//! the `nodes(ids:)` limit, and the document's primary rate-limit cost.

use apollo_compiler::executable::{ExecutableDocument, Field, Selection, SelectionSet};
use apollo_compiler::Node;
use serde_json::{json, Map, Value};

use crate::exec::ast_value;

pub const MAX_PAGE: i64 = 100;
pub const MAX_NODE_IDS: usize = 100;
/// GitHub refuses documents that could return more nodes than this.
pub const MAX_NODES: u64 = 500_000;

/// What the pre-execution pass learned.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Nodes the document could return at most (each connection's page size times its parents').
    pub nodes: u64,
    /// Primary rate-limit cost: requests / 100, at least 1.
    pub cost: u64,
}

pub fn analyze(
    doc: &ExecutableDocument,
    root: &SelectionSet,
    variables: &Map<String, Value>,
) -> Result<Analysis, Vec<Value>> {
    let mut walk = Walk {
        doc,
        variables,
        requests: 0,
        nodes: 0,
        errors: Vec::new(),
        path: Vec::new(),
    };
    walk.selection_set(root, 1);
    if walk.errors.is_empty() && walk.nodes > MAX_NODES {
        let message = format!(
            "This query requests up to {} possible nodes which exceeds the maximum limit of {}.",
            walk.nodes, MAX_NODES
        );
        walk.errors
            .push(serde_json::json!({"type": "MAX_NODE_LIMIT_EXCEEDED", "message": message}));
    }
    if !walk.errors.is_empty() {
        return Err(walk.errors);
    }
    let cost = ((walk.requests as f64 / 100.0).round() as u64).max(1);
    Ok(Analysis {
        nodes: walk.nodes,
        cost,
    })
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Map<String, Value>,
    /// Connection requests the document implies (GitHub's "requests needed" sum).
    requests: u64,
    nodes: u64,
    errors: Vec<Value>,
    path: Vec<String>,
}

impl Walk<'_> {
    fn selection_set(&mut self, set: &SelectionSet, multiplier: u64) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => self.field(field, multiplier),
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.selection_set, multiplier)
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.doc.fragments.get(&spread.fragment_name) {
                        self.selection_set(&fragment.selection_set, multiplier);
                    }
                }
            }
        }
    }

    fn arg(&self, field: &Field, name: &str) -> Option<Value> {
        field
            .specified_argument_by_name(name)
            .map(|v| ast_value(v, self.variables))
            .filter(|v| !v.is_null())
    }

    fn error(&mut self, field: &Node<Field>, kind: &str, message: String) {
        let mut error = json!({"type": kind, "path": self.path, "message": message});
        if let Some(range) = field
            .location()
            .and_then(|s| s.line_column_range(&self.doc.sources))
        {
            error["locations"] = json!([{"line": range.start.line, "column": range.start.column}]);
        }
        self.errors.push(error);
    }

    fn field(&mut self, field: &Node<Field>, multiplier: u64) {
        self.path.push(field.response_key().to_string());
        let is_connection = field.ty().inner_named_type().ends_with("Connection")
            && field.definition.argument_by_name("first").is_some();
        let mut child_multiplier = multiplier;
        if is_connection {
            match self.page_size(field) {
                Ok(size) => {
                    self.requests += multiplier;
                    child_multiplier = multiplier.saturating_mul(size);
                    self.nodes = self.nodes.saturating_add(child_multiplier);
                }
                Err((kind, message)) => self.error(field, kind, message),
            }
        }
        if field.name == "nodes" && field.definition.argument_by_name("ids").is_some() {
            let count = self
                .arg(field, "ids")
                .and_then(|v| v.as_array().map(Vec::len))
                .unwrap_or(0);
            if count > MAX_NODE_IDS {
                self.error(
                    field,
                    "EXCESSIVE_PAGINATION",
                    format!("You may only request up to {MAX_NODE_IDS} nodes at once (requested {count})."),
                );
            }
        }
        self.selection_set(&field.selection_set, child_multiplier);
        self.path.pop();
    }

    /// GitHub's rule: every connection needs `first` or `last`, each within 1..=100.
    fn page_size(&self, field: &Field) -> Result<u64, (&'static str, String)> {
        let name = field.name.as_str();
        let first = self.arg(field, "first").and_then(|v| v.as_i64());
        let last = self.arg(field, "last").and_then(|v| v.as_i64());
        if first.is_none() && last.is_none() {
            return Err((
                "MISSING_PAGINATION_BOUNDARIES",
                format!("You must provide a `first` or `last` value to properly paginate the `{name}` connection."),
            ));
        }
        if first.is_some() && last.is_some() {
            return Err((
                "EXCESSIVE_PAGINATION",
                format!("Passing both `first` and `last` to paginate the `{name}` connection is not supported."),
            ));
        }
        let mut size = 0;
        for (arg, value) in [("first", first), ("last", last)] {
            let Some(n) = value else { continue };
            if n > MAX_PAGE {
                return Err((
                    "EXCESSIVE_PAGINATION",
                    format!("Requesting {n} records on the `{name}` connection exceeds the `{arg}` limit of {MAX_PAGE} records."),
                ));
            }
            if n < 1 {
                return Err((
                    "EXCESSIVE_PAGINATION",
                    format!("`{arg}` on the `{name}` connection must be between 1 and {MAX_PAGE} (got {n})."),
                ));
            }
            size = size.max(n as u64);
        }
        Ok(size)
    }
}
