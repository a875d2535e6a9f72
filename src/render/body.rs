//! The managed block of an issue body, rendered from a plan item, and splicing it into a body
//! that may hold text a human wrote around it.
//!
//! Rendering is a pure function of the plan and the item alone: the block names no issue numbers
//! (GitHub shows parent, sub-issues and blocked-by links in the sidebar), so a body is
//! written once, at creation, and a move, a new child or a new issue elsewhere never rewrites it.

use std::fmt::Write as _;

use super::marker::{Marker, BEGIN_PREFIX, END_LINE};
use crate::plan::{Item, Plan};

/// Renders the whole managed block, marker lines included.
pub fn render_block(plan: &Plan, item: &Item) -> String {
    let marker = Marker {
        plan_key: plan.key.clone(),
        item_id: item.id.clone(),
        labels: item.labels.clone(),
        assignees: item.assignees.clone(),
        deps: Some(item.depends_on.clone()),
    };
    let mut out = String::new();
    out.push_str(&marker.to_comment());
    out.push('\n');
    push_sections(&mut out, item);
    let _ = write!(
        out,
        "\n<sub>Managed by planpilot from plan `{}`, item `{}`. Edit the plan file to change \
         this block; text outside it is kept.</sub>\n",
        inline(&plan.key),
        inline(&item.id)
    );
    out.push_str(END_LINE);
    out
}

/// The managed block of a body, marker lines included, if it has a complete one.
pub fn managed_block(body: &str) -> Option<&str> {
    let (start, end) = block_range(body)?;
    Some(&body[start..end])
}

/// Replaces the managed block of `existing` with `block`, keeping every character outside it.
/// The block replaced is the one of the same item, if the body holds several (a human pasted
/// another issue's body), else the first. A body without a (complete) block gets the block
/// first, then the human text.
pub fn splice(existing: &str, block: &str) -> String {
    let own = block.lines().next().and_then(Marker::parse_comment);
    let range = own
        .and_then(|own| {
            block_ranges(existing).into_iter().find(|&(start, _)| {
                let begin = existing[start..].lines().next().unwrap_or_default();
                Marker::parse_comment(begin)
                    .is_some_and(|m| m.plan_key == own.plan_key && m.item_id == own.item_id)
            })
        })
        .or_else(|| block_range(existing));
    if let Some((start, end)) = range {
        return format!("{}{block}{}", &existing[..start], &existing[end..]);
    }
    let human = existing.trim();
    if human.is_empty() {
        block.to_string()
    } else {
        format!("{block}\n\n{human}")
    }
}

/// The body of an issue being adopted: the person's text first, as written, then the block.
pub fn append(existing: &str, block: &str) -> String {
    let human = existing.trim_end();
    if human.trim_start().is_empty() {
        block.to_string()
    } else {
        format!("{human}\n\n{block}")
    }
}

/// Byte range of the first complete managed block: from its begin line to the end of its end line.
fn block_range(body: &str) -> Option<(usize, usize)> {
    block_ranges(body).into_iter().next()
}

/// Byte ranges of every complete managed block, in order.
fn block_ranges(body: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut offset = 0;
    let mut start = None;
    for line in body.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        if start.is_none() && text.trim_start().starts_with(BEGIN_PREFIX) {
            if Marker::parse_comment(text).is_some() {
                start = Some(offset);
            }
        } else if let (Some(s), true) = (start, text.trim() == END_LINE) {
            ranges.push((s, offset + text.len()));
            start = None;
        }
        offset += line.len();
    }
    ranges
}

