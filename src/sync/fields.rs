//! Board fields: resolving a plan's field value (option name, iteration title or `@current`/
//! `@next`, number, date, text) against the board's field definitions, and comparing it with a
//! card's current value.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::calendar::{civil_from_days, days_from_civil, days_in_month};
use crate::github::ops::{BoardNode, FieldValueNode, IterationNode};
use crate::plan::FieldValue;

/// A board and its fields, as the diff needs them.
#[derive(Debug, Clone)]
pub struct Board {
    pub id: String,
    pub title: String,
    pub fields: Vec<BoardField>,
}

#[derive(Debug, Clone)]
pub struct BoardField {
    pub id: String,
    pub name: String,
    pub kind: FieldKind,
}

#[derive(Debug, Clone)]
pub enum FieldKind {
    Text,
    Number,
    Date,
    /// Options as (id, name).
    SingleSelect(Vec<(String, String)>),
    /// Active iterations then completed ones, each sorted by start date.
    Iteration(Vec<IterationNode>),
    /// A built-in field planpilot cannot set (Title, Assignees, Labels...).
    Other(String),
}

/// A value to write into a field, resolved against the board.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    Text(String),
    Number(f64),
    Date(String),
    Option { id: String, name: String },
    Iteration { id: String, title: String },
}

impl Setting {
    /// The `ProjectV2FieldValue` input for this setting.
    pub fn to_input(&self) -> Value {
        match self {
            Setting::Text(text) => json!({ "text": text }),
            Setting::Number(n) => json!({ "number": n }),
            Setting::Date(date) => json!({ "date": date }),
            Setting::Option { id, .. } => json!({ "singleSelectOptionId": id }),
            Setting::Iteration { id, .. } => json!({ "iterationId": id }),
        }
    }

    pub fn display(&self) -> String {
        match self {
            Setting::Text(text) | Setting::Date(text) => text.clone(),
            Setting::Number(n) => n.to_string(),
            Setting::Option { name, .. } => name.clone(),
            Setting::Iteration { title, .. } => title.clone(),
        }
    }

    /// True when a card's current value already equals this setting.
    pub fn matches(&self, current: &CardValue) -> bool {
        match self {
            Setting::Text(text) => current.text.as_deref() == Some(text),
            Setting::Number(n) => current.number.is_some_and(|c| (c - n).abs() < 1e-9),
            Setting::Date(date) => current
                .date
                .as_deref()
                .is_some_and(|c| c.get(..10) == Some(date.as_str())),
            Setting::Option { id, .. } => current.option_id.as_deref() == Some(id),
            Setting::Iteration { id, .. } => current.iteration_id.as_deref() == Some(id),
        }
    }
}

/// A card's current value of one field: the member its field's type sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CardValue {
    pub option_id: Option<String>,
    pub iteration_id: Option<String>,
    pub number: Option<f64>,
    pub date: Option<String>,
    pub text: Option<String>,
}

/// True when a card's field holds any value.
pub fn has_value(current: &CardValue) -> bool {
    current.option_id.is_some()
        || current.iteration_id.is_some()
        || current.number.is_some()
        || current.date.is_some()
        || current.text.as_deref().is_some_and(|t| !t.is_empty())
}

impl Board {
    pub fn from_node(node: &BoardNode) -> Board {
        let fields = node
            .fields
            .iter()
            .filter_map(|f| {
                let (id, name) = (f.id.clone()?, f.name.clone()?);
                let data_type = f.data_type.clone().unwrap_or_default();
                let kind = match data_type.as_str() {
                    "TEXT" => FieldKind::Text,
                    "NUMBER" => FieldKind::Number,
                    "DATE" => FieldKind::Date,
                    "SINGLE_SELECT" => FieldKind::SingleSelect(
                        f.options
                            .iter()
                            .flatten()
                            .map(|o| (o.id.clone(), o.name.clone()))
                            .collect(),
                    ),
                    "ITERATION" => {
                        let config = f.configuration.clone().unwrap_or_default();
                        let mut all = config.iterations;
                        all.extend(config.completed_iterations);
                        all.sort_by(|a, b| a.start_date.cmp(&b.start_date));
                        FieldKind::Iteration(all)
                    }
                    other => FieldKind::Other(other.to_string()),
                };
                Some(BoardField { id, name, kind })
            })
            .collect();
        Board {
            id: node.id.clone(),
            title: node.title.clone(),
            fields,
        }
    }

