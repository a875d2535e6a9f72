//! Field resolvers: what each emulated GraphQL field returns for the fake's state.
//! Anything not listed answers "fake-github does not emulate Type.field".

use serde_json::{Map, Value};

use crate::config::OwnerKind;
use crate::exec::{paginate, project_access, resolve_connection, Ctx, FieldError, Obj, Out};
use crate::state::{FieldKind, FieldValue, NodeRef, State};

type Args = Map<String, Value>;
type Resolved = Result<Out, FieldError>;

/// The resolver the executor calls for every field.
pub fn resolve(ctx: &mut Ctx, obj: &Obj, name: &str, args: &Args) -> Resolved {
    if let Some(out) = resolve_connection(obj, name) {
        return Ok(out);
    }
    let state = &*ctx.state;
    let resolved = match obj {
        Obj::Query => query(ctx, name, args),
        Obj::Mutation => return crate::mutate::run(ctx, name, args),
        Obj::Repository => repository(state, name, args),
        Obj::Organization => organization(state, name, args),
        Obj::User(u) => user(state, *u, name, args),
        Obj::Issue(i) => issue(state, *i, name, args),
        Obj::PullRequest(i) => pull_request(state, *i, name),
        Obj::Label(l) => label(state, *l, name),
        Obj::IssueType(t) => issue_type(state, *t, name),
        Obj::Milestone(m) => milestone(state, *m, name),
        Obj::Project => project(state, name, args),
        Obj::ProjectField(f) => project_field(state, *f, name, args),
        Obj::SelectOption(f, o) => select_option(state, *f, *o, name),
        Obj::Iteration(f, i) => iteration(state, *f, *i, name),
        Obj::IterationConfig(f) => iteration_config(state, *f, name),
        Obj::Item(i) => item(state, *i, name, args),
        Obj::ItemValue(i, f) => item_value(state, *i, *f, name),
        Obj::SubIssuesSummary(i) => sub_issues_summary(state, *i, name),
        Obj::DependenciesSummary(i) => dependencies_summary(state, *i, name),
        Obj::RateLimit => rate_limit(ctx, name),
        Obj::Payload(_, fields) => Some(Ok(fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(Out::Null))),
        Obj::Connection(_) | Obj::Edge(..) | Obj::PageInfo(_) => None,
    };
    resolved.unwrap_or_else(|| Err(FieldError::unemulated(&ctx.typename(obj), name)))
}

fn str_arg<'a>(args: &'a Args, key: &str) -> &'a str {
    args.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn ok(out: Out) -> Option<Resolved> {
    Some(Ok(out))
}

fn leaf(value: impl Into<Value>) -> Option<Resolved> {
    Some(Ok(Out::leaf(value)))
}

fn opt_leaf(value: Option<impl Into<Value>>) -> Option<Resolved> {
    Some(Ok(value.map_or(Out::Null, Out::leaf)))
}

fn page(typename: &str, items: Vec<Out>, args: &Args) -> Option<Resolved> {
    Some(paginate(typename, items, args))
}

/// The object a global id names, with the checks GitHub applies on the way.
pub fn node_obj(state: &State, id: &str) -> Resolved {
    let found = state.resolve(id).ok_or_else(|| FieldError::not_found(id))?;
    Ok(Out::Obj(match found {
        NodeRef::Repository => Obj::Repository,
        NodeRef::Owner => owner_obj(state),
        NodeRef::User(u) => Obj::User(u),
        NodeRef::Issue(i) => Obj::Issue(i),
        NodeRef::PullRequest(i) => Obj::PullRequest(i),
        NodeRef::Label(l) => Obj::Label(l),
        NodeRef::IssueType(t) => Obj::IssueType(t),
        NodeRef::Milestone(m) => Obj::Milestone(m),
        NodeRef::Project => {
            project_access(state)?;
            Obj::Project
        }
        NodeRef::ProjectField(f) => {
            project_access(state)?;
            Obj::ProjectField(f)
        }
        NodeRef::ProjectItem(i) => {
            project_access(state)?;
            Obj::Item(i)
        }
    }))
}

fn owner_obj(state: &State) -> Obj {
    match state.owner_kind {
        OwnerKind::Organization => Obj::Organization,
        OwnerKind::User => Obj::User(state.user_by_login(&state.owner).unwrap_or(0)),
    }
}