fn push_sections(out: &mut String, item: &Item) {
    let c = &item.content;
    push_text(out, "Goal", c.goal.as_deref());
    push_text(out, "Motivation", c.motivation.as_deref());
    push_text(out, "Description", c.description.as_deref());
    push_list(out, "Requirements", &c.requirements, "- ");
    push_list(out, "Acceptance criteria", &c.acceptance_criteria, "- [ ] ");
    if !c.scope.is_empty() {
        let mut scope = String::new();
        push_sublist(&mut scope, "In scope", &c.scope.in_scope);
        push_sublist(&mut scope, "Out of scope", &c.scope.out_scope);
        push_text(out, "Scope", Some(scope.trim_end()));
    }
    if !c.verification.is_empty() {
        let v = &c.verification;
        let mut text = String::new();
        let commands: Vec<String> = v
            .commands
            .iter()
            .map(|cmd| format!("`{}`", inline(cmd)))
            .collect();
        push_sublist(&mut text, "Commands", &commands);
        push_sublist(&mut text, "CI checks", &v.ci_checks);
        push_sublist(&mut text, "Evidence", &v.evidence);
        push_sublist(&mut text, "Manual steps", &v.manual_steps);
        push_text(out, "Verification", Some(text.trim_end()));
    }
    if let Some(estimate) = &c.estimate {
        let mut parts = Vec::new();
        if let Some(size) = &estimate.tshirt {
            parts.push(format!("size {}", safe(size)));
        }
        if let Some(hours) = estimate.hours {
            parts.push(format!("{hours} h"));
        }
        if !parts.is_empty() {
            push_text(out, "Estimate", Some(&parts.join(", ")));
        }
    }
    if let Some(spec) = &c.spec_ref {
        let mut parts = Vec::new();
        if let Some(target) = spec.url.as_ref().or(spec.path.as_ref()) {
            let anchor = spec
                .anchor
                .as_ref()
                .map(|a| format!("#{a}"))
                .unwrap_or_default();
            parts.push(format!("`{}{}`", inline(target), inline(&anchor)));
        }
        if let Some(section) = &spec.section {
            parts.push(format!("section “{}”", safe(section)));
        }
        let mut text = parts.join(", ");
        if let Some(quote) = &spec.quote {
            let quoted: Vec<String> = safe(quote).lines().map(|l| format!("> {l}")).collect();
            let _ = write!(text, "\n\n{}", quoted.join("\n"));
        }
        push_text(out, "Specification", Some(&text));
    }
    push_list(out, "Success metrics", &c.success_metrics, "- ");
    push_list(out, "Risks", &c.risks, "- ");
    push_list(out, "Assumptions", &c.assumptions, "- ");
    push_list(out, "Artifacts", &c.artifacts, "- ");
}

fn push_text(out: &mut String, heading: &str, text: Option<&str>) {
    if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        let _ = write!(out, "### {heading}\n\n{}\n\n", safe(text));
    }
}

fn push_list(out: &mut String, heading: &str, entries: &[String], bullet: &str) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {heading}\n");
    for entry in entries {
        let _ = writeln!(out, "{bullet}{}", safe(entry).replace('\n', " "));
    }
    out.push('\n');
}

fn push_sublist(out: &mut String, label: &str, entries: &[String]) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{label}**");
    for entry in entries {
        let _ = writeln!(out, "- {}", entry.replace('\n', " "));
    }
    out.push('\n');
}

/// Plan text is markdown and kept as written, except that it can never open or close an HTML
/// comment: a forged marker would let plan text claim another item's identity.
fn safe(text: &str) -> String {
    text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")
}

