//! `planpilot-bench`: runs the benchmark scenarios and prints the results table.
//!
//! Exit code 0 when every invariant held (timing targets are reported, not enforced: machines
//! are noisy), 1 when one did not, 2 when the harness itself could not run.

use std::process::ExitCode;

use clap::Parser;
use planpilot_bench::floor::Latency;
use planpilot_bench::generate::{generate, Shape};
use planpilot_bench::scenarios::{Bench, Binaries, Config};
use planpilot_bench::table::{render_markdown, render_targets, render_text};

/// Benchmarks planpilot's sync against fake-github's latency model.
#[derive(Debug, Parser)]
#[command(name = "planpilot-bench")]
struct Args {
    /// The smoke version: a small plan at 5 ms latency.
    #[arg(long)]
    quick: bool,
    /// Run only these scenarios (1–7; repeat the flag). Default: all.
    #[arg(long = "scenario", value_parser = clap::value_parser!(u32).range(1..=7))]
    scenarios: Vec<u32>,
    /// Seed of the generated plans and of the fake.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency per request of scenarios 1–3, 5–7 (default 100, or 5 with --quick).
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Latency per mutation of scenarios 1–3, 5–7 (default 100, or 5 with --quick).
    #[arg(long)]
    mutation_latency_ms: Option<u64>,
    /// Scenario 5's runs: with planpilot's adaptive back-off (`on`), without it (`off`), or
    /// both, to compare the rate-limited answers.
    #[arg(long, value_enum, default_value = "both")]
    backoff: BackoffArms,
    /// Print Markdown tables (for BENCHMARKS.md) instead of aligned text.
    #[arg(long)]
    markdown: bool,
    /// Only print the generated plan of this shape (EPICS,STORIES_PER_EPIC,TASKS_PER_STORY,
    /// e.g. 5,4,4) with --seed, to sync or inspect by hand.
    #[arg(long, value_name = "E,S,T", value_parser = parse_shape)]
    emit_plan: Option<Shape>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BackoffArms {
    On,
    Off,
    Both,
}

fn parse_shape(text: &str) -> Result<Shape, String> {
    let numbers: Vec<usize> = text
        .split(',')
        .map(|n| n.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("expected three numbers like 5,4,4: {e}"))?;
    match numbers.as_slice() {
        &[epics, stories_per_epic, tasks_per_story] => Ok(Shape {
            epics,
            stories_per_epic,
            tasks_per_story,
        }),
        _ => Err("expected three numbers like 5,4,4".to_string()),
    }
}

impl Args {
    fn config(&self) -> Config {
        let mut config = if self.quick {
            Config::quick()
        } else {
            Config::full()
        };
        config.only = self.scenarios.clone();
        config.backoff_arms = match self.backoff {
            BackoffArms::On => vec![true],
            BackoffArms::Off => vec![false],
            BackoffArms::Both => vec![true, false],
        };
        config.seed = self.seed;
        config.latency = Latency {
            request_ms: self.latency_ms.unwrap_or(config.latency.request_ms),
            mutation_ms: self
                .mutation_latency_ms
                .unwrap_or(config.latency.mutation_ms),
        };
        config
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(shape) = args.emit_plan {
        return match generate(shape, args.seed).to_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("planpilot-bench: {error:#}");
                ExitCode::from(2)
            }
        };
    }
    let outcome = Binaries::beside_current_exe()
        .and_then(|binaries| Bench::new(binaries, args.config()))
        .and_then(|bench| bench.run_all());
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("planpilot-bench: {error:#}");
            return ExitCode::from(2);
        }
    };
    if args.markdown {
        println!("{}", render_markdown(&outcome.rows));
    } else {
        println!("{}", render_text(&outcome.rows));
    }
    println!("{}", render_targets(&outcome.targets, args.markdown));
    for note in &outcome.notes {
        println!("- {note}");
    }
    if outcome.targets.iter().any(|t| t.invariant && !t.met) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
