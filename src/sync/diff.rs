//! The diff: a pure function from the plan and the discovered state to the exact list of
//! changes. Every change is one mutation, so a dry run's list is what apply will send.
//!
//! Numbers of issues that do not exist yet are unknown here; the diff renders bodies with
//! placeholder numbers to decide which bodies need a second write once the real numbers are
//! known (exactly those that reference an issue created in the same or a later phase).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::plan::{Item, ItemKind, Plan};
use crate::render::{render_block, splice};

use super::discover::{Discovered, ManagedIssue};
use super::fields::{has_value, Date, Setting};
use super::options::{OnRemoved, SyncOptions, TypeNames};
use super::relations::blocked_by_links;
use super::SyncError;

/// How each kind of item shows on GitHub: as a native issue type where the owner has that type,
/// otherwise as its `type:<kind>` label.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypeMode {
    /// Issue type ids of epics, stories and tasks; `None`: the kind carries its type label.
    ids: [Option<String>; 3],
}

impl TypeMode {
    /// Every kind as a type label (the owner has no issue types).
    pub fn labels() -> TypeMode {
        TypeMode::default()
    }

    pub fn type_id(&self, kind: ItemKind) -> Option<&str> {
        self.ids[kind_index(kind)].as_deref()
    }

    fn uses_label(&self, kind: ItemKind) -> bool {
        self.type_id(kind).is_none()
    }
}

fn kind_index(kind: ItemKind) -> usize {
    match kind {
        ItemKind::Epic => 0,
        ItemKind::Story => 1,
        ItemKind::Task => 2,
    }
}

/// An issue that exists, as the changes refer to it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueKey {
    pub id: String,
    pub number: u64,
}

/// A plan item's existing issue.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: String,
    pub number: u64,
    pub url: String,
    pub body: String,
    pub card: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    pub item: String,
    pub kind: ItemKind,
    pub title: String,
    pub labels: Vec<String>,
    pub assignee_ids: Vec<String>,
    pub milestone_id: Option<String>,
    pub issue_type_id: Option<String>,
}

/// An update of an existing issue: only the `Some` members (and `body`/`reopen` when true).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    pub item: String,
    pub title: Option<String>,
    /// The managed block changes (rendered at apply time with the real numbers).
    pub body: bool,
    /// The whole new label set, by name.
    pub labels: Option<Vec<String>>,
    pub assignee_ids: Option<Vec<String>>,
    pub milestone_id: Option<String>,
    pub issue_type_id: Option<String>,
    pub reopen: bool,
    /// The issue is bound with `issue:` and taken over by this update (its kind, for the line).
    pub adopt: Option<ItemKind>,
}

