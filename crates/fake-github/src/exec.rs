//! A small GraphQL executor over a validated document: collects fields (aliases, fragments,
//! `@skip`/`@include`), coerces arguments, asks `resolve` for each field and completes values
//! with GraphQL's null propagation. Top-level mutation fields run in document order, each
//! succeeding or failing on its own.

use std::rc::Rc;

use apollo_compiler::ast::{Type, Value as AstValue};
use apollo_compiler::executable::{ExecutableDocument, Field, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::Node;
use serde_json::{json, Map, Value};

use crate::state::State;

/// A field's failure, reported in `errors` with the field's path.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub kind: Option<&'static str>,
    pub message: String,
}

impl FieldError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            kind: Some(kind),
            message: message.into(),
        }
    }

    pub fn not_found(id: &str) -> FieldError {
        FieldError::new(
            "NOT_FOUND",
            format!("Could not resolve to a node with the global id of '{id}'"),
        )
    }

    pub fn unprocessable(message: impl Into<String>) -> FieldError {
        FieldError::new("UNPROCESSABLE", message)
    }

    pub fn forbidden() -> FieldError {
        FieldError::new("FORBIDDEN", "Resource not accessible by integration")
    }

    pub fn unemulated(type_name: &str, field: &str) -> FieldError {
        FieldError {
            kind: None,
            message: format!("fake-github does not emulate {type_name}.{field}"),
        }
    }
}

/// Projects v2 access, refused to `GITHUB_TOKEN`-like tokens as GitHub does: one rule for
/// reads (`resolve`) and writes (`mutate`).
pub fn project_access(state: &State) -> Result<(), FieldError> {
    if state.github_token_like {
        return Err(FieldError::forbidden());
    }
    if state.missing_project_scope {
        return Err(FieldError::new(
            "INSUFFICIENT_SCOPES",
            "Your token has not been granted the required scopes to execute this query. The 'projectV2' field requires \
             one of the following scopes: ['read:project'], but your token has only been granted the: ['repo'] scopes. \
             Please modify your token's scopes at: https://github.com/settings/tokens.",
        ));
    }
    Ok(())
}

/// A connection page: the items of this page and where they sit in the whole list.
pub struct Conn {
    pub typename: String,
    pub items: Vec<Out>,
    /// Index of `items[0]` in the whole list (cursors encode absolute positions).
    pub start: usize,
    pub total: usize,
}

/// An object the executor can select fields on.
#[derive(Clone)]
pub enum Obj {
    Query,
    Mutation,
    Repository,
    Organization,
    User(usize),
    Issue(usize),
    PullRequest(usize),
    Label(usize),
    IssueType(usize),
    Milestone(usize),
    Project,
    ProjectField(usize),
    SelectOption(usize, usize),
    Iteration(usize, usize),
    IterationConfig(usize),
    Item(usize),
    ItemValue(usize, usize),
    SubIssuesSummary(usize),
    DependenciesSummary(usize),
    RateLimit,
    Connection(Rc<Conn>),
    Edge(Rc<Conn>, usize),
    PageInfo(Rc<Conn>),
    Payload(&'static str, Vec<(&'static str, Out)>),
}

/// A resolved field before completion against its selection set.
#[derive(Clone)]
pub enum Out {
    Null,
    Leaf(Value),
    Obj(Obj),
    List(Vec<Out>),
    /// A failed list item (e.g. one unknown id of `nodes(ids:)`): null plus an error at its path.
    Error(FieldError),
}

impl Out {
    pub fn leaf(value: impl Into<Value>) -> Out {
        Out::Leaf(value.into())
    }
}

/// Numbers for `rateLimit { ... }`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateInfo {
    pub limit: u64,
    pub remaining: u64,
    pub used: u64,
    pub reset_at: u64,
    pub cost: u64,
    pub node_count: u64,
}

/// Everything a resolver may read or change while a document runs.
pub struct Ctx<'a> {
    pub state: &'a mut State,
    pub schema: &'a Valid<apollo_compiler::Schema>,
    pub doc: &'a Valid<ExecutableDocument>,
    pub variables: Map<String, Value>,
    pub errors: Vec<Value>,
    pub rate: RateInfo,
    /// Names of the mutation fields that ran (for stats and content limits).
    pub mutations_run: Vec<String>,
    /// Content-creating mutations this document may still run (`None` = unlimited).
    pub content_allowance: Option<usize>,
    /// Mutations refused as "submitted too quickly".
    pub too_quick: u64,
}

