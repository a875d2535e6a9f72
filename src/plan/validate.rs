//! Plan-wide rules over the raw items (unique ids, parents, children, dependencies, cycles),
//! and assembly of the validated `Plan` with merged defaults.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::items::{RawItem, Spanned};
use super::links::{implied_links, Chain, MAX_BLOCKED_BY};
use super::size::{body_estimate, MAX_BODY};
use super::suggest::Hints;
use super::{Defaults, Diagnostic, Item, ItemKind, Location, Plan};

/// GitHub's cap on sub-issues under one issue.
pub(crate) const MAX_CHILDREN: usize = 100;

/// The ids of the plan, and of items left out after a reported problem (references to those
/// are not reported again).
struct Known<'a> {
    index: &'a HashMap<&'a str, usize>,
    skipped: &'a HashSet<String>,
}

fn error(diagnostics: &mut Vec<Diagnostic>, location: &Location, item: &str, message: String) {
    diagnostics.push(Diagnostic {
        location: location.clone(),
        item: Some(item.to_owned()),
        message,
    });
}

/// Checks the plan-wide rules, then builds the plan. `Err` holds every problem found (not yet
/// sorted into file order).
/// `root` (the repository root, when known) is how a message writes another place in the plan:
/// the same way the caller writes the message's own place (`Location::display_from`).
pub(crate) fn build(
    key: String,
    source: PathBuf,
    defaults: Defaults,
    raw: Vec<RawItem>,
    skipped: &HashSet<String>,
    root: Option<&Path>,
) -> Result<Plan, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let raw = drop_duplicates(raw, root, &mut diagnostics);
    let index: HashMap<&str, usize> = raw
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id.as_str(), i))
        .collect();
    let mut hints = Hints::new(raw.iter().map(|item| item.id.as_str()));

    let known = Known {
        index: &index,
        skipped,
    };
    check_parents(&raw, &known, &mut hints, &mut diagnostics);
    let children = children_of(&raw, &index);
    check_children(&raw, &children, &known, &mut diagnostics);
    let edges = check_dependencies(&raw, &known, &mut hints, &mut diagnostics);
    check_lineage(&raw, &index, &edges, &mut diagnostics);
    check_cycles(&raw, &edges, &mut diagnostics);
    check_link_cap(&raw, &index, &edges, &mut diagnostics);
    check_body_sizes(&raw, &children, &key, &defaults, &mut diagnostics);
    check_bindings(&raw, root, &mut diagnostics);

    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by_key(|&i| raw[i].kind); // stable: file order within each kind
    let items = order
        .into_iter()
        .map(|i| finish(&raw[i], &children[i], &edges[i], &raw, &defaults))
        .collect();
    Ok(Plan::new(key, source, defaults, items))
}

/// Reports every id seen before and keeps only the first item with each id.
fn drop_duplicates(
    raw: Vec<RawItem>,
    root: Option<&Path>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<RawItem> {
    let mut first: HashMap<String, Location> = HashMap::new();
    let mut kept = Vec::with_capacity(raw.len());
    for item in raw {
        if let Some(at) = first.get(&item.id) {
            let message = format!(
                "duplicate id {} (first defined at {})",
                item.id,
                at.display_from(root)
            );
            error(diagnostics, &item.id_location, &item.id, message);
        } else {
            first.insert(item.id.clone(), item.id_location.clone());
            kept.push(item);
        }
    }
    kept
}

fn check_parents(
    raw: &[RawItem],
    known: &Known,
    hints: &mut Hints,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for item in raw {
        let label = format!("{} {}", item.kind, item.id);
        let wanted = match item.kind {
            ItemKind::Epic => continue,
            ItemKind::Story => ItemKind::Epic,
            ItemKind::Task => ItemKind::Story,
        };
        let Some(parent) = &item.parent else {
            let how = if wanted == ItemKind::Epic {
                "`epic:` or `parent_id:`"
            } else {
                "`story:` or `parent_id:`"
            };
            let message = format!(
                "{label} has no parent {wanted} (nest it under one, or name it with {how})"
            );
            error(diagnostics, &item.location, &item.id, message);
            continue;
        };
        match known.index.get(parent.value.as_str()) {
            None if known.skipped.contains(&parent.value) => {}
            None => {
                let message = format!(
                    "{label}: parent {} is not in the plan{}",
                    parent.value,
                    hints.hint(&parent.value, &item.id)
                );
                error(diagnostics, &parent.location, &item.id, message);
            }
            Some(&p) if raw[p].kind != wanted => {
                let message = format!(
                    "{label}: parent {} is {} {}; a {}'s parent must be {} {wanted}",
                    parent.value,
                    article(raw[p].kind),
                    raw[p].kind,
                    item.kind,
                    article(wanted)
                );
                error(diagnostics, &parent.location, &item.id, message);
            }
            Some(_) => {}
        }
    }
}

fn article(kind: ItemKind) -> &'static str {
    if kind == ItemKind::Epic {
        "an"
    } else {
        "a"
    }
}