impl Update {
    /// What changes, for the change list and the report.
    pub fn parts(&self) -> Vec<&'static str> {
        let mut parts = Vec::new();
        let flags = [
            (self.title.is_some(), "title"),
            (self.body, "body"),
            (self.labels.is_some(), "labels"),
            (self.assignee_ids.is_some(), "assignees"),
            (self.milestone_id.is_some(), "milestone"),
            (self.issue_type_id.is_some(), "type"),
            (self.reopen, "reopen"),
        ];
        for (set, name) in flags {
            if set {
                parts.push(name);
            }
        }
        parts
    }

    fn is_empty(&self) -> bool {
        self.parts().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldSet {
    pub item: String,
    pub field_id: String,
    pub field_name: String,
    pub setting: Setting,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CloseReason {
    /// The item left the plan.
    NotPlanned,
    /// A second issue claiming an item that already has one.
    Duplicate { of: IssueKey },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    pub item: String,
    pub issue: IssueKey,
    pub reason: CloseReason,
}

/// A managed issue whose item left the plan (closed or kept), for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Removed {
    pub item: String,
    /// Read from the issue's type or `type:` label (task when neither says).
    pub kind: ItemKind,
    pub issue: IssueKey,
    pub url: String,
    pub title: String,
}

/// Everything a sync will write, in apply order.
#[derive(Debug, Clone)]
pub struct Changes {
    pub repository_id: String,
    /// The board's id when a project is configured.
    pub board_id: Option<String>,
    pub type_mode: TypeMode,
    pub label_creates: Vec<String>,
    pub creates: Vec<Create>,
    /// Updates of existing issues (title, body, labels, ..., reopen), one mutation each.
    pub updates: Vec<Update>,
    /// `(item, new parent)`: sub-issue moves of existing issues.
    pub moves: Vec<(String, String)>,
    /// `(blocked, blocker)` item ids: blocked-by links to add.
    pub links: Vec<(String, String)>,
    /// `(blocked item, blocked issue, blocker issue)`: stale links between managed issues.
    pub unlinks: Vec<(String, IssueKey, IssueKey)>,
    /// `(removed item, its issue, parent issue)`: closed issues taken out of a managed parent,
    /// so they neither fill its sub-issue slots nor count as done in its progress.
    pub detaches: Vec<(String, IssueKey, IssueKey)>,
    pub board_adds: Vec<String>,
    pub field_sets: Vec<FieldSet>,
    pub closes: Vec<Close>,
    /// Plan items with an issue, by item id.
    pub existing: BTreeMap<String, Existing>,
    pub removed: Vec<Removed>,
    pub warnings: Vec<String>,
}

impl Changes {
    /// The change list, one line per mutation, in apply order.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        lines.extend(self.label_creates.iter().map(|l| line_label(l)));
        lines.extend(self.creates.iter().map(line_create));
        lines.extend(self.updates.iter().map(|u| self.line_update(u)));
        lines.extend(self.moves.iter().map(|(i, p)| line_move(i, p)));
        lines.extend(self.links.iter().map(|(a, b)| line_link(a, b)));
        lines.extend(self.unlinks.iter().map(|(_, a, b)| line_unlink(a, b)));
        lines.extend(self.board_adds.iter().map(|i| line_board_add(i)));
        lines.extend(self.field_sets.iter().map(line_field));
        lines.extend(self.closes.iter().map(line_close));
        lines.extend(self.detaches.iter().map(|(i, c, p)| line_detach(i, c, p)));
        lines
    }

    /// Mutations apply will send when everything succeeds.
    pub fn mutation_count(&self) -> usize {
        self.lines().len()
    }

    pub fn is_empty(&self) -> bool {
        self.mutation_count() == 0
    }

    pub(crate) fn line_update(&self, update: &Update) -> String {
        let number = self
            .existing
            .get(&update.item)
            .map(|e| e.number)
            .unwrap_or(0);
        let parts = update.parts().join(", ");
        match update.adopt {
            Some(kind) => format!("adopt #{number} as {kind} {}: {parts}", update.item),
            None => format!("update {} (#{number}): {parts}", update.item),
        }
    }
}

pub(crate) fn line_label(name: &str) -> String {
    format!("create label \"{name}\"")
}
pub(crate) fn line_create(create: &Create) -> String {
    format!("create {} {}: {}", create.kind, create.item, create.title)
}
pub(crate) fn line_move(item: &str, parent: &str) -> String {
    format!("move {item} under {parent}")
}
pub(crate) fn line_link(blocked: &str, blocker: &str) -> String {
    format!("link {blocked} blocked by {blocker}")
}
pub(crate) fn line_unlink(blocked: &IssueKey, blocker: &IssueKey) -> String {
    format!("unlink #{} blocked by #{}", blocked.number, blocker.number)
}
pub(crate) fn line_board_add(item: &str) -> String {
    format!("add {item} to the board")
}
pub(crate) fn line_field(set: &FieldSet) -> String {
    format!(
        "set {} {} = {}",
        set.item,
        set.field_name,
        set.setting.display()
    )
}
pub(crate) fn line_detach(item: &str, child: &IssueKey, parent: &IssueKey) -> String {
    format!("detach #{} ({item}) from #{}", child.number, parent.number)
}
pub(crate) fn line_close(close: &Close) -> String {
    match &close.reason {
        CloseReason::NotPlanned => format!(
            "close #{} ({}, removed from the plan) as not planned",
            close.issue.number, close.item
        ),
        CloseReason::Duplicate { of } => format!(
            "close #{} as duplicate of #{} ({})",
            close.issue.number, of.number, close.item
        ),
    }
}

/// The label marking an item's kind when the owner has no issue types, e.g. `type:epic`.
pub fn type_label(options: &SyncOptions, kind: ItemKind) -> String {
    format!("type:{}", options.type_names.get(kind).to_lowercase())
}

