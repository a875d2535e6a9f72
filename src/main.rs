//! The `planpilot` binary: a thin command-line front over the library. It parses arguments,
//! sets up logging and the async runtime, and hands over to `planpilot::action::commands`.

use std::process::ExitCode;

use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use planpilot::action::commands::{self, Exit};
use planpilot::action::inputs::{flags_from_matches, input_args, Env, Flags};

/// Keep a plan file (epics → stories → tasks, with dependencies) in sync with GitHub Issues
/// and a Projects v2 board.
///
/// Exit codes: 0 success, 1 sync failed part-way (re-run resumes), 2 invalid plan or input.
/// Under GitHub Actions (GITHUB_ACTIONS=true) with no command, runs `sync`.
#[derive(Parser)]
#[command(name = "planpilot", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check a plan file: a one-line summary, or every problem as PATH:LINE:COL: message.
    Validate {
        /// The plan file (also INPUT_PLAN-FILE) [default: plan.yaml]
        #[arg(long, value_name = "PATH")]
        plan_file: Option<String>,
    },
    /// Make GitHub match the plan (or preview it with --dry-run). Every input of the action is
    /// a flag here, and is also read from its INPUT_<NAME> variable.
    Sync(SyncArgs),
    /// Write a plan from issues that already exist: the selected issues with their sub-issue
    /// trees, blocked-by links, types, labels, assignees, milestone and board values, every
    /// item bound to its issue (`issue:`) so the first sync adopts them. Reads only. The token
    /// comes from GITHUB_TOKEN; GITHUB_API_URL and GITHUB_GRAPHQL_URL are honoured as by `sync`.
    /// Selectors can be repeated and combined; an issue any of them names is imported.
    Import {
        /// The repository, OWNER/NAME [default: GITHUB_REPOSITORY]
        #[arg(long, value_name = "OWNER/REPO")]
        repository: Option<String>,
        /// Import the issues carrying this label
        #[arg(long, value_name = "LABEL")]
        label: Vec<String>,
        /// Import the issues of the milestone with this title
        #[arg(long, value_name = "TITLE")]
        milestone: Vec<String>,
        /// Import the issues on this Projects v2 board, and every imported issue's field values
        /// on it
        #[arg(long, value_name = "URL")]
        project_url: Option<String>,
        /// Import this issue and the sub-issue tree below it
        #[arg(long, value_name = "NUMBER")]
        root: Vec<u64>,
        /// Where to write the plan; `-` (the default) is standard output
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
}

/// The action's inputs as flags (built from the one input list), plus `--json`.
struct SyncArgs {
    flags: Flags,
    json: bool,
}

impl FromArgMatches for SyncArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<SyncArgs, clap::Error> {
        Ok(SyncArgs {
            flags: flags_from_matches(matches),
            json: matches.get_flag("json"),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = SyncArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for SyncArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.args(input_args()).arg(
            clap::Arg::new("json")
                .long("json")
                .action(clap::ArgAction::SetTrue)
                .help("Print the result as JSON instead of a table"),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        SyncArgs::augment_args(cmd)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = Env::from_process();
    init_logging(&env);
    let exit = match cli.command {
        Some(Command::Validate { plan_file }) => {
            let flags: Flags = plan_file
                .map(|path| ("plan-file".to_string(), path))
                .into_iter()
                .collect();
            commands::mask_secrets(&flags, &env);
            commands::validate(&flags, &env)
        }
        Some(Command::Sync(args)) => run_sync(args, &env),
        None if env.is_actions() => run_sync(
            SyncArgs {
                flags: Flags::new(),
                json: false,
            },
            &env,
        ),
        Some(Command::Import {
            repository,
            label,
            milestone,
            project_url,
            root,
            output,
        }) => {
            let request = planpilot::action::import::ImportRequest {
                repository,
                labels: label,
                milestones: milestone,
                project_url,
                roots: root,
                output,
            };
            commands::mask_secrets(&Flags::new(), &env);
            with_runtime(planpilot::action::import::import(&request, &env))
        }
        None => {
            eprintln!("planpilot: no command given; see `planpilot --help`");
            Exit::Invalid
        }
    };
    ExitCode::from(exit.code())
}

fn run_sync(args: SyncArgs, env: &Env) -> Exit {
    commands::mask_secrets(&args.flags, env);
    with_runtime(commands::sync(&args.flags, args.json, env))
}

fn with_runtime(future: impl std::future::Future<Output = Exit>) -> Exit {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(future),
        Err(e) => {
            eprintln!("planpilot: cannot start the async runtime: {e}");
            Exit::SyncFailed
        }
    }
}

/// Log lines on stderr: planpilot's own at info (debug with `RUNNER_DEBUG=1`, the runner's
/// "debug logging" switch), others at warn. `PLANPILOT_LOG` overrides (env-filter syntax).
fn init_logging(env: &Env) {
    let default = if env.get("RUNNER_DEBUG") == Some("1") {
        "planpilot=debug,warn"
    } else {
        "planpilot=info,warn"
    };
    let filter = env
        .get("PLANPILOT_LOG")
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(!env.is_actions() && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