/// For each item, the indexes of its children (items whose parent it is), in file order.
fn children_of(raw: &[RawItem], index: &HashMap<&str, usize>) -> Vec<Vec<usize>> {
    let mut children = vec![Vec::new(); raw.len()];
    for (i, item) in raw.iter().enumerate() {
        let parent = item
            .parent
            .as_ref()
            .and_then(|p| index.get(p.value.as_str()));
        if let Some(&p) = parent {
            if raw[p].kind.child() == Some(item.kind) {
                children[p].push(i);
            }
        }
    }
    children
}

fn check_children(
    raw: &[RawItem],
    children: &[Vec<usize>],
    known: &Known,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (i, item) in raw.iter().enumerate() {
        let label = format!("{} {}", item.kind, item.id);
        if children[i].len() > MAX_CHILDREN {
            let kind = item.kind.child().map_or("children", |k| match k {
                ItemKind::Story => "stories",
                _ => "tasks",
            });
            let message = format!(
                "{label} has {} {kind}; GitHub allows at most {MAX_CHILDREN} sub-issues per issue",
                children[i].len()
            );
            error(diagnostics, &item.location, &item.id, message);
        }
        if let Some((at, listed)) = &item.sub_item_ids {
            check_sub_item_ids(
                item,
                &label,
                at,
                listed,
                &children[i],
                raw,
                known,
                diagnostics,
            );
        }
    }
}

/// planpilot's `sub_item_ids` must name exactly the item's children.
#[allow(clippy::too_many_arguments)]
fn check_sub_item_ids(
    item: &RawItem,
    label: &str,
    at: &Location,
    listed: &[Spanned<String>],
    children: &[usize],
    raw: &[RawItem],
    known: &Known,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let actual: HashSet<&str> = children.iter().map(|&c| raw[c].id.as_str()).collect();
    let named: HashSet<&str> = listed.iter().map(|s| s.value.as_str()).collect();
    for entry in listed {
        if actual.contains(entry.value.as_str()) || known.skipped.contains(&entry.value) {
            continue;
        }
        let why = match known.index.get(entry.value.as_str()) {
            None => "which is not in the plan".to_owned(),
            Some(&c) => match &raw[c].parent {
                Some(p) => format!("whose parent is {}", p.value),
                None => format!("which is {} {}", article(raw[c].kind), raw[c].kind),
            },
        };
        let message = format!("{label}: sub_item_ids lists {}, {why}", entry.value);
        error(diagnostics, &entry.location, &item.id, message);
    }
    for &c in children {
        if !named.contains(raw[c].id.as_str()) {
            let message = format!(
                "{label}: sub_item_ids does not list {}, whose parent is {}",
                raw[c].id, item.id
            );
            error(diagnostics, at, &item.id, message);
        }
    }
}

