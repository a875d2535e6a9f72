//! Reads YAML text into a `Node` tree with positions, from the event stream of `saphyr-parser`.
//!
//! The tree is built iteratively (no recursion on input depth), nesting is capped at
//! `MAX_DEPTH`, and aliases are expanded against a node budget so an alias bomb is rejected
//! instead of exhausting memory. Plain scalars are typed by the YAML 1.2 core schema, except
//! that anything not null, a boolean or a number stays text (so `2026-12-01` is text).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::node::{Key, Node, Pos, Sink, Value, MAX_DEPTH};

/// Most nodes that alias expansion may add to a document. Generous for real reuse of a block,
/// far below what a "billion laughs" document would expand to.
pub(crate) const ALIAS_BUDGET: usize = 100_000;

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
        /// Line of each key seen, to report duplicates without a quadratic scan.
        seen: HashMap<String, usize>,
    },
}

struct Builder<'s> {
    sink: &'s mut Sink,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Node>,
}

/// Where a tab sits in the leading whitespace of the line a syntax error was found on (1-based),
/// of the line after it or of the line before it, in that order of preference.
fn indentation_tab(source: &str, error_line: usize) -> Option<Pos> {
    let lines: Vec<&str> = source
        .lines()
        .skip(error_line.saturating_sub(2))
        .take(3)
        .collect();
    let first = error_line.saturating_sub(2) + 1;
    let tab_in = |line: usize| -> Option<Pos> {
        let text = lines.get(line.checked_sub(first)?)?;
        let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
        let col = text[..indent].find('\t')?;
        // Whitespace alone on a line is no indentation.
        (indent < text.len()).then_some(Pos { line, col: col + 1 })
    };
    [error_line, error_line + 1, error_line.saturating_sub(1)]
        .into_iter()
        .filter(|&line| line >= 1)
        .find_map(tab_in)
}

/// Parses `source`; returns the document's root, or `None` after reporting why there is none
/// (syntax error, empty document, ...). Duplicate keys are reported but do not stop reading.
pub(crate) fn parse(source: &str, sink: &mut Sink) -> Option<Node> {
    let mut builder = Builder {
        sink,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        root: None,
    };
    let mut documents = 0;
    for event in Parser::new_from_str(source) {
        let (event, span) = match event {
            Ok(pair) => pair,
            Err(err) => {
                let line = err.marker().line();
                // The scanner often stops on the line before a tab-indented one (a plain
                // scalar that might go on), and its words do not say "use spaces": point at
                // the tab itself.
                if let Some(tab) = indentation_tab(source, line) {
                    builder.sink.error(
                        tab,
                        None,
                        "a tab in the indentation: YAML indents with spaces only (use spaces)",
                    );
                    return None;
                }
                let pos = Pos {
                    line,
                    col: err.marker().col() + 1,
                };
                builder
                    .sink
                    .error(pos, None, format!("invalid YAML: {}", err.info()));
                return None;
            }
        };
        let pos = position(&span);
        let step = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    builder.sink.error(
                        pos,
                        None,
                        "a plan file holds one YAML document, found a second one (`---`)",
                    );
                    return None;
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                // `!!str 123` is the text "123"; other tags do not change how a value is read.
                let as_text = tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let style = if as_text {
                    ScalarStyle::SingleQuoted
                } else {
                    style
                };
                let node = Node::new(scalar_value(&text, style), pos);
                builder.remember(anchor, &node);
                builder.push(node)
            }
            Event::SequenceStart(anchor, _) => builder.open(
                Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                },
                pos,
            ),
            Event::MappingStart(anchor, _) => builder.open(
                Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::new(),
                },
                pos,
            ),
            Event::SequenceEnd | Event::MappingEnd => builder.close(),
            Event::Alias(anchor) => builder.alias(anchor, pos),
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => Ok(()),
        };
        if step.is_err() {
            return None;
        }
    }
    if builder.root.is_none() {
        builder
            .sink
            .error(Pos::START, None, "the file is empty, not a plan");
    }
    builder.root
}

fn position(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

/// Types a scalar: quoted and block scalars are text; plain ones follow the core schema.
fn scalar_value(text: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => Value::Bool(text.to_owned()),
        _ => match core_number(text) {
            Some(n) => Value::Number(n, text.to_owned()),
            None => Value::Str(text.to_owned()),
        },
    }
}

/// A YAML 1.2 core-schema int or float (finite only; `.inf`/`.nan` stay text).
fn core_number(text: &str) -> Option<f64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return u64::from_str_radix(oct, 8).ok().map(|n| n as f64);
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(whole)
        && fraction.is_none_or(digits)
        && (!whole.is_empty() || fraction.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

impl Builder<'_> {
    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), ()> {
        if self.stack.len() >= MAX_DEPTH {
            self.sink.error(
                pos,
                None,
                format!("nesting is deeper than {MAX_DEPTH} levels, not a plan"),
            );
            return Err(());
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), ()> {
        let node = match self.stack.pop() {
            Some(Frame::Seq { pos, anchor, items }) => {
                let node = Node::new(Value::Seq(items), pos);
                self.remember(anchor, &node);
                node
            }
            Some(Frame::Map {
                pos,
                anchor,
                entries,
                ..
            }) => {
                let node = Node::new(Value::Map(entries), pos);
                self.remember(anchor, &node);
                node
            }
            None => return Ok(()),
        };
        self.push(node)
    }

    fn alias(&mut self, anchor: usize, pos: Pos) -> Result<(), ()> {
        let Some(target) = self.anchors.get(&anchor) else {
            self.sink.error(pos, None, "alias to an unknown anchor");
            return Err(());
        };
        self.alias_nodes = self.alias_nodes.saturating_add(target.size());
        if self.alias_nodes > ALIAS_BUDGET {
            self.sink.error(
                pos,
                None,
                format!(
                    "aliases expand to more than {ALIAS_BUDGET} nodes; refusing a possible alias bomb"
                ),
            );
            return Err(());
        }
        let node = target.clone();
        self.push(node)
    }

    /// Places a finished node into the enclosing list or mapping (or as the root).
    fn push(&mut self, node: Node) -> Result<(), ()> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                Some(k) => {
                    if let Some(first) = seen.get(&k.text) {
                        let message = format!("duplicate key `{}` (first at line {first})", k.text);
                        self.sink.error(k.pos, None, message);
                    } else {
                        seen.insert(k.text.clone(), k.pos.line);
                        entries.push((k, node));
                    }
                    Ok(())
                }
                None => match node.scalar_text() {
                    Some(text) => {
                        *key = Some(Key {
                            text: text.to_owned(),
                            pos: node.pos,
                        });
                        Ok(())
                    }
                    None if node.value == Value::Null => {
                        *key = Some(Key {
                            text: String::new(),
                            pos: node.pos,
                        });
                        Ok(())
                    }
                    None => {
                        self.sink
                            .error(node.pos, None, "a mapping key must be plain text");
                        Err(())
                    }
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_numbers() {
        assert_eq!(core_number("3"), Some(3.0));
        assert_eq!(core_number("-2.5e3"), Some(-2500.0));
        assert_eq!(core_number(".5"), Some(0.5));
        assert_eq!(core_number("0x1F"), Some(31.0));
        assert_eq!(core_number("2026-12-01"), None);
        assert_eq!(core_number("inf"), None);
        assert_eq!(core_number("1e"), None);
        assert_eq!(core_number("."), None);
        assert_eq!(core_number("1_000"), None);
    }
}