/// Computes the changes that make GitHub match the plan. Fails before any write on what cannot
/// work against this repository and board (unknown field, option, type, assignee, milestone) and
/// on a mass close that was not allowed.
pub fn plan_changes(
    plan: &Plan,
    discovered: &Discovered,
    options: &SyncOptions,
) -> Result<Changes, SyncError> {
    plan_changes_on(plan, discovered, options, Date::today())
}

/// `plan_changes` with an explicit date for `@current`/`@next` iterations.
pub fn plan_changes_on(
    plan: &Plan,
    discovered: &Discovered,
    options: &SyncOptions,
    today: Date,
) -> Result<Changes, SyncError> {
    let mut problems = Vec::new();
    let mut warnings = discovered.warnings.clone();
    let type_mode = type_mode(discovered, options, &mut problems, &mut warnings);
    let resolved = Resolved::new(plan, discovered, &mut problems);
    let fields = resolve_fields(plan, discovered, options, today, &mut problems);
    if !problems.is_empty() {
        return Err(SyncError::Invalid(problems));
    }
    let (keepers, duplicates) = split_collisions(plan, &discovered.issues);
    let mut changes = Changes {
        repository_id: discovered.repository_id.clone(),
        board_id: fields.as_ref().map(|f| f.board_id.clone()),
        type_mode,
        label_creates: Vec::new(),
        creates: Vec::new(),
        updates: Vec::new(),
        moves: Vec::new(),
        links: Vec::new(),
        unlinks: Vec::new(),
        detaches: Vec::new(),
        board_adds: Vec::new(),
        field_sets: Vec::new(),
        closes: Vec::new(),
        existing: BTreeMap::new(),
        removed: Vec::new(),
        warnings,
    };
    for (item_id, issue) in &keepers {
        if plan.get(item_id).is_some() {
            changes.existing.insert(
                item_id.to_string(),
                Existing {
                    id: issue.node.id.clone(),
                    number: issue.node.number,
                    url: issue.node.url.clone(),
                    body: issue.node.body.clone(),
                    card: issue.card.as_ref().map(|c| c.id.clone()),
                },
            );
        }
    }
    let type_mode = changes.type_mode.clone();
    let type_mode = &type_mode;
    plan_labels(plan, discovered, options, type_mode, &mut changes);
    for item in &plan.items {
        match keepers.get(item.id.as_str()) {
            None => plan_create(item, options, type_mode, &resolved, &mut changes),
            Some(issue) => {
                let update = plan_update(plan, item, issue, options, type_mode, &resolved);
                if !update.is_empty() {
                    changes.updates.push(update);
                }
                plan_move(plan, item, issue, &changes.existing, &mut changes.moves);
            }
        }
    }
    plan_links(plan, discovered, &mut changes);
    if let Some(fields) = &fields {
        plan_board(plan, &keepers, fields, &mut changes);
    }
    plan_closes(plan, &keepers, &duplicates, options, &mut changes)?;
    Ok(changes)
}

