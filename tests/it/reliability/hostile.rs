//! Hostile text and hostile inputs. Plan text (markdown, HTML, comment and marker look-alikes,
//! mentions, references, emoji, right-to-left text) is rendered faithfully and can never forge
//! an identity; bad inputs stop the binary before any request or write.

use fake_github::Config;
use planpilot::plan::{self, LoadOptions};
use planpilot::render::{managed_block, render_block, Marker};

use super::binary::{Served, Step};
use super::support::{assert_converged, root, Env, Model};

#[tokio::test]
async fn hostile_plan_text_is_rendered_faithfully_and_never_forges_a_marker() {
    let path = root().join("tests/fixtures/reliability/hostile.yaml");
    let plan = plan::load(&path, &LoadOptions { root: None }).expect("hostile plan loads");
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let state = env.fake.state();
    assert_converged(&plan, &state);
    assert_eq!(state["issues"].as_array().unwrap().len(), plan.items.len());
    for item in &plan.items {
        let issue = env.issue_of(&plan, &item.id);
        let body = issue["body"].as_str().unwrap();
        // Exactly one marker line, and the managed block ends where planpilot ended it.
        let markers: Vec<Marker> = body.lines().filter_map(Marker::parse_comment).collect();
        assert_eq!(markers.len(), 1, "{}: {body}", item.id);
        assert_eq!(markers[0].item_id, item.id);
        let block = render_block(&plan, item);
        assert_eq!(managed_block(body), Some(block.as_str()), "{}", item.id);
        // Only planpilot's two comment delimiters open or close a comment.
        assert_eq!(body.matches("<!--").count(), 2, "{}: {body}", item.id);
        assert_eq!(body.matches("-->").count(), 2, "{}: {body}", item.id);
    }
    // Text survives as written (markdown stays markdown; comment delimiters become entities
    // that display the same).
    let epic = env.issue_of(&plan, "E-1");
    let body = epic["body"].as_str().unwrap();
    for kept in [
        "Plain **markdown** and <b>HTML</b>",
        "@octocat and @acme/team please review #123 and acme/roadmap#7",
        "&lt;!-- planpilot:end --&gt;",
        "--&gt; a stray comment end, and an unclosed &lt;!-- comment start",
    ] {
        assert!(body.contains(kept), "{kept:?} in\n{body}");
    }
    let story = env.issue_of(&plan, "S-1");
    assert_eq!(
        story["title"],
        "@octocat fixes #123 — emoji 🚀🔥 and RTL עברית العربية"
    );
    assert!(story["body"]
        .as_str()
        .unwrap()
        .contains("a\u{200b}b, bidi: \u{202e}evil\u{202c}"));
    // Stable: hostile text does not make a re-run rewrite anything.
    assert_eq!(env.mutations_of(&plan).await, 0);
}

/// Every input mistake the binary can know about before talking to GitHub: exit 2, no request.
#[test]
fn bad_inputs_stop_before_any_request() {
    let served = Served::start(Config::default());
    let step = Step::new(&Model::grid("inputs", 1, 1, 1).yaml(), "test-token");
    let url = served.fake.graphql_url();
    let cases: [(&str, Option<&str>); 8] = [
        ("INPUT_MAX-CONCURRENCY", Some("abc")),
        ("INPUT_MAX-CONCURRENCY", Some("0")),
        ("INPUT_MAX-CONCURRENCY", Some("-3")),
        ("INPUT_ON-REMOVED", Some("delete")),
        (
            "INPUT_PROJECT-URL",
            Some("https://github.com/acme/roadmap/projects/1"),
        ),
        (
            "INPUT_PROJECT-URL",
            Some("https://github.com/orgs/acme/projects/first"),
        ),
        ("INPUT_REPOSITORY", Some("acme")),
        ("INPUT_GITHUB-TOKEN", None),
    ];
    for (name, value) in cases {
        let mut cmd = step.command(&url);
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
        let run = step.run(&mut cmd);
        assert_eq!(
            run.code,
            Some(2),
            "{name}={value:?}: {}\n{}",
            run.stdout,
            run.stderr
        );
        let input = name.trim_start_matches("INPUT_").to_lowercase();
        assert!(
            run.stdout.contains(&format!("input `{input}`")),
            "{name}: {}",
            run.stdout
        );
        assert!(!run.all_text().contains("panicked"), "{}", run.all_text());
    }
    assert_eq!(served.fake.stats().requests, 0, "no request was sent");
}

