//! Killing the real binary at points spread over a run (during discovery, and after a share of
//! its writes in each phase), then re-running it: the re-run finishes the job, with no
//! duplicate and nothing lost.

use std::time::Duration;

use fake_github::{Config, Faults};

use super::binary::{Served, Step};
use super::support::{assert_converged, Model};

fn slow() -> Faults {
    Faults {
        latency: Duration::from_millis(3),
        mutation_latency: Duration::from_millis(2),
        ..Faults::default()
    }
}

/// Where to kill a run: before any write (discovery), or once the fake has executed the given
/// number of mutations of the given name. A first sync creates each issue with its parent and
/// its card, so the creates span three phases (epics, stories, tasks: 2 + 4 + 8 here), then
/// come the field values and the links.
const KILL_POINTS: [(Option<&str>, u64); 6] = [
    (None, 0),
    (Some("createIssue"), 1),
    (Some("createIssue"), 4),
    (Some("createIssue"), 9),
    (Some("updateProjectV2ItemFieldValue"), 1),
    (Some("addBlockedBy"), 1),
];

/// Runs the binary until the kill point is reached, then kills it. True if it was killed
/// before finishing on its own.
fn kill_at(served: &Served, step: &Step, (point, count): (Option<&str>, u64)) -> bool {
    let mut child = step.spawn(&served.fake.graphql_url());
    loop {
        let stats = served.fake.stats();
        let reached = match point {
            None => stats.requests > 0,
            Some(name) => stats
                .mutations
                .by_name
                .get(name)
                .is_some_and(|n| *n >= count),
        };
        if child.try_wait().expect("child status").is_some() {
            return false;
        }
        if reached {
            let _ = child.kill();
            let _ = child.wait();
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_run_killed_in_any_phase_is_finished_by_the_next_without_duplicates() {
    let model = Model::grid("killed", 2, 2, 2);
    let plan = model.plan();
    let yaml = model.yaml();
    let mut killed = 0;
    for point in KILL_POINTS {
        let served = Served::start(Config {
            faults: slow(),
            ..Config::default()
        });
        let step = Step::new(&yaml, "test-token");
        if kill_at(&served, &step, point) {
            killed += 1;
        }

        served.fake.set_faults(Faults::default());
        let rerun = step.run(&mut step.command(&served.fake.graphql_url()));
        assert_eq!(
            rerun.code,
            Some(0),
            "killed at {point:?}: {}\n{}",
            rerun.stdout,
            rerun.stderr
        );
        assert_converged(&plan, &served.fake.state());

        let before = served.mutations();
        let again = step.run(&mut step.command(&served.fake.graphql_url()));
        assert_eq!(again.code, Some(0), "{}", again.stderr);
        assert_eq!(served.mutations(), before, "killed at {point:?}: converged");
    }
    assert!(
        killed >= KILL_POINTS.len() - 1,
        "only {killed} runs were killed part-way"
    );
}

/// Kills at random moments (seeded): after a random number of the writes a whole run makes.
#[test]
fn runs_killed_at_random_moments_converge_without_duplicates() {
    use rand::{Rng, SeedableRng};
    let model = Model::grid("random-kill", 1, 2, 3);
    let plan = model.plan();
    let yaml = model.yaml();
    let reference = Served::start(Config::default());
    let step = Step::new(&yaml, "test-token");
    let run = step.run(&mut step.command(&reference.fake.graphql_url()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let total = reference.mutations();

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..4 {
        let writes = rng.gen_range(1..total);
        let served = Served::start(Config {
            faults: slow(),
            ..Config::default()
        });
        let step = Step::new(&yaml, "test-token");
        let mut child = step.spawn(&served.fake.graphql_url());
        while served.mutations() < writes && child.try_wait().expect("status").is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();

        served.fake.set_faults(Faults::default());
        let rerun = step.run(&mut step.command(&served.fake.graphql_url()));
        assert_eq!(
            rerun.code,
            Some(0),
            "killed after {writes}: {}",
            rerun.stderr
        );
        assert_converged(&plan, &served.fake.state());
    }
}
