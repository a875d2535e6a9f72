//! The fake's world: one repository's issues, labels, issue types and the owner's board.
//!
//! `State` is plain data behind one `Mutex` owned by the server; every GraphQL document runs
//! against it while holding the lock, so documents are atomic with respect to each other
//! (mutations inside one document still apply one by one).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::{json, Value};

use crate::config::{Config, OwnerKind, ProjectConfig};

/// What a global node id points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRef {
    Repository,
    Owner,
    User(usize),
    Issue(usize),
    /// A pull request: it shares the issues' numbers, and is not an issue.
    PullRequest(usize),
    Label(usize),
    IssueType(usize),
    Milestone(usize),
    Project,
    ProjectField(usize),
    ProjectItem(usize),
}

pub struct User {
    pub id: String,
    pub login: String,
}

pub struct IssueType {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

pub struct Label {
    pub id: String,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

pub struct Milestone {
    pub id: String,
    pub number: u64,
    pub title: String,
}

pub struct Issue {
    pub id: String,
    pub number: u64,
    pub title: String,
    pub body: String,
    /// "OPEN" or "CLOSED".
    pub state: &'static str,
    /// GitHub's `IssueStateReason`: REOPENED, COMPLETED, NOT_PLANNED, DUPLICATE, or none.
    pub state_reason: Option<String>,
    pub labels: Vec<usize>,
    pub assignees: Vec<usize>,
    pub milestone: Option<usize>,
    pub issue_type: Option<usize>,
    pub parent: Option<usize>,
    pub sub_issues: Vec<usize>,
    pub blocked_by: Vec<usize>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted: bool,
    /// Moved to another repository: gone from this repository's lists and numbers, while its
    /// node id and relations live on (sub-issues and blocked-by links may cross repositories).
    pub transferred: bool,
    /// A pull request (numbered with the issues, as on GitHub): listed by no issue field.
    pub pull_request: bool,
}

impl Issue {
    /// A new open issue (or pull request) as GitHub starts one: no labels, people, type or
    /// relations, created and updated at `now`.
    pub fn open(id: String, number: u64, title: String, body: String, now: String) -> Issue {
        Issue {
            id,
            number,
            title,
            body,
            state: "OPEN",
            state_reason: None,
            labels: Vec::new(),
            assignees: Vec::new(),
            milestone: None,
            issue_type: None,
            parent: None,
            sub_issues: Vec::new(),
            blocked_by: Vec::new(),
            created_at: now.clone(),
            updated_at: now,
            deleted: false,
            transferred: false,
            pull_request: false,
        }
    }
}

/// A comment on an issue or pull request (the REST issue-comments API).
pub struct Comment {
    /// GitHub's numeric comment id, used in REST paths.
    pub id: u64,
    pub node_id: String,
    /// Index of the issue or pull request in `State::issues`.
    pub issue: usize,
    pub body: String,
    /// Index of the author in `State::users`.
    pub user: usize,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectOption {
    pub id: String,
    pub name: String,
    pub color: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    pub id: String,
    pub title: String,
    pub start_date: String,
    pub duration: u32,
}

pub enum FieldKind {
    /// Built-in or plain fields (TEXT, NUMBER, DATE, TITLE, ...): `ProjectV2Field`.
    Plain,
    SingleSelect(Vec<SelectOption>),
    Iteration {
        duration: u32,
        start_day: u32,
        iterations: Vec<Iteration>,
    },
}

pub struct Field {
    pub id: String,
    pub name: String,
    /// `ProjectV2FieldType` value.
    pub data_type: &'static str,
    pub kind: FieldKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    Number(f64),
    Date(String),
    SingleSelect(String),
    Iteration(String),
}

pub struct Item {
    pub id: String,
    pub issue: usize,
    pub values: BTreeMap<usize, FieldValue>,
    pub created_at: String,
    /// Taken off the board (`deleteProjectV2Item`): gone from every read; the issue stays.
    pub removed: bool,
}

pub struct Project {
    pub id: String,
    pub number: u64,
    pub title: String,
    pub fields: Vec<Field>,
    pub items: Vec<Item>,
}

pub struct State {
    pub seed: u64,
    pub owner: String,
    pub owner_kind: OwnerKind,
    pub owner_id: String,
    pub repo: String,
    pub repo_id: String,
    /// The repository's numeric id, as REST uses it (`/repositories/{id}/…` in `Link` headers).
    pub repo_database_id: u64,
    pub users: Vec<User>,
    pub issue_types: Vec<IssueType>,
    pub labels: Vec<Label>,
    pub milestones: Vec<Milestone>,
    pub issues: Vec<Issue>,
    /// Comments of issues and pull requests, oldest first.
    pub comments: Vec<Comment>,
    pub project: Option<Project>,
    pub github_token_like: bool,
    pub missing_project_scope: bool,
    pub missing_pull_requests_write: bool,
    /// The id the next comment gets.
    next_comment_id: u64,
    ids: HashMap<String, NodeRef>,
    next_id: u64,
    /// Unix time at start, with sub-second precision so the fake clock ticks with the real one.
    clock_start: std::time::Duration,
    started: Instant,
}

/// SplitMix64's finaliser: a bijection, so distinct counters give distinct ids.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn base62(mut n: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(ALPHABET[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < 11 {
        out.push(b'A');
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// `YYYY-MM-DD` for days since 1970-01-01 (proleptic Gregorian).
pub fn date_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 for a `YYYY-MM-DD` date, if it is one.
pub fn days_from_date(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if date.len() != 10 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (date_from_days(days) == date).then_some(days)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
pub fn timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_from_days(days),
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

impl State {
    pub fn new(config: &Config) -> State {
        let clock_start = match config.now {
            Some(secs) => std::time::Duration::from_secs(secs),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
        };
        let mut state = State {
            seed: config.seed,
            owner: config.owner.clone(),
            owner_kind: config.owner_kind,
            owner_id: String::new(),
            repo: config.repo.clone(),
            repo_id: String::new(),
            // Nine digits, like a repository's id on github.com; fixed for a seed.
            repo_database_id: 100_000_000 + mix(config.seed ^ 0x5245_504f) % 900_000_000,
            users: Vec::new(),
            issue_types: Vec::new(),
            labels: Vec::new(),
            milestones: Vec::new(),
            issues: Vec::new(),
            comments: Vec::new(),
            project: None,
            github_token_like: config.github_token_like,
            missing_project_scope: config.missing_project_scope,
            missing_pull_requests_write: config.missing_pull_requests_write,
            next_comment_id: 1_000_000_000 + mix(config.seed ^ 0x4943) % 1_000_000_000,
            ids: HashMap::new(),
            next_id: 0,
            clock_start,
            started: Instant::now(),
        };
        let owner_prefix = match config.owner_kind {
            OwnerKind::Organization => "O",
            OwnerKind::User => "U",
        };
        state.owner_id = state.new_id(owner_prefix, NodeRef::Owner);
        state.repo_id = state.new_id("R", NodeRef::Repository);
        for login in &config.users {
            state.add_user(login);
        }
        // The viewer is users[0] and a user owner must be resolvable: make sure both exist
        // whatever the configuration says.
        if state.users.is_empty() {
            state.add_user("octocat");
        }
        if config.owner_kind == OwnerKind::User && state.user_by_login(&config.owner).is_none() {
            state.add_user(&config.owner);
        }
        if config.owner_kind == OwnerKind::Organization {
            for t in &config.issue_types {
                let id = state.new_id("IT", NodeRef::IssueType(state.issue_types.len()));
                state.issue_types.push(IssueType {
                    id,
                    name: t.name.clone(),
                    description: t.description.clone(),
                    enabled: t.enabled,
                });
            }
        }
        for (name, color) in &config.labels {
            state.add_label(name, color, None);
        }
        for title in &config.milestones {
            let id = state.new_id("MI", NodeRef::Milestone(state.milestones.len()));
            let number = state.milestones.len() as u64 + 1;
            state.milestones.push(Milestone {
                id,
                number,
                title: title.clone(),
            });
        }
        if let Some(project) = &config.project {
            state.project = Some(state.build_project(project));
        }
        state
    }

    fn add_user(&mut self, login: &str) -> usize {
        if login == self.owner && self.owner_kind == OwnerKind::User {
            // The user owner is both `Owner` and a user; keep one id for it.
            let id = self.owner_id.clone();
            self.users.push(User {
                id,
                login: login.to_string(),
            });
            return self.users.len() - 1;
        }
        let id = self.new_id("U", NodeRef::User(self.users.len()));
        self.users.push(User {
            id,
            login: login.to_string(),
        });
        self.users.len() - 1
    }

    pub fn add_label(&mut self, name: &str, color: &str, description: Option<String>) -> usize {
        let id = self.new_id("LA", NodeRef::Label(self.labels.len()));
        self.labels.push(Label {
            id,
            name: name.to_string(),
            color: color.to_string(),
            description,
        });
        self.labels.len() - 1
    }

    /// A fresh opaque node id like GitHub's (`I_kwDO...`), deterministic for a seed.
    pub fn new_id(&mut self, prefix: &str, target: NodeRef) -> String {
        self.next_id += 1;
        let id = format!(
            "{prefix}_kwDO{}",
            base62(mix(self.seed ^ mix(self.next_id)))
        );
        self.ids.insert(id.clone(), target);
        id
    }

    /// A short hex id as GitHub uses for options and iterations (`"f75ad846"`).
    pub fn short_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:08x}", mix(self.seed.wrapping_add(self.next_id)) as u32)
    }

