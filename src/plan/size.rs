//! An upper estimate of the issue body an item renders to, checked against GitHub's body limit.
//!
//! The plan cannot call the renderer (it comes later in the pipeline), so this counts what the
//! rendered body is made of: the item's text, per-entry list markup, references to other items,
//! the identity marker (whose values may be percent-encoded) and a fixed allowance for headings
//! and the footer. It errs on the high side, so a plan that passes always fits.

use super::items::RawItem;
use super::{Content, Defaults};

/// GitHub's limit on an issue body, in characters.
pub(crate) const MAX_BODY: usize = 65_536;

/// Headings, section labels, the footer line and the marker's fixed text.
const FIXED: usize = 1_000;
/// Bullet, checkbox, indentation and line break around one list entry.
const PER_ENTRY: usize = 8;
/// Backticks or `#`, separator and space around one reference to another item.
const PER_REFERENCE: usize = 6;
/// Percent-encoding can triple a marker value.
const ENCODING: usize = 3;

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Characters of plan text once rendered: comment openers and closers are escaped as
/// `&lt;!--` and `--&gt;`, three characters longer each.
fn rendered(text: &str) -> usize {
    chars(text) + 3 * (text.matches("<!--").count() + text.matches("-->").count())
}

/// Estimated body size of `item`, whose children have the ids `children`.
pub(crate) fn body_estimate<'a>(
    item: &'a RawItem,
    children: impl Iterator<Item = &'a str>,
    plan_key: &str,
    defaults: &Defaults,
) -> usize {
    let (text, entries) = content_size(&item.content);
    let references: usize = item
        .depends_on
        .iter()
        .map(|d| d.value.as_str())
        .chain(item.parent.as_ref().map(|p| p.value.as_str()))
        .chain(children)
        .map(|id| chars(id) + PER_REFERENCE)
        .sum();
    let assignees = item.assignees.as_ref().unwrap_or(&defaults.assignees);
    let marker_values: usize = defaults
        .labels
        .iter()
        .chain(&item.labels)
        .chain(assignees)
        .map(|v| chars(v) + 1)
        .sum::<usize>()
        + chars(plan_key)
        + chars(&item.id);
    // The footer names the plan key and item id once more.
    let footer = chars(plan_key) + chars(&item.id);
    FIXED + text + entries * PER_ENTRY + references + marker_values * ENCODING + footer
}

/// Characters of text, and number of list entries, in an item's content.
fn content_size(content: &Content) -> (usize, usize) {
    let one = |s: &Option<String>| s.as_deref().map_or(0, rendered);
    let spec = content.spec_ref.as_ref().map_or(0, |s| {
        one(&s.path) + one(&s.url) + one(&s.section) + one(&s.anchor) + one(&s.quote)
    });
    let estimate = content.estimate.as_ref().map_or(0, |e| one(&e.tshirt) + 24);
    let v = &content.verification;
    let lists = [
        &content.requirements,
        &content.acceptance_criteria,
        &content.success_metrics,
        &content.risks,
        &content.assumptions,
        &content.scope.in_scope,
        &content.scope.out_scope,
        &v.commands,
        &v.ci_checks,
        &v.evidence,
        &v.manual_steps,
        &content.artifacts,
    ];
    let list_text: usize = lists
        .iter()
        .flat_map(|l| l.iter())
        .map(|s| rendered(s))
        .sum();
    let entries: usize = lists.iter().map(|l| l.len()).sum();
    let text = one(&content.goal)
        + one(&content.motivation)
        + one(&content.description)
        + list_text
        + spec
        + estimate;
    (text, entries)
}
