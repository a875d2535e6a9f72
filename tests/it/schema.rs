//! Every GraphQL document planpilot can send validates against GitHub's real schema, including
//! the generated aliased batch documents.

use fake_github::Schema;
use planpilot::github::ops::sample_documents;

/// GitHub's schema: the repository's vendored copy, or the file `GITHUB_GRAPHQL_SCHEMA` names.
fn schema() -> Schema {
    Schema::github().expect("GitHub's GraphQL schema loads")
}

#[test]
fn every_document_validates_against_githubs_schema() {
    let schema = schema();
    let mut samples = sample_documents();
    assert!(
        samples.len() >= 12,
        "samples cover discovery and every mutation"
    );
    samples.extend(planpilot::github::backlog::sample_documents());
    let failures: Vec<String> = samples
        .iter()
        .filter_map(|(name, document)| {
            schema
                .validate(document)
                .err()
                .map(|errors| format!("{name}: {}\n{document}", errors.join("; ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "invalid documents:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn the_validator_rejects_a_wrong_document() {
    let schema = schema();
    let (_, document) = sample_documents()
        .into_iter()
        .find(|(name, _)| name == "discover-first-page")
        .expect("a discovery sample");
    assert!(document.contains("stateReason"));
    let broken = document.replace("stateReason", "stateReasn");
    assert!(schema.validate(&broken).is_err());
}
