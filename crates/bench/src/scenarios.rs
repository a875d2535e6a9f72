//! The benchmark scenarios of the issue, each a few syncs of generated plans against a fresh
//! fake, turned into table rows and target verdicts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::fake::{
    census, labels_in_use, repository_labels, Census, FakeKnobs, FakeServer, FakeStats,
};
use crate::floor::{self, Chain, Latency, Work};
use crate::generate::{generate, PlanFile, Shape};
use crate::run::{parse_report, run_sync, ReportSummary, SyncInputs};
use crate::table::{ratio, Row, Target};

/// The action's default `max-concurrency` (action.yml), used by the "default settings" runs.
pub const DEFAULT_CONCURRENCY: u64 = 5;

/// Where the measured binaries are.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub planpilot: PathBuf,
    pub fake: PathBuf,
}

impl Binaries {
    /// `planpilot` and `fake-github` from the directory of the running executable (cargo puts
    /// all of a workspace's binaries of one profile there).
    pub fn beside_current_exe() -> Result<Binaries> {
        let exe = std::env::current_exe().context("locating the bench binary")?;
        let dir = exe.parent().context("the bench binary has no directory")?;
        let binaries = Binaries {
            planpilot: dir.join("planpilot"),
            fake: dir.join("fake-github"),
        };
        for path in [&binaries.planpilot, &binaries.fake] {
            anyhow::ensure!(
                path.is_file(),
                "{} not found: build it first (scripts/bench.sh does)",
                path.display()
            );
        }
        Ok(binaries)
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The small smoke version: a tiny plan at low latency.
    pub quick: bool,
    /// Scenario numbers to run (1–7); empty means all.
    pub only: Vec<u32>,
    pub seed: u64,
    /// The latency model of scenarios 1–3, 5, 6 and 7.
    pub latency: Latency,
    /// The latency model of the scale scenario.
    pub scale_latency: Latency,
    /// Concurrency settings of the sweep.
    pub sweep: Vec<u64>,
    /// Scenario 5's arms: planpilot's adaptive back-off on (`true`) and/or off (`false`).
    pub backoff_arms: Vec<bool>,
}

impl Config {
    pub fn full() -> Config {
        Config {
            quick: false,
            only: Vec::new(),
            seed: 1,
            latency: Latency {
                request_ms: 100,
                mutation_ms: 100,
            },
            scale_latency: Latency {
                request_ms: 20,
                mutation_ms: 20,
            },
            sweep: vec![1, 2, 5, 10, 20],
            backoff_arms: vec![true, false],
        }
    }

    pub fn quick() -> Config {
        let five = Latency {
            request_ms: 5,
            mutation_ms: 5,
        };
        Config {
            quick: true,
            latency: five,
            scale_latency: five,
            sweep: vec![1, 5],
            ..Config::full()
        }
    }

    fn runs(&self, scenario: u32) -> bool {
        self.only.is_empty() || self.only.contains(&scenario)
    }

    /// Scenario 1's plan: 5 epics / 20 stories / 80 tasks (2 / 4 / 12 when quick).
    pub fn base_shape(&self) -> Shape {
        if self.quick {
            Shape {
                epics: 2,
                stories_per_epic: 2,
                tasks_per_story: 3,
            }
        } else {
            Shape {
                epics: 5,
                stories_per_epic: 4,
                tasks_per_story: 4,
            }
        }
    }

    /// Scenario 4's pair: 10× the items with the same fan-out.
    fn scale_shapes(&self) -> (Shape, Shape) {
        let per = if self.quick { 3 } else { 10 };
        let small = Shape {
            epics: 1,
            stories_per_epic: per,
            tasks_per_story: per,
        };
        (small, Shape { epics: 10, ..small })
    }
}

/// Everything a finished benchmark has to show.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rows: Vec<Row>,
    pub targets: Vec<Target>,
    /// Free-form findings printed under the table.
    pub notes: Vec<String>,
}

/// One sync, measured.
#[derive(Debug, Clone)]
pub struct Measured {
    pub row: Row,
    pub stats: FakeStats,
    pub report: Option<ReportSummary>,
    pub census: Census,
    pub exit_code: Option<i32>,
    /// Labels the plan's issues carry that the repository lacked before the run.
    pub labels_lacked: u64,
}

