//! What a diff reads, resolved before any change is computed: the plan's assignees, milestones,
//! issue types and board field values against what discovery found (every one that does not
//! exist is a problem, reported before any write), and which issue claims each item.

use std::collections::{BTreeMap, HashMap};

use crate::plan::{Item, ItemKind, Location, Plan};
use crate::sync::changes::TypeMode;
use crate::sync::discover::{Discovered, ManagedIssue};
use crate::sync::fields::{Date, Setting};
use crate::sync::options::{SyncOptions, TypeNames};
use crate::sync::{Problem, SyncError};

/// What one diff reads: the plan, what discovery found, the settings and what was resolved
/// from them before any change was computed.
pub(super) struct Diff<'a> {
    pub(super) plan: &'a Plan,
    pub(super) discovered: &'a Discovered,
    pub(super) options: &'a SyncOptions,
    pub(super) type_mode: TypeMode,
    pub(super) resolved: Resolved,
    /// The board's field values, when a board is configured.
    pub(super) fields: Option<PlanFields>,
    /// The issue that claims each item (the oldest of those carrying its marker).
    pub(super) keepers: BTreeMap<&'a str, &'a ManagedIssue>,
    /// `(duplicate, keeper)`: later issues claiming an item that already has one.
    pub(super) duplicates: Vec<(&'a ManagedIssue, &'a ManagedIssue)>,
    /// Discovery's warnings and those of resolving.
    pub(super) warnings: Vec<String>,
}

impl<'a> Diff<'a> {
    /// Resolves what the plan names; every problem found fails the diff before any change.
    pub(super) fn new(
        plan: &'a Plan,
        discovered: &'a Discovered,
        options: &'a SyncOptions,
        today: Date,
    ) -> Result<Diff<'a>, SyncError> {
        let mut problems = Vec::new();
        let mut warnings = discovered.warnings.clone();
        let type_mode = type_mode(discovered, options, &mut problems, &mut warnings);
        let resolved = Resolved::new(plan, discovered, &mut problems);
        let fields = resolve_fields(plan, discovered, options, today, &mut problems);
        if !problems.is_empty() {
            return Err(SyncError::Invalid(problems));
        }
        let (keepers, duplicates) = split_collisions(plan, &discovered.issues);
        Ok(Diff {
            plan,
            discovered,
            options,
            type_mode,
            resolved,
            fields,
            keepers,
            duplicates,
            warnings,
        })
    }
}

/// Per kind, the issue type that has the configured name. A missing type under its default
/// name falls back to the kind's `type:` label, with one warning naming every missing type; a
/// missing type the user named is a problem (nothing is written).
fn type_mode(
    discovered: &Discovered,
    options: &SyncOptions,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<String>,
) -> TypeMode {
    let enabled: Vec<_> = discovered.issue_types.iter().collect();
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
            None => problems.push(Problem::new(format!(
                "{}: the organization has no issue type \"{name}\" (its issue types: {}); set {} \
                 to one of them, or leave it unset to use the label {}",
                TypeNames::input(kind),
                existing(),
                TypeNames::input(kind),
                names.label(kind)
            ))),
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
pub(super) struct Resolved {
    pub(super) users: HashMap<String, String>,
    pub(super) milestones: HashMap<String, String>,
}

impl Resolved {
    fn new(plan: &Plan, discovered: &Discovered, problems: &mut Vec<Problem>) -> Resolved {
        let mut users = HashMap::new();
        let mut milestones = HashMap::new();
        for item in &plan.items {
            for login in &item.assignees {
                match discovered.users.get(&login.to_lowercase()) {
                    Some(id) => {
                        users.insert(login.to_lowercase(), id.clone());
                    }
                    None => problems.push(Problem::at(
                        item.at.assignees.as_ref().unwrap_or(&item.location),
                        format!("{} {}: unknown assignee \"{login}\"", item.kind, item.id),
                    )),
                }
            }
            if let Some(title) = &item.milestone {
                match discovered.milestones.get(title) {
                    Some(id) => {
                        milestones.insert(title.clone(), id.clone());
                    }
                    None => problems.push(Problem::at(
                        item.at.milestone.as_ref().unwrap_or(&item.location),
                        format!(
                            "{} {}: the repository has no milestone \"{title}\"",
                            item.kind, item.id
                        ),
                    )),
                }
            }
        }
        problems.dedup();
        Resolved { users, milestones }
    }

    pub(super) fn assignee_ids(&self, item: &Item) -> Vec<String> {
        item.assignees
            .iter()
            .filter_map(|l| self.users.get(&l.to_lowercase()).cloned())
            .collect()
    }
}

/// Every board field value of the plan, resolved: `(item fields, default fields)`.
pub(super) struct PlanFields {
    pub(super) board_id: String,
    pub(super) by_item: HashMap<String, Vec<(String, String, Setting)>>,
    pub(super) defaults: Vec<(String, String, Setting)>,
}

fn resolve_fields(
    plan: &Plan,
    discovered: &Discovered,
    options: &SyncOptions,
    today: Date,
    problems: &mut Vec<Problem>,
) -> Option<PlanFields> {
    options.project.as_ref()?;
    let Some(board) = &discovered.board else {
        problems.push(Problem::new("the project board could not be read"));
        return None;
    };
    let mut resolve =
        |context: &str, at: &Location, name: &str, value| match board.resolve(name, value, today) {
            Ok((field, setting)) => Some((field.id.clone(), field.name.clone(), setting)),
            Err(message) => {
                problems.push(Problem::at(at, format!("{context}: {message}")));
                None
            }
        };
    let defaults = plan
        .defaults
        .fields
        .iter()
        .filter_map(|(name, value)| {
            let at = plan.defaults.field_locations.get(name);
            let at = at.cloned().unwrap_or_else(|| Location {
                file: plan.source.clone(),
                ..Location::default()
            });
            resolve("defaults.fields", &at, name, value)
        })
        .collect();
    let by_item = plan
        .items
        .iter()
        .map(|item| {
            let settings = item
                .fields
                .iter()
                .filter_map(|(name, value)| {
                    let at = item.at.fields.get(name).unwrap_or(&item.location);
                    resolve(&format!("{} {}", item.kind, item.id), at, name, value)
                })
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
        plan.get(issue.item_id()).and_then(|item| item.issue) != Some(issue.issue.number)
    };
    sorted.sort_by_key(|i| (unbound(i), i.issue.number));
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