fn query(ctx: &mut Ctx, name: &str, args: &Args) -> Option<Resolved> {
    let state = &*ctx.state;
    match name {
        "repository" => {
            let (owner, repo) = (str_arg(args, "owner"), str_arg(args, "name"));
            if owner.eq_ignore_ascii_case(&state.owner) && repo.eq_ignore_ascii_case(&state.repo) {
                ok(Out::Obj(Obj::Repository))
            } else {
                Some(Err(FieldError::new(
                    "NOT_FOUND",
                    format!("Could not resolve to a Repository with the name '{owner}/{repo}'."),
                )))
            }
        }
        "organization" => {
            let login = str_arg(args, "login");
            if state.owner_kind == OwnerKind::Organization
                && login.eq_ignore_ascii_case(&state.owner)
            {
                ok(Out::Obj(Obj::Organization))
            } else {
                Some(Err(FieldError::new(
                    "NOT_FOUND",
                    format!("Could not resolve to an Organization with the login of '{login}'."),
                )))
            }
        }
        "user" => {
            let login = str_arg(args, "login");
            match state.user_by_login(login) {
                Some(u) => ok(Out::Obj(Obj::User(u))),
                None => Some(Err(FieldError::new(
                    "NOT_FOUND",
                    format!("Could not resolve to a User with the login of '{login}'."),
                ))),
            }
        }
        "repositoryOwner" => {
            let login = str_arg(args, "login");
            if login.eq_ignore_ascii_case(&state.owner) {
                ok(Out::Obj(owner_obj(state)))
            } else {
                ok(state
                    .user_by_login(login)
                    .map_or(Out::Null, |u| Out::Obj(Obj::User(u))))
            }
        }
        "node" => Some(node_obj(state, str_arg(args, "id"))),
        "nodes" => {
            let ids = args
                .get("ids")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let items = ids
                .iter()
                .map(|id| {
                    node_obj(state, id.as_str().unwrap_or_default()).unwrap_or_else(Out::Error)
                })
                .collect();
            ok(Out::List(items))
        }
        "viewer" => ok(Out::Obj(Obj::User(0))),
        "rateLimit" => ok(Out::Obj(Obj::RateLimit)),
        _ => None,
    }
}

fn rate_limit(ctx: &Ctx, name: &str) -> Option<Resolved> {
    let r = ctx.rate;
    match name {
        "limit" => leaf(r.limit),
        "remaining" => leaf(r.remaining),
        "used" => leaf(r.used),
        "cost" => leaf(r.cost),
        "resetAt" => leaf(crate::state::timestamp(r.reset_at)),
        "nodeCount" => leaf(r.node_count),
        _ => None,
    }
}

