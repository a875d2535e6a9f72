//! GitHub's real GraphQL schema, parsed once per process, and validation of documents against it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use apollo_compiler::executable::ExecutableDocument;
use apollo_compiler::validation::Valid;

/// A parsed, validated schema. Cheap to clone (shared).
#[derive(Clone)]
pub struct Schema {
    inner: Arc<Valid<apollo_compiler::Schema>>,
}

/// A document that passed validation, with the schema it was checked against.
pub(crate) struct ValidDocument {
    pub document: Valid<ExecutableDocument>,
}

/// Parsed schemas by path: the 500 KB file is parsed once however many fakes a test starts.
fn cache() -> &'static Mutex<HashMap<PathBuf, Schema>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Schema>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Schema {
    /// Load (or fetch from the process-wide cache) the schema at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Schema> {
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(schema) = cache().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(schema.clone());
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading GraphQL schema {}", path.display()))?;
        let parsed = apollo_compiler::Schema::parse_and_validate(text, path)
            .map_err(|e| anyhow::anyhow!("schema {} is invalid: {}", path.display(), e.errors))?;
        let schema = Schema {
            inner: Arc::new(parsed),
        };
        cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, schema.clone());
        Ok(schema)
    }

    /// Where the schema is: env `GITHUB_GRAPHQL_SCHEMA`, else `<workspace root>/../shared/github/schema.graphql`.
    pub fn locate() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("GITHUB_GRAPHQL_SCHEMA") {
            let path = PathBuf::from(path);
            return path.is_file().then_some(path);
        }
        let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let path = workspace_root.join("../shared/github/schema.graphql");
        path.is_file().then_some(path)
    }

    /// Validate a document; the error list holds human-readable messages.
    pub fn validate(&self, document: &str) -> Result<(), Vec<String>> {
        self.parse(document).map(|_| ()).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
    }

    pub(crate) fn raw(&self) -> &Valid<apollo_compiler::Schema> {
        &self.inner
    }

    /// Parse and validate, giving GitHub-shaped error objects on failure.
    pub(crate) fn parse(&self, document: &str) -> Result<ValidDocument, Vec<serde_json::Value>> {
        match ExecutableDocument::parse_and_validate(&self.inner, document, "query.graphql") {
            Ok(document) => Ok(ValidDocument { document }),
            Err(with_errors) => Err(drop_knock_on_errors(
                with_errors
                    .errors
                    .iter()
                    .map(|diagnostic| {
                        let json = diagnostic.to_json();
                        let code = diagnostic
                            .error
                            .unstable_error_name()
                            .map(lower_camel)
                            .unwrap_or_else(|| "parseError".to_string());
                        let locations: Vec<serde_json::Value> = json
                            .locations
                            .iter()
                            .map(|l| serde_json::json!({"line": l.line, "column": l.column}))
                            .collect();
                        serde_json::json!({
                            "message": json.message,
                            "locations": locations,
                            "extensions": {"code": code},
                        })
                    })
                    .collect(),
            )),
        }
    }
}

/// apollo-compiler also reports "must have a subselection set" for a selection whose only
/// fields are unknown; GitHub reports just the unknown field, so keep that one.
fn drop_knock_on_errors(errors: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    let is_knock_on = |e: &serde_json::Value| e["extensions"]["code"] == "missingSubselection";
    if errors.iter().all(is_knock_on) {
        return errors;
    }
    errors.into_iter().filter(|e| !is_knock_on(e)).collect()
}

/// `UndefinedField` → `undefinedField`, GitHub's spelling of error codes.
fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
