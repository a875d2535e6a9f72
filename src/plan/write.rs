//! Writing a plan file: a nested YAML plan from a `Draft`, as `planpilot import` produces it.
//!
//! A pure function. Text is written plain where YAML reads it back as the same text, and
//! double-quoted (JSON escapes, which YAML's double-quoted style shares) everywhere else, so
//! whatever a title holds the file loads back to exactly the values written.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::FieldValue;

/// A plan to write: comment lines for the top of the file, and the epics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    /// Lines of the leading comment, without `# `.
    pub comments: Vec<String>,
    pub epics: Vec<DraftItem>,
}

/// One item to write; `children` are its stories (of an epic) or tasks (of a story).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftItem {
    pub id: String,
    pub title: String,
    pub issue: Option<u64>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub milestone: Option<String>,
    pub fields: BTreeMap<String, FieldValue>,
    pub depends_on: Vec<String>,
    pub children: Vec<DraftItem>,
}

/// The nested YAML text of `draft`.
pub fn to_yaml(draft: &Draft) -> String {
    let mut out = String::new();
    for line in &draft.comments {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            // A comment ends at the line's end: a line break in the text must not end it.
            for part in wrap(&line.replace(['\n', '\r'], " "), COMMENT_WIDTH) {
                let _ = writeln!(out, "# {part}");
            }
        }
    }
    if draft.epics.is_empty() {
        out.push_str("epics: []\n");
        return out;
    }
    out.push_str("epics:\n");
    for epic in &draft.epics {
        write_item(&mut out, epic, 1);
    }
    out
}

/// Comment lines are wrapped at this many characters (a long word is kept whole).
const COMMENT_WIDTH: usize = 96;

/// `text` in lines of at most `width` characters, broken at spaces; continuation lines are
/// indented by two spaces under a leading `- `.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let indent = if text.starts_with("- ") { "  " } else { "" };
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let length = line.chars().count() + 1 + word.chars().count();
        if !line.is_empty() && length > width {
            lines.push(std::mem::take(&mut line));
            line.push_str(indent);
        } else if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// Writes an item as a list entry at `level` (1 epics, 2 stories, 3 tasks).
fn write_item(out: &mut String, item: &DraftItem, level: usize) {
    let pad = "    ".repeat(level - 1);
    let key_pad = format!("{pad}    ");
    let _ = writeln!(out, "{pad}  - id: {}", scalar(&item.id));
    let _ = writeln!(out, "{key_pad}title: {}", scalar(&item.title));
    if let Some(number) = item.issue {
        let _ = writeln!(out, "{key_pad}issue: {number}");
    }
    write_list(out, &key_pad, "labels", &item.labels);
    write_list(out, &key_pad, "assignees", &item.assignees);
    if let Some(milestone) = &item.milestone {
        let _ = writeln!(out, "{key_pad}milestone: {}", scalar(milestone));
    }
    if !item.fields.is_empty() {
        let _ = writeln!(out, "{key_pad}fields:");
        for (name, value) in &item.fields {
            let value = match value {
                FieldValue::Text(text) => scalar(text),
                FieldValue::Number(n) => number(*n),
            };
            let _ = writeln!(out, "{key_pad}  {}: {value}", scalar(name));
        }
    }
    write_list(out, &key_pad, "depends_on", &item.depends_on);
    if !item.children.is_empty() {
        let key = if level == 1 { "stories" } else { "tasks" };
        let _ = writeln!(out, "{key_pad}{key}:");
        for child in &item.children {
            write_item(out, child, level + 1);
        }
    }
}

fn write_list(out: &mut String, pad: &str, key: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let shown: Vec<String> = values.iter().map(|v| flow_scalar(v)).collect();
    let _ = writeln!(out, "{pad}{key}: [{}]", shown.join(", "));
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Text as a block-context YAML scalar.
fn scalar(text: &str) -> String {
    if is_plain(text, false) {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// Text inside a flow list (`[a, b]`), where `,`, `[` and `]` are indicators too.
fn flow_scalar(text: &str) -> String {
    if is_plain(text, true) {
        text.to_string()
    } else {
        quoted(text)
    }
}

fn quoted(text: &str) -> String {
    // A JSON string is a valid YAML double-quoted scalar with the same value.
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.escape_default()))
}

/// Whether `text` reads back as the same text when written plain: it starts with a letter,
/// holds only letters, digits, spaces and a few punctuation marks that are never YAML
/// indicators in these positions, does not end in a space, and is not a word YAML's core
/// schema reads as something else.
fn is_plain(text: &str, in_flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let allowed = |c: char| {
        c.is_alphanumeric()
            || matches!(
                c,
                ' ' | '-' | '_' | '.' | '/' | '(' | ')' | '+' | '=' | '*' | ';'
            )
            || (!in_flow && c == ',')
    };
    let special = matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "nan" | "inf"
    );
    first.is_alphabetic()
        && text.chars().all(allowed)
        && !text.ends_with(' ')
        && !text.contains("  ")
        && !special
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awkward_text_is_quoted_and_plain_text_is_not() {
        assert_eq!(scalar("Checkout flow"), "Checkout flow");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("12"), "\"12\"");
        assert_eq!(scalar("2026-01-31"), "\"2026-01-31\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("say \"hi\" # now"), r#""say \"hi\" # now""#);
        assert_eq!(scalar("@current"), "\"@current\"");
        assert_eq!(flow_scalar("a, b"), "\"a, b\"");
        assert_eq!(scalar("a, b"), "a, b");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.5), "2.5");
    }
}
