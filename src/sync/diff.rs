//! The diff: a pure function from the plan and the discovered state to the exact list of
//! changes (`super::changes`). Every change is one mutation, so a dry run's list is what apply
//! will send.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::github::Feature;
use crate::plan::{Item, ItemKind, Plan};
use crate::render::{render_block, splice};

use super::changes::{
    Change, Changes, Close, CloseReason, Create, Existing, FieldSet, IssueKey, Removed, TypeMode,
    Update,
};
use super::discover::{Discovered, ManagedIssue};
use super::fields::{has_value, Date, Setting};
use super::options::{OnRemoved, SyncOptions, TypeNames};
use super::relations::blocked_by_links;
use super::SyncError;

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
    let diff = Diff {
        plan,
        discovered,
        options,
        type_mode,
        resolved,
        fields,
        keepers,
        duplicates,
    };
    let mut changes = Changes::new(
        discovered.repository_id.clone(),
        diff.fields.as_ref().map(|f| f.board_id.clone()),
        diff.type_mode.clone(),
    );
    changes.warnings = warnings;
    changes.features = discovered.features;
    diff.existing(&mut changes);
    diff.labels(&mut changes);
    for item in &plan.items {
        match diff.keepers.get(item.id.as_str()) {
            None => changes.push(Change::CreateIssue(diff.create(item))),
            Some(issue) => {
                let update = diff.update(item, issue);
                if !update.is_empty() {
                    changes.push(Change::Update(update));
                }
                // Without sub-issues (an older server) nothing was read or is wired.
                let relocation = diff
                    .relocation(item, issue, &changes.existing)
                    .filter(|_| discovered.features.has(Feature::SubIssues));
                if let Some(change) = relocation {
                    changes.push(change);
                }
            }
        }
    }
    if discovered.features.has(Feature::IssueDependencies) {
        diff.links(&mut changes);
    }
    diff.board(&mut changes);
    diff.closes(&mut changes)?;
    Ok(changes)
}