    pub fn resolve(&self, id: &str) -> Option<NodeRef> {
        let found = self.ids.get(id).copied()?;
        match found {
            NodeRef::Issue(i) if self.issues[i].deleted => None,
            NodeRef::ProjectItem(i)
                if self.project.as_ref().is_some_and(|p| {
                    p.items[i].removed || self.issues[p.items[i].issue].deleted
                }) =>
            {
                None
            }
            NodeRef::Project | NodeRef::ProjectField(_) | NodeRef::ProjectItem(_)
                if self.project.is_none() =>
            {
                None
            }
            other => Some(other),
        }
    }

    /// The fake clock: start time plus real elapsed time.
    pub fn now_secs(&self) -> u64 {
        (self.clock_start + self.started.elapsed()).as_secs()
    }

    pub fn now(&self) -> String {
        timestamp(self.now_secs())
    }

    pub fn owner_url(&self) -> String {
        format!("https://github.com/{}", self.owner)
    }

    pub fn repo_url(&self) -> String {
        format!("https://github.com/{}/{}", self.owner, self.repo)
    }

    pub fn project_url(&self, number: u64) -> String {
        match self.owner_kind {
            OwnerKind::Organization => {
                format!("https://github.com/orgs/{}/projects/{number}", self.owner)
            }
            OwnerKind::User => format!("https://github.com/users/{}/projects/{number}", self.owner),
        }
    }

