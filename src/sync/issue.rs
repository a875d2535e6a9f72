//! The engine's own view of an issue: what discovery read, in the engine's terms (the state as
//! an enum, labels by name, relations by id and number). Discovery converts GitHub's answers
//! into it; the diff and apply see nothing of the wire format.

/// An issue by node id and number, as changes and relations refer to it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueKey {
    pub id: String,
    pub number: u64,
}

/// Whether an issue is open, and why it was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueState {
    Open,
    Closed { reason: ClosedAs },
}

/// GitHub's reason for a close (an old close with none counts as completed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedAs {
    Completed,
    NotPlanned,
    Duplicate,
}

/// An issue type of the owner, or the one an issue has.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueType {
    pub id: String,
    pub name: String,
}

/// A user assigned to an issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignee {
    pub id: String,
    pub login: String,
}

/// One issue as the engine sees it.
#[derive(Debug, Clone)]
pub struct Issue {
    pub id: String,
    pub number: u64,
    pub url: String,
    pub title: String,
    pub body: String,
    pub state: IssueState,
    /// Label names.
    pub labels: Vec<String>,
    pub assignees: Vec<Assignee>,
    pub milestone_id: Option<String>,
    pub issue_type: Option<IssueType>,
    pub parent: Option<IssueKey>,
    /// The issues it is blocked by (the first page of them).
    pub blocked_by: Vec<IssueKey>,
    /// Its sub-issues (the first page of them).
    pub sub_issues: Vec<IssueKey>,
    /// The issues it blocks (the first page of them): read only for the issues of an item
    /// that two issues claim, empty otherwise.
    pub blocking: Vec<IssueKey>,
}

impl Issue {
    pub fn key(&self) -> IssueKey {
        IssueKey {
            id: self.id.clone(),
            number: self.number,
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == IssueState::Open
    }
}
