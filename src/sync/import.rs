//! Import: an existing backlog, as read by `github::backlog`, turned into a nested plan whose
//! every item is bound to its issue (`issue:`). A pure function; `action::import` does the I/O.
//!
//! - Levels follow the sub-issue tree: a tree's top is the epic level, then stories, then
//!   tasks. Where issue types (or `type:` labels) say Epic/Story/Task, a tree whose typed issues
//!   all sit lower than their type says starts its epics there, and what is above is left out.
//! - Ids come from titles (`Checkout flow` → `checkout-flow`); a repeat gets the issue number
//!   (`checkout-flow-57`), so ids stay the same when the backlog grows.
//! - `depends_on` holds the blocked-by links between imported issues; `fields` the board's
//!   values of the issue's card (with `--project-url`).
//!
//! Nothing is dropped silently: every issue left out, and every change the first sync will make
//! to an issue's type, is a note.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::github::backlog::Backlog;
use crate::github::ops::IssueNode;
use crate::plan::{Draft, DraftItem, FieldValue, ItemKind};
use crate::render::find_marker;

use super::fields::{Board, FieldKind};
use super::options::{RepoRef, TypeNames};

/// Plan levels: epic, story, task.
const LEVELS: usize = 3;

/// Longest id derived from a title, in characters (cut at a word boundary).
const MAX_SLUG: usize = 48;

/// What the import was asked to read, for the file's header.
#[derive(Debug, Clone)]
pub struct ImportContext<'a> {
    pub repository: &'a RepoRef,
    /// The selection as given on the command line, e.g. `--label backlog`.
    pub selection: &'a str,
    /// Names of the Epic/Story/Task issue types (and `type:` labels).
    pub type_names: &'a TypeNames,
    /// The label planpilot gives managed issues: not copied into the plan.
    pub sync_label: &'a str,
}

/// The plan to write and what the person should know about it.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub draft: Draft,
    /// One line per issue left out or changed by the first sync, in issue-number order.
    pub notes: Vec<String>,
    /// Issues bound by the plan.
    pub bound: usize,
}

/// Builds the plan for `backlog`.
pub fn import_plan(backlog: &Backlog, context: &ImportContext) -> Imported {
    let board = backlog.board.as_ref().map(Board::from_node);
    let mut builder = Builder {
        context,
        board: board.as_ref(),
        issues: backlog.issues.iter().map(|i| (i.id.as_str(), i)).collect(),
        notes: BTreeMap::new(),
        kept: BTreeMap::new(),
    };
    let candidates = builder.candidates(&backlog.issues);
    builder.place(&backlog.issues, &candidates);
    let ids = builder.ids();
    let mut roots: Vec<&IssueNode> = builder
        .kept
        .iter()
        .filter(|(_, level)| **level == 0)
        .filter_map(|(id, _)| builder.issues.get(id.as_str()).copied())
        .collect();
    roots.sort_by_key(|i| i.number);
    let epics = roots.iter().map(|root| builder.item(root, &ids)).collect();
    if backlog.other_board_items > 0 {
        builder.note(
            u64::MAX,
            format!(
                "{} board item(s) are pull requests, drafts or issues of other repositories; \
                 not imported",
                backlog.other_board_items
            ),
        );
    }
    let notes: Vec<String> = builder.notes.into_values().flatten().collect();
    let mut comments = vec![
        format!(
            "Imported by `planpilot import` from {} ({}).",
            context.repository, context.selection
        ),
        "Every item adopts its existing issue (`issue:`): the first sync adds planpilot's marker \
         and label and sets titles, types, parents, links and board fields as written here; it \
         creates no issue. Text people wrote in the issues is kept."
            .to_string(),
        "Review this file (ids, titles, levels), then commit and push it.".to_string(),
        "The plan key is this file's path in the repository: add `id:` before you move it."
            .to_string(),
    ];
    if !notes.is_empty() {
        comments.push(String::new());
        comments.push("Left out or changed:".to_string());
        comments.extend(notes.iter().map(|n| format!("- {n}")));
    }
    Imported {
        bound: builder.kept.len(),
        draft: Draft { comments, epics },
        notes,
    }
}

struct Builder<'a> {
    context: &'a ImportContext<'a>,
    board: Option<&'a Board>,
    issues: HashMap<&'a str, &'a IssueNode>,
    /// Notes by issue number (so they come out in number order).
    notes: BTreeMap<u64, Vec<String>>,
    /// Imported issues (node id) and their level (0 epic, 1 story, 2 task).
    kept: BTreeMap<String, usize>,
}