impl Measured {
    /// Exited 0 with no error in the report.
    pub fn completed(&self) -> bool {
        self.exit_code == Some(0) && self.report.as_ref().is_some_and(|r| r.errors.is_empty())
    }
}

/// One fake, one working directory: the context of consecutive syncs of one plan.
pub struct Session<'a> {
    bench: &'a Bench,
    fake: FakeServer,
    latency: Latency,
    scenario: String,
    /// Further inputs of every sync of the session, e.g. a switch under comparison.
    extra_env: Vec<(String, String)>,
}

/// Runs the scenarios.
pub struct Bench {
    binaries: Binaries,
    config: Config,
    dir: tempfile::TempDir,
}

impl Bench {
    pub fn new(binaries: Binaries, config: Config) -> Result<Bench> {
        Ok(Bench {
            binaries,
            config,
            dir: tempfile::tempdir().context("creating the bench directory")?,
        })
    }

    pub fn workdir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts a fresh fake with the latency model (and any further flags).
    pub fn session(
        &self,
        scenario: &str,
        latency: Latency,
        extra_args: Vec<String>,
    ) -> Result<Session<'_>> {
        let knobs = FakeKnobs {
            latency_ms: latency.request_ms,
            mutation_latency_ms: latency.mutation_ms,
            jitter_ms: 0,
            seed: self.config.seed,
            extra_args,
        };
        Ok(Session {
            bench: self,
            fake: FakeServer::spawn(&self.binaries.fake, &knobs)?,
            latency,
            scenario: scenario.to_string(),
            extra_env: Vec::new(),
        })
    }

    /// Runs every selected scenario and collects rows, targets and notes.
    pub fn run_all(&self) -> Result<Outcome> {
        let mut outcome = Outcome::default();
        let base = generate(self.config.base_shape(), self.config.seed);
        let mut sweep: Vec<(u64, Measured)> = Vec::new();
        if self.config.runs(1) || self.config.runs(2) || self.config.runs(3) {
            let default = self.first_sync_and_reruns(&base, &mut outcome)?;
            sweep.push((DEFAULT_CONCURRENCY, default));
        }
        if self.config.runs(1) || self.config.runs(6) {
            // Scenario 1 alone needs only the serial run to compare with.
            let settings = if self.config.runs(6) {
                self.config.sweep.clone()
            } else {
                vec![1]
            };
            for c in settings {
                if sweep.iter().any(|(done, _)| *done == c) {
                    continue;
                }
                let session = self.session("6 sweep", self.config.latency, Vec::new())?;
                let measured = session.sync(&base, "first", Some(c))?;
                sweep.push((c, measured));
            }
            sweep.sort_by_key(|(c, _)| *c);
            self.judge_speedup(&sweep, &mut outcome);
            if self.config.runs(6) {
                for (_, measured) in &sweep {
                    let mut row = measured.row.clone();
                    row.scenario = "6 sweep".to_string();
                    outcome.rows.push(row);
                }
            }
        }
        if self.config.runs(4) {
            self.scale(&mut outcome)?;
        }
        if self.config.runs(5) {
            self.secondary_limits(&base, &mut outcome)?;
        }
        if self.config.runs(7) {
            self.concurrency_cap(&base, &mut outcome)?;
        }
        Ok(outcome)
    }

    /// Scenarios 1–3 on one fake: first sync with default settings, unchanged re-run, re-run
    /// after one title edit. Returns the first sync for the sweep.
    fn first_sync_and_reruns(&self, base: &PlanFile, outcome: &mut Outcome) -> Result<Measured> {
        let session = self.session("1 first sync", self.config.latency, Vec::new())?;
        let first = session.sync(base, "first", None)?;
        outcome.rows.push(first.row.clone());
        judge_sync("1", &first, DEFAULT_CONCURRENCY, outcome);
        judge_minimum("1", base, &first, 0, outcome);
        if !self.config.quick {
            let wall = first.row.wall_ms;
            outcome.targets.push(Target::timing(
                "1: default settings ≤ 12 s on the 100 ms model",
                format!("{:.2} s", wall as f64 / 1000.0),
                wall <= 12_000,
            ));
        }
        let wall_over_floor = first.row.wall_over_floor();
        outcome.targets.push(Target::timing(
            "1: within 1.05× of the floor",
            format!("{wall_over_floor:.2}×"),
            wall_over_floor <= 1.05,
        ));
        outcome.notes.push(format!(
            "1: first sync wrote {:.2} mutations per item; by name: {:?}",
            first.row.mutations_per_item(),
            first.stats.mutations.by_name
        ));

        let session = session.renamed("2 re-run unchanged");
        let rerun = session.sync(base, "first", None)?;
        outcome.rows.push(rerun.row.clone());
        outcome.targets.push(Target::invariant(
            "2: unchanged re-run makes 0 mutations",
            rerun.row.mutations.to_string(),
            rerun.completed() && rerun.row.mutations == 0,
        ));
        outcome.targets.push(Target::timing(
            "2: unchanged re-run makes ≤ 3 requests",
            rerun.row.requests.to_string(),
            rerun.row.requests <= 3,
        ));

        let mut edited = base.clone();
        let task = edited.retitle_task(0).context("the plan has no task")?;
        let session = session.renamed("3 one title edited");
        let edit = session.sync(&edited, "edited", None)?;
        outcome.rows.push(edit.row.clone());
        outcome.targets.push(Target::invariant(
            format!("3: re-run after editing {task}'s title makes ≤ 2 mutations"),
            format!(
                "{} ({:?})",
                edit.row.mutations, edit.stats.mutations.by_name
            ),
            edit.completed() && (1..=2).contains(&edit.row.mutations),
        ));
        Ok(first)
    }

    /// Scenario 1's speed-up over `max-concurrency 1`, and the sweep's notes.
    fn judge_speedup(&self, sweep: &[(u64, Measured)], outcome: &mut Outcome) {
        let at = |c: u64| sweep.iter().find(|(s, _)| *s == c).map(|(_, m)| m);
        for (c, measured) in sweep {
            judge_sync(&format!("6 (c={c})"), measured, *c, outcome);
        }
        if let (Some(serial), Some(default)) = (at(1), at(DEFAULT_CONCURRENCY)) {
            let speedup = ratio(serial.row.wall_ms, default.row.wall_ms);
            outcome.targets.push(Target::timing(
                format!("1: ≥ 4.5× faster than max-concurrency 1 (c={DEFAULT_CONCURRENCY})"),
                format!("{speedup:.2}×"),
                speedup >= 4.5,
            ));
        }
        let summary: Vec<String> = sweep
            .iter()
            .map(|(c, m)| {
                format!(
                    "c={c}: {:.2} s, {} rate-limited",
                    m.row.wall_ms as f64 / 1000.0,
                    m.row.rate_limited
                )
            })
            .collect();
        outcome
            .notes
            .push(format!("6: sweep: {}", summary.join("; ")));
    }

    /// Scenario 4: 10× the items at 20 ms; time ratio, memory, and a re-run that must page
    /// through every issue to find them all.
    fn scale(&self, outcome: &mut Outcome) -> Result<()> {
        let (small_shape, large_shape) = self.config.scale_shapes();
        let small = generate(small_shape, self.config.seed);
        let large = generate(large_shape, self.config.seed);
        let small_run = self
            .session("4 scale", self.config.scale_latency, Vec::new())?
            .sync(&small, "scale-small", None)?;
        let session = self.session("4 scale", self.config.scale_latency, Vec::new())?;
        let large_run = session.sync(&large, "scale-large", None)?;
        let rerun = session
            .renamed("4 scale re-run")
            .sync(&large, "scale-large", None)?;
        for run in [&small_run, &large_run, &rerun] {
            outcome.rows.push(run.row.clone());
        }
        judge_sync("4 (small)", &small_run, DEFAULT_CONCURRENCY, outcome);
        judge_sync("4 (large)", &large_run, DEFAULT_CONCURRENCY, outcome);
        judge_minimum("4 (small)", &small, &small_run, 0, outcome);
        judge_minimum("4 (large)", &large, &large_run, 0, outcome);
        let items_ratio = ratio(large.item_count() as u64, small.item_count() as u64);
        let time_ratio = ratio(large_run.row.wall_ms, small_run.row.wall_ms);
        outcome.targets.push(Target::timing(
            format!("4: time grows linearly (ratio ≤ 12 for {items_ratio:.0}× the items)"),
            format!("{time_ratio:.2}"),
            time_ratio <= 12.0,
        ));
        let peak_kib = large_run.row.peak_rss_kib.max(rerun.row.peak_rss_kib);
        outcome.targets.push(Target::timing(
            "4: peak RSS ≤ 50 MB",
            format!("{:.1} MiB", peak_kib as f64 / 1024.0),
            peak_kib * 1024 <= 50_000_000,
        ));
        let pages = (large.item_count() as u64).div_ceil(floor::PAGE_SIZE);
        outcome.targets.push(Target::invariant(
            format!(
                "4: re-run of {} items pages through all of them (≥ {pages} reads, 0 mutations)",
                large.item_count()
            ),
            format!(
                "{} requests, {} mutations, {} duplicates",
                rerun.row.requests, rerun.row.mutations, rerun.census.duplicates
            ),
            rerun.completed()
                && rerun.row.requests >= pages
                && rerun.row.mutations == 0
                && rerun.census.duplicates == 0,
        ));
        Ok(())
    }

    /// Scenario 5: the fake's content-creation cap on, answered both ways GitHub does: a 403
    /// for the whole document (scenario 1's plan), and HTTP 200 with the creates that no longer
    /// fit refused one by one as "was submitted too quickly". Those answers carry no
    /// `retry-after`, so the client waits GitHub's advised minute per hit: that variant syncs
    /// the quick plan, and only in the full run. Each variant runs once per arm of
    /// `Config::backoff_arms` (planpilot's adaptive back-off on, off), each on a fresh fake.
    /// The full run adds one run with the cap's count per a whole minute (the window GitHub
    /// documents), on a plan of three windows' worth of creations.
    fn secondary_limits(&self, base: &PlanFile, outcome: &mut Outcome) -> Result<()> {
        let small = generate(Config::quick().base_shape(), self.config.seed);
        let mut variants = vec![(SecondaryCap::for_config(&self.config, false), base)];
        if !self.config.quick {
            variants.push((SecondaryCap::for_config(&self.config, true), &small));
        }
        for (cap, plan) in variants {
            let mut refusals = Vec::new();
            for &adaptive in &self.config.backoff_arms {
                let run = self.capped_sync(plan, cap, adaptive, outcome)?;
                refusals.push((adaptive, run.row.rate_limited));
            }
            if let [(true, with), (false, without)] = refusals[..] {
                outcome.targets.push(Target::timing(
                    format!(
                        "5 ({}): rate-limited with vs without adaptive back-off",
                        cap.answer()
                    ),
                    format!("with: {with}, without: {without}"),
                    with <= without,
                ));
            }
        }
        if !self.config.quick && self.config.backoff_arms.contains(&true) {
            let minute = SecondaryCap {
                window_secs: 60,
                ..SecondaryCap::for_config(&self.config, false)
            };
            let plan = generate(MINUTE_CAP_SHAPE, self.config.seed);
            self.capped_sync(&plan, minute, true, outcome)?;
        }
        Ok(())
    }

    /// One first sync of scenario 5 on a fresh capped fake, judged against the cap's floor.
    fn capped_sync(
        &self,
        plan: &PlanFile,
        cap: SecondaryCap,
        adaptive: bool,
        outcome: &mut Outcome,
    ) -> Result<Measured> {
        let arm = if adaptive { "" } else { ", no back-off" };
        let scenario = format!("5 content cap, {}{arm}", cap.label());
        let mut session = self.session(&scenario, self.config.latency, cap.fake_args())?;
        session
            .extra_env
            .push(("INPUT_ADAPTIVE-BACKOFF".to_string(), adaptive.to_string()));
        let mut run = session.sync(plan, "first", None)?;
        let creations = content_creations(&run.stats);
        let cap_floor = floor::cap_floor_ms(
            creations,
            cap.per_window,
            cap.window_ms(),
            self.config.latency,
        );
        run.row.floor_ms = run.row.floor_ms.max(cap_floor);
        run.row.lower_bound_ms = run.row.lower_bound_ms.max(cap_floor);
        outcome.rows.push(run.row.clone());
        let label = format!("5 ({}{arm})", cap.label());
        judge_sync(&label, &run, DEFAULT_CONCURRENCY, outcome);
        // A 403 refuses the whole request before it runs; "too quickly" answers run the
        // document and refuse its content-creating mutations one by one.
        let refused_mutations = if cap.graphql_answers {
            run.stats.secondary_limited
        } else {
            0
        };
        judge_minimum(&label, plan, &run, refused_mutations, outcome);
        if adaptive {
            // GitHub may ban an integration that keeps hitting its limits: refusals are a
            // cost, so their count is an invariant, not a timing.
            outcome.targets.push(Target::invariant(
                format!("{label}: refused ≤ {MAX_CONTENT_REFUSALS} times"),
                run.row.rate_limited.to_string(),
                run.row.rate_limited <= MAX_CONTENT_REFUSALS,
            ));
        }
        // Without `retry-after` the client waits GitHub's advised minute once before it paces.
        let advised = if cap.graphql_answers { 60_000 } else { 0 };
        let over = run.row.wall_ms as f64 / (run.row.floor_ms + advised).max(1) as f64;
        let wait = if advised > 0 {
            " plus one advised minute"
        } else {
            ""
        };
        outcome.targets.push(Target::timing(
            format!(
                "{label}: within {CAP_FLOOR_TARGET}× of the cap's floor{wait} ({creations} \
                 creations, {} per {} s)",
                cap.per_window, cap.window_secs
            ),
            format!(
                "{over:.2}× ({} rate-limited, {} retries)",
                run.row.rate_limited, run.row.retries
            ),
            over <= CAP_FLOOR_TARGET,
        ));
        Ok(run)
    }
}