fn repository(state: &State, name: &str, args: &Args) -> Option<Resolved> {
    match name {
        "id" => leaf(state.repo_id.clone()),
        "name" => leaf(state.repo.clone()),
        "nameWithOwner" => leaf(format!("{}/{}", state.owner, state.repo)),
        "url" => leaf(state.repo_url()),
        "owner" => ok(Out::Obj(owner_obj(state))),
        "hasIssuesEnabled" => leaf(true),
        "isPrivate" => leaf(false),
        "issues" => page("IssueConnection", repository_issues(state, args), args),
        "issue" => {
            let number = args.get("number").and_then(Value::as_u64).unwrap_or(0);
            match state.issue_by_number(number) {
                Some(i) => ok(Out::Obj(Obj::Issue(i))),
                None => Some(Err(FieldError::new(
                    "NOT_FOUND",
                    format!("Could not resolve to an issue or pull request with the number of {number}."),
                ))),
            }
        }
        "issueOrPullRequest" => {
            let number = args.get("number").and_then(Value::as_u64).unwrap_or(0);
            match state.number_in_repository(number) {
                Some(i) if state.issues[i].pull_request => ok(Out::Obj(Obj::PullRequest(i))),
                Some(i) => ok(Out::Obj(Obj::Issue(i))),
                None => Some(Err(FieldError::new(
                    "NOT_FOUND",
                    format!("Could not resolve to an issue or pull request with the number of {number}."),
                ))),
            }
        }
        "issueTypes" => match state.owner_kind {
            OwnerKind::Organization => page("IssueTypeConnection", issue_types(state), args),
            OwnerKind::User => ok(Out::Null),
        },
        "labels" => {
            let query = args
                .get("query")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            let labels = (0..state.labels.len())
                .filter(|l| {
                    query
                        .as_ref()
                        .is_none_or(|q| state.labels[*l].name.to_lowercase().contains(q))
                })
                .map(|l| Out::Obj(Obj::Label(l)))
                .collect();
            page("LabelConnection", labels, args)
        }
        "label" => ok(state
            .label_by_name(str_arg(args, "name"))
            .map_or(Out::Null, |l| Out::Obj(Obj::Label(l)))),
        "milestones" => {
            let query = args
                .get("query")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            let milestones = (0..state.milestones.len())
                .filter(|m| {
                    query
                        .as_ref()
                        .is_none_or(|q| state.milestones[*m].title.to_lowercase().contains(q))
                })
                .map(|m| Out::Obj(Obj::Milestone(m)))
                .collect();
            page("MilestoneConnection", milestones, args)
        }
        "milestone" => {
            let number = args.get("number").and_then(Value::as_u64).unwrap_or(0);
            ok(state
                .milestones
                .iter()
                .position(|m| m.number == number)
                .map_or(Out::Null, |m| Out::Obj(Obj::Milestone(m))))
        }
        "assignableUsers" => {
            let query = args
                .get("query")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            let users = (0..state.users.len())
                .filter(|u| {
                    query
                        .as_ref()
                        .is_none_or(|q| state.users[*u].login.to_lowercase().contains(q))
                })
                .map(|u| Out::Obj(Obj::User(u)))
                .collect();
            page("UserConnection", users, args)
        }
        _ => None,
    }
}

/// `repository.issues(labels, states, filterBy, orderBy)`: labels are OR-ed, as on GitHub.
fn repository_issues(state: &State, args: &Args) -> Vec<Out> {
    let names = |v: Option<&Value>| -> Option<Vec<String>> {
        v.and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .collect()
        })
    };
    let filter_by = args.get("filterBy");
    let labels =
        names(args.get("labels")).or_else(|| names(filter_by.and_then(|f| f.get("labels"))));
    let states =
        names(args.get("states")).or_else(|| names(filter_by.and_then(|f| f.get("states"))));
    // `filterBy.milestoneNumber` is the milestone's number, as a string.
    let milestone = filter_by
        .and_then(|f| f.get("milestoneNumber"))
        .and_then(Value::as_str)
        .map(|n| {
            state
                .milestones
                .iter()
                .position(|m| m.number.to_string() == n)
        });
    let mut found: Vec<usize> = state
        .issues
        .iter()
        .enumerate()
        .filter(|(_, issue)| !issue.deleted && !issue.transferred && !issue.pull_request)
        .filter(|(_, issue)| {
            states
                .as_ref()
                .is_none_or(|s| s.contains(&issue.state.to_lowercase()))
        })
        .filter(|(_, issue)| milestone.is_none_or(|m| m.is_some() && issue.milestone == m))
        .filter(|(_, issue)| {
            labels.as_ref().is_none_or(|wanted| {
                issue
                    .labels
                    .iter()
                    .any(|l| wanted.contains(&state.labels[*l].name.to_lowercase()))
            })
        })
        .map(|(i, _)| i)
        .collect();
    let order = args.get("orderBy");
    if order.and_then(|o| o.get("field")).and_then(Value::as_str) == Some("UPDATED_AT") {
        found.sort_by(|a, b| {
            state.issues[*a]
                .updated_at
                .cmp(&state.issues[*b].updated_at)
                .then(a.cmp(b))
        });
    }
    if order
        .and_then(|o| o.get("direction"))
        .and_then(Value::as_str)
        == Some("DESC")
    {
        found.reverse();
    }
    found.into_iter().map(|i| Out::Obj(Obj::Issue(i))).collect()
}

fn issue_types(state: &State) -> Vec<Out> {
    (0..state.issue_types.len())
        .map(|t| Out::Obj(Obj::IssueType(t)))
        .collect()
}

