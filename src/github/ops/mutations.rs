//! Every mutation planpilot sends, as a `Mutation` value: the field, its input type, what it
//! selects from the payload and its input. `batch` turns several of them into one document.

use serde_json::{json, Value};

use crate::github::features::Feature;

/// One mutation field of a (possibly batched) document.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    pub field: &'static str,
    pub input_type: &'static str,
    pub selection: &'static str,
    pub input: Value,
}

impl Mutation {
    fn new(
        field: &'static str,
        input_type: &'static str,
        selection: &'static str,
        input: Value,
    ) -> Mutation {
        Mutation {
            field,
            input_type,
            selection,
            input,
        }
    }

    /// `createIssue` with type, labels, assignees, milestone and parent in the one call.
    pub fn create_issue(input: Value) -> Mutation {
        Mutation::new(
            "createIssue",
            "CreateIssueInput",
            "issue { id number url }",
            input,
        )
    }

    /// `createIssue` with its board card (`projectV2Ids` in `input`): the answer names the new
    /// card, so its fields can be set without another write.
    /// <https://docs.github.com/en/graphql/reference/input-objects#createissueinput>
    pub fn create_issue_with_card(input: Value) -> Mutation {
        Mutation::new(
            "createIssue",
            "CreateIssueInput",
            "issue { id number url projectItems(first: 10) { nodes { id project { id } } } }",
            input,
        )
    }

    /// `updateIssue`: only the members present in `input` change.
    pub fn update_issue(input: Value) -> Mutation {
        Mutation::new("updateIssue", "UpdateIssueInput", "issue { id }", input)
    }

    pub fn close_issue(issue_id: &str, reason: &str, duplicate_of: Option<&str>) -> Mutation {
        let mut input = json!({ "issueId": issue_id, "stateReason": reason });
        if let Some(original) = duplicate_of {
            input["duplicateIssueId"] = json!(original);
        }
        Mutation::new("closeIssue", "CloseIssueInput", "issue { id }", input)
    }

    pub fn add_sub_issue(parent_id: &str, child_id: &str) -> Mutation {
        let input = json!({ "issueId": parent_id, "subIssueId": child_id, "replaceParent": true });
        Mutation::new("addSubIssue", "AddSubIssueInput", "issue { id }", input)
    }

    pub fn remove_sub_issue(parent_id: &str, child_id: &str) -> Mutation {
        let input = json!({ "issueId": parent_id, "subIssueId": child_id });
        Mutation::new(
            "removeSubIssue",
            "RemoveSubIssueInput",
            "issue { id }",
            input,
        )
    }

    /// Takes a card off the board (the issue stays).
    /// <https://docs.github.com/en/graphql/reference/mutations#deleteprojectv2item>
    pub fn delete_project_item(project_id: &str, item_id: &str) -> Mutation {
        let input = json!({ "projectId": project_id, "itemId": item_id });
        Mutation::new(
            "deleteProjectV2Item",
            "DeleteProjectV2ItemInput",
            "deletedItemId",
            input,
        )
    }

    pub fn add_blocked_by(blocked_id: &str, blocking_id: &str) -> Mutation {
        let input = json!({ "issueId": blocked_id, "blockingIssueId": blocking_id });
        Mutation::new("addBlockedBy", "AddBlockedByInput", "issue { id }", input)
    }

    pub fn remove_blocked_by(blocked_id: &str, blocking_id: &str) -> Mutation {
        let input = json!({ "issueId": blocked_id, "blockingIssueId": blocking_id });
        Mutation::new(
            "removeBlockedBy",
            "RemoveBlockedByInput",
            "issue { id }",
            input,
        )
    }

    pub fn add_project_item(project_id: &str, content_id: &str) -> Mutation {
        let input = json!({ "projectId": project_id, "contentId": content_id });
        Mutation::new(
            "addProjectV2ItemById",
            "AddProjectV2ItemByIdInput",
            "item { id }",
            input,
        )
    }

    /// `value` is one of `{text}`, `{number}`, `{date}`, `{singleSelectOptionId}`, `{iterationId}`.
    pub fn set_field(project_id: &str, item_id: &str, field_id: &str, value: Value) -> Mutation {
        let input = json!({ "projectId": project_id, "itemId": item_id, "fieldId": field_id, "value": value });
        Mutation::new(
            "updateProjectV2ItemFieldValue",
            "UpdateProjectV2ItemFieldValueInput",
            "projectV2Item { id }",
            input,
        )
    }

    pub fn create_label(repository_id: &str, name: &str, color: &str) -> Mutation {
        let input = json!({ "repositoryId": repository_id, "name": name, "color": color });
        Mutation::new(
            "createLabel",
            "CreateLabelInput",
            "label { id name }",
            input,
        )
    }
}

/// Mutations GitHub counts against its content-creation limit (~80 a minute documented, issue
/// creation reported to trip at ~20 a minute): they make a new issue, label or link.
pub const CONTENT_CREATING: &[&str] =
    &["createIssue", "createLabel", "addSubIssue", "addBlockedBy"];

impl Mutation {
    /// The features a server needs to accept this mutation: its field, and the members of its
    /// input that only some servers know.
    pub fn requires(&self) -> Vec<Feature> {
        let mut needs = Vec::new();
        let input = |member: &str| self.input.get(member).is_some_and(|v| !v.is_null());
        match self.field {
            "addSubIssue" | "removeSubIssue" => needs.push(Feature::SubIssues),
            "addBlockedBy" | "removeBlockedBy" => needs.push(Feature::IssueDependencies),
            _ => {}
        }
        if input("parentIssueId") {
            needs.push(Feature::SubIssues);
        }
        if input("issueTypeId") {
            needs.push(Feature::IssueTypes);
        }
        if input("projectV2Ids") {
            needs.push(Feature::CardsInCreate);
        }
        if input("duplicateIssueId") || self.input.get("stateReason") == Some(&json!("DUPLICATE")) {
            needs.push(Feature::DuplicateReason);
        }
        needs
    }

    /// Whether GitHub counts this mutation against its content-creation limit.
    pub fn creates_content(&self) -> bool {
        CONTENT_CREATING.contains(&self.field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_creating_mutations_are_the_ones_that_make_something() {
        assert!(Mutation::create_issue(json!({})).creates_content());
        assert!(Mutation::create_label("R", "x", "ededed").creates_content());
        assert!(Mutation::add_sub_issue("P", "C").creates_content());
        assert!(Mutation::add_blocked_by("A", "B").creates_content());
        assert!(!Mutation::update_issue(json!({})).creates_content());
        assert!(!Mutation::remove_blocked_by("A", "B").creates_content());
        assert!(!Mutation::add_project_item("P", "I").creates_content());
        assert!(!Mutation::set_field("P", "I", "F", json!({})).creates_content());
    }

    #[test]
    fn a_mutation_names_the_features_it_needs() {
        let create = Mutation::create_issue(json!({ "parentIssueId": "P", "issueTypeId": "T" }));
        assert_eq!(create.requires(), [Feature::SubIssues, Feature::IssueTypes]);
        assert!(Mutation::create_issue(json!({ "parentIssueId": null }))
            .requires()
            .is_empty());
        assert_eq!(
            Mutation::remove_blocked_by("A", "B").requires(),
            [Feature::IssueDependencies]
        );
        assert_eq!(
            Mutation::close_issue("I", "DUPLICATE", None).requires(),
            [Feature::DuplicateReason]
        );
        assert!(Mutation::close_issue("I", "NOT_PLANNED", None)
            .requires()
            .is_empty());
    }
}