/// Scenario 7's server: GitHub refusing more than this many requests in flight (a secondary
/// limit, 403 with `retry-after`).
pub const ACCEPTED_CONCURRENCY: u64 = 2;

/// `retry-after` of scenario 7's refusals, in seconds: short, so the run's time shows the
/// client's behaviour rather than one minute-long wait.
const CAP_RETRY_AFTER_SECS: u64 = 1;

/// Refusals a run may meet from scenario 7's server before the back-off counts as not
/// settling: the first burst at the default setting and one probe of the level above.
pub const MAX_CAP_REFUSALS: u64 = 5;

impl Bench {
    /// Scenario 7: a server that refuses more than `ACCEPTED_CONCURRENCY` requests in flight,
    /// synced with the default `max-concurrency` and, on a fresh fake, with the right setting.
    /// The adaptive back-off must settle: a handful of refusals (an invariant) and a run within
    /// 1.5× of the one started with the right setting (a timing target).
    fn concurrency_cap(&self, base: &PlanFile, outcome: &mut Outcome) -> Result<()> {
        let args = vec![
            "--max-concurrent".to_string(),
            ACCEPTED_CONCURRENCY.to_string(),
            "--retry-after-secs".to_string(),
            CAP_RETRY_AFTER_SECS.to_string(),
        ];
        let default_run = self
            .session("7 concurrency cap", self.config.latency, args.clone())?
            .sync(base, "first", None)?;
        outcome.rows.push(default_run.row.clone());
        judge_sync("7 (c=5)", &default_run, DEFAULT_CONCURRENCY, outcome);
        judge_minimum("7 (c=5)", base, &default_run, 0, outcome);
        let right = self
            .session("7 concurrency cap", self.config.latency, args)?
            .sync(base, "first", Some(ACCEPTED_CONCURRENCY))?;
        outcome.rows.push(right.row.clone());
        judge_sync("7 (c=2)", &right, ACCEPTED_CONCURRENCY, outcome);
        let refused = default_run.row.rate_limited;
        outcome.targets.push(Target::invariant(
            format!(
                "7: c={DEFAULT_CONCURRENCY} against a server accepting {ACCEPTED_CONCURRENCY} \
                 at once is refused ≤ {MAX_CAP_REFUSALS} times"
            ),
            refused.to_string(),
            refused <= MAX_CAP_REFUSALS,
        ));
        let over = ratio(default_run.row.wall_ms, right.row.wall_ms);
        outcome.targets.push(Target::timing(
            format!("7: within 1.5× of a run set to c={ACCEPTED_CONCURRENCY}"),
            format!(
                "{over:.2}× ({:.2} s / {:.2} s; {refused} refusals, {} with c={ACCEPTED_CONCURRENCY})",
                default_run.row.wall_ms as f64 / 1000.0,
                right.row.wall_ms as f64 / 1000.0,
                right.row.rate_limited
            ),
            over <= 1.5,
        ));
        Ok(())
    }
}