fn project_by_number(state: &State, args: &Args) -> Option<Resolved> {
    if let Err(e) = project_access(state) {
        return Some(Err(e));
    }
    let number = args.get("number").and_then(Value::as_u64).unwrap_or(0);
    match &state.project {
        Some(p) if p.number == number => ok(Out::Obj(Obj::Project)),
        _ => Some(Err(FieldError::new(
            "NOT_FOUND",
            format!("Could not resolve to a ProjectV2 with the number {number}."),
        ))),
    }
}

fn projects(state: &State, args: &Args) -> Option<Resolved> {
    if let Err(e) = project_access(state) {
        return Some(Err(e));
    }
    let items = state
        .project
        .iter()
        .map(|_| Out::Obj(Obj::Project))
        .collect();
    page("ProjectV2Connection", items, args)
}

fn organization(state: &State, name: &str, args: &Args) -> Option<Resolved> {
    match name {
        "id" => leaf(state.owner_id.clone()),
        "login" => leaf(state.owner.clone()),
        "name" => leaf(state.owner.clone()),
        "url" => leaf(state.owner_url()),
        "issueTypes" => page("IssueTypeConnection", issue_types(state), args),
        "projectV2" => project_by_number(state, args),
        "projectsV2" => projects(state, args),
        _ => None,
    }
}

fn user(state: &State, u: usize, name: &str, args: &Args) -> Option<Resolved> {
    let is_owner = state.owner_kind == OwnerKind::User && state.users[u].login == state.owner;
    match name {
        "id" => leaf(state.users[u].id.clone()),
        "login" => leaf(state.users[u].login.clone()),
        "name" => leaf(state.users[u].login.clone()),
        "url" => leaf(format!("https://github.com/{}", state.users[u].login)),
        "projectV2" if is_owner => project_by_number(state, args),
        "projectV2" => {
            let number = args.get("number").and_then(Value::as_u64).unwrap_or(0);
            Some(Err(FieldError::new(
                "NOT_FOUND",
                format!("Could not resolve to a ProjectV2 with the number {number}."),
            )))
        }
        "projectsV2" if is_owner => projects(state, args),
        "projectsV2" => page("ProjectV2Connection", Vec::new(), args),
        _ => None,
    }
}

fn descending(order: Option<&Value>) -> bool {
    order
        .and_then(|o| o.get("direction"))
        .and_then(Value::as_str)
        == Some("DESC")
}

/// Dependencies in the order they were added; GitHub's default `orderBy` is newest first.
fn by_direction(mut list: Vec<usize>, args: &Args) -> Vec<usize> {
    if descending(args.get("orderBy")) {
        list.reverse();
    }
    list
}

/// An issue's labels as GitHub lists them: by label creation (default) or by name.
fn ordered_labels(state: &State, labels: &[usize], order: Option<&Value>) -> Vec<usize> {
    let mut labels = labels.to_vec();
    if order.and_then(|o| o.get("field")).and_then(Value::as_str) == Some("NAME") {
        labels.sort_by_key(|l| state.labels[*l].name.to_lowercase());
    } else {
        labels.sort_unstable();
    }
    if descending(order) {
        labels.reverse();
    }
    labels
}

fn issues_out(list: &[usize]) -> Vec<Out> {
    list.iter().map(|i| Out::Obj(Obj::Issue(*i))).collect()
}

