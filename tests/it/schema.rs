//! Every GraphQL document planpilot can send validates against GitHub's real schema, including
//! the generated aliased batch documents.

use fake_github::Schema;
use planpilot::github::ops::sample_documents;

/// The schema, or `None` (with a loud note) when it is absent outside CI.
fn schema() -> Option<Schema> {
    let path = std::env::var_os("GITHUB_GRAPHQL_SCHEMA")
        .map(std::path::PathBuf::from)
        .or_else(Schema::locate);
    match path.filter(|p| p.exists()) {
        Some(path) => Some(Schema::load(&path).expect("the schema file parses")),
        None if std::env::var_os("PLANPILOT_REQUIRE_SHARED").is_some() => {
            panic!("GitHub's GraphQL schema is missing; CI must validate every document")
        }
        None => {
            eprintln!(
                "WARNING: GitHub's GraphQL schema not found (../shared/github/schema.graphql or \
                 GITHUB_GRAPHQL_SCHEMA); planpilot's documents were NOT validated"
            );
            None
        }
    }
}

#[test]
fn every_document_validates_against_githubs_schema() {
    let Some(schema) = schema() else { return };
    let samples = sample_documents();
    assert!(
        samples.len() >= 12,
        "samples cover discovery and every mutation"
    );
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
    let Some(schema) = schema() else { return };
    let (_, document) = sample_documents()
        .into_iter()
        .find(|(name, _)| name == "discover-first-page")
        .expect("a discovery sample");
    assert!(document.contains("stateReason"));
    let broken = document.replace("stateReason", "stateReasn");
    assert!(schema.validate(&broken).is_err());
}