/// Refusals a content-capped first sync may meet (scenario 5): the first burst's, before
/// planpilot has learned the cap.
pub const MAX_CONTENT_REFUSALS: u64 = 3;

/// Scenario 5's timing target: wall time over the cap's floor.
const CAP_FLOOR_TARGET: f64 = 1.2;

/// Scenario 5's plan for the cap per minute: 32 items, three windows' worth of creations.
const MINUTE_CAP_SHAPE: Shape = Shape {
    epics: 2,
    stories_per_epic: 3,
    tasks_per_story: 4,
};

/// The content-creation cap of scenario 5: GitHub's reported ~20 issue creations per minute,
/// compressed in time (the same count per a shorter window, `retry-after` one window) so the
/// scenario takes about a minute instead of ten.
#[derive(Debug, Clone, Copy)]
pub struct SecondaryCap {
    pub per_window: u64,
    pub window_secs: u64,
    /// Refuse with HTTP 200 and per-mutation "was submitted too quickly" errors (the creates
    /// that still fit apply) instead of a 403 for the whole document.
    pub graphql_answers: bool,
}

impl SecondaryCap {
    fn for_config(config: &Config, graphql_answers: bool) -> SecondaryCap {
        let (per_window, window_secs) = if config.quick { (10, 1) } else { (20, 5) };
        SecondaryCap {
            per_window,
            window_secs,
            graphql_answers,
        }
    }

