//! Syntax of board field values in a plan (`fields:`): text or a number, with checks on the
//! forms that have a meaning (`@current`/`@next`, `YYYY-MM-DD` dates).

use super::node::{Node, Value};
use super::FieldValue;

/// Reads one field value, or says why it is not acceptable.
pub(crate) fn field_value(node: &Node) -> Result<FieldValue, String> {
    match &node.value {
        Value::Number(n, _) => Ok(FieldValue::Number(*n)),
        Value::Str(s) | Value::Bool(s) => check_text(s).map(|()| FieldValue::Text(s.clone())),
        Value::Null => Err("has no value (give text or a number)".into()),
        Value::Seq(_) | Value::Map(_) => Err(format!(
            "must be text or a number, found {}",
            node.kind_name()
        )),
    }
}

fn check_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("is empty (give text or a number)".into());
    }
    if text.starts_with('@') && text != "@current" && text != "@next" {
        return Err(format!(
            "value `{text}`: only `@current` and `@next` may start with `@`"
        ));
    }
    if looks_like_date(text) && !is_valid_date(text) {
        return Err(format!("value `{text}` is not a valid YYYY-MM-DD date"));
    }
    Ok(())
}

fn looks_like_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn is_valid_date(text: &str) -> bool {
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(is_valid_date("2024-02-29"));
        assert!(!is_valid_date("2023-02-29"));
        assert!(!is_valid_date("2026-13-01"));
        assert!(!is_valid_date("2026-04-31"));
        assert!(check_text("2026-12-01").is_ok());
        assert!(check_text("2026-12-32").is_err());
        assert!(check_text("12-01-2026").is_ok());
    }

    #[test]
    fn iteration_keywords() {
        assert!(check_text("@current").is_ok());
        assert!(check_text("@next").is_ok());
        assert!(check_text("@previous").is_err());
        assert!(check_text(" ").is_err());
    }
}