fn issue(state: &State, i: usize, name: &str, args: &Args) -> Option<Resolved> {
    let issue = &state.issues[i];
    match name {
        "id" => leaf(issue.id.clone()),
        "number" => leaf(issue.number),
        "databaseId" => leaf(issue.number + 1000),
        "title" => leaf(issue.title.clone()),
        "body" | "bodyText" => leaf(issue.body.clone()),
        // A transferred issue lives in another repository of the owner now.
        "url" if issue.transferred => leaf(format!(
            "{}/{}-elsewhere/issues/{}",
            state.owner_url(),
            state.repo,
            issue.number
        )),
        "url" => leaf(format!("{}/issues/{}", state.repo_url(), issue.number)),
        "state" => leaf(issue.state),
        "stateReason" => {
            // Without `enableDuplicate: true` GitHub reports DUPLICATE as NOT_PLANNED.
            let enable_duplicate = args
                .get("enableDuplicate")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let reason = issue.state_reason.as_deref().map(|r| match r {
                "DUPLICATE" if !enable_duplicate => "NOT_PLANNED",
                other => other,
            });
            opt_leaf(reason)
        }
        "closed" => leaf(issue.state == "CLOSED"),
        "createdAt" => leaf(issue.created_at.clone()),
        "updatedAt" => leaf(issue.updated_at.clone()),
        "labels" => {
            let labels = ordered_labels(state, &issue.labels, args.get("orderBy"));
            page(
                "LabelConnection",
                labels
                    .into_iter()
                    .map(|l| Out::Obj(Obj::Label(l)))
                    .collect(),
                args,
            )
        }
        "assignees" => page(
            "UserConnection",
            issue
                .assignees
                .iter()
                .map(|u| Out::Obj(Obj::User(*u)))
                .collect(),
            args,
        ),
        "milestone" => ok(issue
            .milestone
            .map_or(Out::Null, |m| Out::Obj(Obj::Milestone(m)))),
        "issueType" => ok(issue
            .issue_type
            .map_or(Out::Null, |t| Out::Obj(Obj::IssueType(t)))),
        "parent" => ok(issue.parent.map_or(Out::Null, |p| Out::Obj(Obj::Issue(p)))),
        "subIssues" => page("IssueConnection", issues_out(&issue.sub_issues), args),
        "subIssuesSummary" => ok(Out::Obj(Obj::SubIssuesSummary(i))),
        "issueDependenciesSummary" => ok(Out::Obj(Obj::DependenciesSummary(i))),
        "viewerCanLabel" => leaf(true),
        "blockedBy" => page(
            "IssueConnection",
            issues_out(&by_direction(issue.blocked_by.clone(), args)),
            args,
        ),
        "blocking" => page(
            "IssueConnection",
            issues_out(&by_direction(state.blocking(i), args)),
            args,
        ),
        "repository" => ok(Out::Obj(Obj::Repository)),
        "projectItems" => {
            if let Err(e) = project_access(state) {
                return Some(Err(e));
            }
            let items = state
                .project
                .iter()
                .flat_map(|p| {
                    p.items
                        .iter()
                        .enumerate()
                        .filter(|(_, item)| item.issue == i && !item.removed)
                        .map(|(k, _)| Out::Obj(Obj::Item(k)))
                })
                .collect();
            page("ProjectV2ItemConnection", items, args)
        }
        _ => None,
    }
}

fn pull_request(state: &State, i: usize, name: &str) -> Option<Resolved> {
    let pull = &state.issues[i];
    match name {
        "id" => leaf(pull.id.clone()),
        "number" => leaf(pull.number),
        "title" => leaf(pull.title.clone()),
        "url" => leaf(format!("{}/pull/{}", state.repo_url(), pull.number)),
        "state" => leaf(pull.state),
        _ => None,
    }
}

fn sub_issues_summary(state: &State, i: usize, name: &str) -> Option<Resolved> {
    let subs = &state.issues[i].sub_issues;
    let total = subs.len();
    let completed = subs
        .iter()
        .filter(|s| state.issues[**s].state == "CLOSED")
        .count();
    match name {
        "total" => leaf(total),
        "completed" => leaf(completed),
        "percentCompleted" => leaf((completed * 100).checked_div(total).unwrap_or(0)),
        _ => None,
    }
}

fn dependencies_summary(state: &State, i: usize, name: &str) -> Option<Resolved> {
    let blocked_by = &state.issues[i].blocked_by;
    let blocking = state.blocking(i);
    let open = |list: &[usize]| {
        list.iter()
            .filter(|b| state.issues[**b].state == "OPEN")
            .count()
    };
    match name {
        "blockedBy" => leaf(open(blocked_by)),
        "blocking" => leaf(open(&blocking)),
        "totalBlockedBy" => leaf(blocked_by.len()),
        "totalBlocking" => leaf(blocking.len()),
        _ => None,
    }
}

fn label(state: &State, l: usize, name: &str) -> Option<Resolved> {
    let label = &state.labels[l];
    match name {
        "id" => leaf(label.id.clone()),
        "name" => leaf(label.name.clone()),
        "color" => leaf(label.color.clone()),
        "description" => opt_leaf(label.description.clone()),
        "isDefault" => leaf(false),
        "url" => leaf(format!("{}/labels/{}", state.repo_url(), label.name)),
        _ => None,
    }
}