pub type Resolver = fn(&mut Ctx, &Obj, &str, &Map<String, Value>) -> Result<Out, FieldError>;

/// A response path segment.
#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

impl<'a> Ctx<'a> {
    /// Run the selection set of the operation's root; returns `data` (possibly null).
    pub fn execute_root(
        &mut self,
        root: Obj,
        selection_set: &'a SelectionSet,
        resolver: Resolver,
    ) -> Value {
        match self.select(&root, &[selection_set], &mut Vec::new(), resolver) {
            Ok(map) => Value::Object(map),
            Err(()) => Value::Null,
        }
    }

    fn select(
        &mut self,
        obj: &Obj,
        sets: &[&'a SelectionSet],
        path: &mut Vec<Seg>,
        resolver: Resolver,
    ) -> Result<Map<String, Value>, ()> {
        let typename = self.typename(obj);
        let mut grouped: Vec<(String, Vec<&'a Node<Field>>)> = Vec::new();
        for set in sets {
            self.collect(&typename, set, &mut grouped);
        }
        let mut out = Map::new();
        for (key, fields) in grouped {
            let field = fields[0];
            path.push(Seg::Key(key.clone()));
            let value = self.field(obj, &typename, &fields, path, resolver);
            path.pop();
            match value {
                Ok(v) => {
                    out.insert(key, v);
                }
                Err(()) if field.ty().is_non_null() => return Err(()),
                Err(()) => {
                    out.insert(key, Value::Null);
                }
            }
        }
        Ok(out)
    }

    fn field(
        &mut self,
        obj: &Obj,
        typename: &str,
        fields: &[&'a Node<Field>],
        path: &mut Vec<Seg>,
        resolver: Resolver,
    ) -> Result<Value, ()> {
        let field = fields[0];
        if field.name == "__typename" {
            return Ok(json!(typename));
        }
        let args = self.arguments(field);
        let resolved = match resolver(self, obj, field.name.as_str(), &args) {
            Ok(out) => out,
            Err(error) => {
                self.push_error(field, path, &error);
                return Err(());
            }
        };
        let sets: Vec<&'a SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        self.complete(field, field.ty(), resolved, &sets, path, resolver)
    }

    fn complete(
        &mut self,
        field: &Node<Field>,
        ty: &Type,
        out: Out,
        sets: &[&'a SelectionSet],
        path: &mut Vec<Seg>,
        resolver: Resolver,
    ) -> Result<Value, ()> {
        match out {
            Out::Null | Out::Leaf(Value::Null) if ty.is_non_null() => {
                let error = FieldError {
                    kind: None,
                    message: format!("Cannot return null for non-nullable field {}", field.name),
                };
                self.push_error(field, path, &error);
                Err(())
            }
            Out::Error(error) => {
                self.push_error(field, path, &error);
                Err(())
            }
            Out::Null => Ok(Value::Null),
            Out::Leaf(v) => Ok(v),
            Out::List(items) => {
                let item_ty = ty.item_type();
                let mut values = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    path.push(Seg::Index(i));
                    let v = self.complete(field, item_ty, item, sets, path, resolver);
                    path.pop();
                    match v {
                        Ok(v) => values.push(v),
                        Err(()) if item_ty.is_non_null() => return Err(()),
                        Err(()) => values.push(Value::Null),
                    }
                }
                Ok(Value::Array(values))
            }
            Out::Obj(obj) => self.select(&obj, sets, path, resolver).map(Value::Object),
        }
    }

    fn push_error(&mut self, field: &Node<Field>, path: &[Seg], error: &FieldError) {
        let path: Vec<Value> = path
            .iter()
            .map(|s| match s {
                Seg::Key(k) => json!(k),
                Seg::Index(i) => json!(i),
            })
            .collect();
        let mut value = json!({"path": path, "message": error.message});
        if let Some(kind) = error.kind {
            value["type"] = json!(kind);
        }
        if let Some(range) = field
            .location()
            .and_then(|s| s.line_column_range(&self.doc.sources))
        {
            value["locations"] = json!([{"line": range.start.line, "column": range.start.column}]);
        }
        self.errors.push(value);
    }

    /// Fields of `set` that apply to an object of type `typename`, grouped by response key.
    fn collect(
        &self,
        typename: &str,
        set: &'a SelectionSet,
        grouped: &mut Vec<(String, Vec<&'a Node<Field>>)>,
    ) {
        let doc: &'a ExecutableDocument = self.doc;
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    // `__schema`/`__type` are answered by apollo-compiler's introspection.
                    if !self.included(&field.directives)
                        || matches!(field.name.as_str(), "__schema" | "__type")
                    {
                        continue;
                    }
                    let key = field.response_key().to_string();
                    match grouped.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => grouped.push((key, vec![field])),
                    }
                }
                Selection::InlineFragment(inline) => {
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| self.applies(c, typename));
                    if applies && self.included(&inline.directives) {
                        self.collect(typename, &inline.selection_set, grouped);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = doc.fragments.get(&spread.fragment_name) {
                        if self.applies(fragment.type_condition(), typename)
                            && self.included(&spread.directives)
                        {
                            self.collect(typename, &fragment.selection_set, grouped);
                        }
                    }
                }
            }
        }
    }