/// Validated dependency edges per item (indexes, deduplicated, file order).
fn check_dependencies(
    raw: &[RawItem],
    known: &Known,
    hints: &mut Hints,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Vec<(usize, Location)>> {
    let mut edges = Vec::with_capacity(raw.len());
    for (i, item) in raw.iter().enumerate() {
        let label = format!("{} {}", item.kind, item.id);
        let mut out: Vec<(usize, Location)> = Vec::new();
        let mut seen = HashSet::new();
        for dep in &item.depends_on {
            match known.index.get(dep.value.as_str()) {
                None if known.skipped.contains(&dep.value) => {}
                None => {
                    let message = format!(
                        "{label} depends on {}, which is not in the plan{}",
                        dep.value,
                        hints.hint(&dep.value, &item.id)
                    );
                    error(diagnostics, &dep.location, &item.id, message);
                }
                Some(&d) if d == i => {
                    let message = format!("{label} depends on itself");
                    error(diagnostics, &dep.location, &item.id, message);
                }
                Some(&d) => {
                    if seen.insert(d) {
                        out.push((d, dep.location.clone()));
                    }
                }
            }
        }
        edges.push(out);
    }
    edges
}

/// The chain (item, story, epic) of every raw item, as far as its parents are known.
fn chains<'r>(raw: &'r [RawItem], index: &HashMap<&str, usize>) -> Vec<Chain<'r>> {
    let parent = |i: usize| {
        raw[i]
            .parent
            .as_ref()
            .and_then(|p| index.get(p.value.as_str()).copied())
    };
    (0..raw.len())
        .map(|i| {
            let up = parent(i);
            let (story, epic) = match raw[i].kind {
                ItemKind::Epic => (None, Some(i)),
                ItemKind::Story => (Some(i), up),
                ItemKind::Task => (up, up.and_then(parent)),
            };
            Chain {
                item: raw[i].id.as_str(),
                story: story.map(|s| raw[s].id.as_str()),
                epic: epic.map(|e| raw[e].id.as_str()),
            }
        })
        .collect()
}