    /// The variant's name in tables: how GitHub answers, and the window when not the usual.
    fn label(&self) -> String {
        let usual = SecondaryCap::for_config(&Config::full(), self.graphql_answers).window_secs;
        if self.window_secs == usual || self.window_secs == 1 {
            self.answer().to_string()
        } else {
            format!("{}, {} s window", self.answer(), self.window_secs)
        }
    }

    fn answer(&self) -> &'static str {
        if self.graphql_answers {
            "200 too quickly"
        } else {
            "403"
        }
    }

    fn window_ms(&self) -> u64 {
        self.window_secs * 1000
    }

    fn fake_args(&self) -> Vec<String> {
        let mut args = [
            "--content-limit",
            &self.per_window.to_string(),
            "--content-window-secs",
            &self.window_secs.to_string(),
            "--retry-after-secs",
            &self.window_secs.to_string(),
        ]
        .map(str::to_string)
        .to_vec();
        if self.graphql_answers {
            args.push("--content-limit-graphql".to_string());
        }
        args
    }
}

/// Mutations the fake counts against the content-creation cap.
fn content_creations(stats: &FakeStats) -> u64 {
    const CREATING: [&str; 4] = ["createIssue", "addSubIssue", "addBlockedBy", "createLabel"];
    CREATING
        .iter()
        .filter_map(|name| stats.mutations.by_name.get(*name))
        .sum()
}

