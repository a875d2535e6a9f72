//! Plan files: the model, loading (YAML/JSON, nested, flat and planpilot layouts), validation,
//! and writing a nested YAML plan (`write`, for `planpilot import`).
//!
//! Nothing here talks to GitHub. `load` either returns a `Plan` whose invariants hold (see
//! `model::Plan`) or every problem found, each with its file, line, column and item id.

mod fields;
mod items;
mod json;
mod links;
mod model;
mod node;
mod size;
mod suggest;
mod validate;
mod write;
mod yaml;

pub use links::{implied_links, plan_chain, Chain, MAX_BLOCKED_BY};
pub use model::*;
pub use write::{to_yaml, Draft, DraftItem};

use std::collections::HashSet;

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use node::{Pos, Sink};

/// Why a plan could not be loaded: all problems found, in file order.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} problem(s) in the plan", diagnostics.len())]
pub struct PlanError {
    pub diagnostics: Vec<Diagnostic>,
}

/// How to load a plan.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Repository root, for the default plan key (the plan's path relative to it);
    /// `None` means the current directory.
    pub root: Option<PathBuf>,
}

/// Largest plan file accepted, in bytes (checked before reading).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// The files of a planpilot plan directory, in load order, with the kind of item each holds.
const SPLIT_FILES: [(&str, ItemKind); 3] = [
    ("epics.json", ItemKind::Epic),
    ("stories.json", ItemKind::Story),
    ("tasks.json", ItemKind::Task),
];

/// Loads and validates a plan file (`.yaml`, `.yml`, `.json`) or a planpilot plan directory
/// (`epics.json`, `stories.json`, `tasks.json`).
pub fn load(path: &Path, options: &LoadOptions) -> Result<Plan, PlanError> {
    if path.is_dir() {
        return load_directory(path, options);
    }
    let source = read_source(path).map_err(|d| PlanError {
        diagnostics: vec![d],
    })?;
    load_str(&source, path, options)
}

/// Loads and validates plan text as if read from `file` (whose extension picks JSON or YAML
/// and whose path gives the default plan key). Never panics, whatever the text.
pub fn load_str(source: &str, file: &Path, options: &LoadOptions) -> Result<Plan, PlanError> {
    let mut sink = Sink::new(file);
    if source.len() as u64 > MAX_FILE_BYTES {
        sink.error(Pos::START, None, too_big(source.len() as u64));
        return Err(finish_errors(sink.diagnostics, &[file]));
    }
    let Some(root) = parse_text(source, file, &mut sink) else {
        return Err(finish_errors(sink.diagnostics, &[file]));
    };
    let mut reader = items::Reader::new(&mut sink);
    let settings = reader.document(&root);
    let raw = std::mem::take(&mut reader.items);
    let skipped = std::mem::take(&mut reader.skipped);
    let key = settings
        .key
        .unwrap_or_else(|| default_key(file, options.root.as_deref()));
    let read = ReadItems { raw, skipped };
    assemble(
        options,
        key,
        file,
        settings.defaults,
        read,
        sink.diagnostics,
        &[file],
    )
}