/// Per kind, the issue type that has the configured name. A missing type under its default
/// name falls back to the kind's `type:` label, with one warning naming every missing type; a
/// missing type the user named is a problem (nothing is written).
fn type_mode(
    discovered: &Discovered,
    options: &SyncOptions,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> TypeMode {
    let enabled: Vec<_> = discovered
        .issue_types
        .iter()
        .filter(|t| t.is_enabled)
        .collect();
    if enabled.is_empty() {
        // A user-owned repository, or an organization without issue types: labels throughout.
        return TypeMode::labels();
    }
    let existing = || {
        enabled
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let names = &options.type_names;
    let mut mode = TypeMode::default();
    let mut missing = Vec::new();
    for kind in ItemKind::ALL {
        let name = names.get(kind);
        let found = enabled.iter().find(|t| t.name.eq_ignore_ascii_case(name));
        match found {
            Some(found) => mode.ids[kind_index(kind)] = Some(found.id.clone()),
            None if names.is_default(kind) => missing.push(kind),
            None => problems.push(format!(
                "{}: the organization has no issue type \"{name}\" (its issue types: {}); set {} \
                 to one of them, or leave it unset to use the label {}",
                TypeNames::input(kind),
                existing(),
                TypeNames::input(kind),
                type_label(options, kind)
            )),
        }
    }
    if !missing.is_empty() {
        let quoted: Vec<String> = missing
            .iter()
            .map(|k| format!("\"{}\"", names.get(*k)))
            .collect();
        let labels: Vec<String> = missing.iter().map(|k| type_label(options, *k)).collect();
        let inputs: Vec<&str> = missing.iter().map(|k| TypeNames::input(*k)).collect();
        warnings.push(format!(
            "the organization has no issue type {} (its issue types: {}), so those items carry \
             the label {} instead; an organization owner can add the type{} (organization settings \
             → Planning → Issue types), or set {} to an existing type",
            or_list(&quoted),
            existing(),
            labels.join(" / "),
            if missing.len() > 1 { "s" } else { "" },
            inputs.join(" / ")
        ));
    }
    mode
}

/// `"a"`, `"a or b"`, `"a, b or c"`.
fn or_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Ids of the assignees and milestones the plan names.
struct Resolved {
    users: HashMap<String, String>,
    milestones: HashMap<String, String>,
}

impl Resolved {
    fn new(plan: &Plan, discovered: &Discovered, problems: &mut Vec<String>) -> Resolved {
        let mut users = HashMap::new();
        let mut milestones = HashMap::new();
        for item in &plan.items {
            for login in &item.assignees {
                match discovered.users.get(&login.to_lowercase()) {
                    Some(id) => {
                        users.insert(login.to_lowercase(), id.clone());
                    }
                    None => problems.push(format!("{}: unknown assignee \"{login}\"", item.id)),
                }
            }
            if let Some(title) = &item.milestone {
                match discovered.milestones.get(title) {
                    Some(id) => {
                        milestones.insert(title.clone(), id.clone());
                    }
                    None => problems.push(format!(
                        "{}: the repository has no milestone \"{title}\"",
                        item.id
                    )),
                }
            }
        }
        problems.dedup();
        Resolved { users, milestones }
    }

    fn assignee_ids(&self, item: &Item) -> Vec<String> {
        item.assignees
            .iter()
            .filter_map(|l| self.users.get(&l.to_lowercase()).cloned())
            .collect()
    }
}

/// Every board field value of the plan, resolved: `(item fields, default fields)`.
struct PlanFields {
    board_id: String,
    by_item: HashMap<String, Vec<(String, String, Setting)>>,
    defaults: Vec<(String, String, Setting)>,
}

fn resolve_fields(
    plan: &Plan,
    discovered: &Discovered,
    options: &SyncOptions,
    today: Date,
    problems: &mut Vec<String>,
) -> Option<PlanFields> {
    options.project.as_ref()?;
    let Some(board) = &discovered.board else {
        problems.push("the project board could not be read".into());
        return None;
    };
    let mut resolve = |context: &str, name: &str, value| match board.resolve(name, value, today) {
        Ok((field, setting)) => Some((field.id.clone(), field.name.clone(), setting)),
        Err(message) => {
            problems.push(format!("{context}: {message}"));
            None
        }
    };
    let defaults = plan
        .defaults
        .fields
        .iter()
        .filter_map(|(name, value)| resolve("defaults.fields", name, value))
        .collect();
    let by_item = plan
        .items
        .iter()
        .map(|item| {
            let settings = item
                .fields
                .iter()
                .filter_map(|(name, value)| resolve(&item.id, name, value))
                .collect();
            (item.id.clone(), settings)
        })
        .collect();
    Some(PlanFields {
        board_id: board.id.clone(),
        by_item,
        defaults,
    })
}

/// Groups the managed issues by item: the issue the item is bound to (`issue:`) claims it, else
/// the oldest; the others are duplicates.
fn split_collisions<'d>(
    plan: &Plan,
    issues: &'d [ManagedIssue],
) -> (
    BTreeMap<&'d str, &'d ManagedIssue>,
    Vec<(&'d ManagedIssue, &'d ManagedIssue)>,
) {
    let mut keepers: BTreeMap<&str, &ManagedIssue> = BTreeMap::new();
    let mut sorted: Vec<&ManagedIssue> = issues.iter().collect();
    let unbound = |issue: &ManagedIssue| {
        plan.get(issue.item_id()).and_then(|item| item.issue) != Some(issue.node.number)
    };
    sorted.sort_by_key(|i| (unbound(i), i.node.number));
    let mut duplicates = Vec::new();
    for issue in sorted {
        match keepers.get(issue.item_id()) {
            Some(keeper) => duplicates.push((issue, *keeper)),
            None => {
                keepers.insert(issue.item_id(), issue);
            }
        }
    }
    (keepers, duplicates)
}

/// The labels an item must carry, by name.
fn desired_labels(item: &Item, options: &SyncOptions, type_mode: &TypeMode) -> Vec<String> {
    let mut labels = vec![options.label.clone()];
    for label in &item.labels {
        if !labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
            labels.push(label.clone());
        }
    }
    if type_mode.uses_label(item.kind) {
        labels.push(type_label(options, item.kind));
    }
    labels
}