/// A token GitHub rejects, or one that cannot reach the board: a clear failure, no write.
#[test]
fn tokens_without_access_fail_clearly_without_writing() {
    let yaml = Model::grid("access", 1, 1, 1).yaml();
    let cases = [
        (
            Config::default(),
            "ghp_NotTheRightToken",
            1,
            "bad credentials",
        ),
        (Config::github_token_like(), "test-token", 2, "project"),
        (
            Config {
                missing_project_scope: true,
                ..Config::default()
            },
            "test-token",
            2,
            "project",
        ),
        (Config::without_project(), "test-token", 2, "project"),
    ];
    for (config, token, code, says) in cases {
        let served = Served::start(config);
        let step = Step::new(&yaml, token);
        let run = step.run(&mut step.command(&served.fake.graphql_url()));
        assert_eq!(
            run.code,
            Some(code),
            "{says}: {}\n{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stdout.to_lowercase().contains(says),
            "{says}: {}",
            run.stdout
        );
        assert_eq!(served.mutations(), 0, "{says}: nothing written");
    }
}

/// Dependencies that are acyclic item by item can still imply story A blocked by story B and B
/// by A once rolled up. GitHub's rules (and the fake) do not refuse mutual blocked-by links, so
/// both are made, and the result is as stable as any other plan.
#[tokio::test]
async fn a_cycle_that_only_appears_after_rolling_up_is_mirrored_and_stable() {
    let mut model = Model::grid("rolled", 1, 2, 2);
    // S-2 holds T-3, T-4; S-5 holds T-6, T-7. T-3 → T-7 and T-6 → T-4: no item cycle, but
    // S-2 blocked by S-5 and S-5 blocked by S-2.
    for (task, deps) in [
        ("T-3", vec!["T-7"]),
        ("T-4", vec![]),
        ("T-6", vec!["T-4"]),
        ("T-7", vec![]),
    ] {
        model.find_mut(task).unwrap().depends_on = deps.into_iter().map(String::from).collect();
    }
    let plan = model.plan();
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let numbers = assert_converged(&plan, &env.fake.state());
    let story = env.issue_of(&plan, "S-5");
    assert_eq!(story["blocked_by"], serde_json::json!([numbers["S-2"]]));
    assert_eq!(env.mutations_of(&plan).await, 0);
}

/// A plan key full of markup and a title at GitHub's 256-character limit in four-byte
/// characters: the identity round-trips through the marker and the title is kept whole.
#[tokio::test]
async fn hostile_plan_keys_and_longest_titles_round_trip() {
    let mut model = Model::grid("placeholder", 1, 1, 1);
    model.find_mut("T-3").unwrap().title = "🚀".repeat(256);
    model.find_mut("S-2").unwrap().title = "ק".repeat(255) + "!";
    let yaml = model.yaml().replace(
        "id: placeholder",
        "id: \"we<!-- ird --> key, @octocat #1 planpilot:end %41 =x item=E-1\"",
    );
    let plan = super::support::load_yaml(&yaml);
    let env = Env::org().await;
    env.sync_ok(&plan).await;
    let state = env.fake.state();
    assert_converged(&plan, &state);
    assert_eq!(state["issues"].as_array().unwrap().len(), plan.items.len());
    for issue in state["issues"].as_array().unwrap() {
        let body = issue["body"].as_str().unwrap();
        assert_eq!(body.matches("<!--").count(), 2, "{body}");
    }
    assert_eq!(env.mutations_of(&plan).await, 0);
}