    fn build_project(&mut self, config: &ProjectConfig) -> Project {
        let id = self.new_id("PVT", NodeRef::Project);
        let mut fields = Vec::new();
        let plain =
            |state: &mut State, fields: &mut Vec<Field>, name: &str, data_type: &'static str| {
                let id = state.new_id("PVTF", NodeRef::ProjectField(fields.len()));
                fields.push(Field {
                    id,
                    name: name.to_string(),
                    data_type,
                    kind: FieldKind::Plain,
                });
            };
        plain(self, &mut fields, "Title", "TITLE");
        plain(self, &mut fields, "Assignees", "ASSIGNEES");
        self.add_select(&mut fields, "Status", &["Todo", "In Progress", "Done"]);
        plain(self, &mut fields, "Labels", "LABELS");
        plain(
            self,
            &mut fields,
            "Linked pull requests",
            "LINKED_PULL_REQUESTS",
        );
        plain(self, &mut fields, "Milestone", "MILESTONE");
        plain(self, &mut fields, "Repository", "REPOSITORY");
        plain(self, &mut fields, "Reviewers", "REVIEWERS");
        plain(self, &mut fields, "Parent issue", "PARENT_ISSUE");
        plain(
            self,
            &mut fields,
            "Sub-issues progress",
            "SUB_ISSUES_PROGRESS",
        );
        self.add_select(&mut fields, "Priority", &["P0", "P1", "P2"]);
        self.add_select(&mut fields, "Size", &["XS", "S", "M", "L", "XL"]);
        self.add_iteration(&mut fields, "Iteration", config.iteration_days);
        plain(self, &mut fields, "Estimate", "NUMBER");
        plain(self, &mut fields, "Start date", "DATE");
        plain(self, &mut fields, "Notes", "TEXT");
        Project {
            id,
            number: config.number,
            title: config.title.clone(),
            fields,
            items: Vec::new(),
        }
    }

