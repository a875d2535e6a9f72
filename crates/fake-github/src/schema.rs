//! GitHub's real GraphQL schema, parsed once per process, and validation of documents against it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use apollo_compiler::executable::ExecutableDocument;
use apollo_compiler::validation::Valid;

use crate::config::Feature;

type Implementers = apollo_compiler::collections::HashMap<
    apollo_compiler::Name,
    apollo_compiler::schema::Implementers,
>;

/// A base schema's address and the features taken out of it.
type ReducedKey = (usize, Vec<Feature>);

/// A parsed, validated schema. Cheap to clone (shared).
#[derive(Clone)]
pub struct Schema {
    inner: Arc<Valid<apollo_compiler::Schema>>,
    /// Interface implementers, computed on the first introspection query.
    implementers: Arc<OnceLock<Implementers>>,
}

/// A document that passed validation, with the schema it was checked against.
pub(crate) struct ValidDocument {
    pub document: Valid<ExecutableDocument>,
}

/// GitHub's public schema as vendored in this repository (`schema/github.graphql`, with its source
/// and date in its header), built into the crate so the fake validates against it anywhere.
const GITHUB_SDL: &str = include_str!("../../../schema/github.graphql");

/// The variable that points the fake (and the tests) at another schema file.
pub const SCHEMA_ENV: &str = "GITHUB_GRAPHQL_SCHEMA";

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
        let schema = Schema::from_sdl(text, path)?;
        cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, schema.clone());
        Ok(schema)
    }

    /// GitHub's schema as vendored in the repository, parsed once per process.
    pub fn vendored() -> Schema {
        static VENDORED: OnceLock<Schema> = OnceLock::new();
        VENDORED
            .get_or_init(|| {
                Schema::from_sdl(GITHUB_SDL, Path::new("schema/github.graphql"))
                    // The vendored file is fixed at build time; every test run parses it.
                    .expect("the vendored GitHub schema is valid")
            })
            .clone()
    }

    /// The schema to validate against: the file named by `GITHUB_GRAPHQL_SCHEMA` when set (an
    /// error if it cannot be read — never a silent switch), else the vendored copy.
    pub fn github() -> anyhow::Result<Schema> {
        match std::env::var_os(SCHEMA_ENV) {
            Some(path) if !path.is_empty() => Schema::load(Path::new(&path))
                .with_context(|| format!("{SCHEMA_ENV} names a schema that cannot be used")),
            _ => Ok(Schema::vendored()),
        }
    }

    fn from_sdl(text: impl Into<String>, path: &Path) -> anyhow::Result<Schema> {
        let parsed = apollo_compiler::Schema::parse_and_validate(text.into(), path)
            .map_err(|e| anyhow::anyhow!("schema {} is invalid: {}", path.display(), e.errors))?;
        Ok(Schema {
            inner: Arc::new(parsed),
            implementers: Arc::default(),
        })
    }

    /// This schema without `features`, as an older GitHub Enterprise Server serves it: their
    /// fields, arguments, input fields and enum values are gone, so validation and
    /// introspection answer as that server does. Built once per schema and set of features.
    pub fn without(&self, features: &[Feature]) -> anyhow::Result<Schema> {
        if features.is_empty() {
            return Ok(self.clone());
        }
        let mut features = features.to_vec();
        features.sort();
        features.dedup();
        // Base schemas live as long as the process (cached above), so their address is a key.
        let key = (Arc::as_ptr(&self.inner) as usize, features.clone());
        static REDUCED: OnceLock<Mutex<HashMap<ReducedKey, Schema>>> = OnceLock::new();
        let reduced = REDUCED.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(schema) = reduced.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(schema.clone());
        }
        let mut schema = (*self.inner).clone().into_inner();
        for feature in &features {
            for part in feature_parts(*feature) {
                remove(&mut schema, part);
            }
        }
        let schema = Schema {
            inner: Arc::new(schema.validate().map_err(|e| {
                anyhow::anyhow!("the schema without {features:?} is invalid: {}", e.errors)
            })?),
            implementers: Arc::default(),
        };
        reduced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, schema.clone());
        Ok(schema)
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

    pub(crate) fn implementers(&self) -> &Implementers {
        self.implementers
            .get_or_init(|| self.inner.implementers_map())
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
                        let (message, extensions) = github_wording(&json.message, code);
                        let mut error = serde_json::json!({
                            "message": message,
                            "locations": locations,
                            "extensions": extensions,
                        });
                        if let Some(path) = json
                            .locations
                            .first()
                            .and_then(|l| validation_path(document, l.line, l.column))
                        {
                            error["path"] = serde_json::json!(path);
                        }
                        error
                    })
                    .collect(),
            )),
        }
    }
}

