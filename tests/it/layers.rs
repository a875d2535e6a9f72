//! The crate's imports point down the pipeline and never in a circle: every `use` and every
//! inline `crate::`/`super::` path of `src/**/*.rs` (outside test modules) is resolved to the
//! file that defines what it names (following `pub use` re-exports), and the layer order
//! calendar < plan < render < github < sync < action < main and the absence of file-level
//! cycles are checked on that graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first: a file may use files of its own layer or of a lower one.
const LAYERS: [&str; 6] = ["calendar", "plan", "render", "github", "sync", "action"];

/// One source file as a module of the crate.
struct File {
    path: PathBuf,
    /// `["sync", "apply", "ops"]` for `src/sync/apply/ops.rs`; `[]` for `src/lib.rs`.
    module: Vec<String>,
    /// The code, comments and test modules cut away.
    code: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, path: &Path) -> Vec<String> {
    let relative = path.strip_prefix(src).expect("under src");
    let mut module: Vec<String> = relative
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        module.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        module.pop();
    }
    module
}

/// The code of a file without comments and without its trailing `#[cfg(test)] mod tests`.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map(|l| l.trim_start()).unwrap_or_default();
        if line.trim() == "#[cfg(test)]" && next.starts_with("mod ") {
            break;
        }
        let line = match line.find("//") {
            // A URL in a string is not a comment.
            Some(at) if !line[..at].ends_with(':') => &line[..at],
            _ => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// `use` statements of `code` (from `use` to `;`), each expanded into its paths.
fn use_paths(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = find_keyword(rest, "use ") {
        let before = rest[..at].trim_end();
        let public = before.ends_with("pub") || before.ends_with(')');
        let Some(end) = rest[at..].find(';') else {
            break;
        };
        let tree: String = strip_renames(&rest[at + 4..at + end])
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        for path in expand(&tree) {
            paths.push((public, path));
        }
        rest = &rest[at + end..];
    }
    paths
}

/// `a::{B as C, d}` → `a::{B, d}`: a rename does not change what is used.
fn strip_renames(tree: &str) -> String {
    let mut out = String::new();
    let mut tokens = tree.split_whitespace();
    while let Some(token) = tokens.next() {
        if token == "as" {
            // The new name, but not the punctuation after it.
            let renamed = tokens.next().unwrap_or_default();
            out.extend(
                renamed
                    .chars()
                    .filter(|c| !c.is_alphanumeric() && *c != '_'),
            );
        } else {
            out.push(' ');
            out.push_str(token);
        }
    }
    out
}

/// The position of `keyword` where it starts a statement (line start, after `pub ...`).
fn find_keyword(text: &str, keyword: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(keyword) {
        let at = from + found;
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let prefix = text[line_start..at].trim();
        if prefix.is_empty() || prefix.starts_with("pub") {
            return Some(at);
        }
        from = at + keyword.len();
    }
    None
}

/// `a::{b, c::{d, self}}` → `[a, b]`, `[a, c, d]`, `[a, c]`.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let Some(open) = tree.find('{') else {
        let path: Vec<String> = tree
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        return vec![path];
    };
    let prefix: Vec<String> = tree[..open]
        .split("::")
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    // Text that only looks like a `use` (in a string) may not close its braces.
    let close = tree.rfind('}').filter(|c| *c > open).unwrap_or(tree.len());
    let inner = &tree[open + 1..close];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    let mut out = Vec::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        for tail in expand(part) {
            let mut path = prefix.clone();
            path.extend(tail.into_iter().filter(|s| s != "self"));
            out.push(path);
        }
    }
    out
}

