//! Typed views of GitHub's answers to the reads planpilot sends: issues, their labels,
//! relations and cards, the board and its fields. Plain data, deserialized with serde; unknown
//! or missing members fall back to defaults where GitHub may leave them out.

use serde::Deserialize;

/// A list of nodes (`{ nodes: [...] }`), tolerating null entries.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct Nodes<T> {
    #[serde(default)]
    pub nodes: Vec<Option<T>>,
    #[serde(default, rename = "pageInfo")]
    pub page_info: Option<PageInfo>,
}

impl<T> Default for Nodes<T> {
    fn default() -> Nodes<T> {
        Nodes {
            nodes: Vec::new(),
            page_info: None,
        }
    }
}

impl<T> Nodes<T> {
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.nodes.iter().flatten()
    }

    pub fn is_truncated(&self) -> bool {
        self.page_info.as_ref().is_some_and(|p| p.has_next_page)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    #[serde(default)]
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct NamedNode {
    pub id: String,
    #[serde(alias = "title", alias = "login")]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IssueTypeNode {
    pub id: String,
    pub name: String,
    #[serde(default = "enabled")]
    pub is_enabled: bool,
}

fn enabled() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct IssueRef {
    pub id: String,
    pub number: u64,
}

/// One managed issue as discovery reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueNode {
    pub id: String,
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub url: String,
    /// `OPEN` or `CLOSED`.
    pub state: String,
    /// `COMPLETED`, `NOT_PLANNED`, `DUPLICATE`, `REOPENED` or none.
    pub state_reason: Option<String>,
    #[serde(default)]
    pub labels: Option<Nodes<NamedNode>>,
    #[serde(default)]
    pub assignees: Nodes<NamedNode>,
    pub milestone: Option<NamedNode>,
    pub issue_type: Option<NamedNode>,
    pub parent: Option<IssueRef>,
    #[serde(default)]
    pub blocked_by: Nodes<IssueRef>,
    #[serde(default)]
    pub sub_issues: Nodes<IssueRef>,
    #[serde(default)]
    pub project_items: Option<Nodes<ProjectItemNode>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectItemNode {
    pub id: String,
    pub project: Option<IdNode>,
    #[serde(default)]
    pub field_values: Nodes<FieldValueNode>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdNode {
    pub id: String,
}

/// A field value of a board item; which members are set depends on the field's type.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldValueNode {
    pub option_id: Option<String>,
    pub name: Option<String>,
    pub iteration_id: Option<String>,
    pub title: Option<String>,
    pub number: Option<f64>,
    pub date: Option<String>,
    pub text: Option<String>,
    pub field: Option<FieldRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FieldRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BoardNode {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub fields: Nodes<BoardFieldNode>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardFieldNode {
    pub id: Option<String>,
    pub name: Option<String>,
    /// `TEXT`, `NUMBER`, `DATE`, `SINGLE_SELECT`, `ITERATION`, or a built-in field's type.
    pub data_type: Option<String>,
    pub options: Option<Vec<NamedNode>>,
    pub configuration: Option<IterationConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IterationConfig {
    #[serde(default)]
    pub iterations: Vec<IterationNode>,
    #[serde(default)]
    pub completed_iterations: Vec<IterationNode>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IterationNode {
    pub id: String,
    pub title: String,
    pub start_date: String,
    pub duration: u32,
}

/// Why an answer could not be understood.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unexpected answer from GitHub: {0}")]
pub struct ShapeError(pub String);

/// `value` as a `T`, or a `ShapeError` naming `what`.
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    what: &str,
) -> Result<T, ShapeError> {
    serde_json::from_value(value.clone()).map_err(|e| ShapeError(format!("{what}: {e}")))
}