fn issue_type(state: &State, t: usize, name: &str) -> Option<Resolved> {
    let ty = &state.issue_types[t];
    match name {
        "id" => leaf(ty.id.clone()),
        "name" => leaf(ty.name.clone()),
        "description" => leaf(ty.description.clone()),
        "isEnabled" => leaf(ty.enabled),
        "color" => leaf("GRAY"),
        _ => None,
    }
}

fn milestone(state: &State, m: usize, name: &str) -> Option<Resolved> {
    let milestone = &state.milestones[m];
    match name {
        "id" => leaf(milestone.id.clone()),
        "number" => leaf(milestone.number),
        "title" => leaf(milestone.title.clone()),
        "state" => leaf("OPEN"),
        "url" => leaf(format!(
            "{}/milestone/{}",
            state.repo_url(),
            milestone.number
        )),
        _ => None,
    }
}

fn project(state: &State, name: &str, args: &Args) -> Option<Resolved> {
    let project = state.project.as_ref()?;
    match name {
        "id" => leaf(project.id.clone()),
        "number" => leaf(project.number),
        "title" => leaf(project.title.clone()),
        "url" => leaf(state.project_url(project.number)),
        "closed" => leaf(false),
        "public" => leaf(false),
        "template" => leaf(false),
        "shortDescription" | "readme" => ok(Out::Null),
        "owner" => ok(Out::Obj(owner_obj(state))),
        "fields" => page(
            "ProjectV2FieldConfigurationConnection",
            (0..project.fields.len())
                .map(|f| Out::Obj(Obj::ProjectField(f)))
                .collect(),
            args,
        ),
        "field" => {
            let wanted = str_arg(args, "name");
            ok(project
                .fields
                .iter()
                .position(|f| f.name == wanted)
                .map_or(Out::Null, |f| Out::Obj(Obj::ProjectField(f))))
        }
        "items" => page(
            "ProjectV2ItemConnection",
            (0..project.items.len())
                .filter(|i| {
                    !project.items[*i].removed && !state.issues[project.items[*i].issue].deleted
                })
                .map(|i| Out::Obj(Obj::Item(i)))
                .collect(),
            args,
        ),
        _ => None,
    }
}

fn project_field(state: &State, f: usize, name: &str, args: &Args) -> Option<Resolved> {
    let field = &state.project.as_ref()?.fields[f];
    match (name, &field.kind) {
        ("id", _) => leaf(field.id.clone()),
        ("databaseId", _) => leaf(f + 1),
        ("createdAt" | "updatedAt", _) => leaf(crate::state::timestamp(0)),
        ("name", _) => leaf(field.name.clone()),
        ("dataType", _) => leaf(field.data_type),
        ("project", _) => ok(Out::Obj(Obj::Project)),
        ("options", FieldKind::SingleSelect(options)) => {
            let names: Option<Vec<&str>> = args
                .get("names")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect());
            let picked = (0..options.len())
                .filter(|o| {
                    names
                        .as_ref()
                        .is_none_or(|n| n.contains(&options[*o].name.as_str()))
                })
                .map(|o| Out::Obj(Obj::SelectOption(f, o)))
                .collect();
            ok(Out::List(picked))
        }
        ("configuration", FieldKind::Iteration { .. }) => ok(Out::Obj(Obj::IterationConfig(f))),
        _ => None,
    }
}

fn select_option(state: &State, f: usize, o: usize, name: &str) -> Option<Resolved> {
    let FieldKind::SingleSelect(options) = &state.project.as_ref()?.fields[f].kind else {
        return None;
    };
    let option = &options[o];
    match name {
        "id" => leaf(option.id.clone()),
        "name" | "nameHTML" => leaf(option.name.clone()),
        "color" => leaf(option.color),
        "description" | "descriptionHTML" => leaf(""),
        _ => None,
    }
}

fn iteration_config(state: &State, f: usize, name: &str) -> Option<Resolved> {
    let FieldKind::Iteration {
        duration,
        start_day,
        iterations,
    } = &state.project.as_ref()?.fields[f].kind
    else {
        return None;
    };
    match name {
        "iterations" => ok(Out::List(
            (0..iterations.len())
                .map(|i| Out::Obj(Obj::Iteration(f, i)))
                .collect(),
        )),
        "completedIterations" => ok(Out::List(Vec::new())),
        "duration" => leaf(*duration),
        "startDay" => leaf(*start_day),
        _ => None,
    }
}