/// The writes a first sync of `plan` cannot do without: one `createIssue` per item (type,
/// labels, parent and card in it), one write per board field value, one per blocked-by link
/// the plan implies, and the labels the repository lacked.
pub fn first_sync_minimum(plan: &PlanFile, labels_lacked: u64) -> u64 {
    (plan.item_count() + plan.field_count() + plan.implied_link_count()) as u64 + labels_lacked
}

/// A first sync writes at most 2% above its minimum (an invariant: the count does not depend
/// on the machine). `refused` mutations were turned away one by one as "submitted too
/// quickly" (HTTP 200): GitHub wrote nothing for them, and their count is judged on its own.
fn judge_minimum(
    label: &str,
    plan: &PlanFile,
    run: &Measured,
    refused: u64,
    outcome: &mut Outcome,
) {
    let minimum = first_sync_minimum(plan, run.labels_lacked);
    let written = run.stats.mutations.total.saturating_sub(refused);
    outcome.targets.push(Target::invariant(
        format!("{label}: first sync writes ≤ 2% above the plan's minimum"),
        format!(
            "{written} written, minimum {minimum} ({} items + {} field values + {} links + {} labels)",
            plan.item_count(),
            plan.field_count(),
            plan.implied_link_count(),
            run.labels_lacked
        ),
        written * 100 <= minimum * 102,
    ));
}