    fn add_select(&mut self, fields: &mut Vec<Field>, name: &str, options: &[&str]) {
        const COLORS: [&str; 5] = ["GRAY", "BLUE", "GREEN", "YELLOW", "ORANGE"];
        let id = self.new_id("PVTSSF", NodeRef::ProjectField(fields.len()));
        let options = options
            .iter()
            .enumerate()
            .map(|(i, o)| SelectOption {
                id: self.short_id(),
                name: o.to_string(),
                color: COLORS[i % COLORS.len()],
            })
            .collect();
        fields.push(Field {
            id,
            name: name.to_string(),
            data_type: "SINGLE_SELECT",
            kind: FieldKind::SingleSelect(options),
        });
    }

    /// Iterations are laid out from the fake clock: the current one contains today, then the next.
    fn add_iteration(&mut self, fields: &mut Vec<Field>, name: &str, duration: u32) {
        let id = self.new_id("PVTIF", NodeRef::ProjectField(fields.len()));
        let today = (self.now_secs() / 86_400) as i64;
        let duration = duration.max(1);
        // Count iterations from a fixed Monday (1970-01-05) so titles are stable for a date.
        let index = (today - 4).div_euclid(i64::from(duration));
        let current_start = 4 + index * i64::from(duration);
        let iterations = (0..2)
            .map(|k| Iteration {
                id: self.short_id(),
                title: format!("Iteration {}", k + 1),
                start_date: date_from_days(current_start + k * i64::from(duration)),
                duration,
            })
            .collect();
        fields.push(Field {
            id,
            name: name.to_string(),
            data_type: "ITERATION",
            kind: FieldKind::Iteration {
                duration,
                start_day: 1,
                iterations,
            },
        });
    }

    /// The whole state as JSON, for assertions (`GET /_fake/state`).
    pub fn snapshot(&self) -> Value {
        let issues: Vec<Value> = self
            .issues
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.deleted && !i.transferred && !i.pull_request)
            .map(|(idx, i)| self.issue_json(idx, i))
            .collect();
        let labels: Vec<Value> = self.labels.iter().map(|l| json!({"id": l.id, "name": l.name, "color": l.color, "description": l.description})).collect();
        let issue_types: Vec<Value> = self
            .issue_types
            .iter()
            .map(|t| json!({"id": t.id, "name": t.name, "enabled": t.enabled}))
            .collect();
        let project = self.project.as_ref().map(|p| {
            let fields: Vec<Value> = p.fields.iter().map(|f| {
                let mut v = json!({"id": f.id, "name": f.name, "data_type": f.data_type});
                match &f.kind {
                    FieldKind::SingleSelect(options) => v["options"] = json!(options.iter().map(|o| json!({"id": o.id, "name": o.name})).collect::<Vec<_>>()),
                    FieldKind::Iteration { iterations, .. } => v["iterations"] = json!(iterations.iter().map(|i| json!({"id": i.id, "title": i.title, "start_date": i.start_date, "duration": i.duration})).collect::<Vec<_>>()),
                    FieldKind::Plain => {}
                }
                v
            }).collect();
            json!({"id": p.id, "number": p.number, "title": p.title, "url": self.project_url(p.number), "fields": fields, "items": p.items.iter().filter(|i| !i.removed && !self.issues[i.issue].deleted).count()})
        });
        json!({
            "owner": {"login": self.owner, "id": self.owner_id, "kind": match self.owner_kind { OwnerKind::Organization => "Organization", OwnerKind::User => "User" }},
            "repository": {"id": self.repo_id, "name": self.repo, "name_with_owner": format!("{}/{}", self.owner, self.repo)},
            "issue_types": issue_types,
            "labels": labels,
            "issues": issues,
            "comments": self.comments.iter().map(|c| {
                let mut v = self.comment_json(c);
                v["issue_number"] = json!(self.issues[c.issue].number);
                v
            }).collect::<Vec<_>>(),
            "project": project,
        })
    }