/// Paths written inline (`crate::a::b(…)`, `super::c::D`) outside `use` statements.
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let mut without_uses = String::new();
    let mut rest = code;
    while let Some(at) = find_keyword(rest, "use ") {
        without_uses.push_str(&rest[..at]);
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e + 1);
        rest = &rest[end..];
    }
    without_uses.push_str(rest);
    let mut paths = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(found) = without_uses[from..].find(start) {
            let at = from + found;
            from = at + start.len();
            let preceded = without_uses[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if preceded {
                continue;
            }
            let text: String = without_uses[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(
                text.split("::")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            );
        }
    }
    paths
}

struct Crate {
    files: Vec<File>,
    /// File index by module path.
    by_module: BTreeMap<Vec<String>, usize>,
}

impl Crate {
    fn load() -> Crate {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        rust_files(&src, &mut paths);
        paths.sort();
        let files: Vec<File> = paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("readable");
                File {
                    module: module_of(&src, &path),
                    code: code_of(&text),
                    path: path.strip_prefix(&src).expect("under src").to_path_buf(),
                }
            })
            .collect();
        let by_module = files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path != Path::new("main.rs"))
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        Crate { files, by_module }
    }

    /// `path` as written in file `from`, made absolute (`None`: not this crate's).
    fn absolute(&self, from: usize, path: &[String]) -> Option<Vec<String>> {
        let file = &self.files[from];
        let is_main = file.path == Path::new("main.rs");
        let mut module = file.module.clone();
        let mut segments = path.iter().peekable();
        match segments.peek().map(|s| s.as_str()) {
            Some("crate") => {
                module.clear();
                segments.next();
            }
            Some("planpilot") if is_main => {
                module.clear();
                segments.next();
            }
            Some("super") => {
                while segments.peek().map(|s| s.as_str()) == Some("super") {
                    module.pop()?;
                    segments.next();
                }
            }
            Some("self") => {
                segments.next();
            }
            Some(first) => {
                // A child module of this one (`mod ops;` then `use ops::Op`).
                let mut child = module.clone();
                child.push(first.to_string());
                if !self.by_module.contains_key(&child) || is_main {
                    return None;
                }
            }
            None => return None,
        }
        module.extend(segments.cloned());
        Some(module)
    }

    /// The file defining what the absolute `path` names, following `pub use` re-exports.
    fn resolve(&self, path: &[String], depth: usize) -> Option<usize> {
        let mut module = Vec::new();
        let mut rest = path;
        while let Some((first, tail)) = rest.split_first() {
            let mut next = module.clone();
            next.push(first.clone());
            if !self.by_module.contains_key(&next) {
                break;
            }
            module = next;
            rest = tail;
        }
        let file = *self.by_module.get(&module)?;
        let Some(item) = rest.first() else {
            return Some(file);
        };
        if depth > 8 {
            return Some(file);
        }
        for (public, used) in use_paths(&self.files[file].code) {
            if !public {
                continue;
            }
            let Some(target) = self.absolute(file, &used) else {
                continue;
            };
            if target.last() == Some(item) {
                return self.resolve(&target, depth + 1).or(Some(file));
            }
            if target.last().is_some_and(|s| s == "*") {
                let glob = &target[..target.len() - 1];
                if let Some(defining) = self.resolve(glob, depth + 1) {
                    if defines(&self.files[defining].code, item) {
                        return Some(defining);
                    }
                }
            }
        }
        Some(file)
    }

    /// Which files each file uses.
    fn edges(&self) -> BTreeMap<usize, BTreeSet<usize>> {
        let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for (i, file) in self.files.iter().enumerate() {
            let written = use_paths(&file.code)
                .into_iter()
                .map(|(_, p)| p)
                .chain(inline_paths(&file.code));
            for path in written {
                let resolved = self
                    .absolute(i, &path)
                    .and_then(|absolute| self.resolve(&absolute, 0));
                if let Some(target) = resolved.filter(|t| *t != i) {
                    edges.entry(i).or_default().insert(target);
                }
            }
        }
        edges
    }

    fn layer(&self, file: usize) -> usize {
        let file = &self.files[file];
        if file.path == Path::new("main.rs") || file.module.is_empty() {
            return LAYERS.len();
        }
        LAYERS
            .iter()
            .position(|l| *l == file.module[0])
            .unwrap_or_else(|| panic!("{} is in no layer", file.path.display()))
    }

    fn name(&self, file: usize) -> String {
        self.files[file].path.display().to_string()
    }
}