/// The invariants every sync must hold: completes, every item has exactly one issue, the
/// concurrency bound held.
fn judge_sync(label: &str, run: &Measured, concurrency: u64, outcome: &mut Outcome) {
    let errors = run
        .report
        .as_ref()
        .map(|r| r.errors.len().to_string())
        .unwrap_or_else(|| "no report".to_string());
    let items = run.row.items as usize;
    let issues_ok = run.census.items == items;
    outcome.targets.push(Target::invariant(
        format!("{label}: completes with one issue per item, 0 duplicates"),
        format!(
            "exit {:?}, errors {errors}, {} issues claim {} of {items} items, {} duplicates",
            run.exit_code, run.census.managed, run.census.items, run.census.duplicates
        ),
        run.completed() && issues_ok && run.census.duplicates == 0,
    ));
    outcome.targets.push(Target::invariant(
        format!("{label}: max in flight ≤ {concurrency}"),
        run.stats.max_in_flight.to_string(),
        run.stats.max_in_flight <= concurrency,
    ));
}

impl<'a> Session<'a> {
    /// The same fake and state, reported under another scenario name.
    pub fn renamed(self, scenario: &str) -> Session<'a> {
        Session {
            scenario: scenario.to_string(),
            ..self
        }
    }

    /// Writes the plan to `<name>.yaml`, syncs it with `concurrency` (unset: the default), and
    /// measures the run from the fake's counters and planpilot's report.
    pub fn sync(&self, plan: &PlanFile, name: &str, concurrency: Option<u64>) -> Result<Measured> {
        let workdir = self.bench.workdir();
        let plan_file = workdir.join(format!("{name}.yaml"));
        std::fs::write(&plan_file, plan.to_yaml()?)
            .with_context(|| format!("writing {}", plan_file.display()))?;
        let state_before = self.fake.state()?;
        let existing = census(&state_before, &plan.id).managed as u64;
        let labels_before = repository_labels(&state_before);
        self.fake.reset_stats()?;
        let before = self.fake.stats()?;
        let inputs = SyncInputs {
            plan_file,
            max_concurrency: concurrency,
            max_wait: Some("10m".to_string()),
            extra_env: self.extra_env.clone(),
            ..SyncInputs::default()
        };
        let setting = concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        eprintln!(
            "bench: {} ({} items, c={setting}, {}+{} ms)...",
            self.scenario,
            plan.item_count(),
            self.latency.request_ms,
            self.latency.mutation_ms
        );
        let child = run_sync(
            &self.bench.binaries.planpilot,
            &inputs,
            &self.fake.url,
            workdir,
        )?;
        let stats = self.fake.stats()?.since(&before);
        let report = match parse_report(&child.stdout) {
            Ok(report) => Some(report),
            Err(error) => {
                eprintln!(
                    "bench: no report ({error:#}); stderr:\n{}",
                    tail(&child.stderr)
                );
                None
            }
        };
        if child.exit_code != Some(0) {
            eprintln!(
                "bench: planpilot exited {:?}:\n{}",
                child.exit_code,
                tail(&child.stderr)
            );
        }
        let state_after = self.fake.state()?;
        let census = census(&state_after, &plan.id);
        let labels_lacked = labels_in_use(&state_after, &plan.id)
            .difference(&labels_before)
            .count() as u64;
        let work = Work {
            requests: stats.requests,
            mutations: stats.mutations.total,
        };
        let chain = Chain::derive(existing, plan_depth(plan), &stats.mutations.by_name);
        let row = Row {
            scenario: self.scenario.clone(),
            setting: format!(
                "c={setting}{}, {}+{} ms",
                if concurrency.is_none() {
                    " (default)"
                } else {
                    ""
                },
                self.latency.request_ms,
                self.latency.mutation_ms
            ),
            items: plan.item_count() as u64,
            wall_ms: u64::try_from(child.wall.as_millis()).unwrap_or(u64::MAX),
            requests: stats.requests,
            mutations: stats.mutations.total,
            max_in_flight: stats.max_in_flight,
            concurrency: setting,
            rate_limited: stats.limited(),
            retries: report.as_ref().map_or(0, ReportSummary::retries),
            peak_rss_kib: child.peak_rss_kib,
            floor_ms: floor::floor_ms(work, chain, self.latency, setting),
            lower_bound_ms: floor::lower_bound_ms(work, chain, self.latency, setting),
        };
        Ok(Measured {
            row,
            stats,
            report,
            census,
            exit_code: child.exit_code,
            labels_lacked,
        })
    }
}