/// One piece of schema a feature adds.
enum Part {
    /// `Type.field` (objects and input objects alike).
    Field(&'static str, &'static str),
    /// `Type.field(argument:)`.
    Argument(&'static str, &'static str, &'static str),
    /// `Enum.VALUE`.
    Value(&'static str, &'static str),
}

/// What each feature adds to the schema, as GitHub's changelog lists it.
fn feature_parts(feature: Feature) -> &'static [Part] {
    use Part::{Argument, Field, Value};
    match feature {
        Feature::SubIssues => &[
            Field("Issue", "parent"),
            Field("Issue", "subIssues"),
            Field("Issue", "subIssuesSummary"),
            Field("Mutation", "addSubIssue"),
            Field("Mutation", "removeSubIssue"),
            Field("Mutation", "reprioritizeSubIssue"),
            Field("CreateIssueInput", "parentIssueId"),
        ],
        Feature::IssueTypes => &[
            Field("Issue", "issueType"),
            Field("Repository", "issueType"),
            Field("Repository", "issueTypes"),
            Field("Organization", "issueTypes"),
            Field("Mutation", "createIssueType"),
            Field("Mutation", "updateIssueType"),
            Field("Mutation", "deleteIssueType"),
            Field("Mutation", "updateIssueIssueType"),
            Field("CreateIssueInput", "issueTypeId"),
            Field("UpdateIssueInput", "issueTypeId"),
        ],
        Feature::IssueDependencies => &[
            Field("Issue", "blockedBy"),
            Field("Issue", "blocking"),
            Field("Issue", "issueDependenciesSummary"),
            Field("Mutation", "addBlockedBy"),
            Field("Mutation", "removeBlockedBy"),
        ],
        Feature::DuplicateReason => &[
            Argument("Issue", "stateReason", "enableDuplicate"),
            Field("CloseIssueInput", "duplicateIssueId"),
            Value("IssueClosedStateReason", "DUPLICATE"),
            Value("IssueStateReason", "DUPLICATE"),
        ],
        Feature::CardsInCreate => &[Field("CreateIssueInput", "projectV2Ids")],
    }
}

