//! The validated plan: what the rest of planpilot consumes.
//!
//! A `Plan` is produced only by `plan::load` (after validation), so every invariant listed on
//! `Plan` holds for any value the sync engine sees.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// The three levels of a plan. Order matters: it is the order of the apply phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Epic,
    Story,
    Task,
}

impl ItemKind {
    pub const ALL: [ItemKind; 3] = [ItemKind::Epic, ItemKind::Story, ItemKind::Task];

    /// The kind a child of this kind must have, if any.
    pub fn child(self) -> Option<ItemKind> {
        match self {
            ItemKind::Epic => Some(ItemKind::Story),
            ItemKind::Story => Some(ItemKind::Task),
            ItemKind::Task => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Epic => "epic",
            ItemKind::Story => "story",
            ItemKind::Task => "task",
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position in a plan file, 1-based, for error messages and annotations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

impl Location {
    /// `PATH:LINE:COL` with the path written by `display_path`: how a message names another
    /// place, the same way the edge writes the message's own place in front of it.
    pub fn display_from(&self, root: Option<&Path>) -> String {
        let file = display_path(&self.file, root.unwrap_or(Path::new("")));
        format!("{file}:{}:{}", self.line, self.col)
    }
}

/// How a plan path is shown: relative to the repository root `root` when it lies under it,
/// otherwise as given; `/` separators. The one rule for every path in a message or annotation.
pub fn display_path(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A board field value as written in the plan. Its meaning (option, iteration, date...) is
/// decided against the board's field type at sync time; the loader only checks the syntax.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// Option name, iteration title, `@current`/`@next`, `YYYY-MM-DD` date, or free text.
    Text(String),
    Number(f64),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(s) => f.write_str(s),
            FieldValue::Number(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Scope {
    #[serde(rename = "in")]
    pub in_scope: Vec<String>,
    #[serde(rename = "out")]
    pub out_scope: Vec<String>,
}

impl Scope {
    pub fn is_empty(&self) -> bool {
        self.in_scope.is_empty() && self.out_scope.is_empty()
    }
}

/// Where the item's specification lives. A bare string in the plan becomes `path`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct SpecRef {
    pub path: Option<String>,
    pub url: Option<String>,
    pub section: Option<String>,
    pub anchor: Option<String>,
    pub quote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Verification {
    pub commands: Vec<String>,
    pub ci_checks: Vec<String>,
    pub evidence: Vec<String>,
    pub manual_steps: Vec<String>,
}

impl Verification {
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
            && self.ci_checks.is_empty()
            && self.evidence.is_empty()
            && self.manual_steps.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Estimate {
    pub tshirt: Option<String>,
    pub hours: Option<f64>,
}

/// The descriptive text of an item: everything that is rendered into the issue body.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Content {
    pub goal: Option<String>,
    pub motivation: Option<String>,
    pub description: Option<String>,
    pub requirements: Vec<String>,
    pub acceptance_criteria: Vec<String>,
    pub success_metrics: Vec<String>,
    pub risks: Vec<String>,
    pub assumptions: Vec<String>,
    pub scope: Scope,
    pub spec_ref: Option<SpecRef>,
    pub verification: Verification,
    pub artifacts: Vec<String>,
    pub estimate: Option<Estimate>,
}

/// Where an item writes the values only GitHub can check (assignees, milestone, board fields),
/// so a problem GitHub reveals points at the line that names it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyLocations {
    pub assignees: Option<Location>,
    pub milestone: Option<Location>,
    /// By field name.
    pub fields: BTreeMap<String, Location>,
}

/// One epic, story or task.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub title: String,
    /// Id of the parent item: an epic for a story, a story for a task, `None` for an epic.
    pub parent: Option<String>,
    /// Ids of the children, in file order.
    pub children: Vec<String>,
    /// Ids of the items this one depends on (is blocked by), in file order, deduplicated.
    pub depends_on: Vec<String>,
    pub content: Content,
    /// Labels of the item itself, merged with `defaults.labels` (defaults first, deduplicated).
    pub labels: Vec<String>,
    /// Assignees of the item, or `defaults.assignees` when the item names none.
    pub assignees: Vec<String>,
    pub milestone: Option<String>,
    /// Board fields set by the item itself: owned by the plan (rewritten when they differ).
    pub fields: BTreeMap<String, FieldValue>,
    /// The existing issue the item is bound to (`issue:`): the first sync adopts it instead of
    /// creating one. A number in the synced repository.
    pub issue: Option<u64>,
    /// Where `issue:` is written (the item's own location when it has none), for messages
    /// about the binding that only GitHub can check.
    #[serde(skip)]
    pub issue_location: Location,
    /// Where the item starts in its file.
    #[serde(skip)]
    pub location: Location,
    /// Where its assignees, milestone and fields are written.
    #[serde(skip)]
    pub at: KeyLocations,
}

#[cfg(test)]
impl Item {
    /// An item for unit tests: titled after its id, nothing else set.
    pub(crate) fn sample(id: &str, kind: ItemKind, parent: Option<&str>, deps: &[&str]) -> Item {
        Item {
            id: id.into(),
            kind,
            title: format!("Title of {id}"),
            parent: parent.map(String::from),
            children: Vec::new(),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            content: Content::default(),
            labels: Vec::new(),
            assignees: Vec::new(),
            milestone: None,
            fields: Default::default(),
            issue: None,
            issue_location: Location::default(),
            at: Default::default(),
            location: Location::default(),
        }
    }
}

/// Plan-wide settings from the `defaults:` block.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Defaults {
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    /// Board fields that only fill a card's empty field; humans own them afterwards.
    pub fields: BTreeMap<String, FieldValue>,
    /// Where each of `fields` is written, by name.
    #[serde(skip)]
    pub field_locations: BTreeMap<String, Location>,
}

/// A loaded, validated plan.
///
/// Invariants (established by `plan::load`):
/// - item ids are unique across all levels;
/// - `items` holds all epics, then all stories, then all tasks, each group in file order;
/// - every `parent` and `depends_on` id names an item of the plan; parents have the right kind;
///   `children` mirrors `parent`; no item depends on itself, on its own ancestor or descendant,
///   and dependencies have no cycle;
/// - no issue would be blocked by more than 50 others once dependencies are rolled up;
/// - no parent has more than 100 children; titles are 1..=256 characters;
/// - no issue number is bound (`issue:`) to two items.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plan {
    /// The identity namespace of this plan's issues (`id:` in the file, or its path).
    pub key: String,
    /// The plan file or directory it was loaded from.
    #[serde(skip)]
    pub source: PathBuf,
    pub defaults: Defaults,
    pub items: Vec<Item>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Plan {
    /// Builds a plan from items already in the invariant order. Used by the loader.
    pub fn new(key: String, source: PathBuf, defaults: Defaults, items: Vec<Item>) -> Plan {
        let index = items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.clone(), i))
            .collect();
        Plan {
            key,
            source,
            defaults,
            items,
            index,
        }
    }

    /// The item bound to issue `number` with `issue:`, if any.
    pub fn bound_to(&self, number: u64) -> Option<&Item> {
        self.items.iter().find(|item| item.issue == Some(number))
    }

    pub fn get(&self, id: &str) -> Option<&Item> {
        self.index.get(id).map(|&i| &self.items[i])
    }

    pub fn of_kind(&self, kind: ItemKind) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |item| item.kind == kind)
    }

    pub fn count(&self, kind: ItemKind) -> usize {
        self.of_kind(kind).count()
    }

    /// Number of `depends_on` edges in the plan.
    pub fn dependency_count(&self) -> usize {
        self.items.iter().map(|item| item.depends_on.len()).sum()
    }
}

/// One problem in a plan file, pointing at where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Location,
    /// The item the problem belongs to, when there is one.
    pub item: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}
