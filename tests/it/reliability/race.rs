//! Two runs racing on one plan (a workflow without a concurrency group): both read an empty
//! repository, so both create. The next run finds two issues claiming each item, keeps the
//! older, closes the newer as a duplicate and re-wires everything onto the keepers.

use std::time::Duration;

use fake_github::{Config, Faults};

use super::support::{check_converged, claims, Env, Extras, Model};

#[tokio::test]
async fn racing_runs_may_duplicate_and_the_next_run_heals_it() {
    let model = Model::grid("race", 1, 2, 2);
    let plan = model.plan();
    for seed in 1..=3 {
        race_then_heal(&plan, seed).await;
    }
}

async fn race_then_heal(plan: &planpilot::plan::Plan, seed: u64) {
    let env = Env::start(Config {
        seed,
        faults: Faults {
            latency: Duration::from_millis(3),
            jitter: Duration::from_millis(3),
            ..Faults::default()
        },
        ..Config::default()
    })
    .await;
    // The second run starts at once, or a little later (it then sees part of the first's work).
    let stagger = Duration::from_millis([0, 10, 25][seed as usize % 3]);
    let late = async {
        tokio::time::sleep(stagger).await;
        env.sync(plan).await
    };
    let (a, b) = tokio::join!(env.sync(plan), late);
    // Both runs work; whatever they report, neither may panic or hang.
    let _ = (a, b);
    let raced = claims(&env.fake.state(), &plan.key);
    let doubled = raced.values().filter(|issues| issues.len() > 1).count();
    if stagger.is_zero() {
        assert!(doubled > 0, "the race produced duplicates, as documented");
    }
    assert!(
        raced.values().all(|issues| issues.len() <= 2),
        "two runs, at most two copies"
    );

    env.heal();
    let report = env.sync_ok(plan).await;
    assert!(
        report.warnings.iter().any(|w| w.contains("both claim")),
        "{:?}",
        report.warnings
    );
    let state = env.fake.state();
    check_converged(plan, &state, Extras::ClosedDuplicates);
    // Never a third copy; the duplicates are closed as such.
    for (item, issues) in claims(&state, &plan.key) {
        assert!(issues.len() <= 2, "{item}: {issues:#?}");
    }
    assert_eq!(env.mutations_of(plan).await, 0, "healed for good");
}

/// Two pushes in quick succession: runs of two plan versions race over existing issues. The
/// repository ends in some mix of both, never with a duplicate, and the next run of the newer
/// version converges to it.
#[tokio::test]
async fn racing_runs_of_two_versions_converge_on_the_next_run() {
    let old = Model::grid("versions", 1, 2, 2);
    let mut new = old.clone();
    new.find_mut("T-3").unwrap().title = "Renamed while racing".into();
    new.remove("T-7");
    let task = super::support::Node::new(new.fresh_id("T"));
    new.epics[0].children[1].children.push(task);
    new.find_mut("S-2").unwrap().priority = "P0";
    let (old, new) = (old.plan(), new.plan());
    let env = Env::start(Config {
        faults: Faults {
            latency: Duration::from_millis(2),
            jitter: Duration::from_millis(3),
            ..Faults::default()
        },
        ..Config::default()
    })
    .await;
    env.sync_ok(&old).await;
    let (a, b) = tokio::join!(env.sync(&old), env.sync(&new));
    let _ = (a, b);
    for (item, issues) in claims(&env.fake.state(), &new.key) {
        assert_eq!(issues.len(), 1, "{item}: {issues:#?}");
    }
    env.heal();
    env.sync_ok(&new).await;
    super::support::assert_converged(&new, &env.fake.state());
    assert_eq!(env.mutations_of(&new).await, 0);
}