fn plan_labels(
    plan: &Plan,
    discovered: &Discovered,
    options: &SyncOptions,
    type_mode: &TypeMode,
    changes: &mut Changes,
) {
    let mut missing = BTreeSet::new();
    for item in &plan.items {
        for label in desired_labels(item, options, type_mode) {
            if discovered.label_id(&label).is_none()
                && !missing
                    .iter()
                    .any(|m: &String| m.eq_ignore_ascii_case(&label))
            {
                missing.insert(label);
            }
        }
    }
    changes.label_creates = missing.into_iter().collect();
}

fn plan_create(
    item: &Item,
    options: &SyncOptions,
    type_mode: &TypeMode,
    resolved: &Resolved,
    changes: &mut Changes,
) {
    changes.creates.push(Create {
        item: item.id.clone(),
        kind: item.kind,
        title: item.title.clone(),
        labels: desired_labels(item, options, type_mode),
        assignee_ids: resolved.assignee_ids(item),
        milestone_id: item
            .milestone
            .as_ref()
            .and_then(|m| resolved.milestones.get(m).cloned()),
        issue_type_id: type_mode.type_id(item.kind).map(String::from),
    });
}

fn plan_update(
    plan: &Plan,
    item: &Item,
    issue: &ManagedIssue,
    options: &SyncOptions,
    type_mode: &TypeMode,
    resolved: &Resolved,
) -> Update {
    let node = &issue.node;
    let mut update = Update {
        item: item.id.clone(),
        ..Update::default()
    };
    if node.title != item.title {
        update.title = Some(item.title.clone());
    }
    let body = splice(&node.body, &render_block(plan, item));
    update.body = !same_text(&body, &node.body);
    update.labels = label_change(item, issue, options, type_mode);
    update.assignee_ids = assignee_change(item, issue, resolved);
    if let Some(title) = &item.milestone {
        let wanted = resolved.milestones.get(title);
        if node.milestone.as_ref().map(|m| &m.id) != wanted {
            update.milestone_id = wanted.cloned();
        }
    }
    if let Some(type_id) = type_mode.type_id(item.kind) {
        if node.issue_type.as_ref().map(|t| t.id.as_str()) != Some(type_id) {
            update.issue_type_id = Some(type_id.to_string());
        }
    }
    update.reopen = node.state == "CLOSED" && node.state_reason.as_deref() == Some("NOT_PLANNED");
    update.adopt = issue.adopting.then_some(item.kind);
    update
}

/// Bodies compare as GitHub keeps them: a human's edit in the web editor turns line ends into
/// CRLF and trailing whitespace is not significant; neither is worth a write.
fn same_text(a: &str, b: &str) -> bool {
    let normal = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    normal(a) == normal(b)
}

/// The new label set when it differs: labels planpilot manages follow the plan, others stay.
fn label_change(
    item: &Item,
    issue: &ManagedIssue,
    options: &SyncOptions,
    type_mode: &TypeMode,
) -> Option<Vec<String>> {
    let desired = desired_labels(item, options, type_mode);
    let mut managed: Vec<String> = desired.clone();
    managed.extend(issue.marker.labels.iter().cloned());
    // Type labels under the configured names, and under the default ones: a kind that switched
    // to a named type loses the label it carried before.
    managed.extend(ItemKind::ALL.iter().map(|k| type_label(options, *k)));
    managed.extend(
        ItemKind::ALL
            .iter()
            .map(|k| format!("type:{}", TypeNames::default().get(*k).to_lowercase())),
    );
    let is_managed = |name: &str| managed.iter().any(|m| m.eq_ignore_ascii_case(name));
    let current: Vec<String> = issue
        .node
        .labels
        .iter()
        .flat_map(|l| l.iter())
        .map(|l| l.name.clone())
        .collect();
    let mut next: Vec<String> = current.iter().filter(|l| !is_managed(l)).cloned().collect();
    next.extend(desired);
    let same = next.len() == current.len()
        && next
            .iter()
            .all(|n| current.iter().any(|c| c.eq_ignore_ascii_case(n)));
    (!same).then_some(next)
}