/// What one diff reads: the plan, what discovery found, the settings and what was resolved
/// from them before any change was computed.
struct Diff<'a> {
    plan: &'a Plan,
    discovered: &'a Discovered,
    options: &'a SyncOptions,
    type_mode: TypeMode,
    resolved: Resolved,
    /// The board's field values, when a board is configured.
    fields: Option<PlanFields>,
    /// The issue that claims each item (the oldest of those carrying its marker).
    keepers: BTreeMap<&'a str, &'a ManagedIssue>,
    /// `(duplicate, keeper)`: later issues claiming an item that already has one.
    duplicates: Vec<(&'a ManagedIssue, &'a ManagedIssue)>,
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
            Some(found) => mode.set_type(kind, found.id.clone()),
            None if names.is_default(kind) => missing.push(kind),
            None => problems.push(format!(
                "{}: the organization has no issue type \"{name}\" (its issue types: {}); set {} \
                 to one of them, or leave it unset to use the label {}",
                TypeNames::input(kind),
                existing(),
                TypeNames::input(kind),
                names.label(kind)
            )),
        }
    }
    if !missing.is_empty() {
        let quoted: Vec<String> = missing
            .iter()
            .map(|k| format!("\"{}\"", names.get(*k)))
            .collect();
        let labels: Vec<String> = missing.iter().map(|k| names.label(*k)).collect();
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

impl Diff<'_> {
    /// Records the issue of every plan item that has one.
    fn existing(&self, changes: &mut Changes) {
        for (item_id, issue) in &self.keepers {
            if self.plan.get(item_id).is_some() {
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
    }

    /// The labels an item must carry, by name.
    fn desired_labels(&self, item: &Item) -> Vec<String> {
        let options = self.options;
        let mut labels = vec![options.label.clone()];
        for label in &item.labels {
            if !labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
                labels.push(label.clone());
            }
        }
        if self.type_mode.uses_label(item.kind) {
            labels.push(options.type_names.label(item.kind));
        }
        labels
    }

    fn labels(&self, changes: &mut Changes) {
        let mut missing = BTreeSet::new();
        for item in &self.plan.items {
            for label in self.desired_labels(item) {
                if self.discovered.label_id(&label).is_none()
                    && !missing
                        .iter()
                        .any(|m: &String| m.eq_ignore_ascii_case(&label))
                {
                    missing.insert(label);
                }
            }
        }
        for name in missing {
            changes.push(Change::CreateLabel { name });
        }
    }

    fn create(&self, item: &Item) -> Create {
        Create {
            item: item.id.clone(),
            kind: item.kind,
            title: item.title.clone(),
            labels: self.desired_labels(item),
            assignee_ids: self.resolved.assignee_ids(item),
            milestone_id: item
                .milestone
                .as_ref()
                .and_then(|m| self.resolved.milestones.get(m).cloned()),
            issue_type_id: self.type_mode.type_id(item.kind).map(String::from),
        }
    }

    fn update(&self, item: &Item, issue: &ManagedIssue) -> Update {
        let node = &issue.node;
        let mut update = Update {
            item: item.id.clone(),
            number: node.number,
            ..Update::default()
        };
        if node.title != item.title {
            update.title = Some(item.title.clone());
        }
        let body = splice(&node.body, &render_block(self.plan, item));
        update.body = !same_text(&body, &node.body);
        update.labels = self.label_change(item, issue);
        update.assignee_ids = self.assignee_change(item, issue);
        if let Some(title) = &item.milestone {
            let wanted = self.resolved.milestones.get(title);
            if node.milestone.as_ref().map(|m| &m.id) != wanted {
                update.milestone_id = wanted.cloned();
            }
        }
        if let Some(type_id) = self.type_mode.type_id(item.kind) {
            if node.issue_type.as_ref().map(|t| t.id.as_str()) != Some(type_id) {
                update.issue_type_id = Some(type_id.to_string());
            }
        }
        update.reopen =
            node.state == "CLOSED" && node.state_reason.as_deref() == Some("NOT_PLANNED");
        update.adopt = issue.adopting.then_some(item.kind);
        update
    }

    /// The new label set when it differs: labels planpilot manages follow the plan, others stay.
    fn label_change(&self, item: &Item, issue: &ManagedIssue) -> Option<Vec<String>> {
        let names = &self.options.type_names;
        let desired = self.desired_labels(item);
        let mut managed: Vec<String> = desired.clone();
        managed.extend(issue.marker.labels.iter().cloned());
        // Type labels under the configured names, and under the default ones: a kind that
        // switched to a named type loses the label it carried before.
        managed.extend(ItemKind::ALL.iter().map(|k| names.label(*k)));
        managed.extend(ItemKind::ALL.iter().map(|k| TypeNames::default().label(*k)));
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
    fn assignee_change(&self, item: &Item, issue: &ManagedIssue) -> Option<Vec<String>> {
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
        for id in self.resolved.assignee_ids(item) {
            if !next.contains(&id) {
                next.push(id);
            }
        }
        let same = next.len() == current.len() && current.iter().all(|(_, id)| next.contains(id));
        (!same).then_some(next)
    }

    /// The sub-issue move of an existing issue whose parent is not its item's parent's issue.
    fn relocation(
        &self,
        item: &Item,
        issue: &ManagedIssue,
        existing: &BTreeMap<String, Existing>,
    ) -> Option<Change> {
        let parent = item.parent.as_ref().and_then(|p| self.plan.get(p))?;
        let current = issue.node.parent.as_ref().map(|p| p.id.as_str());
        let wanted = existing.get(&parent.id).map(|e| e.id.as_str());
        (wanted.is_none() || current != wanted).then(|| Change::Move {
            item: item.id.clone(),
            parent: parent.id.clone(),
        })
    }

    fn links(&self, changes: &mut Changes) {
        let discovered = self.discovered;
        let desired = blocked_by_links(self.plan);
        let existing = &changes.existing;
        let id_of = |item: &str| existing.get(item).map(|e| e.id.clone());
        let desired_ids: HashSet<(String, String)> = desired
            .iter()
            .filter_map(|(a, b)| Some((id_of(a)?, id_of(b)?)))
            .collect();
        let managed: HashMap<&str, &ManagedIssue> = discovered
            .issues
            .iter()
            .map(|i| (i.node.id.as_str(), i))
            .collect();
        let by_item: HashMap<&str, &ManagedIssue> = existing
            .iter()
            .filter_map(|(item, e)| managed.get(e.id.as_str()).map(|m| (item.as_str(), *m)))
            .collect();
        let mut found = Vec::new();
        for (blocked, blocker) in &desired {
            let present = match (by_item.get(blocked.as_str()), existing.get(blocker)) {
                (Some(issue), Some(b)) => issue.node.blocked_by.iter().any(|r| r.id == b.id),
                _ => false,
            };
            if !present {
                found.push(Change::Link {
                    blocked: blocked.clone(),
                    blocker: blocker.clone(),
                });
            }
        }
        for item in &self.plan.items {
            let Some(issue) = by_item.get(item.id.as_str()) else {
                continue;
            };
            for blocker in issue.node.blocked_by.iter() {
                let ours = managed.contains_key(blocker.id.as_str())
                    || discovered.elsewhere.contains(&blocker.id);
                let stale =
                    ours && !desired_ids.contains(&(issue.node.id.clone(), blocker.id.clone()));
                if stale {
                    found.push(Change::Unlink {
                        item: item.id.clone(),
                        blocked: key(issue),
                        blocker: IssueKey {
                            id: blocker.id.clone(),
                            number: blocker.number,
                        },
                    });
                }
            }
        }
        for change in found {
            changes.push(change);
        }
    }

    fn board(&self, changes: &mut Changes) {
        let Some(fields) = &self.fields else {
            return;
        };
        for item in &self.plan.items {
            let card = self
                .keepers
                .get(item.id.as_str())
                .and_then(|i| i.card.as_ref());
            if card.is_none() {
                changes.push(Change::BoardAdd {
                    item: item.id.clone(),
                });
            }
            let owned = fields
                .by_item
                .get(&item.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let current = |field_id: &str| card.and_then(|c| c.values.get(field_id));
            let set = |(field_id, name, setting): &(String, String, Setting)| {
                Change::SetField(FieldSet {
                    item: item.id.clone(),
                    field_id: field_id.clone(),
                    field_name: name.clone(),
                    setting: setting.clone(),
                })
            };
            for owned_field in owned {
                if !current(&owned_field.0).is_some_and(|v| owned_field.2.matches(v)) {
                    changes.push(set(owned_field));
                }
            }
            for default in &fields.defaults {
                let owned_by_item = owned.iter().any(|(id, _, _)| *id == default.0);
                if !owned_by_item && !current(&default.0).is_some_and(has_value) {
                    changes.push(set(default));
                }
            }
        }
    }

    /// The kind an issue shows, by its issue type or its `type:` label (task when neither says).
    fn kind_of(&self, issue: &ManagedIssue) -> ItemKind {
        let type_name = issue.node.issue_type.as_ref().map(|t| t.name.as_str());
        let labels: Vec<&str> = issue
            .node
            .labels
            .iter()
            .flat_map(|l| l.iter())
            .map(|l| l.name.as_str())
            .collect();
        self.options
            .type_names
            .kind_of(type_name, &labels)
            .unwrap_or(ItemKind::Task)
    }

    fn closes(&self, changes: &mut Changes) -> Result<(), SyncError> {
        let options = self.options;
        let mut closing = 0;
        for (item, issue) in &self.keepers {
            if self.plan.get(item).is_some() {
                continue;
            }
            changes.removed.push(Removed {
                item: item.to_string(),
                kind: self.kind_of(issue),
                issue: key(issue),
                url: issue.node.url.clone(),
                title: issue.node.title.clone(),
            });
            let managed_parent = issue.node.parent.as_ref().filter(|p| {
                self.keepers.values().any(|k| k.node.id == p.id)
                    || self.duplicates.iter().any(|(d, _)| d.node.id == p.id)
            });
            if let (OnRemoved::Close, Some(parent)) = (options.on_removed, managed_parent) {
                changes.push(Change::Detach {
                    item: item.to_string(),
                    child: key(issue),
                    parent: IssueKey {
                        id: parent.id.clone(),
                        number: parent.number,
                    },
                });
            }
            if options.on_removed == OnRemoved::Close && issue.is_open() {
                closing += 1;
                changes.push(Change::Close(Close {
                    item: item.to_string(),
                    issue: key(issue),
                    reason: CloseReason::NotPlanned,
                }));
            }
        }
        let open_managed = self.keepers.values().filter(|i| i.is_open()).count();
        if closing > 0 && closing * 2 > open_managed && !options.allow_mass_close {
            return Err(SyncError::MassClose {
                closing,
                managed: open_managed,
            });
        }
        for (duplicate, keeper) in &self.duplicates {
            let bound =
                self.plan.get(keeper.item_id()).and_then(|i| i.issue) == Some(keeper.node.number);
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
                changes.push(Change::Close(Close {
                    item: duplicate.item_id().to_string(),
                    issue: key(duplicate),
                    reason: CloseReason::Duplicate { of: key(keeper) },
                }));
            }
        }
        Ok(())
    }
}

fn key(issue: &ManagedIssue) -> IssueKey {
    IssueKey {
        id: issue.node.id.clone(),
        number: issue.node.number,
    }
}

/// Bodies compare as GitHub keeps them: a human's edit in the web editor turns line ends into
/// CRLF and trailing whitespace is not significant; neither is worth a write.
fn same_text(a: &str, b: &str) -> bool {
    let normal = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    normal(a) == normal(b)
}
