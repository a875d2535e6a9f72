//! Mutations and GitHub's rules for them: title/body sizes, sub-issue caps, depth and
//! single parent, blocked-by rules, idempotent board adds, field values checked against the
//! field's type. Each mutation either applies fully or fails without changing anything.

use serde_json::{Map, Value};

use crate::exec::{project_access, Ctx, FieldError, Obj, Out};
use crate::state::{FieldKind, FieldValue, Issue, Item, NodeRef, State};

type Input = Map<String, Value>;
type Resolved = Result<Out, FieldError>;

pub const MAX_TITLE: usize = 256;
pub const MAX_BODY: usize = 65_536;
pub const MAX_SUB_ISSUES: usize = 100;
pub const MAX_DEPTH: usize = 8;
/// *Reported* cap on blocked-by links per issue.
pub const MAX_BLOCKED_BY: usize = 50;

/// Mutations that count against the secondary content-creation limit.
pub const CONTENT_CREATING: &[&str] =
    &["createIssue", "addSubIssue", "addBlockedBy", "createLabel"];

/// Run one top-level mutation field.
pub fn run(ctx: &mut Ctx, name: &str, args: &Map<String, Value>) -> Resolved {
    ctx.mutations_run.push(name.to_string());
    if CONTENT_CREATING.contains(&name) {
        if let Some(left) = ctx.content_allowance.as_mut() {
            if *left == 0 {
                ctx.too_quick += 1;
                return Err(FieldError::unprocessable("was submitted too quickly"));
            }
            *left -= 1;
        }
    }
    let empty = Map::new();
    let input = args
        .get("input")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let state = &mut *ctx.state;
    match name {
        "createIssue" => create_issue(state, input),
        "updateIssue" => update_issue(state, input),
        "closeIssue" => close_issue(state, input),
        "reopenIssue" => reopen_issue(state, input),
        "deleteIssue" => delete_issue(state, input),
        "addLabelsToLabelable" => change_labels(state, input, true),
        "removeLabelsFromLabelable" => change_labels(state, input, false),
        "createLabel" => create_label(state, input),
        "addSubIssue" => add_sub_issue(state, input),
        "removeSubIssue" => remove_sub_issue(state, input),
        "reprioritizeSubIssue" => reprioritize_sub_issue(state, input),
        "addBlockedBy" => add_blocked_by(state, input),
        "removeBlockedBy" => remove_blocked_by(state, input),
        "addProjectV2ItemById" => add_project_item(state, input),
        "deleteProjectV2Item" => delete_project_item(state, input),
        "updateProjectV2ItemFieldValue" => update_field_value(state, input),
        "clearProjectV2ItemFieldValue" => clear_field_value(state, input),
        _ => Err(FieldError::unemulated("Mutation", name)),
    }
}

fn payload(name: &'static str, fields: Vec<(&'static str, Out)>) -> Resolved {
    Ok(Out::Obj(Obj::Payload(name, fields)))
}

fn issue_out(i: usize) -> Out {
    Out::Obj(Obj::Issue(i))
}

fn id_arg<'a>(input: &'a Input, key: &str) -> &'a str {
    input.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn ids_arg(input: &Input, key: &str) -> Option<Vec<String>> {
    input.get(key).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    })
}

fn issue_id(state: &State, id: &str) -> Result<usize, FieldError> {
    match state.resolve(id) {
        Some(NodeRef::Issue(i)) => Ok(i),
        _ => Err(FieldError::not_found(id)),
    }
}

fn label_ids(state: &State, ids: &[String]) -> Result<Vec<usize>, FieldError> {
    ids.iter()
        .map(|id| match state.resolve(id) {
            Some(NodeRef::Label(l)) => Ok(l),
            _ => Err(FieldError::not_found(id)),
        })
        .collect()
}