/// Levels of the hierarchy that a first sync creates one after another.
fn plan_depth(plan: &PlanFile) -> u64 {
    let has_stories = plan.epics.iter().any(|e| !e.stories.is_empty());
    let has_tasks = plan.tasks().next().is_some();
    u64::from(!plan.epics.is_empty()) + u64::from(has_stories) + u64::from(has_tasks)
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_config_is_small_and_fast() {
        let quick = Config::quick();
        assert!(quick.base_shape().items() < 30);
        assert!(quick.latency.request_ms <= 10);
        let full = Config::full();
        assert_eq!(full.base_shape().items(), 105);
        let (small, large) = full.scale_shapes();
        assert_eq!((small.items(), large.items()), (111, 1_110));
        assert_eq!(large.tasks(), 1_000);
        assert_eq!(large.stories(), 100);
    }

    #[test]
    fn selection_defaults_to_everything() {
        let mut config = Config::full();
        assert!((1..=7).all(|s| config.runs(s)));
        config.only = vec![4];
        assert!(config.runs(4) && !config.runs(1));
    }

    #[test]
    fn depth_counts_levels_present() {
        let full = generate(Config::full().base_shape(), 1);
        assert_eq!(plan_depth(&full), 3);
        let epics_only = generate(
            Shape {
                epics: 2,
                stories_per_epic: 0,
                tasks_per_story: 0,
            },
            1,
        );
        assert_eq!(plan_depth(&epics_only), 1);
    }

    #[test]
    fn completed_needs_exit_zero_and_no_errors() {
        let mut run = Measured {
            row: Row::default(),
            stats: FakeStats::default(),
            report: Some(ReportSummary::default()),
            census: Census::default(),
            exit_code: Some(0),
            labels_lacked: 0,
        };
        assert!(run.completed());
        run.report
            .as_mut()
            .unwrap()
            .errors
            .push("T1: boom".to_string());
        assert!(!run.completed());
        run.report = None;
        assert!(!run.completed());
    }

    #[test]
    fn invariants_fail_on_duplicates_and_excess_concurrency() {
        let run = Measured {
            row: Row {
                items: 2,
                ..Row::default()
            },
            stats: FakeStats {
                max_in_flight: 6,
                ..FakeStats::default()
            },
            report: Some(ReportSummary::default()),
            census: Census {
                managed: 3,
                items: 2,
                duplicates: 1,
            },
            exit_code: Some(0),
            labels_lacked: 0,
        };
        let mut outcome = Outcome::default();
        judge_sync("x", &run, 5, &mut outcome);
        assert_eq!(outcome.targets.len(), 2);
        assert!(outcome.targets.iter().all(|t| t.invariant && !t.met));
    }

    #[test]
    fn writes_above_the_minimum_fail_the_invariant() {
        let plan = generate(
            Shape {
                epics: 1,
                stories_per_epic: 1,
                tasks_per_story: 2,
            },
            1,
        );
        let minimum = first_sync_minimum(&plan, 1);
        let run = |total: u64| Measured {
            row: Row::default(),
            stats: FakeStats {
                mutations: crate::fake::MutationStats {
                    total,
                    ..Default::default()
                },
                ..FakeStats::default()
            },
            report: Some(ReportSummary::default()),
            census: Census::default(),
            exit_code: Some(0),
            labels_lacked: 1,
        };
        let mut outcome = Outcome::default();
        judge_minimum("x", &plan, &run(minimum), 0, &mut outcome);
        judge_minimum(
            "x",
            &plan,
            &run(minimum + 1 + minimum / 50),
            0,
            &mut outcome,
        );
        // Refused mutations are not writes: the same count minus them meets the minimum.
        judge_minimum("x", &plan, &run(minimum + 3), 3, &mut outcome);
        let met: Vec<bool> = outcome.targets.iter().map(|t| t.met).collect();
        assert_eq!(met, [true, false, true]);
    }
}