    fn applies(&self, condition: &str, typename: &str) -> bool {
        condition == typename || self.schema.is_subtype(condition, typename)
    }

    fn included(&self, directives: &apollo_compiler::executable::DirectiveList) -> bool {
        let flag = |name: &str| {
            directives
                .get(name)
                .and_then(|d| d.specified_argument_by_name("if"))
                .map(|v| self.value(v) == json!(true))
        };
        flag("skip") != Some(true) && flag("include") != Some(false)
    }

    /// The field's arguments with variables substituted and schema defaults filled in;
    /// an argument whose variable was not provided is absent.
    fn arguments(&self, field: &Node<Field>) -> Map<String, Value> {
        let mut args = Map::new();
        for def in &field.definition.arguments {
            match field.specified_argument_by_name(&def.name) {
                Some(value) if is_missing_variable(value, &self.variables) => {}
                Some(value) => {
                    args.insert(def.name.to_string(), self.value(value));
                }
                None => {
                    if let Some(default) = &def.default_value {
                        args.insert(def.name.to_string(), self.value(default));
                    }
                }
            }
        }
        args
    }

    pub fn value(&self, value: &AstValue) -> Value {
        ast_value(value, &self.variables)
    }

    /// The GraphQL type name of an object (for `__typename` and fragment matching).
    pub fn typename(&self, obj: &Obj) -> String {
        let state = &*self.state;
        let name = match obj {
            Obj::Query => "Query",
            Obj::Mutation => "Mutation",
            Obj::Repository => "Repository",
            Obj::Organization => "Organization",
            Obj::User(_) => "User",
            Obj::Issue(_) => "Issue",
            Obj::PullRequest(_) => "PullRequest",
            Obj::Label(_) => "Label",
            Obj::IssueType(_) => "IssueType",
            Obj::Milestone(_) => "Milestone",
            Obj::Project => "ProjectV2",
            Obj::ProjectField(f) => match state.project.as_ref().map(|p| &p.fields[*f].kind) {
                Some(crate::state::FieldKind::SingleSelect(_)) => "ProjectV2SingleSelectField",
                Some(crate::state::FieldKind::Iteration { .. }) => "ProjectV2IterationField",
                _ => "ProjectV2Field",
            },
            Obj::SelectOption(..) => "ProjectV2SingleSelectFieldOption",
            Obj::Iteration(..) => "ProjectV2IterationFieldIteration",
            Obj::IterationConfig(_) => "ProjectV2IterationFieldConfiguration",
            Obj::Item(_) => "ProjectV2Item",
            Obj::ItemValue(_, f) => match state.project.as_ref().map(|p| p.fields[*f].data_type) {
                Some("NUMBER") => "ProjectV2ItemFieldNumberValue",
                Some("DATE") => "ProjectV2ItemFieldDateValue",
                Some("SINGLE_SELECT") => "ProjectV2ItemFieldSingleSelectValue",
                Some("ITERATION") => "ProjectV2ItemFieldIterationValue",
                _ => "ProjectV2ItemFieldTextValue",
            },
            Obj::SubIssuesSummary(_) => "SubIssuesSummary",
            Obj::DependenciesSummary(_) => "IssueDependenciesSummary",
            Obj::RateLimit => "RateLimit",
            Obj::Connection(conn) => return conn.typename.clone(),
            Obj::Edge(conn, _) => return conn.typename.replace("Connection", "Edge"),
            Obj::PageInfo(_) => "PageInfo",
            Obj::Payload(name, _) => name,
        };
        name.to_string()
    }
}

