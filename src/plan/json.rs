//! Reads JSON text (RFC 8259) into a `Node` tree with positions.
//!
//! JSON gets its own small reader instead of going through the YAML parser: JSON escapes such
//! as surrogate pairs (`"\ud83d\ude00"`) are not valid YAML, and JSON syntax errors read better
//! in JSON terms. Recursion depth is checked against `MAX_DEPTH` before descending.

use std::collections::HashMap;

use super::node::{Key, Node, Pos, Sink, Value, MAX_DEPTH};

struct Reader<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    col: usize,
}

/// A syntax error: where, and what went wrong.
struct Syntax(Pos, String);

/// Parses `source`; returns the root value, or `None` after reporting the first syntax error.
/// Duplicate keys are reported but do not stop reading.
pub(crate) fn parse(source: &str, sink: &mut Sink) -> Option<Node> {
    let mut reader = Reader {
        text: source,
        offset: 0,
        line: 1,
        col: 1,
    };
    let result = reader.document(sink);
    match result {
        Ok(node) => Some(node),
        Err(Syntax(pos, message)) => {
            sink.error(pos, None, format!("invalid JSON: {message}"));
            None
        }
    }
}

impl Reader<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.offset..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, Syntax> {
        Err(Syntax(self.pos(), message.into()))
    }

    fn unexpected<T>(&self, wanted: &str) -> Result<T, Syntax> {
        match self.peek() {
            Some(c) => self.fail(format!("expected {wanted}, found `{}`", c.escape_debug())),
            None => self.fail(format!("expected {wanted}, found the end of the file")),
        }
    }

    fn document(&mut self, sink: &mut Sink) -> Result<Node, Syntax> {
        self.skip_whitespace();
        if self.peek().is_none() {
            return Err(Syntax(Pos::START, "the file is empty, not a plan".into()));
        }
        let node = self.value(0, sink)?;
        self.skip_whitespace();
        if self.peek().is_some() {
            return self.fail("unexpected content after the top-level value");
        }
        Ok(node)
    }

    fn value(&mut self, depth: usize, sink: &mut Sink) -> Result<Node, Syntax> {
        let pos = self.pos();
        let value = match self.peek() {
            Some('{') | Some('[') if depth >= MAX_DEPTH => {
                return self.fail(format!("nesting is deeper than {MAX_DEPTH} levels"));
            }
            Some('{') => self.object(depth, sink)?,
            Some('[') => self.array(depth, sink)?,
            Some('"') => Value::Str(self.string()?),
            Some('-' | '0'..='9') => self.number()?,
            Some('t') => self.literal("true", Value::Bool("true".into()))?,
            Some('f') => self.literal("false", Value::Bool("false".into()))?,
            Some('n') => self.literal("null", Value::Null)?,
            _ => return self.unexpected("a value"),
        };
        Ok(Node::new(value, pos))
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, Syntax> {
        if self.text[self.offset..].starts_with(word) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(value)
        } else {
            self.unexpected("a value")
        }
    }

    fn object(&mut self, depth: usize, sink: &mut Sink) -> Result<Value, Syntax> {
        self.bump(); // `{`
        let mut entries: Vec<(Key, Node)> = Vec::new();
        // Line of each key seen, to report duplicates without a quadratic scan.
        let mut seen: HashMap<String, usize> = HashMap::new();
        self.skip_whitespace();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Value::Map(entries));
        }
        loop {
            self.skip_whitespace();
            let key_pos = self.pos();
            if self.peek() != Some('"') {
                return self.unexpected("a quoted key");
            }
            let text = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(':') {
                return self.unexpected("`:`");
            }
            self.bump();
            self.skip_whitespace();
            let node = self.value(depth + 1, sink)?;
            if let Some(first) = seen.get(&text) {
                let message = format!("duplicate key `{text}` (first at line {first})");
                sink.error(key_pos, None, message);
            } else {
                seen.insert(text.clone(), key_pos.line);
                entries.push((Key { text, pos: key_pos }, node));
            }
            self.skip_whitespace();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {
                    self.bump();
                    return Ok(Value::Map(entries));
                }
                _ => return self.unexpected("`,` or `}`"),
            }
        }
    }

    fn array(&mut self, depth: usize, sink: &mut Sink) -> Result<Value, Syntax> {
        self.bump(); // `[`
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(Value::Seq(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth + 1, sink)?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {
                    self.bump();
                    return Ok(Value::Seq(items));
                }
                _ => return self.unexpected("`,` or `]`"),
            }
        }
    }

    fn number(&mut self) -> Result<Value, Syntax> {
        let start = self.offset;
        let digits = |r: &mut Self| {
            let mut n = 0;
            while matches!(r.peek(), Some('0'..='9')) {
                r.bump();
                n += 1;
            }
            n
        };
        if self.peek() == Some('-') {
            self.bump();
        }
        match self.peek() {
            Some('0') => {
                self.bump();
            }
            Some('1'..='9') => {
                digits(self);
            }
            _ => return self.unexpected("a digit"),
        }
        if self.peek() == Some('.') {
            self.bump();
            if digits(self) == 0 {
                return self.unexpected("a digit");
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if digits(self) == 0 {
                return self.unexpected("a digit");
            }
        }
        let text = &self.text[start..self.offset];
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Value::Number(n, text.to_owned())),
            _ => self.fail(format!("number `{text}` is out of range")),
        }
    }

    fn string(&mut self) -> Result<String, Syntax> {
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            let pos = self.pos();
            match self.bump() {
                None => return self.fail("unterminated string"),
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.escape(pos)?),
                Some(c) if (c as u32) < 0x20 => {
                    return Err(Syntax(
                        pos,
                        "control character in a string (write it as an escape)".into(),
                    ))
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn escape(&mut self, pos: Pos) -> Result<char, Syntax> {
        let c = match self.bump() {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => return self.unicode_escape(pos),
            _ => return Err(Syntax(pos, "invalid escape in a string".into())),
        };
        Ok(c)
    }

    fn hex4(&mut self, pos: Pos) -> Result<u32, Syntax> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = self.bump().and_then(|c| c.to_digit(16));
            match digit {
                Some(d) => n = n * 16 + d,
                None => return Err(Syntax(pos, "invalid `\\u` escape".into())),
            }
        }
        Ok(n)
    }

    /// `\uXXXX`, combining a UTF-16 surrogate pair into one character.
    fn unicode_escape(&mut self, pos: Pos) -> Result<char, Syntax> {
        let first = self.hex4(pos)?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.text[self.offset..].starts_with("\\u") {
                return Err(Syntax(pos, "unpaired surrogate in a `\\u` escape".into()));
            }
            self.bump();
            self.bump();
            let second = self.hex4(pos)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(Syntax(pos, "unpaired surrogate in a `\\u` escape".into()));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code)
            .ok_or_else(|| Syntax(pos, "unpaired surrogate in a `\\u` escape".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse_ok(text: &str) -> Node {
        let mut sink = Sink::new(Path::new("t.json"));
        let node = parse(text, &mut sink);
        assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
        node.unwrap()
    }

    fn parse_err(text: &str) -> String {
        let mut sink = Sink::new(Path::new("t.json"));
        assert!(parse(text, &mut sink).is_none());
        sink.diagnostics[0].to_string()
    }

    #[test]
    fn escapes_and_numbers() {
        let node = parse_ok(r#"{"a": "\u00e9 \ud83d\ude00 \/", "b": [1, -2.5e3, 0]}"#);
        let Value::Map(entries) = node.value else {
            panic!()
        };
        assert_eq!(entries[0].1.value, Value::Str("é 😀 /".into()));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(items[1].value, Value::Number(-2500.0, "-2.5e3".into()));
        assert_eq!(items[2].pos, Pos { line: 1, col: 50 });
    }

    #[test]
    fn syntax_errors_have_positions() {
        assert_eq!(
            parse_err("{\n  \"a\": 1,\n}"),
            "t.json:3:1: invalid JSON: expected a quoted key, found `}`"
        );
        assert_eq!(
            parse_err("[01]"),
            "t.json:1:3: invalid JSON: expected `,` or `]`, found `1`"
        );
        assert!(parse_err(r#""\ud800""#).contains("unpaired surrogate"));
        assert!(parse_err("1e999").contains("out of range"));
    }
}