/// Whether `code` defines `item` at its top level.
fn defines(code: &str, item: &str) -> bool {
    [
        "fn", "struct", "enum", "const", "static", "type", "trait", "mod",
    ]
    .iter()
    .any(|kind| {
        code.lines().any(|line| {
            let line = line
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            line.strip_prefix(kind)
                .and_then(|l| l.strip_prefix(' '))
                .is_some_and(|l| {
                    l.starts_with(item)
                        && !l[item.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
        })
    })
}

/// Every cycle's files, one list per strongly connected component of more than one file.
fn cycles(edges: &BTreeMap<usize, BTreeSet<usize>>, count: usize) -> Vec<Vec<usize>> {
    // Tarjan's algorithm, iterative enough for a few hundred files.
    struct State<'e> {
        edges: &'e BTreeMap<usize, BTreeSet<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        next: usize,
        found: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        let targets: Vec<usize> = s.edges.get(&v).into_iter().flatten().copied().collect();
        for w in targets {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(index) if s.on_stack[w] => s.low[v] = s.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: vec![None; count],
        low: vec![0; count],
        stack: Vec::new(),
        on_stack: vec![false; count],
        next: 0,
        found: Vec::new(),
    };
    for v in 0..count {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn imports_point_down_the_pipeline_and_never_up() {
    let krate = Crate::load();
    let edges = krate.edges();
    let upward: Vec<String> = edges
        .iter()
        .flat_map(|(from, to)| to.iter().map(move |to| (*from, *to)))
        .filter(|(from, to)| krate.layer(*to) > krate.layer(*from))
        .map(|(from, to)| format!("{} uses {}", krate.name(from), krate.name(to)))
        .collect();
    assert!(
        upward.is_empty(),
        "imports up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_file_imports_itself_through_a_circle() {
    let krate = Crate::load();
    let found: Vec<String> = cycles(&krate.edges(), krate.files.len())
        .into_iter()
        .map(|c| {
            let mut names: Vec<String> = c.into_iter().map(|f| krate.name(f)).collect();
            names.sort();
            names.join(" ↔ ")
        })
        .collect();
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn the_import_check_sees_the_imports_it_judges() {
    // The checker itself: it must find known edges, or the two tests above could not fail.
    let krate = Crate::load();
    let edges = krate.edges();
    let file = |name: &str| {
        krate
            .files
            .iter()
            .position(|f| f.path == Path::new(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    let uses = |a: &str, b: &str| edges.get(&file(a)).is_some_and(|t| t.contains(&file(b)));
    // `use super::changes::{...}` in a file one level down.
    assert!(uses("sync/diff/mod.rs", "sync/changes.rs"));
    // Through the `pub use` of `github/mod.rs` to the defining file.
    assert!(uses("sync/apply/mod.rs", "github/client.rs"));
    // A child module named without a prefix (`use ops::...`).
    assert!(uses("sync/apply/mod.rs", "sync/apply/ops.rs"));
    // A glob re-export (`pub use model::*`).
    assert!(uses("sync/diff/resolve.rs", "plan/model.rs"));
    // An inline path.
    assert!(uses("github/ratelimit.rs", "calendar.rs"));
    assert!(!cycles(
        &BTreeMap::from([(0, BTreeSet::from([1])), (1, BTreeSet::from([0]))]),
        2
    )
    .is_empty());
    assert_eq!(krate.layer(file("sync/diff/mod.rs")), 4);
    assert_eq!(
        expand("a::{b,c::{d,self}}"),
        [vec!["a", "b"], vec!["a", "c", "d"], vec!["a", "c"]]
    );
}