fn user_ids(state: &State, ids: &[String]) -> Result<Vec<usize>, FieldError> {
    ids.iter()
        .map(|id| match state.resolve(id) {
            Some(NodeRef::User(u)) => Ok(u),
            Some(NodeRef::Owner) => state
                .user_by_login(&state.owner)
                .ok_or_else(|| FieldError::not_found(id)),
            _ => Err(FieldError::not_found(id)),
        })
        .collect()
}

/// `Some(None)` = explicitly cleared with null; `None` = not given.
fn optional_ref(input: &Input, key: &str) -> Option<Option<String>> {
    input.get(key).map(|v| v.as_str().map(str::to_string))
}

fn milestone_id(state: &State, id: &str) -> Result<usize, FieldError> {
    match state.resolve(id) {
        Some(NodeRef::Milestone(m)) => Ok(m),
        _ => Err(FieldError::not_found(id)),
    }
}

fn issue_type_id(state: &State, id: &str) -> Result<usize, FieldError> {
    match state.resolve(id) {
        Some(NodeRef::IssueType(t)) if state.issue_types[t].enabled => Ok(t),
        Some(NodeRef::IssueType(t)) => Err(FieldError::unprocessable(format!(
            "Issue type {} is not enabled for this repository",
            state.issue_types[t].name
        ))),
        _ => Err(FieldError::not_found(id)),
    }
}