/// A dependency on one's own ancestor or descendant cannot be a blocked-by link: GitHub would
/// show an issue blocked by the issue that contains it.
fn check_lineage(
    raw: &[RawItem],
    index: &HashMap<&str, usize>,
    edges: &[Vec<(usize, Location)>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let chains = chains(raw, index);
    let holds = |c: &Chain, id: &str| c.story == Some(id) || c.epic == Some(id);
    for (i, item) in raw.iter().enumerate() {
        for (d, at) in &edges[i] {
            let dep = &raw[*d];
            let how = if holds(&chains[i], &dep.id) {
                "which contains it"
            } else if holds(&chains[*d], &item.id) {
                "which is part of it"
            } else {
                continue;
            };
            let message = format!(
                "{} {} depends on {} {}, {how}; a dependency must be on an item outside its own \
                 hierarchy (the sub-issue link already says how the two relate)",
                item.kind, item.id, dep.kind, dep.id
            );
            error(diagnostics, at, &item.id, message);
        }
    }
}

/// An issue blocked by more than GitHub's cap once dependencies are rolled up.
fn check_link_cap(
    raw: &[RawItem],
    index: &HashMap<&str, usize>,
    edges: &[Vec<(usize, Location)>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let chains = chains(raw, index);
    let declared = edges
        .iter()
        .enumerate()
        .flat_map(|(i, out)| out.iter().map(move |(d, _)| (i, *d)))
        .map(|(i, d)| (raw[i].id.as_str(), raw[d].id.as_str()));
    let links = implied_links(declared, |id| index.get(id).map(|&i| chains[i]));
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (blocked, _) in links {
        *count.entry(blocked).or_default() += 1;
    }
    for (item, own) in raw.iter().zip(edges) {
        let n = count.get(item.id.as_str()).copied().unwrap_or(0);
        if n > MAX_BLOCKED_BY {
            let own = own.len();
            let message = format!(
                "{} {} would be blocked by {n} issues ({own} of its own dependencies, the rest \
                 rolled up from the items under it); GitHub allows at most {MAX_BLOCKED_BY} \
                 blocked-by links per issue",
                item.kind, item.id
            );
            error(diagnostics, &item.location, &item.id, message);
        }
    }
}

/// Reports each dependency cycle once, as `A → B → C → A`, at the edge that leaves the cycle's
/// first item in file order. Iterative (Tarjan's algorithm), so long chains cannot overflow.
fn check_cycles(
    raw: &[RawItem],
    edges: &[Vec<(usize, Location)>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for component in strongly_connected(edges) {
        if component.len() < 2 {
            continue;
        }
        let members: HashSet<usize> = component.iter().copied().collect();
        let Some(&start) = component.iter().min() else {
            continue;
        };
        let path = cycle_through(start, edges, &members);
        let mut names: Vec<&str> = path.iter().map(|&i| raw[i].id.as_str()).collect();
        names.push(raw[start].id.as_str());
        let at = path
            .get(1)
            .and_then(|next| edges[start].iter().find(|(d, _)| d == next))
            .map_or(&raw[start].location, |(_, l)| l);
        let message = format!("dependency cycle: {}", cycle_text(&names));
        error(diagnostics, at, &raw[start].id, message);
    }
}

/// Items whose issue body would exceed GitHub's limit.
fn check_body_sizes(
    raw: &[RawItem],
    children: &[Vec<usize>],
    key: &str,
    defaults: &Defaults,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (item, children) in raw.iter().zip(children) {
        let ids = children.iter().map(|&c| raw[c].id.as_str());
        let size = body_estimate(item, ids, key, defaults);
        if size > MAX_BODY {
            let message = format!(
                "{} {}: its issue body would be about {size} characters; GitHub allows at most \
                 65,536 (shorten its text or split the item)",
                item.kind, item.id
            );
            error(diagnostics, &item.location, &item.id, message);
        }
    }
}

/// One issue bound (`issue:`) to one item at most: two items cannot share an issue.
fn check_bindings(raw: &[RawItem], root: Option<&Path>, diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<u64, (&str, &Location)> = HashMap::new();
    for item in raw {
        let Some(issue) = &item.issue else { continue };
        match first.get(&issue.value) {
            Some((other, at)) => {
                let message = format!(
                    "{} {}: issue #{} is already bound to {other} (at {}); one issue can back \
                     one item only",
                    item.kind,
                    item.id,
                    issue.value,
                    at.display_from(root)
                );
                error(diagnostics, &issue.location, &item.id, message);
            }
            None => {
                first.insert(issue.value, (&item.id, &issue.location));
            }
        }
    }
}

/// `A → B → C → A`; a long cycle shows its first and last steps around the count left out.
fn cycle_text(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    if names.len() <= SHOWN {
        return names.join(" → ");
    }
    let head = names[..SHOWN / 2].join(" → ");
    let tail = names[names.len() - SHOWN / 2..].join(" → ");
    let left_out = names.len() - SHOWN;
    format!("{head} → … {left_out} more … → {tail}")
}

/// A simple cycle from `start` back to it inside one strongly connected component (BFS, so it
/// is a shortest one).
fn cycle_through(
    start: usize,
    edges: &[Vec<(usize, Location)>],
    members: &HashSet<usize>,
) -> Vec<usize> {
    let mut previous: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &(next, _) in &edges[node] {
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![node];
                let mut at = node;
                // Every node reached, except `start`, was given a predecessor when queued.
                while at != start {
                    at = previous[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = previous.entry(next) {
                e.insert(node);
                queue.push_back(next);
            }
        }
    }
    vec![start]
}

/// Tarjan's strongly connected components, without recursion.
fn strongly_connected(edges: &[Vec<(usize, Location)>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut work = vec![(root, 0)];
        order[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut next)) = work.last_mut() {
            if let Some(&(to, _)) = edges[node].get(*next) {
                *next += 1;
                if order[to] == UNSEEN {
                    order[to] = counter;
                    low[to] = counter;
                    counter += 1;
                    stack.push(to);
                    on_stack[to] = true;
                    work.push((to, 0));
                } else if on_stack[to] {
                    low[node] = low[node].min(order[to]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// The validated item: defaults merged, links as ids.
fn finish(
    item: &RawItem,
    children: &[usize],
    edges: &[(usize, Location)],
    raw: &[RawItem],
    defaults: &Defaults,
) -> Item {
    let mut seen = HashSet::new();
    let labels: Vec<String> = defaults
        .labels
        .iter()
        .chain(&item.labels)
        .filter(|label| seen.insert(label.as_str()))
        .cloned()
        .collect();
    Item {
        id: item.id.clone(),
        kind: item.kind,
        title: item.title.clone(),
        parent: item.parent.as_ref().map(|p| p.value.clone()),
        children: children.iter().map(|&c| raw[c].id.clone()).collect(),
        depends_on: edges.iter().map(|(d, _)| raw[*d].id.clone()).collect(),
        content: item.content.clone(),
        labels,
        assignees: item
            .assignees
            .clone()
            .unwrap_or_else(|| defaults.assignees.clone()),
        milestone: item.milestone.clone(),
        fields: item.fields.clone(),
        issue: item.issue.as_ref().map(|i| i.value),
        issue_location: item
            .issue
            .as_ref()
            .map_or_else(|| item.location.clone(), |i| i.location.clone()),
        location: item.location.clone(),
        at: item.at.clone(),
    }
}
