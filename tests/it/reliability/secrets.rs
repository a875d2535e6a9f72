//! The token never shows: every output of every kind of run (sync, re-run, dry run, validate,
//! bad input, bad plan, rejected token, rate-limit stop, refused mass close, local table and
//! JSON), with the most verbose logging, is searched for the token values.

use std::time::Duration;

use fake_github::{Config, ContentLimit, Faults};
use planpilot::github::{ClientConfig, Secret};

use super::binary::{Run, Served, Step};
use super::support::Model;

const TOKEN: &str = "ghp_Zq9DistinctiveIssuesToken4711";
const PROJECT_TOKEN: &str = "github_pat_Distinctive_Board_Token_0815";

/// Asserts neither token appears anywhere, except in the `::add-mask::` commands that tell the
/// runner to hide them.
fn assert_clean(what: &str, run: &Run) {
    for line in run.all_text().lines() {
        if line.starts_with("::add-mask::") {
            continue;
        }
        for token in [TOKEN, PROJECT_TOKEN] {
            assert!(!line.contains(token), "{what}: token in {line:?}");
            // Not even a prefix long enough to matter.
            assert!(
                !line.contains(&token[..12]),
                "{what}: token prefix in {line:?}"
            );
        }
    }
    assert!(
        !run.all_text().contains("panicked"),
        "{what}: {}",
        run.all_text()
    );
}

#[test]
fn no_output_of_any_run_contains_the_token() {
    let served = Served::start(Config {
        token: TOKEN.to_string(),
        ..Config::default()
    });
    let url = served.fake.graphql_url();
    let model = Model::grid("secrets", 1, 2, 2);
    let step = Step::new(&model.yaml(), TOKEN);
    let verbose = |cmd: &mut std::process::Command| {
        cmd.env("PLANPILOT_LOG", "trace").env("RUNNER_DEBUG", "1");
    };
    let mut runs: Vec<(&str, Run)> = Vec::new();
    let mut run = |what: &'static str, configure: &dyn Fn(&mut std::process::Command)| {
        let mut cmd = step.command(&url);
        verbose(&mut cmd);
        configure(&mut cmd);
        runs.push((what, step.run(&mut cmd)));
    };

    // Discovery reads the board with the project token, which the fake does not know: the run
    // fails with bad credentials (exit 1) before any write.
    run("project token rejected", &|c| {
        c.env("INPUT_PROJECT-TOKEN", PROJECT_TOKEN);
    });
    run("sync", &|_| {});
    run("re-run", &|_| {});
    run("dry run", &|c| {
        c.env("INPUT_DRY-RUN", "true");
    });
    run("validate", &|c| {
        c.arg("validate");
    });
    run("bad input", &|c| {
        c.env("INPUT_MAX-CONCURRENCY", "lots");
    });
    run("bad plan", &|c| {
        c.env("INPUT_PLAN-FILE", "missing.yaml");
    });
    run("local table", &|c| {
        c.env_remove("GITHUB_ACTIONS")
            .env_remove("INPUT_GITHUB-TOKEN")
            .env("GITHUB_TOKEN", TOKEN)
            .args([
                "sync",
                "--plan-file",
                "plan.yaml",
                "--repository",
                "acme/roadmap",
            ]);
    });
    run("local json", &|c| {
        c.env_remove("GITHUB_ACTIONS")
            .args(["sync", "--json", "--plan-file", "plan.yaml"]);
    });
    let mut fewer = model.clone();
    fewer.remove("S-2");
    fewer.remove("T-6");
    std::fs::write(step.workspace().join("fewer.yaml"), fewer.yaml()).unwrap();
    run("mass close refused", &|c| {
        c.env("INPUT_PLAN-FILE", "fewer.yaml");
    });
    served.fake.set_faults(Faults {
        content_limit: Some(ContentLimit {
            max: 0,
            window: Duration::from_secs(3600),
        }),
        retry_after_secs: 600,
        ..Faults::default()
    });
    let mut more = model.clone();
    more.epics[0].children[0]
        .children
        .push(super::support::Node::new("T-99".into()));
    std::fs::write(step.workspace().join("more.yaml"), more.yaml()).unwrap();
    run("rate-limit stop", &|c| {
        c.env("INPUT_PLAN-FILE", "more.yaml");
    });
    served.fake.set_faults(Faults::default());
    run("rejected token", &|c| {
        c.env("INPUT_GITHUB-TOKEN", format!("{TOKEN}x"));
    });

    let codes: Vec<(&str, Option<i32>)> = runs.iter().map(|(w, r)| (*w, r.code)).collect();
    let expected = [
        ("project token rejected", Some(1)),
        ("sync", Some(0)),
        ("re-run", Some(0)),
        ("dry run", Some(0)),
        ("validate", Some(0)),
        ("bad input", Some(2)),
        ("bad plan", Some(2)),
        ("local table", Some(0)),
        ("local json", Some(0)),
        ("mass close refused", Some(2)),
        ("rate-limit stop", Some(1)),
        ("rejected token", Some(1)),
    ];
    assert_eq!(codes, expected, "every path ran as intended");
    for (what, run) in &runs {
        assert_clean(what, run);
    }
}

#[test]
fn debug_output_of_client_settings_hides_the_tokens() {
    let mut config = ClientConfig::new("http://127.0.0.1:9/graphql", Secret::new(TOKEN));
    config.project_token = Some(Secret::new(PROJECT_TOKEN));
    let shown = format!("{config:?} {:?}", Secret::new(TOKEN));
    assert!(
        !shown.contains(TOKEN) && !shown.contains(PROJECT_TOKEN),
        "{shown}"
    );
}
