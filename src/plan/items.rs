//! Turns a document tree into plan settings and raw items, checking each item on its own:
//! known keys only, value types, title, field syntax and text size.
//!
//! Rules that need the whole plan (ids, parents, dependencies) are in `validate`.

use std::collections::{BTreeMap, HashSet};

use super::fields::field_value;
use super::node::{Key, Node, Pos, Sink, Value};
use super::suggest::{key_hint, Hints};
use super::{
    Content, Defaults, Estimate, FieldValue, ItemKind, KeyLocations, Location, Scope, SpecRef,
    Verification,
};

/// Longest title GitHub accepts, in characters.
pub(crate) const MAX_TITLE: usize = 256;
/// Longest item id, in characters.
const MAX_ID: usize = 100;
/// Largest issue number accepted (GitHub's are far below; this keeps the value exact).
const MAX_ISSUE: f64 = 9_007_199_254_740_991.0;

/// A value together with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub location: Location,
}

/// One item as read from the file, before the plan-wide checks.
#[derive(Debug)]
pub(crate) struct RawItem {
    pub id: String,
    pub kind: ItemKind,
    pub location: Location,
    pub id_location: Location,
    pub title: String,
    pub parent: Option<Spanned<String>>,
    /// planpilot's explicit child list: where the key is, and its entries.
    pub sub_item_ids: Option<(Location, Vec<Spanned<String>>)>,
    pub depends_on: Vec<Spanned<String>>,
    pub content: Content,
    pub labels: Vec<String>,
    pub assignees: Option<Vec<String>>,
    pub milestone: Option<String>,
    pub fields: BTreeMap<String, FieldValue>,
    /// `issue:`, the number of an existing issue to adopt.
    pub issue: Option<Spanned<u64>>,
    pub at: KeyLocations,
}

/// An item being read: the parents it names (and how), its nested children, whether it has a
/// title.
struct Draft<'n> {
    item: RawItem,
    parents: Vec<(Spanned<String>, &'static str)>,
    children: Option<&'n Node>,
    has_title: bool,
}

/// Plan-wide settings of a single-file plan.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    pub key: Option<String>,
    pub defaults: Defaults,
}

const TOP_KEYS: &[&str] = &[
    "version", "id", "defaults", "epics", "stories", "tasks", "items",
];
const DEFAULTS_KEYS: &[&str] = &["labels", "assignees", "fields"];
const ITEM_KEYS: &[&str] = &[
    "id",
    "type",
    "title",
    "goal",
    "motivation",
    "description",
    "requirements",
    "acceptance_criteria",
    "success_metrics",
    "risks",
    "assumptions",
    "scope",
    "spec_ref",
    "verification",
    "artifacts",
    "estimate",
    "depends_on",
    "labels",
    "assignees",
    "milestone",
    "fields",
    "parent_id",
    "sub_item_ids",
    "issue",
];
const SCOPE_KEYS: &[&str] = &["in", "out", "in_scope", "out_scope"];
const SPEC_REF_KEYS: &[&str] = &["path", "url", "section", "anchor", "quote"];
const VERIFICATION_KEYS: &[&str] = &["commands", "ci_checks", "evidence", "manual_steps"];
const ESTIMATE_KEYS: &[&str] = &["tshirt", "hours"];

/// Keys only one kind of item has: its children list and the key naming its parent.
fn kind_keys(kind: ItemKind) -> &'static [&'static str] {
    match kind {
        ItemKind::Epic => &["stories"],
        ItemKind::Story => &["tasks", "epic"],
        ItemKind::Task => &["story"],
    }
}

/// Why a parent or children key does not belong on this kind of item.
fn misplaced_key(key: &str, label: &str) -> String {
    let why = match key {
        "epic" => "only a story names its epic with `epic:`",
        "story" => "only a task names its story with `story:`",
        "stories" => "only an epic holds `stories:`",
        _ => "only a story holds `tasks:`",
    };
    format!("{label}: `{key}` does not belong here ({why})")
}