fn is_missing_variable(value: &AstValue, variables: &Map<String, Value>) -> bool {
    matches!(value, AstValue::Variable(var) if !variables.contains_key(var.as_str()))
}

/// A literal or variable from the document as JSON (enum values become strings).
pub fn ast_value(value: &AstValue, variables: &Map<String, Value>) -> Value {
    match value {
        AstValue::Null => Value::Null,
        AstValue::Enum(name) => json!(name.as_str()),
        AstValue::Variable(name) => variables.get(name.as_str()).cloned().unwrap_or(Value::Null),
        AstValue::String(s) => json!(s),
        AstValue::Float(f) => f.try_to_f64().map(|f| json!(f)).unwrap_or(Value::Null),
        AstValue::Int(i) => i
            .as_str()
            .parse::<i64>()
            .map(|i| json!(i))
            .unwrap_or(Value::Null),
        AstValue::Boolean(b) => json!(b),
        AstValue::List(items) => {
            Value::Array(items.iter().map(|v| ast_value(v, variables)).collect())
        }
        AstValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), ast_value(v, variables)))
                .collect(),
        ),
    }
}

/// Opaque cursor for an absolute position (base64 of `cursor:v2:N`, like GitHub's look).
pub fn cursor(position: usize) -> String {
    base64(format!("cursor:v2:{position}").as_bytes())
}

pub fn parse_cursor(cursor: &str) -> Option<usize> {
    let bytes = unbase64(cursor)?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("cursor:v2:")?
        .parse()
        .ok()
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = B64.iter().position(|b| *b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits & 0xff) as u8);
        }
    }
    Some(out)
}

/// Slice `all` by `first`/`after`/`last`/`before` (bounds were checked before execution).
pub fn paginate(
    typename: &str,
    all: Vec<Out>,
    args: &Map<String, Value>,
) -> Result<Out, FieldError> {
    let total = all.len();
    let position = |key: &str| -> Result<Option<usize>, FieldError> {
        match args.get(key).and_then(Value::as_str) {
            None => Ok(None),
            Some(c) => parse_cursor(c).map(Some).ok_or_else(|| FieldError {
                kind: None,
                message: format!("`{key}` is not a valid cursor."),
            }),
        }
    };
    let mut start = position("after")?.map_or(0, |p| p + 1).min(total);
    let mut end = position("before")?.unwrap_or(total).min(total).max(start);
    if let Some(first) = args.get("first").and_then(Value::as_u64) {
        end = end.min(start + first as usize);
    }
    if let Some(last) = args.get("last").and_then(Value::as_u64) {
        start = start.max(end.saturating_sub(last as usize));
    }
    let items = all.into_iter().skip(start).take(end - start).collect();
    Ok(Out::Obj(Obj::Connection(Rc::new(Conn {
        typename: typename.to_string(),
        items,
        start,
        total,
    }))))
}

/// Fields shared by every connection type.
pub fn resolve_connection(obj: &Obj, name: &str) -> Option<Out> {
    match (obj, name) {
        (Obj::Connection(c), "nodes") => Some(Out::List(c.items.clone())),
        (Obj::Connection(c), "edges") => Some(Out::List(
            (0..c.items.len())
                .map(|i| Out::Obj(Obj::Edge(c.clone(), i)))
                .collect(),
        )),
        (Obj::Connection(c), "totalCount") => Some(Out::leaf(c.total)),
        (Obj::Connection(c), "pageInfo") => Some(Out::Obj(Obj::PageInfo(c.clone()))),
        (Obj::Edge(c, i), "node") => Some(c.items[*i].clone()),
        (Obj::Edge(c, i), "cursor") => Some(Out::leaf(cursor(c.start + i))),
        (Obj::PageInfo(c), "hasNextPage") => Some(Out::leaf(c.start + c.items.len() < c.total)),
        (Obj::PageInfo(c), "hasPreviousPage") => Some(Out::leaf(c.start > 0)),
        (Obj::PageInfo(c), "startCursor") => Some(if c.items.is_empty() {
            Out::Null
        } else {
            Out::leaf(cursor(c.start))
        }),
        (Obj::PageInfo(c), "endCursor") => Some(if c.items.is_empty() {
            Out::Null
        } else {
            Out::leaf(cursor(c.start + c.items.len() - 1))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        for n in [0, 1, 99, 100, 12345] {
            assert_eq!(parse_cursor(&cursor(n)), Some(n));
        }
        assert_eq!(parse_cursor("not a cursor!"), None);
    }
}