/// Takes `part` out of `schema` (nothing happens if it is not there).
fn remove(schema: &mut apollo_compiler::Schema, part: &Part) {
    use apollo_compiler::schema::ExtendedType;
    let type_name = match part {
        Part::Field(t, _) | Part::Argument(t, _, _) | Part::Value(t, _) => *t,
    };
    let Some(ty) = schema.types.get_mut(type_name) else {
        return;
    };
    match (ty, part) {
        (ExtendedType::Object(object), Part::Field(_, field)) => {
            object.make_mut().fields.shift_remove(*field);
        }
        (ExtendedType::InputObject(input), Part::Field(_, field)) => {
            input.make_mut().fields.shift_remove(*field);
        }
        (ExtendedType::Object(object), Part::Argument(_, field, argument)) => {
            if let Some(field) = object.make_mut().fields.get_mut(*field) {
                field
                    .make_mut()
                    .arguments
                    .retain(|a| a.name.as_str() != *argument);
            }
        }
        (ExtendedType::Enum(values), Part::Value(_, value)) => {
            values.make_mut().values.shift_remove(*value);
        }
        _ => {}
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

/// GitHub's `path` of a validation error: the operation (`"query"`, `"mutation Name"`) or
/// fragment (`"fragment Name"`), then the fields leading to the one at `line:column`.
fn validation_path(document: &str, line: usize, column: usize) -> Option<Vec<String>> {
    use apollo_compiler::ast::{Definition, Selection};
    let parsed = apollo_compiler::ast::Document::parse(document, "query.graphql").ok()?;
    fn walk(
        selections: &[Selection],
        sources: &apollo_compiler::parser::SourceMap,
        at: (usize, usize),
        path: &mut Vec<String>,
    ) -> bool {
        for selection in selections {
            let (inner, name) = match selection {
                Selection::Field(field) => {
                    let start = field
                        .location()
                        .and_then(|s| s.line_column_range(sources))
                        .map(|r| (r.start.line, r.start.column));
                    path.push(field.response_name().to_string());
                    if start == Some(at) {
                        return true;
                    }
                    (&field.selection_set, true)
                }
                Selection::InlineFragment(inline) => (&inline.selection_set, false),
                Selection::FragmentSpread(_) => continue,
            };
            if walk(inner, sources, at, path) {
                return true;
            }
            if name {
                path.pop();
            }
        }
        false
    }
    for definition in &parsed.definitions {
        let (root, selections) = match definition {
            Definition::OperationDefinition(op) => {
                let kind = op.operation_type.name();
                (
                    op.name
                        .as_ref()
                        .map_or(kind.to_string(), |n| format!("{kind} {n}")),
                    &op.selection_set,
                )
            }
            Definition::FragmentDefinition(f) => (format!("fragment {}", f.name), &f.selection_set),
            _ => continue,
        };
        let mut path = vec![root];
        if walk(selections, &parsed.sources, (line, column), &mut path) {
            return Some(path);
        }
    }
    None
}

/// The text between the first two backticks after `prefix`, and the rest.
fn quoted<'a>(text: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = text.strip_prefix(prefix)?.strip_prefix('`')?;
    let end = rest.find('`')?;
    Some((&rest[..end], &rest[end + 1..]))
}

/// GitHub (graphql-ruby) words the common validation errors differently from apollo-compiler;
/// use GitHub's wording and extensions for those, apollo's message for the rest.
fn github_wording(message: &str, code: String) -> (String, serde_json::Value) {
    use serde_json::json;
    if let Some((type_name, rest)) = quoted(message, "type ") {
        if let Some((field, _)) = quoted(rest, " does not have a field ") {
            return (
                format!("Field '{field}' doesn't exist on type '{type_name}'"),
                json!({"code": "undefinedField", "typeName": type_name, "fieldName": field}),
            );
        }
    }
    if let Some((argument, rest)) = quoted(message, "the argument ") {
        if let Some((coordinate, _)) = quoted(rest, " is not supported by ") {
            let field = coordinate.rsplit('.').next().unwrap_or(coordinate);
            return (
                format!("Field '{field}' doesn't accept argument '{argument}'"),
                json!({"code": "argumentNotAccepted", "name": field, "typeName": "Field", "argumentName": argument}),
            );
        }
    }
    if let Some((coordinate, _)) = quoted(message, "the required argument ") {
        // `Type.field(argument:)`
        let (path, argument) = coordinate
            .trim_end_matches(":)")
            .split_once('(')
            .unwrap_or((coordinate, ""));
        let field = path.rsplit('.').next().unwrap_or(path);
        return (
            format!("Field '{field}' is missing required arguments: {argument}"),
            json!({"code": "missingRequiredArguments", "className": "Field", "name": field, "arguments": argument}),
        );
    }
    (message.to_string(), json!({"code": code}))
}

/// `UndefinedField` → `undefinedField`, GitHub's spelling of error codes.
fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