fn list_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Epic => "epics",
        ItemKind::Story => "stories",
        ItemKind::Task => "tasks",
    }
}

fn entries(node: &Node) -> &[(Key, Node)] {
    match &node.value {
        Value::Map(entries) => entries,
        _ => &[],
    }
}

/// Reads items and settings, reporting problems to the sink.
pub(crate) struct Reader<'s> {
    pub sink: &'s mut Sink,
    pub items: Vec<RawItem>,
    /// Ids of items left out because their kind could not be told (already reported), so that
    /// references to them are not reported a second time as unknown.
    pub skipped: HashSet<String>,
    /// Work left for "did you mean" hints on unknown keys (see `suggest::Hints`).
    hint_budget: usize,
}

impl<'s> Reader<'s> {
    pub fn new(sink: &'s mut Sink) -> Reader<'s> {
        Reader {
            sink,
            items: Vec::new(),
            skipped: HashSet::new(),
            hint_budget: Hints::BUDGET,
        }
    }

    /// A single-file plan: a mapping with `epics:` (nested or flat) and/or `items:`.
    pub fn document(&mut self, root: &Node) -> Settings {
        let mut settings = Settings::default();
        let found = match &root.value {
            Value::Map(entries) => entries,
            Value::Seq(_) => {
                self.sink.error(
                    root.pos,
                    None,
                    "not a plan: the file is a list, expected a mapping with `epics:` or `items:` \
                     (for planpilot's epics.json/stories.json/tasks.json, load their directory)",
                );
                return settings;
            }
            _ => {
                self.sink.error(
                    root.pos,
                    None,
                    format!(
                        "not a plan: expected a mapping with `epics:` or `items:`, found {}",
                        root.kind_name()
                    ),
                );
                return settings;
            }
        };
        let has_items = found
            .iter()
            .any(|(k, _)| matches!(k.text.as_str(), "epics" | "stories" | "tasks" | "items"));
        if !has_items {
            self.sink.error(
                root.pos,
                None,
                "not a plan: no `epics:`, `stories:`, `tasks:` or `items:` list",
            );
        }
        for (key, value) in found {
            match key.text.as_str() {
                "version" => self.version(value),
                "id" => settings.key = self.plan_key(value),
                "defaults" => settings.defaults = self.defaults(value),
                "epics" => self.list(value, Some(ItemKind::Epic), None),
                "stories" => self.list(value, Some(ItemKind::Story), None),
                "tasks" => self.list(value, Some(ItemKind::Task), None),
                "items" => self.list(value, None, None),
                _ => self.unknown_key(key, TOP_KEYS.iter().copied(), "plan", None),
            }
        }
        settings
    }

    /// One of planpilot's split files: a list of items of one kind.
    pub fn split_file(&mut self, root: &Node, kind: ItemKind) {
        if matches!(root.value, Value::Seq(_)) {
            self.list(root, Some(kind), None);
        } else {
            self.sink.error(
                root.pos,
                None,
                format!(
                    "not a plan: expected a list of {}, found {}",
                    list_name(kind),
                    root.kind_name()
                ),
            );
        }
    }

    fn unknown_key<'k>(
        &mut self,
        key: &Key,
        known: impl IntoIterator<Item = &'k str>,
        whose: &str,
        item: Option<&str>,
    ) {
        let message = if key.text == "<<" {
            format!("{whose}: YAML merge keys (`<<`) are not supported; repeat the keys instead")
        } else {
            format!(
                "{whose}: unknown key `{}`{}",
                key.text,
                key_hint(&key.text, known, &mut self.hint_budget)
            )
        };
        self.sink.error(key.pos, item, message);
    }

    fn version(&mut self, node: &Node) {
        if !matches!(node.value, Value::Number(n, _) if n == 1.0) {
            let shown = node.scalar_text().unwrap_or("?");
            self.sink.error(
                node.pos,
                None,
                format!("unsupported plan version `{shown}` (this planpilot reads version 1)"),
            );
        }
    }