impl<'a> Builder<'a> {
    fn note(&mut self, number: u64, text: String) {
        self.notes.entry(number).or_default().push(text);
    }

    fn in_repository(&self, issue: &IssueNode) -> bool {
        let repo = self.context.repository;
        let path = format!("/{}/{}/issues/", repo.owner, repo.name).to_lowercase();
        issue.url.to_lowercase().contains(&path)
    }

    /// The issues that may become items: in this repository, managed by no plan, and not
    /// closed as not planned or as a duplicate (a sync would reopen or keep fighting those).
    fn candidates(&mut self, issues: &'a [IssueNode]) -> HashSet<&'a str> {
        let mut candidates = HashSet::new();
        for issue in issues {
            let why = if !self.in_repository(issue) {
                Some(format!("{} is in another repository", issue.url))
            } else if let Some(marker) = find_marker(&issue.body) {
                Some(format!(
                    "already managed by plan `{}` (item `{}`); left alone",
                    marker.plan_key, marker.item_id
                ))
            } else if issue.state == "CLOSED"
                && matches!(
                    issue.state_reason.as_deref(),
                    Some("NOT_PLANNED" | "DUPLICATE")
                )
            {
                let reason = issue.state_reason.as_deref().unwrap_or_default();
                Some(format!(
                    "closed as {}; left out",
                    reason.to_lowercase().replace('_', " ")
                ))
            } else {
                None
            };
            match why {
                Some(why) => {
                    let text = format!("#{} {}: {why}", issue.number, quote(&issue.title));
                    self.note(issue.number, text);
                }
                None => {
                    candidates.insert(issue.id.as_str());
                }
            }
        }
        candidates
    }

    /// Decides the level of every candidate, tree by tree.
    fn place(&mut self, issues: &'a [IssueNode], candidates: &HashSet<&'a str>) {
        let has_parent_among = |issue: &IssueNode| {
            issue
                .parent
                .as_ref()
                .is_some_and(|p| candidates.contains(p.id.as_str()))
        };
        let mut roots: Vec<&IssueNode> = issues
            .iter()
            .filter(|i| candidates.contains(i.id.as_str()) && !has_parent_among(i))
            .collect();
        roots.sort_by_key(|i| i.number);
        for root in roots {
            let tree = self.tree(root, candidates);
            let offset = self.epic_depth(&tree);
            for (issue, depth) in &tree {
                self.settle(issue, *depth, offset, &tree);
            }
        }
    }

    /// `root` and every candidate below it, with its depth, parents before children.
    fn tree(&self, root: &'a IssueNode, candidates: &HashSet<&str>) -> Vec<(&'a IssueNode, usize)> {
        let mut tree = vec![(root, 0)];
        let mut next = 0;
        let mut seen = HashSet::from([root.id.as_str()]);
        while let Some(&(issue, depth)) = tree.get(next) {
            next += 1;
            for sub in issue.sub_issues.iter() {
                let child = self.issues.get(sub.id.as_str()).copied();
                if let Some(child) = child.filter(|c| candidates.contains(c.id.as_str())) {
                    if seen.insert(child.id.as_str()) {
                        tree.push((child, depth + 1));
                    }
                }
            }
        }
        tree
    }

    /// The depth of the epic level in a tree: 0, unless every typed issue of the tree sits
    /// lower than its type says (an epic typed Epic under an "initiative"), then that much.
    fn epic_depth(&self, tree: &[(&IssueNode, usize)]) -> usize {
        tree.iter()
            .filter_map(|(issue, depth)| {
                let level = self.typed_level(issue)?;
                Some(depth.saturating_sub(level))
            })
            .min()
            .unwrap_or(0)
    }

    /// The level an issue's type (or `type:` label) names, if it names one.
    fn typed_level(&self, issue: &IssueNode) -> Option<usize> {
        let names = self.context.type_names;
        let level_names = [(0, &names.epic), (1, &names.story), (2, &names.task)];
        let by_type = issue.issue_type.as_ref().and_then(|t| {
            level_names
                .iter()
                .find(|(_, n)| n.eq_ignore_ascii_case(&t.name))
                .map(|(l, _)| *l)
        });
        by_type.or_else(|| {
            issue
                .labels
                .iter()
                .flat_map(|l| l.iter())
                .find_map(|label| {
                    level_names
                        .iter()
                        .find(|(_, n)| label.name.eq_ignore_ascii_case(&format!("type:{n}")))
                        .map(|(l, _)| *l)
                })
        })
    }

    fn settle(
        &mut self,
        issue: &IssueNode,
        depth: usize,
        offset: usize,
        tree: &[(&IssueNode, usize)],
    ) {
        let label = format!("#{} {}", issue.number, quote(&issue.title));
        if depth < offset {
            let text = format!(
                "{label}: above the epics of its tree (the issue types put epics {offset} \
                 level(s) below it); left out, its sub-issue links stay"
            );
            self.note(issue.number, text);
            return;
        }
        let level = depth - offset;
        let parent_left_out = issue
            .parent
            .as_ref()
            .is_some_and(|p| !self.kept.contains_key(&p.id));
        if level >= LEVELS {
            // Only the top of a cut subtree is noted; below it, the parent is left out too.
            let parent_level = level - 1;
            if parent_level < LEVELS {
                let below = count_below(issue, tree);
                let text = format!(
                    "{label}: more than three levels deep; left out{}",
                    if below > 0 {
                        format!(" with the {below} sub-issue(s) below it")
                    } else {
                        String::new()
                    }
                );
                self.note(issue.number, text);
            }
            return;
        }
        if level == 0 && parent_left_out {
            if let Some(parent) = &issue.parent {
                let text = format!(
                    "{label}: its parent #{} is not imported (outside the selection or left out); \
                     it is imported as an epic and its sub-issue link stays",
                    parent.number
                );
                self.note(issue.number, text);
            }
        }
        if let (Some(actual), Some(kind)) = (&issue.issue_type, ItemKind::ALL.get(level)) {
            let wanted = self.type_name(*kind);
            if !actual.name.eq_ignore_ascii_case(wanted) {
                let text = format!(
                    "{label}: has type {}, imported as {} {kind}; the first sync gives it the \
                     {kind} type",
                    actual.name,
                    if *kind == ItemKind::Epic { "an" } else { "a" }
                );
                self.note(issue.number, text);
            }
        }
        self.kept.insert(issue.id.clone(), level);
    }

    fn type_name(&self, kind: ItemKind) -> &str {
        let names = self.context.type_names;
        match kind {
            ItemKind::Epic => &names.epic,
            ItemKind::Story => &names.story,
            ItemKind::Task => &names.task,
        }
    }

    /// Item ids by node id: from the title, unique, the lower issue number first.
    fn ids(&self) -> HashMap<String, String> {
        let mut kept: Vec<&IssueNode> = self
            .kept
            .keys()
            .filter_map(|id| self.issues.get(id.as_str()).copied())
            .collect();
        kept.sort_by_key(|i| i.number);
        let mut used = HashSet::new();
        let mut ids = HashMap::new();
        for issue in kept {
            let base = slug(&issue.title).unwrap_or_else(|| format!("issue-{}", issue.number));
            let mut id = base.clone();
            let mut n = 1;
            while !used.insert(id.clone()) {
                id = if n == 1 {
                    format!("{base}-{}", issue.number)
                } else {
                    format!("{base}-{}-{n}", issue.number)
                };
                n += 1;
            }
            ids.insert(issue.id.clone(), id);
        }
        ids
    }

    /// The item of a kept issue, with its kept sub-issues in GitHub's order.
    fn item(&mut self, issue: &IssueNode, ids: &HashMap<String, String>) -> DraftItem {
        let mut depends_on = Vec::new();
        for blocker in issue.blocked_by.iter() {
            match ids.get(&blocker.id) {
                Some(id) if !depends_on.contains(id) => depends_on.push(id.clone()),
                Some(_) => {}
                None => {
                    let text = format!(
                        "#{} is blocked by #{}, which is not imported: the link stays on GitHub, \
                         outside the plan",
                        issue.number, blocker.number
                    );
                    self.note(issue.number, text);
                }
            }
        }
        if issue.blocked_by.is_truncated() {
            let text = format!(
                "#{} has more than 100 blockers; only the first 100 were read",
                issue.number
            );
            self.note(issue.number, text);
        }
        let children: Vec<&IssueNode> = issue
            .sub_issues
            .iter()
            .filter(|s| self.kept.contains_key(&s.id))
            .filter_map(|s| self.issues.get(s.id.as_str()).copied())
            .collect();
        let children = children.into_iter().map(|c| self.item(c, ids)).collect();
        DraftItem {
            id: ids.get(&issue.id).cloned().unwrap_or_default(),
            title: issue.title.trim().to_string(),
            issue: Some(issue.number),
            labels: self.labels(issue),
            assignees: issue.assignees.iter().map(|a| a.name.clone()).collect(),
            milestone: issue.milestone.as_ref().map(|m| m.name.clone()),
            fields: self.fields(issue),
            depends_on,
            children,
        }
    }

    /// The issue's labels, less planpilot's own and the `type:` labels of the three levels.
    fn labels(&self, issue: &IssueNode) -> Vec<String> {
        let type_labels: Vec<String> = ItemKind::ALL
            .iter()
            .map(|k| format!("type:{}", self.type_name(*k).to_lowercase()))
            .collect();
        issue
            .labels
            .iter()
            .flat_map(|l| l.iter())
            .map(|l| l.name.clone())
            .filter(|name| !name.eq_ignore_ascii_case(self.context.sync_label))
            .filter(|name| !type_labels.iter().any(|t| t.eq_ignore_ascii_case(name)))
            .collect()
    }

    /// The values of the issue's card on the board, for the fields a plan can set.
    fn fields(&mut self, issue: &IssueNode) -> BTreeMap<String, FieldValue> {
        let mut fields = BTreeMap::new();
        let Some(board) = self.board else {
            return fields;
        };
        let card = issue
            .project_items
            .iter()
            .flat_map(|items| items.iter())
            .find(|item| item.project.as_ref().is_some_and(|p| p.id == board.id));
        let Some(card) = card else { return fields };
        let mut notes = Vec::new();
        for value in card.field_values.iter() {
            let Some(field_id) = value.field.as_ref().and_then(|f| f.id.as_deref()) else {
                continue;
            };
            let Some(field) = board.fields.iter().find(|f| f.id == field_id) else {
                continue;
            };
            let plan_value = match &field.kind {
                FieldKind::Text => value.text.clone().map(FieldValue::Text),
                FieldKind::Number => value.number.map(FieldValue::Number),
                FieldKind::Date => value.date.clone().map(FieldValue::Text),
                FieldKind::SingleSelect(_) => value.name.clone().map(FieldValue::Text),
                FieldKind::Iteration(_) => value.title.clone().map(FieldValue::Text),
                _ => None,
            };
            match plan_value {
                // A plan reserves `@` for `@current`/`@next`, and a value is one line.
                Some(FieldValue::Text(text))
                    if text.starts_with('@') || text.contains(['\n', '\r']) =>
                {
                    notes.push(format!(
                        "#{}: the value of {} cannot be written in a plan; left out",
                        issue.number, field.name
                    ));
                }
                Some(FieldValue::Text(text)) if text.trim().is_empty() => {}
                Some(v) => {
                    fields.insert(field.name.clone(), v);
                }
                None => {}
            }
        }
        for text in notes {
            self.note(issue.number, text);
        }
        fields
    }
}

fn count_below(issue: &IssueNode, tree: &[(&IssueNode, usize)]) -> usize {
    let mut below: BTreeSet<&str> = BTreeSet::new();
    let mut frontier: Vec<&str> = vec![issue.id.as_str()];
    while let Some(id) = frontier.pop() {
        for (candidate, _) in tree {
            let child_of = candidate.parent.as_ref().is_some_and(|p| p.id == id);
            if child_of && below.insert(candidate.id.as_str()) {
                frontier.push(candidate.id.as_str());
            }
        }
    }
    below.len()
}

fn quote(title: &str) -> String {
    format!("\"{}\"", title.trim())
}

/// A readable id from a title: lower-case words joined by `-`, at most `MAX_SLUG` characters.
/// `None` when the title has no letter or digit.
pub fn slug(title: &str) -> Option<String> {
    let mut out = String::new();
    let mut gap = false;
    for c in title.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else if !matches!(c, '\'' | '’') {
            gap = true;
        }
    }
    if out.chars().count() > MAX_SLUG {
        let cut: String = out.chars().take(MAX_SLUG + 1).collect();
        out = match cut.rfind('-') {
            Some(at) if at > 0 => cut[..at].to_string(),
            _ => cut.chars().take(MAX_SLUG).collect(),
        };
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn ids_from_titles_are_readable_words() {
        assert_eq!(slug("Checkout flow").as_deref(), Some("checkout-flow"));
        assert_eq!(
            slug("  Don't ship: the (new) API!  ").as_deref(),
            Some("dont-ship-the-new-api")
        );
        assert_eq!(slug("Ünïcode Straße").as_deref(), Some("ünïcode-straße"));
        assert_eq!(slug("!!!"), None);
        let long = slug(&"word ".repeat(30)).unwrap();
        assert!(long.chars().count() <= 48 && !long.ends_with('-'), "{long}");
    }
}
