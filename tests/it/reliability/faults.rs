//! Mixed faults in one run (502s, "Something went wrong", answers dropped after the write,
//! `RATE_LIMITED` every 20th document, secondary limits with and without `retry-after`, a
//! primary budget spent mid-run):
//! each run completes or stops cleanly without a duplicate, and a run on a healthy fake then
//! converges to exactly the plan.

use std::time::Duration;

use fake_github::{Config, ContentLimit, Faults};
use planpilot::sync::SyncError;

use super::support::{assert_converged, claims, Env, Model};

/// Every fault of the mix; the seed picks which secondary limits carry `retry-after`.
fn mixed(seed: u64) -> Faults {
    Faults {
        error_502_rate: 0.05,
        something_went_wrong_rate: 0.02,
        drop_after_apply_rate: 0.02,
        rate_limited_every: Some(20),
        max_concurrent: Some(3),
        content_limit: Some(ContentLimit {
            max: 12,
            window: Duration::from_millis(30),
        }),
        // Zero seconds: retry at once; one second is beyond the client's max-wait: stop.
        retry_after_secs: seed % 2,
        retry_after_omit_rate: 0.5,
        jitter: Duration::from_millis(2),
        ..Faults::default()
    }
}

/// Asserts no item has two issues, whatever state a run stopped in.
fn assert_no_duplicates(env: &Env, plan: &planpilot::plan::Plan, context: &str) {
    for (item, issues) in claims(&env.fake.state(), &plan.key) {
        assert_eq!(issues.len(), 1, "{context}: {item} has {issues:#?}");
    }
}

#[tokio::test]
async fn mixed_faults_end_complete_or_stopped_and_a_healthy_rerun_converges() {
    let model = Model::grid("faults", 2, 2, 3);
    let plan = model.plan();
    let mut stopped = 0;
    for seed in 1..=8u64 {
        let env = Env::start(Config {
            seed,
            // Odd seeds spend the primary budget part-way through the first run.
            primary_budget: if seed % 2 == 1 { 25 } else { 5000 },
            faults: mixed(seed),
            ..Config::default()
        })
        .await;
        let context = format!("seed {seed}");
        match env.sync(&plan).await {
            Ok(report) if report.errors.is_empty() => {}
            Ok(report) => {
                stopped += 1;
                assert!(!report.is_complete(), "{context}");
            }
            Err(SyncError::Api(_) | SyncError::Discovery(_)) => stopped += 1,
            Err(other) => panic!("{context}: not a clean stop: {other}"),
        }
        assert_no_duplicates(&env, &plan, &context);
        let stats = env.fake.stats();
        assert!(
            stats.faults_injected + stats.rate_limited + stats.secondary_limited > 0,
            "{context}: faults fired: {stats:?}"
        );

        env.heal();
        env.sync_ok(&plan).await;
        assert_converged(&plan, &env.fake.state());
        assert_eq!(env.mutations_of(&plan).await, 0, "{context}: converged");
        env.fake.shutdown().await;
    }
    assert!(stopped > 0, "some runs stopped part-way");
}

#[tokio::test]
async fn repeated_faulty_runs_each_make_progress_without_duplicates() {
    let model = Model::grid("resume", 1, 3, 3);
    let plan = model.plan();
    let env = Env::start(Config {
        seed: 42,
        faults: Faults {
            rate_limited_every: Some(6),
            error_502_rate: 0.05,
            drop_after_apply_rate: 0.05,
            ..Faults::default()
        },
        ..Config::default()
    })
    .await;
    let mut complete = false;
    for run in 0..40 {
        let report = env.sync(&plan).await;
        assert_no_duplicates(&env, &plan, &format!("run {run}"));
        if report.is_ok_and(|r| r.is_complete()) {
            complete = true;
            break;
        }
    }
    assert!(complete, "faulty runs finish the job in the end");
    assert_converged(&plan, &env.fake.state());
    env.heal();
    assert_eq!(env.mutations_of(&plan).await, 0);
}

/// The binary under the same mix, retries off so every fault shows: it exits 0 or 1 (never 2,
/// never a crash), says why when it stops, still writes its outputs, and a re-run converges.
#[test]
fn the_binary_under_mixed_faults_exits_0_or_1_and_a_rerun_converges() {
    use super::binary::{Served, Step};
    let model = Model::grid("binary-faults", 1, 2, 2);
    let plan = model.plan();
    let mut stopped = 0;
    for seed in 1..=4u64 {
        let served = Served::start(Config {
            seed,
            primary_budget: if seed % 2 == 1 { 12 } else { 5000 },
            faults: mixed(seed),
            ..Config::default()
        });
        let step = Step::new(&model.yaml(), "test-token");
        let mut cmd = step.command(&served.fake.graphql_url());
        cmd.env("INPUT_MAX-RETRIES", "0");
        let run = step.run(&mut cmd);
        let context = format!("seed {seed}: {}\n{}", run.stdout, run.stderr);
        match run.code {
            Some(0) => {}
            Some(1) => {
                stopped += 1;
                assert!(
                    run.stdout.contains("::error title=planpilot::"),
                    "{context}"
                );
                // Outputs exist once anything was written (a stop in discovery has none).
                if served.mutations() > 0 {
                    assert!(run.output_file.contains("created-count="), "{context}");
                }
            }
            other => panic!("exit {other:?}: {context}"),
        }
        // Every log group is closed, also when the run stops.
        assert_eq!(
            run.stdout.matches("::group::").count(),
            run.stdout.matches("::endgroup::").count(),
            "{context}"
        );
        for (item, issues) in claims(&served.fake.state(), &plan.key) {
            assert_eq!(issues.len(), 1, "seed {seed}: {item} duplicated");
        }

        served.fake.set_faults(Faults::default());
        served.fake.set_primary_budget(5000);
        let rerun = step.run(&mut step.command(&served.fake.graphql_url()));
        assert_eq!(rerun.code, Some(0), "seed {seed}: {}", rerun.stderr);
        assert_converged(&plan, &served.fake.state());
    }
    assert!(stopped > 0, "some runs stopped");
}