fn check_title(title: &str) -> Result<(), FieldError> {
    if title.trim().is_empty() {
        return Err(FieldError::unprocessable("Title can't be blank"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(FieldError::unprocessable(format!(
            "Title is too long (maximum is {MAX_TITLE} characters)"
        )));
    }
    Ok(())
}

fn check_body(body: &str) -> Result<(), FieldError> {
    if body.chars().count() > MAX_BODY {
        return Err(FieldError::unprocessable(format!(
            "Body is too long (maximum is {MAX_BODY} characters)"
        )));
    }
    Ok(())
}

fn create_issue(state: &mut State, input: &Input) -> Resolved {
    let repository_id = id_arg(input, "repositoryId");
    if state.resolve(repository_id) != Some(NodeRef::Repository) {
        return Err(FieldError::not_found(repository_id));
    }
    let title = id_arg(input, "title").to_string();
    let body = id_arg(input, "body").to_string();
    check_title(&title)?;
    check_body(&body)?;
    let labels = label_ids(state, &ids_arg(input, "labelIds").unwrap_or_default())?;
    let assignees = user_ids(state, &ids_arg(input, "assigneeIds").unwrap_or_default())?;
    let milestone = optional_ref(input, "milestoneId")
        .flatten()
        .map(|id| milestone_id(state, &id))
        .transpose()?;
    let issue_type = optional_ref(input, "issueTypeId")
        .flatten()
        .map(|id| issue_type_id(state, &id))
        .transpose()?;
    let parent = optional_ref(input, "parentIssueId")
        .flatten()
        .map(|id| issue_id(state, &id))
        .transpose()?;
    let projects = ids_arg(input, "projectV2Ids").unwrap_or_default();
    for project in &projects {
        project_id(state, project)?;
    }
    if let Some(parent) = parent {
        check_capacity(state, parent)?;
        if level(state, parent) + 1 > MAX_DEPTH {
            return Err(depth_error());
        }
    }
    let idx = state.issues.len();
    let id = state.new_id("I", NodeRef::Issue(idx));
    let now = state.now();
    state.issues.push(Issue {
        labels: dedup(labels),
        assignees: dedup(assignees),
        milestone,
        issue_type,
        parent,
        ..Issue::open(id, idx as u64 + 1, title, body, now)
    });
    if let Some(parent) = parent {
        state.issues[parent].sub_issues.push(idx);
    }
    if !projects.is_empty() {
        ensure_item(state, idx);
    }
    payload("CreateIssuePayload", vec![("issue", issue_out(idx))])
}

fn dedup(mut list: Vec<usize>) -> Vec<usize> {
    let mut seen = Vec::new();
    list.retain(|x| {
        let fresh = !seen.contains(x);
        seen.push(*x);
        fresh
    });
    list
}

fn touch(state: &mut State, i: usize) {
    state.issues[i].updated_at = state.now();
}

fn update_issue(state: &mut State, input: &Input) -> Resolved {
    let i = issue_id(state, id_arg(input, "id"))?;
    let title = input.get("title").and_then(Value::as_str);
    let body = input.get("body").and_then(Value::as_str);
    if let Some(title) = title {
        check_title(title)?;
    }
    if let Some(body) = body {
        check_body(body)?;
    }
    let labels = ids_arg(input, "labelIds")
        .map(|ids| label_ids(state, &ids))
        .transpose()?;
    let assignees = ids_arg(input, "assigneeIds")
        .map(|ids| user_ids(state, &ids))
        .transpose()?;
    let milestone = optional_ref(input, "milestoneId")
        .map(|m| m.map(|id| milestone_id(state, &id)).transpose())
        .transpose()?;
    let issue_type = optional_ref(input, "issueTypeId")
        .map(|t| t.map(|id| issue_type_id(state, &id)).transpose())
        .transpose()?;
    let new_state = input.get("state").and_then(Value::as_str);
    let issue = &mut state.issues[i];
    if let Some(title) = title {
        issue.title = title.to_string();
    }
    if let Some(body) = body {
        issue.body = body.to_string();
    }
    if let Some(labels) = labels {
        issue.labels = dedup(labels);
    }
    if let Some(assignees) = assignees {
        issue.assignees = dedup(assignees);
    }
    if let Some(milestone) = milestone {
        issue.milestone = milestone;
    }
    if let Some(issue_type) = issue_type {
        issue.issue_type = issue_type;
    }
    match new_state {
        Some("CLOSED") if issue.state != "CLOSED" => {
            issue.state = "CLOSED";
            issue.state_reason = Some("COMPLETED".to_string());
        }
        Some("OPEN") if issue.state != "OPEN" => {
            issue.state = "OPEN";
            issue.state_reason = Some("REOPENED".to_string());
        }
        _ => {}
    }
    touch(state, i);
    payload(
        "UpdateIssuePayload",
        vec![("issue", issue_out(i)), ("actor", Out::Obj(Obj::User(0)))],
    )
}

fn close_issue(state: &mut State, input: &Input) -> Resolved {
    let i = issue_id(state, id_arg(input, "issueId"))?;
    let reason = input
        .get("stateReason")
        .and_then(Value::as_str)
        .unwrap_or("COMPLETED");
    if let Some(duplicate_of) = input.get("duplicateIssueId").and_then(Value::as_str) {
        if issue_id(state, duplicate_of)? == i {
            return Err(FieldError::unprocessable(
                "An issue cannot be a duplicate of itself",
            ));
        }
    }
    state.issues[i].state = "CLOSED";
    state.issues[i].state_reason = Some(reason.to_string());
    touch(state, i);
    payload("CloseIssuePayload", vec![("issue", issue_out(i))])
}

fn reopen_issue(state: &mut State, input: &Input) -> Resolved {
    let i = issue_id(state, id_arg(input, "issueId"))?;
    if state.issues[i].state != "OPEN" {
        state.issues[i].state = "OPEN";
        state.issues[i].state_reason = Some("REOPENED".to_string());
        touch(state, i);
    }
    payload("ReopenIssuePayload", vec![("issue", issue_out(i))])
}

fn delete_issue(state: &mut State, input: &Input) -> Resolved {
    let i = issue_id(state, id_arg(input, "issueId"))?;
    state.issues[i].deleted = true;
    if let Some(parent) = state.issues[i].parent.take() {
        state.issues[parent].sub_issues.retain(|s| *s != i);
    }
    for sub in std::mem::take(&mut state.issues[i].sub_issues) {
        state.issues[sub].parent = None;
    }
    for issue in &mut state.issues {
        issue.blocked_by.retain(|b| *b != i);
    }
    // The issue's board item goes with it: items of deleted issues are skipped everywhere.
    payload(
        "DeleteIssuePayload",
        vec![("repository", Out::Obj(Obj::Repository))],
    )
}

fn change_labels(state: &mut State, input: &Input, add: bool) -> Resolved {
    let i = issue_id(state, id_arg(input, "labelableId"))?;
    let labels = label_ids(state, &ids_arg(input, "labelIds").unwrap_or_default())?;
    let current = &mut state.issues[i].labels;
    if add {
        for l in labels {
            if !current.contains(&l) {
                current.push(l);
            }
        }
    } else {
        current.retain(|l| !labels.contains(l));
    }
    touch(state, i);
    let name = if add {
        "AddLabelsToLabelablePayload"
    } else {
        "RemoveLabelsFromLabelablePayload"
    };
    payload(name, vec![("labelable", issue_out(i))])
}

fn create_label(state: &mut State, input: &Input) -> Resolved {
    let repository_id = id_arg(input, "repositoryId");
    if state.resolve(repository_id) != Some(NodeRef::Repository) {
        return Err(FieldError::not_found(repository_id));
    }
    let name = id_arg(input, "name").trim().to_string();
    let color = id_arg(input, "color")
        .trim_start_matches('#')
        .to_lowercase();
    if name.is_empty() {
        return Err(FieldError::unprocessable("Name can't be blank"));
    }
    if state.label_by_name(&name).is_some() {
        return Err(FieldError::unprocessable("Name has already been taken"));
    }
    if color.len() != 6 || !color.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(FieldError::unprocessable("Color is invalid"));
    }
    let description = input
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let l = state.add_label(&name, &color, description);
    payload(
        "CreateLabelPayload",
        vec![("label", Out::Obj(Obj::Label(l)))],
    )
}

/// Level of an issue in its tree: a root is level 1.
fn level(state: &State, mut i: usize) -> usize {
    let mut depth = 1;
    while let Some(parent) = state.issues[i].parent {
        depth += 1;
        i = parent;
    }
    depth
}

/// Levels in the subtree rooted at `i` (a leaf has height 1).
fn height(state: &State, i: usize) -> usize {
    1 + state.issues[i]
        .sub_issues
        .iter()
        .map(|s| height(state, *s))
        .max()
        .unwrap_or(0)
}

fn is_ancestor(state: &State, ancestor: usize, mut i: usize) -> bool {
    while let Some(parent) = state.issues[i].parent {
        if parent == ancestor {
            return true;
        }
        i = parent;
    }
    false
}

fn depth_error() -> FieldError {
    FieldError::unprocessable(format!(
        "Sub issues cannot be nested more than {MAX_DEPTH} levels deep"
    ))
}

/// Closed sub-issues count toward the cap, as on GitHub.
fn check_capacity(state: &State, parent: usize) -> Result<(), FieldError> {
    if state.issues[parent].sub_issues.len() >= MAX_SUB_ISSUES {
        return Err(FieldError::unprocessable(format!(
            "Parent cannot have more than {MAX_SUB_ISSUES} sub-issues"
        )));
    }
    Ok(())
}

fn sub_issue_arg(state: &State, input: &Input) -> Result<usize, FieldError> {
    if let Some(id) = input.get("subIssueId").and_then(Value::as_str) {
        return issue_id(state, id);
    }
    let url = id_arg(input, "subIssueUrl");
    let prefix = format!("{}/issues/", state.repo_url());
    url.strip_prefix(&prefix)
        .and_then(|n| n.parse::<u64>().ok())
        .and_then(|n| state.issue_by_number(n))
        .ok_or_else(|| {
            FieldError::new(
                "NOT_FOUND",
                format!("Could not resolve to an issue with the URL '{url}'"),
            )
        })
}

fn add_sub_issue(state: &mut State, input: &Input) -> Resolved {
    let parent = issue_id(state, id_arg(input, "issueId"))?;
    let sub = sub_issue_arg(state, input)?;
    let replace = input
        .get("replaceParent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if parent == sub || is_ancestor(state, sub, parent) {
        return Err(FieldError::unprocessable(
            "An issue cannot be a sub-issue of itself or of its own sub-issues",
        ));
    }
    match state.issues[sub].parent {
        Some(p) if p == parent => {
            return Err(FieldError::unprocessable(
                "Issue is already a sub-issue of this parent",
            ))
        }
        Some(_) if !replace => {
            return Err(FieldError::unprocessable(
                "Sub issue may only have one parent",
            ))
        }
        _ => {}
    }
    check_capacity(state, parent)?;
    if level(state, parent) + height(state, sub) > MAX_DEPTH {
        return Err(depth_error());
    }
    if let Some(old) = state.issues[sub].parent {
        state.issues[old].sub_issues.retain(|s| *s != sub);
    }
    state.issues[sub].parent = Some(parent);
    state.issues[parent].sub_issues.push(sub);
    touch(state, parent);
    payload(
        "AddSubIssuePayload",
        vec![("issue", issue_out(parent)), ("subIssue", issue_out(sub))],
    )
}

fn remove_sub_issue(state: &mut State, input: &Input) -> Resolved {
    let parent = issue_id(state, id_arg(input, "issueId"))?;
    let sub = issue_id(state, id_arg(input, "subIssueId"))?;
    if state.issues[sub].parent != Some(parent) {
        return Err(FieldError::unprocessable(
            "Issue is not a sub-issue of this parent",
        ));
    }
    state.issues[sub].parent = None;
    state.issues[parent].sub_issues.retain(|s| *s != sub);
    touch(state, parent);
    payload(
        "RemoveSubIssuePayload",
        vec![("issue", issue_out(parent)), ("subIssue", issue_out(sub))],
    )
}

fn reprioritize_sub_issue(state: &mut State, input: &Input) -> Resolved {
    let parent = issue_id(state, id_arg(input, "issueId"))?;
    let sub = issue_id(state, id_arg(input, "subIssueId"))?;
    let after = optional_ref(input, "afterId")
        .flatten()
        .map(|id| issue_id(state, &id))
        .transpose()?;
    let before = optional_ref(input, "beforeId")
        .flatten()
        .map(|id| issue_id(state, &id))
        .transpose()?;
    let anchor = match (after, before) {
        (Some(a), None) => a,
        (None, Some(b)) => b,
        _ => {
            return Err(FieldError::unprocessable(
                "Exactly one of afterId or beforeId must be provided",
            ))
        }
    };
    let subs = &state.issues[parent].sub_issues;
    if !subs.contains(&sub) || !subs.contains(&anchor) || sub == anchor {
        return Err(FieldError::unprocessable(
            "Both issues must be sub-issues of this parent",
        ));
    }
    let subs = &mut state.issues[parent].sub_issues;
    subs.retain(|s| *s != sub);
    let at = subs.iter().position(|s| *s == anchor).unwrap_or(0);
    subs.insert(if after.is_some() { at + 1 } else { at }, sub);
    payload(
        "ReprioritizeSubIssuePayload",
        vec![("issue", issue_out(parent))],
    )
}

fn add_blocked_by(state: &mut State, input: &Input) -> Resolved {
    let blocked = issue_id(state, id_arg(input, "issueId"))?;
    let blocking = issue_id(state, id_arg(input, "blockingIssueId"))?;
    if blocked == blocking {
        return Err(FieldError::unprocessable(
            "An issue cannot be blocked by itself",
        ));
    }
    if state.issues[blocked].blocked_by.contains(&blocking) {
        return Err(FieldError::unprocessable(
            "Issue is already blocked by this issue",
        ));
    }
    if state.issues[blocked].blocked_by.len() >= MAX_BLOCKED_BY {
        return Err(FieldError::unprocessable(format!(
            "An issue cannot be blocked by more than {MAX_BLOCKED_BY} issues"
        )));
    }
    state.issues[blocked].blocked_by.push(blocking);
    touch(state, blocked);
    payload(
        "AddBlockedByPayload",
        vec![
            ("issue", issue_out(blocked)),
            ("blockingIssue", issue_out(blocking)),
        ],
    )
}

fn remove_blocked_by(state: &mut State, input: &Input) -> Resolved {
    let blocked = issue_id(state, id_arg(input, "issueId"))?;
    let blocking = issue_id(state, id_arg(input, "blockingIssueId"))?;
    if !state.issues[blocked].blocked_by.contains(&blocking) {
        return Err(FieldError::unprocessable(
            "Issue is not blocked by this issue",
        ));
    }
    state.issues[blocked].blocked_by.retain(|b| *b != blocking);
    touch(state, blocked);
    payload(
        "RemoveBlockedByPayload",
        vec![
            ("issue", issue_out(blocked)),
            ("blockingIssue", issue_out(blocking)),
        ],
    )
}

fn project_arg(state: &State, input: &Input) -> Result<(), FieldError> {
    project_id(state, id_arg(input, "projectId"))
}

fn project_id(state: &State, id: &str) -> Result<(), FieldError> {
    project_access(state)?;
    match state.resolve(id) {
        Some(NodeRef::Project) => Ok(()),
        _ => Err(FieldError::not_found(id)),
    }
}

fn item_arg(state: &State, input: &Input) -> Result<usize, FieldError> {
    let id = id_arg(input, "itemId");
    match state.resolve(id) {
        Some(NodeRef::ProjectItem(i)) => Ok(i),
        _ => Err(FieldError::not_found(id)),
    }
}

fn field_arg(state: &State, input: &Input) -> Result<usize, FieldError> {
    let id = id_arg(input, "fieldId");
    match state.resolve(id) {
        Some(NodeRef::ProjectField(f)) => Ok(f),
        _ => Err(FieldError::not_found(id)),
    }
}

fn add_project_item(state: &mut State, input: &Input) -> Resolved {
    project_arg(state, input)?;
    let issue = issue_id(state, id_arg(input, "contentId"))?;
    let item = ensure_item(state, issue);
    payload(
        "AddProjectV2ItemByIdPayload",
        vec![("item", Out::Obj(Obj::Item(item)))],
    )
}

/// Takes an item off the board; the issue itself stays.
/// <https://docs.github.com/en/graphql/reference/mutations#deleteprojectv2item>
fn delete_project_item(state: &mut State, input: &Input) -> Resolved {
    project_arg(state, input)?;
    let id = id_arg(input, "itemId");
    let Some(NodeRef::ProjectItem(item)) = state.resolve(id) else {
        return Err(FieldError::not_found(id));
    };
    if let Some(project) = &mut state.project {
        project.items[item].removed = true;
    }
    payload(
        "DeleteProjectV2ItemPayload",
        vec![("deletedItemId", Out::leaf(id.to_string()))],
    )
}

/// The board item of an issue, created if it has none (adding is idempotent on GitHub).
fn ensure_item(state: &mut State, issue: usize) -> usize {
    let existing = state.project.as_ref().and_then(|p| {
        p.items
            .iter()
            .position(|item| item.issue == issue && !item.removed)
    });
    if let Some(item) = existing {
        return item;
    }
    let idx = state.project.as_ref().map_or(0, |p| p.items.len());
    let id = state.new_id("PVTI", NodeRef::ProjectItem(idx));
    let created_at = state.now();
    if let Some(project) = &mut state.project {
        project.items.push(Item {
            id,
            issue,
            values: Default::default(),
            created_at,
            removed: false,
        });
    }
    idx
}

/// The one value given in `ProjectV2FieldValue`, checked against the field's type.
fn field_value(state: &State, f: usize, value: &Input) -> Result<FieldValue, FieldError> {
    let given: Vec<(&String, &Value)> = value.iter().filter(|(_, v)| !v.is_null()).collect();
    let [(key, v)] = given.as_slice() else {
        return Err(FieldError::unprocessable(
            "Exactly one of text, number, date, singleSelectOptionId or iterationId must be provided",
        ));
    };
    let Some(project) = &state.project else {
        return Err(FieldError::not_found(&f.to_string()));
    };
    let field = &project.fields[f];
    let expected = match field.data_type {
        "TEXT" => "text",
        "NUMBER" => "number",
        "DATE" => "date",
        "SINGLE_SELECT" => "singleSelectOptionId",
        "ITERATION" => "iterationId",
        other => {
            return Err(FieldError::unprocessable(format!(
                "The field {} of type {} cannot be updated with updateProjectV2ItemFieldValue",
                field.name, other
            )))
        }
    };
    if key.as_str() != expected {
        return Err(FieldError::unprocessable(format!(
            "Did not receive a {expected} value to update a field of type {}",
            field.data_type.to_lowercase()
        )));
    }
    match (key.as_str(), &field.kind) {
        ("text", _) => Ok(FieldValue::Text(v.as_str().unwrap_or_default().to_string())),
        ("number", _) => v
            .as_f64()
            .map(FieldValue::Number)
            .ok_or_else(|| FieldError::unprocessable("number must be a number")),
        ("date", _) => {
            let date = v.as_str().unwrap_or_default();
            crate::state::days_from_date(date)
                .map(|_| FieldValue::Date(date.to_string()))
                .ok_or_else(|| {
                    FieldError::unprocessable(format!("'{date}' is not a valid date (YYYY-MM-DD)"))
                })
        }
        ("singleSelectOptionId", FieldKind::SingleSelect(options)) => {
            let id = v.as_str().unwrap_or_default();
            if options.iter().any(|o| o.id == id) {
                Ok(FieldValue::SingleSelect(id.to_string()))
            } else {
                Err(FieldError::unprocessable(format!(
                    "The single select option Id '{id}' does not belong to the field {}",
                    field.name
                )))
            }
        }
        ("iterationId", FieldKind::Iteration { iterations, .. }) => {
            let id = v.as_str().unwrap_or_default();
            if iterations.iter().any(|i| i.id == id) {
                Ok(FieldValue::Iteration(id.to_string()))
            } else {
                Err(FieldError::unprocessable(format!(
                    "The iteration Id '{id}' does not belong to the field {}",
                    field.name
                )))
            }
        }
        _ => Err(FieldError::unprocessable(format!(
            "Field {} cannot hold a {key} value",
            field.name
        ))),
    }
}

fn update_field_value(state: &mut State, input: &Input) -> Resolved {
    project_arg(state, input)?;
    let item = item_arg(state, input)?;
    let f = field_arg(state, input)?;
    let empty = Map::new();
    let value = input
        .get("value")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let value = field_value(state, f, value)?;
    if let Some(project) = &mut state.project {
        project.items[item].values.insert(f, value);
    }
    payload(
        "UpdateProjectV2ItemFieldValuePayload",
        vec![("projectV2Item", Out::Obj(Obj::Item(item)))],
    )
}

fn clear_field_value(state: &mut State, input: &Input) -> Resolved {
    project_arg(state, input)?;
    let item = item_arg(state, input)?;
    let f = field_arg(state, input)?;
    if let Some(project) = &mut state.project {
        project.items[item].values.remove(&f);
    }
    payload(
        "ClearProjectV2ItemFieldValuePayload",
        vec![("projectV2Item", Out::Obj(Obj::Item(item)))],
    )
}