/// The new assignee set when it differs: the plan's assignees, plus those a human added.
fn assignee_change(item: &Item, issue: &ManagedIssue, resolved: &Resolved) -> Option<Vec<String>> {
    let desired: Vec<String> = item.assignees.iter().map(|l| l.to_lowercase()).collect();
    let previously: Vec<String> = issue
        .marker
        .assignees
        .iter()
        .map(|l| l.to_lowercase())
        .collect();
    if desired.is_empty() && previously.is_empty() {
        return None;
    }
    let current: Vec<(String, String)> = issue
        .node
        .assignees
        .iter()
        .map(|u| (u.name.to_lowercase(), u.id.clone()))
        .collect();
    let mut next: Vec<String> = current
        .iter()
        .filter(|(login, _)| desired.contains(login) || !previously.contains(login))
        .map(|(_, id)| id.clone())
        .collect();
    for id in resolved.assignee_ids(item) {
        if !next.contains(&id) {
            next.push(id);
        }
    }
    let same = next.len() == current.len() && current.iter().all(|(_, id)| next.contains(id));
    (!same).then_some(next)
}

fn plan_move(
    plan: &Plan,
    item: &Item,
    issue: &ManagedIssue,
    existing: &BTreeMap<String, Existing>,
    moves: &mut Vec<(String, String)>,
) {
    let Some(parent) = item.parent.as_ref().and_then(|p| plan.get(p)) else {
        return;
    };
    let current = issue.node.parent.as_ref().map(|p| p.id.as_str());
    let wanted = existing.get(&parent.id).map(|e| e.id.as_str());
    if wanted.is_none() || current != wanted {
        moves.push((item.id.clone(), parent.id.clone()));
    }
}

fn plan_links(plan: &Plan, discovered: &Discovered, changes: &mut Changes) {
    let desired = blocked_by_links(plan);
    let id_of = |item: &str| changes.existing.get(item).map(|e| e.id.clone());
    let desired_ids: HashSet<(String, String)> = desired
        .iter()
        .filter_map(|(a, b)| Some((id_of(a)?, id_of(b)?)))
        .collect();
    let managed: HashMap<&str, &ManagedIssue> = discovered
        .issues
        .iter()
        .map(|i| (i.node.id.as_str(), i))
        .collect();
    let by_item: HashMap<&str, &ManagedIssue> = changes
        .existing
        .iter()
        .filter_map(|(item, e)| managed.get(e.id.as_str()).map(|m| (item.as_str(), *m)))
        .collect();
    for (blocked, blocker) in &desired {
        let present = match (by_item.get(blocked.as_str()), changes.existing.get(blocker)) {
            (Some(issue), Some(b)) => issue.node.blocked_by.iter().any(|r| r.id == b.id),
            _ => false,
        };
        if !present {
            changes.links.push((blocked.clone(), blocker.clone()));
        }
    }
    for item in &plan.items {
        let Some(issue) = by_item.get(item.id.as_str()) else {
            continue;
        };
        for blocker in issue.node.blocked_by.iter() {
            let ours = managed.contains_key(blocker.id.as_str())
                || discovered.elsewhere.contains(&blocker.id);
            let stale = ours && !desired_ids.contains(&(issue.node.id.clone(), blocker.id.clone()));
            if stale {
                changes.unlinks.push((
                    item.id.clone(),
                    IssueKey {
                        id: issue.node.id.clone(),
                        number: issue.node.number,
                    },
                    IssueKey {
                        id: blocker.id.clone(),
                        number: blocker.number,
                    },
                ));
            }
        }
    }
}