    pub fn field(&self, name: &str) -> Option<&BoardField> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
        })
    }

    fn settable_names(&self) -> String {
        self.fields
            .iter()
            .filter(|f| !matches!(f.kind, FieldKind::Other(_)))
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Resolves `value` for the field called `name`; the error names what is available.
    pub fn resolve(
        &self,
        name: &str,
        value: &FieldValue,
        today: Date,
    ) -> Result<(&BoardField, Setting), String> {
        let field = self.field(name).ok_or_else(|| {
            format!(
                "board \"{}\" has no field \"{name}\" (fields: {})",
                self.title,
                self.settable_names()
            )
        })?;
        let text = value.to_string();
        let setting = match &field.kind {
            FieldKind::Text => Setting::Text(text),
            FieldKind::Number => {
                match value {
                    FieldValue::Number(n) => Setting::Number(*n),
                    FieldValue::Text(t) => Setting::Number(t.trim().parse().map_err(|_| {
                        format!("field \"{}\" is a number; got \"{t}\"", field.name)
                    })?),
                }
            }
            FieldKind::Date => {
                let date = Date::parse(&text).ok_or_else(|| {
                    format!(
                        "field \"{}\" is a date (YYYY-MM-DD); got \"{text}\"",
                        field.name
                    )
                })?;
                Setting::Date(date.to_string())
            }
            FieldKind::SingleSelect(options) => {
                let found = options
                    .iter()
                    .find(|(_, n)| *n == text)
                    .or_else(|| options.iter().find(|(_, n)| n.eq_ignore_ascii_case(&text)));
                let (id, option) = found.ok_or_else(|| {
                    let names: Vec<&str> = options.iter().map(|(_, n)| n.as_str()).collect();
                    format!(
                        "field \"{}\" has no option \"{text}\" (options: {})",
                        field.name,
                        names.join(", ")
                    )
                })?;
                Setting::Option {
                    id: id.clone(),
                    name: option.clone(),
                }
            }
            FieldKind::Iteration(iterations) => {
                let iteration = pick_iteration(iterations, &text, today).ok_or_else(|| {
                    let titles: Vec<&str> = iterations.iter().map(|i| i.title.as_str()).collect();
                    format!(
                        "field \"{}\" has no iteration \"{text}\" (iterations: {}; or @current, @next)",
                        field.name,
                        titles.join(", ")
                    )
                })?;
                Setting::Iteration {
                    id: iteration.id.clone(),
                    title: iteration.title.clone(),
                }
            }
            FieldKind::Other(kind) => {
                return Err(format!(
                    "field \"{}\" ({kind}) cannot be set by planpilot (settable: {})",
                    field.name,
                    self.settable_names()
                ))
            }
        };
        Ok((field, setting))
    }
}

/// `@current`: the iteration containing today; `@next`: the first one starting after it (or
/// after today when none contains today); otherwise by title.
fn pick_iteration<'a>(
    iterations: &'a [IterationNode],
    wanted: &str,
    today: Date,
) -> Option<&'a IterationNode> {
    let span = |i: &IterationNode| {
        Date::parse(&i.start_date).map(|s| (s, s.add_days(i64::from(i.duration))))
    };
    match wanted {
        "@current" => iterations
            .iter()
            .find(|i| span(i).is_some_and(|(start, end)| start <= today && today < end)),
        "@next" => {
            let current_end = iterations
                .iter()
                .filter_map(span)
                .find(|(start, end)| *start <= today && today < *end)
                .map(|(_, end)| end);
            let is_after = |start: Date| match current_end {
                Some(end) => start >= end,
                None => start > today,
            };
            iterations
                .iter()
                .filter(|i| span(i).is_some_and(|(start, _)| is_after(start)))
                .min_by_key(|i| span(i).map(|(start, _)| start))
        }
        title => iterations.iter().find(|i| i.title == title).or_else(|| {
            iterations
                .iter()
                .find(|i| i.title.eq_ignore_ascii_case(title))
        }),
    }
}

/// Current values of a card, by field id.
pub fn current_values(values: &[FieldValueNode]) -> BTreeMap<String, CardValue> {
    values
        .iter()
        .filter_map(|v| {
            let id = v.field.as_ref()?.id.clone()?;
            let value = CardValue {
                option_id: v.option_id.clone(),
                iteration_id: v.iteration_id.clone(),
                number: v.number,
                date: v.date.clone(),
                text: v.text.clone(),
            };
            Some((id, value))
        })
        .collect()
}

/// A calendar date (proleptic Gregorian), enough for iteration spans and date fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    days: i64,
}

impl Date {
    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date {
            days: secs.div_euclid(86_400),
        }
    }

    /// Parses `YYYY-MM-DD` (a longer ISO timestamp is cut to its date).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let date = text.get(..10)?;
        if text.len() > 10 && !text[10..].starts_with('T') {
            return None;
        }
        let mut parts = date.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date {
            days: days_from_civil(y, m, d),
        })
    }

    pub fn add_days(self, days: i64) -> Date {
        Date {
            days: self.days + days,
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.days);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iteration(id: &str, start: &str) -> IterationNode {
        IterationNode {
            id: id.into(),
            title: format!("Sprint {id}"),
            start_date: start.into(),
            duration: 14,
        }
    }

    #[test]
    fn dates_round_trip_and_reject_nonsense() {
        for text in ["2026-12-01", "2024-02-29", "1999-01-31"] {
            assert_eq!(Date::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "2026-13-01",
            "2023-02-29",
            "26-1-1",
            "tomorrow",
            "2026-12-01x",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            Date::parse("2026-12-31").unwrap().add_days(1).to_string(),
            "2027-01-01"
        );
    }

    #[test]
    fn current_and_next_iterations_follow_today() {
        let all = vec![
            iteration("1", "2026-11-02"),
            iteration("2", "2026-11-16"),
            iteration("3", "2026-11-30"),
        ];
        let today = Date::parse("2026-11-20").unwrap();
        assert_eq!(pick_iteration(&all, "@current", today).unwrap().id, "2");
        assert_eq!(pick_iteration(&all, "@next", today).unwrap().id, "3");
        assert_eq!(pick_iteration(&all, "Sprint 1", today).unwrap().id, "1");
        let later = Date::parse("2027-01-01").unwrap();
        assert!(pick_iteration(&all, "@current", later).is_none());
    }
}