    /// A comment as the REST API returns it
    /// (https://docs.github.com/en/rest/issues/comments#get-an-issue-comment).
    pub fn comment_json(&self, comment: &Comment) -> Value {
        let issue = &self.issues[comment.issue];
        let user = &self.users[comment.user];
        let api = format!("https://api.github.com/repos/{}/{}", self.owner, self.repo);
        let page = if issue.pull_request { "pull" } else { "issues" };
        json!({
            "id": comment.id,
            "node_id": comment.node_id,
            "url": format!("{api}/issues/comments/{}", comment.id),
            "html_url": format!("{}/{page}/{}#issuecomment-{}", self.repo_url(), issue.number, comment.id),
            "issue_url": format!("{api}/issues/{}", issue.number),
            "body": comment.body,
            "user": {"login": user.login, "node_id": user.id, "type": "User"},
            "author_association": "MEMBER",
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
        })
    }

    /// Adds a comment by the viewer (the token's user) to issue or pull request `issue`;
    /// returns its index in `comments`.
    pub fn add_comment(&mut self, issue: usize, body: &str) -> usize {
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        // Comments are served over REST only, so their node ids resolve to nothing in GraphQL.
        self.next_id += 1;
        let node_id = format!("IC_kwDO{}", base62(mix(self.seed ^ mix(self.next_id))));
        let now = self.now();
        self.comments.push(Comment {
            id,
            node_id,
            issue,
            body: body.to_string(),
            user: 0,
            created_at: now.clone(),
            updated_at: now,
        });
        self.comments.len() - 1
    }

    pub fn comment_by_id(&self, id: u64) -> Option<usize> {
        self.comments
            .iter()
            .position(|c| c.id == id)
            .filter(|&i| !self.issues[self.comments[i].issue].deleted)
    }

    fn issue_json(&self, idx: usize, issue: &Issue) -> Value {
        let number = |i: &usize| self.issues[*i].number;
        let project_item = self.project.as_ref().and_then(|p| {
            p.items
                .iter()
                .find(|item| item.issue == idx && !item.removed)
                .map(|item| {
                    let fields: serde_json::Map<String, Value> = item
                        .values
                        .iter()
                        .map(|(f, v)| {
                            (p.fields[*f].name.clone(), self.value_json(&p.fields[*f], v))
                        })
                        .collect();
                    json!({"id": item.id, "fields": fields})
                })
        });
        json!({
            "number": issue.number,
            "id": issue.id,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "labels": issue.labels.iter().map(|l| self.labels[*l].name.clone()).collect::<Vec<_>>(),
            "issue_type": issue.issue_type.map(|t| self.issue_types[t].name.clone()),
            "assignees": issue.assignees.iter().map(|u| self.users[*u].login.clone()).collect::<Vec<_>>(),
            "milestone": issue.milestone.map(|m| self.milestones[m].title.clone()),
            "parent": issue.parent.as_ref().map(number),
            "sub_issues": issue.sub_issues.iter().map(number).collect::<Vec<_>>(),
            "blocked_by": issue.blocked_by.iter().map(number).collect::<Vec<_>>(),
            "project_item": project_item,
        })
    }