    fn plan_key(&mut self, node: &Node) -> Option<String> {
        let key = self.text(node, "plan: `id`", None)?;
        if key.trim().is_empty() || key.chars().any(char::is_control) {
            self.sink.error(
                node.pos,
                None,
                "plan: `id` must be non-empty text on one line",
            );
            return None;
        }
        Some(key)
    }

    fn defaults(&mut self, node: &Node) -> Defaults {
        let mut defaults = Defaults::default();
        if !self.expect_map(node, "plan: `defaults`", None) {
            return defaults;
        }
        for (key, value) in entries(node) {
            match key.text.as_str() {
                "labels" => defaults.labels = self.names(value, "defaults: `labels`", None),
                "assignees" => {
                    defaults.assignees = self.names(value, "defaults: `assignees`", None)
                }
                "fields" => {
                    (defaults.fields, defaults.field_locations) =
                        self.fields(value, "defaults", None)
                }
                _ => self.unknown_key(key, DEFAULTS_KEYS.iter().copied(), "defaults", None),
            }
        }
        defaults
    }

    /// A list of items of `kind` (or of any kind named by `type`, when `kind` is `None`).
    fn list(&mut self, node: &Node, kind: Option<ItemKind>, parent: Option<&Spanned<String>>) {
        match &node.value {
            Value::Seq(items) => {
                for item in items {
                    self.item(item, kind, parent);
                }
            }
            Value::Null => {}
            _ => {
                let name = kind.map_or("items", list_name);
                let owner = parent.map_or(String::from("plan"), |p| p.value.clone());
                self.sink.error(
                    node.pos,
                    parent.map(|p| p.value.as_str()),
                    format!(
                        "{owner}: `{name}` must be a list, found {}",
                        node.kind_name()
                    ),
                );
            }
        }
    }

    fn item(&mut self, node: &Node, listed: Option<ItemKind>, parent: Option<&Spanned<String>>) {
        let Value::Map(fields) = &node.value else {
            self.sink.error(
                node.pos,
                None,
                format!(
                    "expected an item (a mapping with `id` and `title`), found {}",
                    node.kind_name()
                ),
            );
            return;
        };
        let Some((id, id_pos)) = self.item_id(node, fields) else {
            return;
        };
        let Some(kind) = self.item_kind(fields, listed, &id, node.pos) else {
            self.skipped.insert(id);
            return;
        };
        let label = format!("{kind} {id}");
        let location = self.sink.location(node.pos);
        let item = RawItem {
            id: id.clone(),
            kind,
            location: location.clone(),
            id_location: self.sink.location(id_pos),
            title: String::new(),
            parent: None,
            sub_item_ids: None,
            depends_on: Vec::new(),
            content: Content::default(),
            labels: Vec::new(),
            assignees: None,
            milestone: None,
            fields: BTreeMap::new(),
            issue: None,
            at: KeyLocations::default(),
        };
        let mut draft = Draft {
            item,
            parents: Vec::new(),
            children: None,
            has_title: false,
        };
        if let Some(p) = parent {
            draft.parents.push((p.clone(), "by nesting"));
        }
        for (key, value) in fields {
            // An explicit null is the same as leaving the key out.
            if value.value != Value::Null || matches!(key.text.as_str(), "id" | "title") {
                self.item_key(&mut draft, key, value, &label);
            }
        }
        if !draft.has_title {
            self.sink
                .error(node.pos, Some(&id), format!("{label} has no `title`"));
        }
        draft.item.parent = self.resolve_parent(draft.parents, kind, &label, &id);
        self.items.push(draft.item);
        if let (Some(children), Some(child_kind)) = (draft.children, kind.child()) {
            let as_parent = Spanned {
                value: id,
                location,
            };
            self.list(children, Some(child_kind), Some(&as_parent));
        }
    }