fn iteration(state: &State, f: usize, i: usize, name: &str) -> Option<Resolved> {
    let FieldKind::Iteration { iterations, .. } = &state.project.as_ref()?.fields[f].kind else {
        return None;
    };
    let it = &iterations[i];
    match name {
        "id" => leaf(it.id.clone()),
        "title" | "titleHTML" => leaf(it.title.clone()),
        "startDate" => leaf(it.start_date.clone()),
        "duration" => leaf(it.duration),
        _ => None,
    }
}

/// Field values of an item as GitHub lists them: the title first, then set fields in board order.
fn item_values(state: &State, i: usize) -> Vec<usize> {
    let Some(project) = &state.project else {
        return Vec::new();
    };
    let title = project.fields.iter().position(|f| f.data_type == "TITLE");
    title
        .into_iter()
        .chain(project.items[i].values.keys().copied())
        .collect()
}

fn item(state: &State, i: usize, name: &str, args: &Args) -> Option<Resolved> {
    let item = &state.project.as_ref()?.items[i];
    match name {
        "id" => leaf(item.id.clone()),
        "type" => leaf("ISSUE"),
        "content" => ok(Out::Obj(Obj::Issue(item.issue))),
        "project" => ok(Out::Obj(Obj::Project)),
        "isArchived" => leaf(false),
        "createdAt" | "updatedAt" => leaf(item.created_at.clone()),
        "fieldValues" => page(
            "ProjectV2ItemFieldValueConnection",
            item_values(state, i)
                .into_iter()
                .map(|f| Out::Obj(Obj::ItemValue(i, f)))
                .collect(),
            args,
        ),
        "fieldValueByName" => {
            let wanted = str_arg(args, "name");
            let found = item_values(state, i).into_iter().find(|f| {
                state
                    .project
                    .as_ref()
                    .is_some_and(|p| p.fields[*f].name == wanted)
            });
            ok(found.map_or(Out::Null, |f| Out::Obj(Obj::ItemValue(i, f))))
        }
        _ => None,
    }
}

fn item_value(state: &State, i: usize, f: usize, name: &str) -> Option<Resolved> {
    let project = state.project.as_ref()?;
    let item = &project.items[i];
    let field = &project.fields[f];
    let value = item.values.get(&f);
    match (name, value) {
        ("id", _) => leaf(format!("{}_{}", item.id.replacen("PVTI_", "PVTFV_", 1), f)),
        ("field", _) => ok(Out::Obj(Obj::ProjectField(f))),
        ("item", _) => ok(Out::Obj(Obj::Item(i))),
        ("createdAt" | "updatedAt", _) => leaf(item.created_at.clone()),
        ("text", _) if field.data_type == "TITLE" => leaf(state.issues[item.issue].title.clone()),
        ("text", Some(FieldValue::Text(t))) => leaf(t.clone()),
        ("number", Some(FieldValue::Number(n))) => leaf(*n),
        ("date", Some(FieldValue::Date(d))) => leaf(d.clone()),
        ("optionId", Some(FieldValue::SingleSelect(id))) => leaf(id.clone()),
        ("iterationId", Some(FieldValue::Iteration(id))) => leaf(id.clone()),
        ("name" | "nameHTML" | "color" | "description", Some(FieldValue::SingleSelect(id))) => {
            let FieldKind::SingleSelect(options) = &field.kind else {
                return ok(Out::Null);
            };
            let option = options.iter().find(|o| &o.id == id)?;
            match name {
                "color" => leaf(option.color),
                "description" => leaf(""),
                _ => leaf(option.name.clone()),
            }
        }
        ("title" | "titleHTML" | "startDate" | "duration", Some(FieldValue::Iteration(id))) => {
            let FieldKind::Iteration { iterations, .. } = &field.kind else {
                return ok(Out::Null);
            };
            let it = iterations.iter().find(|it| &it.id == id)?;
            match name {
                "startDate" => leaf(it.start_date.clone()),
                "duration" => leaf(it.duration),
                _ => leaf(it.title.clone()),
            }
        }
        _ => None,
    }
}