/// Labels and board values people set, checked after every run under partial answers.
fn assert_human_values_kept(env: &Env, plan: &planpilot::plan::Plan, context: &str) {
    for (item, issues) in claims(&env.fake.state(), &plan.key) {
        assert_eq!(issues.len(), 1, "{context}: {item} has {issues:#?}");
        let issue = &issues[0];
        let labels: Vec<&str> = issue["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str())
            .collect();
        assert!(
            labels.contains(&"bug"),
            "{context}: {item} lost the label a person added: {labels:?}"
        );
        assert_eq!(
            issue["project_item"]["fields"]["Status"], "In Progress",
            "{context}: {item}'s Status, set by a person, was rewritten"
        );
    }
}

#[tokio::test]
async fn partial_answers_are_never_taken_as_the_truth() {
    let env = Env::start(Config {
        seed: 11,
        ..Config::default()
    })
    .await;
    let plan = Model::grid("partial", 1, 2, 3).plan();
    env.sync_ok(&plan).await;
    // People label every issue and move every card to In Progress (the plan only defaults
    // Status, so the board value is theirs).
    let state = env.fake.state();
    let bug = state["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "bug")
        .unwrap()["id"]
        .clone();
    let status = state["project"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Status")
        .unwrap()
        .clone();
    let in_progress = status["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "In Progress")
        .unwrap()["id"]
        .clone();
    for issues in claims(&state, &plan.key).values() {
        let issue = &issues[0];
        env.human(
            "mutation($id: ID!, $l: [ID!]!) { addLabelsToLabelable(input: {labelableId: $id, labelIds: $l}) { clientMutationId } }",
            serde_json::json!({ "id": issue["id"], "l": [bug] }),
        )
        .await;
        env.human(
            "mutation($p: ID!, $i: ID!, $f: ID!, $o: String!) { updateProjectV2ItemFieldValue(input: \
             {projectId: $p, itemId: $i, fieldId: $f, value: {singleSelectOptionId: $o}}) { projectV2Item { id } } }",
            serde_json::json!({ "p": state["project"]["id"], "i": issue["project_item"]["id"], "f": status["id"], "o": in_progress }),
        )
        .await;
    }
    assert_human_values_kept(&env, &plan, "before");

    // Every answer partial: the run stops before any write, saying why.
    env.fake.set_faults(Faults {
        partial_read_rate: 1.0,
        ..Faults::default()
    });
    let before = env.fake.stats();
    let error = env
        .sync(&plan)
        .await
        .expect_err("a partial answer stops the run");
    assert!(matches!(error, SyncError::PartialRead(_)), "{error}");
    assert!(!error.is_invalid_input(), "exit 1: a re-run resumes");
    let message = error.to_string();
    assert!(
        message.contains("left part of the issues out on 3 attempt(s)")
            && message.contains("re-run"),
        "{message}"
    );
    let after = env.fake.stats();
    assert_eq!(
        after.mutations.total, before.mutations.total,
        "nothing written"
    );
    assert!(after.partial_reads >= 3, "the read was tried again");
    assert_human_values_kept(&env, &plan, "all partial");

    // Some answers partial: each run completes from a whole answer or stops; none acts on a gap.
    env.fake.set_faults(Faults {
        partial_read_rate: 0.5,
        ..Faults::default()
    });
    let mut retried = 0;
    for run in 0..6 {
        match env.sync(&plan).await {
            Ok(report) => {
                assert!(report.errors.is_empty(), "run {run}: {:#?}", report.errors);
                assert!(
                    report.changes.is_empty(),
                    "run {run}: {:#?}",
                    report.changes
                );
                retried += report
                    .metrics
                    .retries
                    .get("partial read")
                    .copied()
                    .unwrap_or(0);
            }
            Err(SyncError::PartialRead(_)) => {}
            Err(other) => panic!("run {run}: {other}"),
        }
        assert_human_values_kept(&env, &plan, &format!("run {run}"));
    }
    assert!(
        retried > 0,
        "some run read a partial answer again and went on"
    );

    env.heal();
    let final_run = env.sync_ok(&plan).await;
    assert!(final_run.changes.is_empty(), "{:#?}", final_run.changes);
    assert_converged(&plan, &env.fake.state());
    assert_human_values_kept(&env, &plan, "healed");
}