    /// Reads one key of an item into the draft.
    fn item_key<'n>(&mut self, draft: &mut Draft<'n>, key: &Key, value: &'n Node, label: &str) {
        let what = format!("{label}: `{}`", key.text);
        let id = draft.item.id.clone();
        let who = Some(id.as_str());
        let kind = draft.item.kind;
        let item = &mut draft.item;
        let c = &mut item.content;
        match key.text.as_str() {
            "id" | "type" => {}
            "title" => {
                draft.has_title = true;
                item.title = self.title(value, label, &id);
            }
            "goal" => c.goal = self.text(value, &what, who),
            "motivation" => c.motivation = self.text(value, &what, who),
            "description" => c.description = self.text(value, &what, who),
            "requirements" => c.requirements = self.texts(value, &what, who),
            "acceptance_criteria" => c.acceptance_criteria = self.texts(value, &what, who),
            "success_metrics" => c.success_metrics = self.texts(value, &what, who),
            "risks" => c.risks = self.texts(value, &what, who),
            "assumptions" => c.assumptions = self.texts(value, &what, who),
            "artifacts" => c.artifacts = self.texts(value, &what, who),
            "scope" => c.scope = self.scope(value, label, who),
            "spec_ref" => c.spec_ref = self.spec_ref(value, label, who),
            "verification" => c.verification = self.verification(value, label, who),
            "estimate" => c.estimate = self.estimate(value, label, who),
            "depends_on" => item.depends_on = self.ids(value, &what, who),
            "labels" => item.labels = self.names(value, &what, who),
            "assignees" => {
                item.at.assignees = Some(self.sink.location(value.pos));
                item.assignees = Some(self.names(value, &what, who));
            }
            "milestone" => {
                item.at.milestone = Some(self.sink.location(value.pos));
                item.milestone = self.text(value, &what, who);
            }
            "fields" => (item.fields, item.at.fields) = self.fields(value, label, who),
            "issue" => item.issue = self.issue_number(value, &what, who),
            "sub_item_ids" => {
                let ids = self.ids(value, &what, who);
                item.sub_item_ids = Some((self.sink.location(key.pos), ids));
            }
            "parent_id" => self.named_parent(draft, value, &what, "`parent_id`"),
            "epic" if kind == ItemKind::Story => self.named_parent(draft, value, &what, "`epic`"),
            "story" if kind == ItemKind::Task => self.named_parent(draft, value, &what, "`story`"),
            "stories" if kind == ItemKind::Epic => draft.children = Some(value),
            "tasks" if kind == ItemKind::Story => draft.children = Some(value),
            "epic" | "story" | "stories" | "tasks" => {
                let message = misplaced_key(&key.text, label);
                self.sink.error(key.pos, who, message);
            }
            _ => {
                let known = ITEM_KEYS.iter().chain(kind_keys(kind)).copied();
                self.unknown_key(key, known, label, who);
            }
        }
    }

    fn named_parent(&mut self, draft: &mut Draft, value: &Node, what: &str, how: &'static str) {
        let id = draft.item.id.clone();
        if let Some(p) = self.spanned_text(value, what, Some(&id)) {
            draft.parents.push((p, how));
        }
    }

    /// `issue:` — a whole number from 1 (`"#123"` and `"123"` as text are read the same way;
    /// an unquoted `#123` is a YAML comment, which is why the message shows `issue: 123`).
    fn issue_number(
        &mut self,
        node: &Node,
        what: &str,
        item: Option<&str>,
    ) -> Option<Spanned<u64>> {
        let number = match &node.value {
            Value::Number(n, _) if n.fract() == 0.0 && *n >= 1.0 && *n <= MAX_ISSUE => {
                Some(*n as u64)
            }
            Value::Str(text) => text
                .trim()
                .trim_start_matches('#')
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1 && *n as f64 <= MAX_ISSUE),
            _ => None,
        };
        if number.is_none() {
            let shown = node.scalar_text().map_or_else(
                || node.kind_name().to_string(),
                |t| format!("`{}`", t.escape_debug()),
            );
            self.sink.error(
                node.pos,
                item,
                format!("{what} must be an issue number, e.g. `issue: 123`; found {shown}"),
            );
        }
        number.map(|value| Spanned {
            value,
            location: self.sink.location(node.pos),
        })
    }

    /// The item's `id`: required, text without whitespace, at most `MAX_ID` characters.
    fn item_id(&mut self, node: &Node, fields: &[(Key, Node)]) -> Option<(String, Pos)> {
        let Some((_, value)) = fields.iter().find(|(k, _)| k.text == "id") else {
            self.sink.error(
                node.pos,
                None,
                "item has no `id` (every item needs an id and a title)",
            );
            return None;
        };
        let Some(id) = value.scalar_text() else {
            self.sink.error(
                value.pos,
                None,
                format!("item `id` must be text, found {}", value.kind_name()),
            );
            return None;
        };
        let bad = if id.is_empty() {
            Some("is empty")
        } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("contains whitespace")
        } else if id.chars().count() > MAX_ID {
            Some("is longer than 100 characters")
        } else {
            None
        };
        if let Some(why) = bad {
            self.sink.error(
                value.pos,
                None,
                format!("item id `{}` {why}", id.escape_debug()),
            );
            return None;
        }
        Some((id.to_owned(), value.pos))
    }

    /// The item's kind: from the list it is in, checked against `type` when given.
    fn item_kind(
        &mut self,
        fields: &[(Key, Node)],
        listed: Option<ItemKind>,
        id: &str,
        pos: Pos,
    ) -> Option<ItemKind> {
        let typed = fields.iter().find(|(k, _)| k.text == "type");
        let declared = match typed {
            Some((_, value)) if value.value != Value::Null => {
                let text = value.scalar_text().unwrap_or("");
                let kind = ItemKind::ALL
                    .into_iter()
                    .find(|k| k.as_str().eq_ignore_ascii_case(text));
                if kind.is_none() {
                    self.sink.error(
                        value.pos,
                        Some(id),
                        format!("item {id}: `type` must be EPIC, STORY or TASK, found `{text}`"),
                    );
                    return None;
                }
                kind.map(|k| (k, value.pos))
            }
            _ => None,
        };
        match (listed, declared) {
            (Some(listed), Some((declared, at))) if listed != declared => {
                self.sink.error(
                    at,
                    Some(id),
                    format!(
                        "item {id} has type {} but is listed under `{}`",
                        declared.as_str().to_uppercase(),
                        list_name(listed)
                    ),
                );
                None
            }
            (Some(listed), _) => Some(listed),
            (None, Some((declared, _))) => Some(declared),
            (None, None) => {
                self.sink.error(
                    pos,
                    Some(id),
                    format!("item {id} has no `type` (EPIC, STORY or TASK)"),
                );
                None
            }
        }
    }

    fn title(&mut self, node: &Node, label: &str, id: &str) -> String {
        let Some(title) = self.text(node, &format!("{label}: `title`"), Some(id)) else {
            // `title: ~` (or left empty) is no title at all: an issue needs one.
            if node.value == Value::Null {
                self.sink
                    .error(node.pos, Some(id), format!("{label} has an empty title"));
            }
            return String::new();
        };
        let title = title.trim().to_owned();
        let length = title.chars().count();
        let problem = if title.is_empty() {
            Some(format!("{label} has an empty title"))
        } else if length > MAX_TITLE {
            Some(format!(
                "{label}: title is {length} characters; GitHub allows at most {MAX_TITLE}"
            ))
        } else if title.contains(['\n', '\r']) {
            Some(format!("{label}: title must be a single line"))
        } else {
            None
        };
        if let Some(message) = problem {
            self.sink.error(node.pos, Some(id), message);
        }
        title
    }

    /// Exactly one parent, and none for an epic.
    fn resolve_parent(
        &mut self,
        parents: Vec<(Spanned<String>, &str)>,
        kind: ItemKind,
        label: &str,
        id: &str,
    ) -> Option<Spanned<String>> {
        let mut parents = parents.into_iter();
        let (first, how) = parents.next()?;
        if kind == ItemKind::Epic {
            let message = format!(
                "{label} cannot have a parent (found {} via {how}); epics are top-level",
                first.value
            );
            self.sink.error_at(&first.location, Some(id), message);
            return None;
        }
        for (other, other_how) in parents {
            if other.value != first.value {
                let message = format!(
                    "{label} names two parents: {} ({how}) and {} ({other_how})",
                    first.value, other.value
                );
                self.sink.error_at(&other.location, Some(id), message);
            }
        }
        Some(first)
    }

    fn expect_map(&mut self, node: &Node, what: &str, item: Option<&str>) -> bool {
        if matches!(node.value, Value::Map(_)) {
            return true;
        }
        self.sink.error(
            node.pos,
            item,
            format!("{what} must be a mapping, found {}", node.kind_name()),
        );
        false
    }

    fn text(&mut self, node: &Node, what: &str, item: Option<&str>) -> Option<String> {
        if let Some(text) = node.scalar_text() {
            return Some(text.to_owned());
        }
        if node.value != Value::Null {
            self.sink.error(
                node.pos,
                item,
                format!("{what} must be text, found {}", node.kind_name()),
            );
        }
        None
    }

    fn spanned_text(
        &mut self,
        node: &Node,
        what: &str,
        item: Option<&str>,
    ) -> Option<Spanned<String>> {
        let value = self.text(node, what, item)?;
        Some(Spanned {
            value,
            location: self.sink.location(node.pos),
        })
    }

    /// A list of texts (a single text counts as a list of one).
    fn texts(&mut self, node: &Node, what: &str, item: Option<&str>) -> Vec<String> {
        self.ids(node, what, item)
            .into_iter()
            .map(|s| s.value)
            .collect()
    }

    /// Label or user names: a list of text without empty entries.
    fn names(&mut self, node: &Node, what: &str, item: Option<&str>) -> Vec<String> {
        let mut names = Vec::new();
        for name in self.ids(node, what, item) {
            if name.value.trim().is_empty() {
                let message = format!("{what} has an empty entry");
                self.sink.error_at(&name.location, item, message);
            } else {
                names.push(name.value);
            }
        }
        names
    }

    fn ids(&mut self, node: &Node, what: &str, item: Option<&str>) -> Vec<Spanned<String>> {
        let elements: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            Value::Map(_) => {
                self.sink.error(
                    node.pos,
                    item,
                    format!("{what} must be a list of text, found a mapping"),
                );
                Vec::new()
            }
            _ => vec![node],
        };
        let mut out = Vec::with_capacity(elements.len());
        for element in elements {
            match element.scalar_text() {
                Some(text) => out.push(Spanned {
                    value: text.to_owned(),
                    location: self.sink.location(element.pos),
                }),
                None => self.sink.error(
                    element.pos,
                    item,
                    format!(
                        "{what} must be a list of text, found {} in it",
                        element.kind_name()
                    ),
                ),
            }
        }
        out
    }

    fn fields(
        &mut self,
        node: &Node,
        label: &str,
        item: Option<&str>,
    ) -> (BTreeMap<String, FieldValue>, BTreeMap<String, Location>) {
        let mut out = BTreeMap::new();
        let mut at = BTreeMap::new();
        if !self.expect_map(node, &format!("{label}: `fields`"), item) {
            return (out, at);
        }
        for (key, value) in entries(node) {
            if key.text.trim().is_empty() {
                self.sink
                    .error(key.pos, item, format!("{label}: a field name is empty"));
                continue;
            }
            match field_value(value) {
                Ok(v) => {
                    at.insert(key.text.clone(), self.sink.location(key.pos));
                    out.insert(key.text.clone(), v);
                }
                Err(why) => self.sink.error(
                    value.pos,
                    item,
                    format!("{label}: field `{}` {why}", key.text),
                ),
            }
        }
        (out, at)
    }

    fn scope(&mut self, node: &Node, label: &str, item: Option<&str>) -> Scope {
        let mut scope = Scope::default();
        if !self.expect_map(node, &format!("{label}: `scope`"), item) {
            return scope;
        }
        for (key, value) in entries(node) {
            let what = format!("{label}: `scope.{}`", key.text);
            match key.text.as_str() {
                "in" | "in_scope" => scope.in_scope.extend(self.texts(value, &what, item)),
                "out" | "out_scope" => scope.out_scope.extend(self.texts(value, &what, item)),
                _ => self.unknown_key(
                    key,
                    SCOPE_KEYS.iter().copied(),
                    &format!("{label}: scope"),
                    item,
                ),
            }
        }
        scope
    }

    fn spec_ref(&mut self, node: &Node, label: &str, item: Option<&str>) -> Option<SpecRef> {
        if let Some(path) = node.scalar_text() {
            return Some(SpecRef {
                path: Some(path.to_owned()),
                ..SpecRef::default()
            });
        }
        if !self.expect_map(node, &format!("{label}: `spec_ref` (text or)"), item) {
            return None;
        }
        let mut spec = SpecRef::default();
        for (key, value) in entries(node) {
            let what = format!("{label}: `spec_ref.{}`", key.text);
            let slot = match key.text.as_str() {
                "path" => &mut spec.path,
                "url" => &mut spec.url,
                "section" => &mut spec.section,
                "anchor" => &mut spec.anchor,
                "quote" => &mut spec.quote,
                _ => {
                    self.unknown_key(
                        key,
                        SPEC_REF_KEYS.iter().copied(),
                        &format!("{label}: spec_ref"),
                        item,
                    );
                    continue;
                }
            };
            *slot = self.text(value, &what, item);
        }
        Some(spec)
    }

    fn verification(&mut self, node: &Node, label: &str, item: Option<&str>) -> Verification {
        let mut v = Verification::default();
        if !self.expect_map(node, &format!("{label}: `verification`"), item) {
            return v;
        }
        for (key, value) in entries(node) {
            let what = format!("{label}: `verification.{}`", key.text);
            let slot = match key.text.as_str() {
                "commands" => &mut v.commands,
                "ci_checks" => &mut v.ci_checks,
                "evidence" => &mut v.evidence,
                "manual_steps" => &mut v.manual_steps,
                _ => {
                    let whose = format!("{label}: verification");
                    self.unknown_key(key, VERIFICATION_KEYS.iter().copied(), &whose, item);
                    continue;
                }
            };
            *slot = self.texts(value, &what, item);
        }
        v
    }

    fn estimate(&mut self, node: &Node, label: &str, item: Option<&str>) -> Option<Estimate> {
        if !self.expect_map(node, &format!("{label}: `estimate`"), item) {
            return None;
        }
        let mut estimate = Estimate::default();
        for (key, value) in entries(node) {
            match key.text.as_str() {
                "tshirt" => {
                    estimate.tshirt = self.text(value, &format!("{label}: `estimate.tshirt`"), item)
                }
                "hours" => match value.value {
                    Value::Number(n, _) if n >= 0.0 => estimate.hours = Some(n),
                    Value::Null => {}
                    _ => self.sink.error(
                        value.pos,
                        item,
                        format!("{label}: `estimate.hours` must be a number of hours (0 or more)"),
                    ),
                },
                _ => self.unknown_key(
                    key,
                    ESTIMATE_KEYS.iter().copied(),
                    &format!("{label}: estimate"),
                    item,
                ),
            }
        }
        Some(estimate)
    }
}