fn plan_board(
    plan: &Plan,
    keepers: &BTreeMap<&str, &ManagedIssue>,
    fields: &PlanFields,
    changes: &mut Changes,
) {
    for item in &plan.items {
        let card = keepers.get(item.id.as_str()).and_then(|i| i.card.as_ref());
        if card.is_none() {
            changes.board_adds.push(item.id.clone());
        }
        let owned = fields
            .by_item
            .get(&item.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let current = |field_id: &str| card.and_then(|c| c.values.get(field_id));
        for (field_id, name, setting) in owned {
            if !current(field_id).is_some_and(|v| setting.matches(v)) {
                changes.field_sets.push(FieldSet {
                    item: item.id.clone(),
                    field_id: field_id.clone(),
                    field_name: name.clone(),
                    setting: setting.clone(),
                });
            }
        }
        for (field_id, name, setting) in &fields.defaults {
            let owned_by_item = owned.iter().any(|(id, _, _)| id == field_id);
            if !owned_by_item && !current(field_id).is_some_and(has_value) {
                changes.field_sets.push(FieldSet {
                    item: item.id.clone(),
                    field_id: field_id.clone(),
                    field_name: name.clone(),
                    setting: setting.clone(),
                });
            }
        }
    }
}

/// The kind an issue shows, by its issue type or its `type:` label.
fn kind_of(issue: &ManagedIssue, options: &SyncOptions) -> ItemKind {
    let names = &options.type_names;
    let type_name = issue.node.issue_type.as_ref().map(|t| t.name.as_str());
    let labels: Vec<&str> = issue
        .node
        .labels
        .iter()
        .flat_map(|l| l.iter())
        .map(|l| l.name.as_str())
        .collect();
    ItemKind::ALL
        .into_iter()
        .find(|kind| {
            type_name.is_some_and(|t| t.eq_ignore_ascii_case(names.get(*kind)))
                || labels
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case(&type_label(options, *kind)))
        })
        .unwrap_or(ItemKind::Task)
}

fn plan_closes(
    plan: &Plan,
    keepers: &BTreeMap<&str, &ManagedIssue>,
    duplicates: &[(&ManagedIssue, &ManagedIssue)],
    options: &SyncOptions,
    changes: &mut Changes,
) -> Result<(), SyncError> {
    let key = |issue: &ManagedIssue| IssueKey {
        id: issue.node.id.clone(),
        number: issue.node.number,
    };
    let mut closing = 0;
    for (item, issue) in keepers {
        if plan.get(item).is_some() {
            continue;
        }
        changes.removed.push(Removed {
            item: item.to_string(),
            kind: kind_of(issue, options),
            issue: key(issue),
            url: issue.node.url.clone(),
            title: issue.node.title.clone(),
        });
        let managed_parent = issue.node.parent.as_ref().filter(|p| {
            keepers.values().any(|k| k.node.id == p.id)
                || duplicates.iter().any(|(d, _)| d.node.id == p.id)
        });
        if let (OnRemoved::Close, Some(parent)) = (options.on_removed, managed_parent) {
            changes.detaches.push((
                item.to_string(),
                key(issue),
                IssueKey {
                    id: parent.id.clone(),
                    number: parent.number,
                },
            ));
        }
        if options.on_removed == OnRemoved::Close && issue.is_open() {
            closing += 1;
            changes.closes.push(Close {
                item: item.to_string(),
                issue: key(issue),
                reason: CloseReason::NotPlanned,
            });
        }
    }
    let open_managed = keepers.values().filter(|i| i.is_open()).count();
    if closing > 0 && closing * 2 > open_managed && !options.allow_mass_close {
        return Err(SyncError::MassClose {
            closing,
            managed: open_managed,
        });
    }
    for (duplicate, keeper) in duplicates {
        let bound = plan.get(keeper.item_id()).and_then(|i| i.issue) == Some(keeper.node.number);
        changes.warnings.push(format!(
            "#{} and #{} both claim item {}; #{} ({}) is kept",
            keeper.node.number,
            duplicate.node.number,
            keeper.item_id(),
            keeper.node.number,
            if bound {
                "bound with `issue:`"
            } else {
                "the oldest"
            }
        ));
        if duplicate.is_open() {
            changes.closes.push(Close {
                item: duplicate.item_id().to_string(),
                issue: key(duplicate),
                reason: CloseReason::Duplicate { of: key(keeper) },
            });
        }
    }
    Ok(())
}