    /// A field value as shown in the state dump: option and iteration names, not ids.
    fn value_json(&self, field: &Field, value: &FieldValue) -> Value {
        match (value, &field.kind) {
            (FieldValue::Text(t), _) => json!(t),
            (FieldValue::Number(n), _) => json!(n),
            (FieldValue::Date(d), _) => json!(d),
            (FieldValue::SingleSelect(id), FieldKind::SingleSelect(options)) => {
                json!(options
                    .iter()
                    .find(|o| &o.id == id)
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| id.clone()))
            }
            (FieldValue::Iteration(id), FieldKind::Iteration { iterations, .. }) => {
                json!(iterations
                    .iter()
                    .find(|i| &i.id == id)
                    .map(|i| i.title.clone())
                    .unwrap_or_else(|| id.clone()))
            }
            (FieldValue::SingleSelect(id) | FieldValue::Iteration(id), _) => json!(id),
        }
    }

    /// Issues blocked by issue `idx` (the reverse of `blocked_by`).
    pub fn blocking(&self, idx: usize) -> Vec<usize> {
        self.issues
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.deleted && i.blocked_by.contains(&idx))
            .map(|(j, _)| j)
            .collect()
    }

    pub fn issue_by_number(&self, number: u64) -> Option<usize> {
        self.number_in_repository(number)
            .filter(|&idx| !self.issues[idx].pull_request)
    }

    /// The issue or pull request with this number in the repository.
    pub fn number_in_repository(&self, number: u64) -> Option<usize> {
        let idx = usize::try_from(number).ok()?.checked_sub(1)?;
        self.issues
            .get(idx)
            .filter(|i| !i.deleted && !i.transferred)
            .map(|_| idx)
    }

    /// Opens a pull request, as a person does (it takes the next issue number).
    pub fn open_pull_request(&mut self, title: &str) -> u64 {
        let idx = self.issues.len();
        let id = self.new_id("PR", NodeRef::PullRequest(idx));
        let now = self.now();
        self.issues.push(Issue {
            pull_request: true,
            ..Issue::open(id, idx as u64 + 1, title.to_string(), String::new(), now)
        });
        idx as u64 + 1
    }

    pub fn user_by_login(&self, login: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.login.eq_ignore_ascii_case(login))
    }

    pub fn label_by_name(&self, name: &str) -> Option<usize> {
        self.labels
            .iter()
            .position(|l| l.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        assert_eq!(date_from_days(0), "1970-01-01");
        assert_eq!(date_from_days(20_516), "2026-03-04");
        assert_eq!(days_from_date("2024-02-29"), Some(19_782));
        assert_eq!(days_from_date("2026-02-29"), None);
        assert_eq!(days_from_date("2026-13-01"), None);
        assert_eq!(days_from_date("26-1-1"), None);
        for days in [-1000, 0, 59, 365, 11_016, 20_516, 40_000] {
            assert_eq!(days_from_date(&date_from_days(days)), Some(days));
        }
        assert_eq!(timestamp(1_772_582_461), "2026-03-04T00:01:01Z");
    }

    #[test]
    fn node_ids_are_distinct_and_seeded() {
        let config = Config::default();
        let a = State::new(&config);
        let b = State::new(&config);
        let c = State::new(&Config {
            seed: 2,
            ..Config::default()
        });
        assert_eq!(a.repo_id, b.repo_id);
        assert_ne!(a.repo_id, c.repo_id);
        // Every object got its own entry: a collision would have overwritten one.
        let fields = a.project.as_ref().map_or(0, |p| p.fields.len());
        let objects = 2
            + a.users.len()
            + a.issue_types.len()
            + a.labels.len()
            + a.milestones.len()
            + 1
            + fields;
        assert_eq!(a.ids.len(), objects);
        assert!(a.repo_id.starts_with("R_kwDO"));
    }
}