fn load_directory(dir: &Path, options: &LoadOptions) -> Result<Plan, PlanError> {
    let files: Vec<(PathBuf, ItemKind)> = SPLIT_FILES
        .iter()
        .map(|(name, kind)| (dir.join(name), *kind))
        .collect();
    let order: Vec<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    let mut diagnostics = Vec::new();
    let mut read = ReadItems::default();
    for (file, kind) in &files {
        let source = match read_source(file) {
            Ok(source) => source,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let mut sink = Sink::new(file);
        if let Some(root) = parse_text(&source, file, &mut sink) {
            let mut reader = items::Reader::new(&mut sink);
            reader.split_file(&root, *kind);
            read.raw.append(&mut reader.items);
            read.skipped.extend(reader.skipped.drain());
        }
        diagnostics.append(&mut sink.diagnostics);
    }
    let key = default_key(dir, options.root.as_deref());
    assemble(
        options,
        key,
        dir,
        Defaults::default(),
        read,
        diagnostics,
        &order,
    )
}

/// What the readers produced: the items, and the ids of items left out (see `Reader::skipped`).
#[derive(Default)]
struct ReadItems {
    raw: Vec<items::RawItem>,
    skipped: HashSet<String>,
}

/// Runs the plan-wide checks on the items read (also after reading problems, so one run reports
/// everything) and sorts all problems into file order.
fn assemble(
    options: &LoadOptions,
    key: String,
    source: &Path,
    defaults: Defaults,
    read: ReadItems,
    mut diagnostics: Vec<Diagnostic>,
    files: &[&Path],
) -> Result<Plan, PlanError> {
    let root = options.root.as_deref();
    match validate::build(
        key,
        source.to_path_buf(),
        defaults,
        read.raw,
        &read.skipped,
        root,
    ) {
        Ok(plan) if diagnostics.is_empty() => Ok(plan),
        Ok(_) => Err(finish_errors(diagnostics, files)),
        Err(mut more) => {
            diagnostics.append(&mut more);
            Err(finish_errors(diagnostics, files))
        }
    }
}

/// Sorts diagnostics by file (in load order), line and column; drops exact repeats.
fn finish_errors(mut diagnostics: Vec<Diagnostic>, files: &[&Path]) -> PlanError {
    let rank = |d: &Diagnostic| {
        files
            .iter()
            .position(|f| *f == d.location.file)
            .unwrap_or(files.len())
    };
    diagnostics.sort_by_key(|d| (rank(d), d.location.line, d.location.col));
    diagnostics.dedup();
    PlanError { diagnostics }
}

/// JSON for `.json` files, YAML for everything else.
fn parse_text(source: &str, file: &Path, sink: &mut Sink) -> Option<node::Node> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let is_json = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        json::parse(source, sink)
    } else {
        yaml::parse(source, sink)
    }
}

fn too_big(bytes: u64) -> String {
    format!("the file is {bytes} bytes; plan files are limited to {MAX_FILE_BYTES} bytes (10 MB)")
}

/// Reads a plan file as UTF-8 text, turning every I/O problem into a diagnostic.
fn read_source(path: &Path) -> Result<String, Diagnostic> {
    let at_start = |message: String| Diagnostic {
        location: Location {
            file: path.to_path_buf(),
            line: 1,
            col: 1,
        },
        item: None,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| at_start(io_message(&e)))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        return Err(at_start(too_big(size)));
    }
    // Read at most one byte past the cap, in case the file grew after the size check.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| at_start(io_message(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(at_start(too_big(bytes.len() as u64)));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The prefix is valid UTF-8 by definition; lossy conversion never alters it.
        let prefix = String::from_utf8_lossy(valid);
        let line = 1 + prefix.matches('\n').count();
        let col = 1 + prefix.rsplit('\n').next().map_or(0, |l| l.chars().count());
        Diagnostic {
            location: Location {
                file: path.to_path_buf(),
                line,
                col,
            },
            item: None,
            message: format!(
                "the file is not valid UTF-8 text (bad byte 0x{:02x})",
                e.as_bytes()[valid.len()]
            ),
        }
    })
}

fn io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "plan file not found".to_owned(),
        std::io::ErrorKind::PermissionDenied => {
            "cannot read the plan file: permission denied".to_owned()
        }
        _ => format!("cannot read the plan file: {error}"),
    }
}

/// The plan's path relative to `root` (or the current directory), with `/` separators.
fn default_key(path: &Path, root: Option<&Path>) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = |p: &Path| {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        };
        std::fs::canonicalize(&p).unwrap_or_else(|_| normalize(&p))
    };
    let root = absolute(root.unwrap_or(Path::new(".")));
    let full = absolute(path);
    let relative = match full.strip_prefix(&root) {
        Ok(relative) => relative.to_path_buf(),
        Err(_) => normalize(path),
    };
    relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Removes `.` and resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_key_is_relative_with_slashes() {
        let root = Path::new("/nonexistent-root");
        assert_eq!(
            default_key(
                Path::new("/nonexistent-root/plans/./roadmap.yaml"),
                Some(root)
            ),
            "plans/roadmap.yaml"
        );
        assert_eq!(default_key(Path::new("plan.yaml"), None), "plan.yaml");
        assert_eq!(
            default_key(Path::new("./a/../plan.yaml"), None),
            "plan.yaml"
        );
    }
}
