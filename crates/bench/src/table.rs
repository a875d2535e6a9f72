//! The results table and the list of targets, as aligned text (terminal) or Markdown.

use std::fmt::Write;

/// One measured run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub scenario: String,
    /// E.g. `c=5` or `c=1, 20 ms`.
    pub setting: String,
    pub items: u64,
    pub wall_ms: u64,
    pub requests: u64,
    pub mutations: u64,
    pub max_in_flight: u64,
    pub concurrency: u64,
    pub rate_limited: u64,
    pub retries: u64,
    pub peak_rss_kib: u64,
    /// `W / c + (1 − 1/c) · P` (see `floor`).
    pub floor_ms: u64,
    /// `max(W / c, P)`.
    pub lower_bound_ms: u64,
}

impl Row {
    pub fn mutations_per_item(&self) -> f64 {
        ratio(self.mutations, self.items)
    }

    pub fn wall_over_floor(&self) -> f64 {
        ratio(self.wall_ms, self.floor_ms)
    }
}

/// One target of the benchmark issue and whether this run met it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    pub measured: String,
    pub met: bool,
    /// Correctness (completes, no duplicates, bound held...), as opposed to a timing target:
    /// a missed invariant fails the benchmark command; a missed timing target is only reported.
    pub invariant: bool,
}

impl Target {
    pub fn timing(name: impl Into<String>, measured: impl Into<String>, met: bool) -> Target {
        Target {
            name: name.into(),
            measured: measured.into(),
            met,
            invariant: false,
        }
    }

    pub fn invariant(name: impl Into<String>, measured: impl Into<String>, met: bool) -> Target {
        Target {
            invariant: true,
            ..Target::timing(name, measured, met)
        }
    }
}

pub fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.2}", ms as f64 / 1000.0)
}

const HEADER: [&str; 14] = [
    "scenario",
    "setting",
    "items",
    "wall s",
    "requests",
    "mutations",
    "mut/item",
    "max in flight",
    "rate-limited",
    "retries",
    "peak RSS MiB",
    "floor s",
    "wall/floor",
    "lower bound s",
];

fn cells(row: &Row) -> [String; 14] {
    [
        row.scenario.clone(),
        row.setting.clone(),
        row.items.to_string(),
        seconds(row.wall_ms),
        row.requests.to_string(),
        row.mutations.to_string(),
        format!("{:.2}", row.mutations_per_item()),
        format!("{}/{}", row.max_in_flight, row.concurrency),
        row.rate_limited.to_string(),
        row.retries.to_string(),
        format!("{:.1}", row.peak_rss_kib as f64 / 1024.0),
        seconds(row.floor_ms),
        format!("{:.2}", row.wall_over_floor()),
        seconds(row.lower_bound_ms),
    ]
}

/// Columns padded to their widest cell.
pub fn render_text(rows: &[Row]) -> String {
    let body: Vec<[String; 14]> = rows.iter().map(cells).collect();
    let mut widths = HEADER.map(str::len);
    for row in &body {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = HEADER.map(str::to_string);
    for row in std::iter::once(&header).chain(&body) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

pub fn render_markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", HEADER.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(HEADER.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", cells(row).join(" | "));
    }
    out
}

pub fn render_targets(targets: &[Target], markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "| target | measured | met |\n|---|---|---|");
    }
    for target in targets {
        let verdict = if target.met { "met" } else { "NOT MET" };
        if markdown {
            let _ = writeln!(out, "| {} | {} | {verdict} |", target.name, target.measured);
        } else {
            let _ = writeln!(out, "[{verdict:^7}] {}: {}", target.name, target.measured);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            scenario: "1 first sync".to_string(),
            setting: "c=5".to_string(),
            items: 105,
            wall_ms: 12_345,
            requests: 300,
            mutations: 420,
            max_in_flight: 5,
            concurrency: 5,
            rate_limited: 0,
            retries: 1,
            peak_rss_kib: 10_240,
            floor_ms: 10_000,
            lower_bound_ms: 9_000,
        }
    }

    #[test]
    fn derived_columns() {
        let row = row();
        assert!((row.mutations_per_item() - 4.0).abs() < 1e-9);
        assert!((row.wall_over_floor() - 1.2345).abs() < 1e-9);
        assert_eq!(ratio(1, 0), 0.0);
    }

    #[test]
    fn text_table_aligns_columns() {
        let text = render_text(&[row()]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("scenario"));
        let column = lines[0].find("wall s").unwrap();
        assert_eq!(&lines[1][column..column + 5], "12.35");
        assert!(lines[1].contains("5/5"));
        assert!(lines[1].contains("10.0"));
        assert!(lines[1].contains("1.23"));
    }

    #[test]
    fn markdown_table_has_a_row_per_run() {
        let md = render_markdown(&[row(), row()]);
        assert_eq!(md.lines().count(), 4);
        assert!(md.lines().all(|l| l.starts_with('|') && l.ends_with('|')));
        assert_eq!(md.lines().next().unwrap().matches('|').count(), 15);
    }

    #[test]
    fn targets_show_their_verdict() {
        let targets = [
            Target::invariant("re-run: 0 mutations", "0", true),
            Target::timing("≤ 15 s", "16.2 s", false),
        ];
        let text = render_targets(&targets, false);
        assert!(text.contains("[  met  ] re-run: 0 mutations: 0"));
        assert!(text.contains("[NOT MET] ≤ 15 s: 16.2 s"));
        let md = render_targets(&targets, true);
        assert!(md.contains("| ≤ 15 s | 16.2 s | NOT MET |"));
    }
}
