//! Workflow commands: the `::name props::message` lines the runner reads from a step's stdout
//! (annotations, log groups, secret masks), with the runner's escaping rules.
//!
//! The formatting functions are pure (they return the line); `Annotator` writes them and keeps
//! to the runner's display cap so that the eleventh error is not silently lost.

use std::io::{self, Write};

/// How many annotations of one level the runner shows per step; more are dropped by it.
pub const ANNOTATION_CAP: usize = 10;

/// Escapes a command's message: `%`, `\r`, `\n`.
pub fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value: as a message, plus `:` and `,` (the separators).
pub fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

/// Severity of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation: a message, optionally attached to a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Annotation {
    pub message: String,
    pub title: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub col: Option<usize>,
}

impl Annotation {
    pub fn new(message: impl Into<String>) -> Annotation {
        Annotation {
            message: message.into(),
            ..Annotation::default()
        }
    }

    pub fn title(mut self, title: impl Into<String>) -> Annotation {
        self.title = Some(title.into());
        self
    }

    pub fn at(mut self, file: impl Into<String>, line: usize, col: usize) -> Annotation {
        self.file = Some(file.into());
        // 0 means "unknown" in a location; the runner wants positive numbers or nothing.
        self.line = (line > 0).then_some(line);
        self.col = (col > 0).then_some(col);
        self
    }

    /// The workflow command line, e.g. `::error file=plan.yaml,line=3,col=5::message`.
    pub fn to_command(&self, level: Level) -> String {
        let mut props = Vec::new();
        if let Some(file) = &self.file {
            props.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            props.push(format!("line={line}"));
        }
        if let Some(col) = self.col {
            props.push(format!("col={col}"));
        }
        if let Some(title) = &self.title {
            props.push(format!("title={}", escape_property(title)));
        }
        let props = if props.is_empty() {
            String::new()
        } else {
            format!(" {}", props.join(","))
        };
        format!(
            "::{}{}::{}",
            level.command(),
            props,
            escape_data(&self.message)
        )
    }
}

/// `::error …::message` (toolkit's `core.error`).
pub fn error(annotation: &Annotation) -> String {
    annotation.to_command(Level::Error)
}

/// `::warning …::message` (toolkit's `core.warning`).
pub fn warning(annotation: &Annotation) -> String {
    annotation.to_command(Level::Warning)
}

/// `::notice …::message` (toolkit's `core.notice`).
pub fn notice(annotation: &Annotation) -> String {
    annotation.to_command(Level::Notice)
}

/// `::group::NAME`: starts a collapsible section of the log.
pub fn group(name: &str) -> String {
    format!("::group::{}", escape_data(name))
}

/// `::endgroup::`: ends the current section.
pub fn endgroup() -> String {
    "::endgroup::".to_string()
}

/// `::add-mask::VALUE` (toolkit's `setSecret`): the runner replaces VALUE by `***` in the log
/// from then on. Each line of a multi-line secret is masked on its own, as the runner matches
/// line by line.
pub fn add_mask(secret: &str) -> Vec<String> {
    secret
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| format!("::add-mask::{}", escape_data(line)))
        .collect()
}

/// Writes annotations, at most `ANNOTATION_CAP` per level; the rest are printed as plain log
/// lines and summarised by one notice at `finish`, so nothing disappears without a trace.
pub struct Annotator<W: Write> {
    out: W,
    shown: [usize; 3],
    held_back: [usize; 3],
}

impl<W: Write> Annotator<W> {
    pub fn new(out: W) -> Annotator<W> {
        Annotator {
            out,
            shown: [0; 3],
            held_back: [0; 3],
        }
    }

    fn slot(level: Level) -> usize {
        match level {
            Level::Error => 0,
            Level::Warning => 1,
            Level::Notice => 2,
        }
    }

    pub fn emit(&mut self, level: Level, annotation: &Annotation) -> io::Result<()> {
        let slot = Self::slot(level);
        if self.shown[slot] < ANNOTATION_CAP {
            self.shown[slot] += 1;
            writeln!(self.out, "{}", annotation.to_command(level))
        } else {
            self.held_back[slot] += 1;
            writeln!(self.out, "{}: {}", level.command(), annotation.message)
        }
    }

    /// Notes how many annotations were printed as plain lines instead. Returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        for level in [Level::Error, Level::Warning, Level::Notice] {
            let held = self.held_back[Self::slot(level)];
            if held > 0 {
                let note = Annotation::new(format!(
                    "{held} more {}(s) not annotated (GitHub shows {ANNOTATION_CAP} per step); \
                     see the log for all of them",
                    level.command()
                ));
                writeln!(self.out, "{}", note.to_command(Level::Notice))?;
            }
        }
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_messages_and_properties() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(escape_property("a: b, c%\n"), "a%3A b%2C c%25%0A");
    }

    #[test]
    fn formats_an_annotation_with_location_and_title() {
        let line = Annotation::new("task T-7 depends on T-99\nwhich is missing")
            .at("plans/q1,v2.yaml", 14, 9)
            .title("planpilot: invalid plan")
            .to_command(Level::Error);
        assert_eq!(
            line,
            "::error file=plans/q1%2Cv2.yaml,line=14,col=9,title=planpilot%3A invalid plan::\
             task T-7 depends on T-99%0Awhich is missing"
        );
    }

    #[test]
    fn formats_a_bare_annotation_and_drops_unknown_positions() {
        assert_eq!(
            Annotation::new("x").to_command(Level::Warning),
            "::warning::x"
        );
        assert_eq!(
            Annotation::new("x")
                .at("p.yaml", 0, 0)
                .to_command(Level::Notice),
            "::notice file=p.yaml::x"
        );
    }

    #[test]
    fn one_function_per_level() {
        let a = Annotation::new("m").at("f.yaml", 2, 0);
        assert_eq!(error(&a), "::error file=f.yaml,line=2::m");
        assert_eq!(warning(&a), "::warning file=f.yaml,line=2::m");
        assert_eq!(notice(&a), "::notice file=f.yaml,line=2::m");
    }

    #[test]
    fn groups_and_masks() {
        assert_eq!(group("tasks 100%"), "::group::tasks 100%25");
        assert_eq!(endgroup(), "::endgroup::");
        assert_eq!(add_mask("ghp_abc%"), vec!["::add-mask::ghp_abc%25"]);
        assert_eq!(
            add_mask("line1\nline2\n"),
            vec!["::add-mask::line1", "::add-mask::line2"]
        );
        assert!(add_mask("").is_empty());
    }

    #[test]
    fn caps_annotations_per_level_and_notes_the_rest() {
        let mut annotator = Annotator::new(Vec::new());
        for i in 0..13 {
            annotator
                .emit(Level::Error, &Annotation::new(format!("problem {i}")))
                .unwrap();
        }
        annotator
            .emit(Level::Warning, &Annotation::new("careful"))
            .unwrap();
        let out = String::from_utf8(annotator.finish().unwrap()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::error")).count(),
            ANNOTATION_CAP
        );
        assert!(lines.contains(&"error: problem 12"));
        assert!(lines.contains(&"::warning::careful"));
        let note = lines.last().unwrap();
        assert!(
            note.starts_with("::notice::3 more error(s) not annotated"),
            "{note}"
        );
    }
}