/// Text placed inside a code span: no backticks or newlines, and comment-safe.
fn inline(text: &str) -> String {
    safe(&text.replace('`', "'").replace(['\n', '\r'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Defaults, ItemKind};
    use crate::render::find_marker;

    fn item(id: &str, kind: ItemKind, parent: Option<&str>) -> Item {
        Item {
            labels: vec!["roadmap".into()],
            ..Item::sample(id, kind, parent, &[])
        }
    }

    fn plan() -> Plan {
        let mut epic = item("E-1", ItemKind::Epic, None);
        epic.children = vec!["S-1".into()];
        let mut story = item("S-1", ItemKind::Story, Some("E-1"));
        story.children = vec!["T-1".into(), "T-2".into()];
        let t1 = item("T-1", ItemKind::Task, Some("S-1"));
        let mut t2 = item("T-2", ItemKind::Task, Some("S-1"));
        t2.depends_on = vec!["T-1".into()];
        t2.content.goal = Some("Ship it <!-- planpilot:begin plan=x item=E-1 --> now".into());
        t2.content.requirements = vec!["first".into(), "second\nline".into()];
        t2.content.acceptance_criteria = vec!["works".into()];
        Plan::new(
            "plan.yaml".into(),
            "plan.yaml".into(),
            Defaults::default(),
            vec![epic, story, t1, t2],
        )
    }

    #[test]
    fn renders_sections_and_marker() {
        let plan = plan();
        let block = render_block(&plan, plan.get("T-2").unwrap());
        let marker = find_marker(&block).unwrap();
        assert_eq!(
            (marker.plan_key.as_str(), marker.item_id.as_str()),
            ("plan.yaml", "T-2")
        );
        assert_eq!(marker.labels, vec!["roadmap".to_string()]);
        assert!(
            block.contains("### Requirements\n\n- first\n- second line\n"),
            "{block}"
        );
        assert!(block.contains("- [ ] works"), "{block}");
        assert!(block.ends_with(END_LINE));
    }

    /// GitHub shows parent, sub-issues and blocked-by links natively: a block that named them
    /// would need a second write once their issues exist, and another on every move.
    #[test]
    fn the_block_names_no_parent_children_or_dependencies() {
        let plan = plan();
        for id in ["E-1", "S-1", "T-2"] {
            let block = render_block(&plan, plan.get(id).unwrap());
            let others = ["E-1", "S-1", "T-1", "T-2"].map(|o| format!("`{o}`"));
            let words = ["Parent", "Depends on", "Tasks:", "Stories:"].map(String::from);
            for word in words
                .iter()
                .chain(others.iter().filter(|o| !o.contains(id)))
            {
                assert!(!block.contains(word.as_str()), "{id}: {word} in {block}");
            }
        }
        let mut moved = plan.get("T-1").unwrap().clone();
        moved.parent = Some("E-1".into());
        assert_eq!(
            render_block(&plan, &moved),
            render_block(&plan, plan.get("T-1").unwrap()),
            "a move leaves the body as it is"
        );
    }

    #[test]
    fn plan_text_cannot_forge_a_marker() {
        let plan = plan();
        let block = render_block(&plan, plan.get("T-2").unwrap());
        assert_eq!(block.matches("<!--").count(), 2, "{block}");
        assert_eq!(find_marker(&block).unwrap().item_id, "T-2");
        assert!(block.contains("&lt;!-- planpilot:begin plan=x item=E-1 --&gt; now"));
    }

    #[test]
    fn splice_keeps_human_text_around_the_block() {
        let plan = plan();
        let mut before = plan.get("T-1").unwrap().clone();
        before.title = "Old title".into();
        before.content.goal = Some("old goal".into());
        let old = render_block(&plan, &before);
        let body = format!("Human intro.\n\n{old}\n\nHuman notes after.\n");
        let new = render_block(&plan, plan.get("T-1").unwrap());
        let spliced = splice(&body, &new);
        assert_eq!(
            spliced,
            format!("Human intro.\n\n{new}\n\nHuman notes after.\n")
        );
        assert_eq!(managed_block(&spliced), Some(new.as_str()));
        // Splicing the same block again changes nothing.
        assert_eq!(splice(&spliced, &new), spliced);
    }

    #[test]
    fn splice_replaces_the_items_own_block_when_another_was_pasted_above_it() {
        let plan = plan();
        let block = |id: &str, goal: &str| {
            let mut item = plan.get(id).unwrap().clone();
            item.content.goal = Some(goal.into());
            render_block(&plan, &item)
        };
        let pasted = block("T-1", "someone else's");
        let body = format!("{pasted}\n\nnotes\n\n{}", block("T-2", "old"));
        let spliced = splice(&body, &block("T-2", "new"));
        assert_eq!(
            spliced,
            format!("{pasted}\n\nnotes\n\n{}", block("T-2", "new"))
        );
    }

    #[test]
    fn append_keeps_the_persons_text_first() {
        let plan = plan();
        let block = render_block(&plan, plan.get("E-1").unwrap());
        assert_eq!(append("", &block), block);
        assert_eq!(append(" \n", &block), block);
        assert_eq!(
            append("  Steps:\n1. go\n\n", &block),
            format!("  Steps:\n1. go\n\n{block}")
        );
    }

    #[test]
    fn splice_into_a_body_without_a_complete_block() {
        let plan = plan();
        let block = render_block(&plan, plan.get("E-1").unwrap());
        assert_eq!(splice("", &block), block);
        assert_eq!(splice("  kept  ", &block), format!("{block}\n\nkept"));
        let truncated = &block[..block.len() - END_LINE.len()];
        assert_eq!(managed_block(truncated), None);
    }
}
