//! The demo, `cargo run --example demo`: the example plan synced into the fake GitHub started
//! in this process, twice, showing the result and that the second run changes nothing. No
//! token, no network. An example, not a command, so the shipped binary carries no fake GitHub.

use std::path::Path;
use std::process::ExitCode;

use fake_github::{Config, FakeGithub};

use planpilot::action::commands::{plan_stats, Exit};
use planpilot::action::console;
use planpilot::action::outputs::{counts_line, report_table};
use planpilot::action::progress::LogProgress;
use planpilot::github::{Client, ClientConfig, Secret};
use planpilot::plan::{self, LoadOptions, Plan};
use planpilot::sync::{self, Report, SyncOptions};

/// The example plan beside this file.
const EXAMPLE_PLAN: &str = include_str!("plan.yaml");
/// The name the example is loaded under (its plan key comes from its `id:`).
const EXAMPLE_PATH: &str = "examples/plan.yaml";
/// The fake's organization board (`Config::default()`).
const DEMO_BOARD: &str = "https://github.com/orgs/acme/projects/1";

#[tokio::main]
async fn main() -> ExitCode {
    ExitCode::from(demo().await.code())
}

/// Loads the embedded example plan.
fn example_plan() -> Result<Plan, plan::PlanError> {
    plan::load_str(
        EXAMPLE_PLAN,
        Path::new(EXAMPLE_PATH),
        &LoadOptions::default(),
    )
}

/// What the demo did: both runs and the fake's mutation counts for each.
struct DemoRun {
    first: Report,
    second: Report,
    first_mutations: u64,
    second_mutations: u64,
}

/// Runs the demo and prints it; its exit code.
async fn demo() -> Exit {
    match run_demo(true).await {
        // The point of the demo: the first run writes, the re-run is complete and writes nothing.
        Ok(run)
            if run.first.is_complete()
                && run.first_mutations > 0
                && run.second.is_complete()
                && run.second_mutations == 0 =>
        {
            Exit::Success
        }
        Ok(_) => Exit::SyncFailed,
        Err(message) => {
            eprintln!("planpilot demo: {message}");
            Exit::SyncFailed
        }
    }
}

/// Starts the fake, syncs the example plan into it twice and (with `print`) shows each step.
async fn run_demo(print: bool) -> Result<DemoRun, String> {
    let say = |text: &str| {
        if print {
            console::line(text);
        }
    };
    let plan = example_plan().map_err(|e| {
        let lines: Vec<String> = e.diagnostics.iter().map(ToString::to_string).collect();
        lines.join("\n")
    })?;
    let config = Config::default();
    let token = config.token.clone();
    let fake = FakeGithub::start(config)
        .await
        .map_err(|e| format!("starting the fake GitHub: {e:#}"))?;
    say(&format!(
        "planpilot demo: a fake GitHub (organization acme, repository acme/roadmap, board #1) \
         runs in this process at {}.",
        fake.url()
    ));
    say(&format!("{EXAMPLE_PATH}: valid — {}\n", plan_stats(&plan)));

    let mut options = SyncOptions::new("acme/roadmap".parse()?);
    options.project = Some(DEMO_BOARD.parse()?);
    let client_config = ClientConfig::new(fake.graphql_url(), Secret::new(token));
    let client = Client::new(client_config).map_err(|e| e.to_string())?;
    let progress = LogProgress::stdout(false);

    say("First sync: everything is new.");
    let first = sync_once(&plan, &client, &options, &progress).await?;
    let first_mutations = fake.stats().mutations.total;
    say(&format!(
        "\n{}\n{first_mutations} mutations.\n",
        report_table(&first)
    ));

    say("Second sync of the same plan: nothing to do.");
    fake.reset_stats();
    let second = sync_once(&plan, &client, &options, &progress).await?;
    let second_mutations = fake.stats().mutations.total;
    say(&format!(
        "\n{}\n{second_mutations} mutations.",
        counts_line(&second)
    ));
    fake.shutdown().await;
    Ok(DemoRun {
        first,
        second,
        first_mutations,
        second_mutations,
    })
}

async fn sync_once(
    plan: &Plan,
    client: &Client,
    options: &SyncOptions,
    progress: &LogProgress,
) -> Result<Report, String> {
    sync::run(plan, client, options, progress)
        .await
        .map_err(|e| format!("sync failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use planpilot::plan::ItemKind;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_builds_the_plan_then_changes_nothing() {
        let run = run_demo(false).await.unwrap();
        assert!(run.first.is_complete(), "{:?}", run.first.errors);
        assert_eq!(run.first.counts().created, 15);
        assert!(run.first_mutations > 0);
        assert_eq!(run.second.counts().unchanged, 15);
        assert_eq!(run.second_mutations, 0);
    }

    #[test]
    fn the_example_plan_is_valid_and_uses_every_board_field() {
        let plan = example_plan().unwrap();
        assert_eq!(plan.key, "offline-mode");
        assert_eq!(plan.count(ItemKind::Epic), 2);
        assert_eq!(plan.count(ItemKind::Story), 4);
        assert_eq!(plan.count(ItemKind::Task), 9);
        assert_eq!(plan.dependency_count(), 10);
        let mut fields: Vec<&String> = plan
            .items
            .iter()
            .flat_map(|item| item.fields.keys())
            .chain(plan.defaults.fields.keys())
            .collect();
        fields.sort();
        fields.dedup();
        let expected = [
            "Estimate",
            "Iteration",
            "Notes",
            "Priority",
            "Size",
            "Start date",
            "Status",
        ];
        assert_eq!(fields, expected);
    }
}
