//! The GraphQL documents planpilot sends and typed views of their answers, by job:
//!
//! - `discovery`: the reads — the discovery query (managed issues page by page, the first page
//!   also carrying every piece of metadata a sync needs: repository id, issue types,
//!   label/user/milestone lookups, the board with its fields, so an unchanged re-run costs one
//!   request per 100 issues), issues by id or number, a label by name.
//! - `wire`: the typed answers of those reads (issues, relations, cards, the board).
//! - `mutations`: every write, as a `Mutation` value.
//! - `batch`: several mutations as aliased fields of one document, and their answers per alias.
//! - `partial`: answers that left part of a read of issues out — read again, never taken for
//!   the truth.
//! - `features`: what the server supports, read once per run before the first query; the
//!   reads and writes above are built from it.
//!
//! `sample_documents` lists one instance of every document, for the schema test.

mod batch;
mod discovery;
mod features;
mod mutations;
mod partial;
mod wire;

pub use batch::{batch_request, send_batch};
pub use discovery::{
    blocking_request, bound_issues_request, discovery_request, issues_by_id_request,
    label_lookup_request, parse_blocking, parse_bound_issues, parse_discovery, parse_issues_by_id,
    BoardOwner, BoardQuery, Bound, DiscoveryPage, DiscoveryQuery, IssueSelection, Metadata,
    MetadataQuery, BOUND_PER_REQUEST, PAGE_SIZE,
};
pub use features::{features, features_request, parse_features};
pub use mutations::{Mutation, CONTENT_CREATING};
pub(crate) use partial::whole;
pub use partial::{gaps, read_whole, Gap, IssuesAt, ReadError, PARTIAL_READ_ATTEMPTS};
pub use wire::{
    BoardFieldNode, BoardNode, FieldRef, FieldValueNode, IdNode, IssueNode, IssueRef,
    IssueTypeNode, IterationConfig, IterationNode, NamedNode, Nodes, PageInfo, ProjectItemNode,
    ShapeError,
};

use serde_json::json;

use super::features::{Feature, Features};
use super::types::{Safety, TokenRole};

/// A representative instance of every document `ops` can send to github.com, by name, for
/// schema validation.
pub fn sample_documents() -> Vec<(String, String)> {
    let mut samples = sample_documents_for(Features::all());
    samples.push(("features".to_string(), features_request().document));
    samples
}

/// A representative instance of every document `ops` sends to a server with `features`: the
/// reads as built for it and the mutations it has.
pub fn sample_documents_for(features: Features) -> Vec<(String, String)> {
    let board = BoardQuery {
        owner_kind: BoardOwner::Organization,
        owner: "acme".into(),
        number: 1,
    };
    let with_cards = IssueSelection {
        features,
        cards: true,
    };
    let first = DiscoveryQuery {
        owner: "acme".into(),
        name: "roadmap".into(),
        label: "planpilot".into(),
        after: None,
        metadata: Some(MetadataQuery {
            labels: vec!["planpilot".into(), "type:epic".into()],
            logins: vec!["octocat".into()],
            milestones: vec!["v1".into()],
            board: Some(board.clone()),
        }),
        issues: with_cards,
    };
    let user_board = DiscoveryQuery {
        metadata: Some(MetadataQuery {
            board: Some(BoardQuery {
                owner_kind: BoardOwner::User,
                ..board
            }),
            ..MetadataQuery::default()
        }),
        ..first.clone()
    };
    let next_page = DiscoveryQuery {
        after: Some("cursor".into()),
        metadata: None,
        issues: IssueSelection {
            features,
            cards: false,
        },
        ..first.clone()
    };
    let duplicate_of = features.has(Feature::DuplicateReason).then_some("J");
    let all_mutations: Vec<Mutation> = vec![
        Mutation::create_issue(json!({})),
        Mutation::create_issue_with_card(json!({})),
        Mutation::update_issue(json!({})),
        Mutation::close_issue("I", "NOT_PLANNED", duplicate_of),
        Mutation::add_sub_issue("P", "C"),
        Mutation::remove_sub_issue("P", "C"),
        Mutation::add_blocked_by("A", "B"),
        Mutation::remove_blocked_by("A", "B"),
        Mutation::add_project_item("P", "I"),
        Mutation::delete_project_item("P", "PI"),
        Mutation::set_field("P", "I", "F", json!({ "text": "x" })),
        Mutation::create_label("R", "planpilot", "ededed"),
    ]
    .into_iter()
    .filter(|m| m.requires().iter().all(|f| features.has(*f)))
    .collect();
    let mut samples = vec![
        (
            "bound-issues".to_string(),
            bound_issues_request("acme", "roadmap", &[1, 2], &with_cards, TokenRole::Issues)
                .document,
        ),
        (
            "issues-by-id".to_string(),
            issues_by_id_request(&["I1".to_string()], &with_cards, TokenRole::Issues).document,
        ),
        (
            "label-lookup".to_string(),
            label_lookup_request("acme", "roadmap", "planpilot").document,
        ),
        (
            "discover-first-page".to_string(),
            discovery_request(&first, TokenRole::Issues).document,
        ),
        (
            "discover-user-board".to_string(),
            discovery_request(&user_board, TokenRole::Issues).document,
        ),
        (
            "discover-next-page".to_string(),
            discovery_request(&next_page, TokenRole::Issues).document,
        ),
    ];
    if features.has(Feature::IssueDependencies) {
        samples.push((
            "blocking".to_string(),
            blocking_request(&["I1".to_string()], TokenRole::Issues).document,
        ));
    }
    for m in &all_mutations {
        let doc = batch_request(
            std::slice::from_ref(m),
            Safety::Idempotent,
            TokenRole::Issues,
        )
        .document;
        samples.push((m.field.to_string(), doc));
    }
    samples.push((
        "batch-of-all".to_string(),
        batch_request(&all_mutations, Safety::Idempotent, TokenRole::Issues).document,
    ));
    samples
}
