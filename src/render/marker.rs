//! The hidden identity marker that ties an issue to one plan item.
//!
//! The managed block of a body starts with
//! `<!-- planpilot:begin plan=KEY item=ID labels=A,B assignees=X deps=T-1,T-2 -->` and ends with
//! `<!-- planpilot:end -->`. Identity is the plan key plus the item id — never a hash of content,
//! so editing an item updates its issue instead of creating another. Values are percent-encoded so
//! no plan text can end the comment or inject another attribute.

/// What the begin marker of a managed block records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Marker {
    pub plan_key: String,
    pub item_id: String,
    /// Labels the plan gave the item when the block was written: the labels planpilot manages.
    pub labels: Vec<String>,
    /// Assignees the plan gave the item when the block was written.
    pub assignees: Vec<String>,
    /// The item's declared dependencies when the block was written: with the state GitHub
    /// shows, they tell which blocked-by links planpilot made (the others are people's).
    /// `None` in a marker written before planpilot recorded them.
    pub deps: Option<Vec<String>>,
}

pub(crate) const BEGIN_PREFIX: &str = "<!-- planpilot:begin ";
pub(crate) const END_LINE: &str = "<!-- planpilot:end -->";
const COMMENT_END: &str = " -->";

impl Marker {
    /// The begin line of a managed block.
    pub fn to_comment(&self) -> String {
        let deps = self
            .deps
            .as_ref()
            .map(|deps| format!(" deps={}", encode_list(deps)))
            .unwrap_or_default();
        format!(
            "{BEGIN_PREFIX}plan={} item={} labels={} assignees={}{deps}{COMMENT_END}",
            encode(&self.plan_key),
            encode(&self.item_id),
            encode_list(&self.labels),
            encode_list(&self.assignees),
        )
    }

    /// Parses a begin line (without its newline). `None` if it is not one of ours.
    pub fn parse_comment(line: &str) -> Option<Marker> {
        let inner = line
            .trim()
            .strip_prefix(BEGIN_PREFIX)?
            .strip_suffix(COMMENT_END)?;
        let mut marker = Marker::default();
        let (mut has_plan, mut has_item) = (false, false);
        for attribute in inner.split(' ').filter(|a| !a.is_empty()) {
            let (name, value) = attribute.split_once('=')?;
            match name {
                "plan" => {
                    marker.plan_key = decode(value)?;
                    has_plan = true;
                }
                "item" => {
                    marker.item_id = decode(value)?;
                    has_item = true;
                }
                "labels" => marker.labels = decode_list(value)?,
                "assignees" => marker.assignees = decode_list(value)?,
                "deps" => marker.deps = Some(decode_list(value)?),
                // Attributes written by a newer planpilot are ignored, not fatal.
                _ => {}
            }
        }
        (has_plan && has_item && !marker.item_id.is_empty()).then_some(marker)
    }
}

/// The hidden first line of planpilot's comment on a pull request:
/// `<!-- planpilot:preview plan=KEY file=PATH -->`. It names the plan the comment previews, so
/// each plan of a repository keeps its own comment, found again and edited on the next push.
/// The plan file names it too, for a push whose plan does not load (its key is unknown then).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreviewMarker {
    /// Empty when the plan did not load.
    pub plan_key: String,
    /// The plan file, relative to the repository root.
    pub plan_file: String,
}

pub(crate) const PREVIEW_PREFIX: &str = "<!-- planpilot:preview ";

impl PreviewMarker {
    pub fn to_comment(&self) -> String {
        format!(
            "{PREVIEW_PREFIX}plan={} file={}{COMMENT_END}",
            encode(&self.plan_key),
            encode(&self.plan_file)
        )
    }

    /// The marker on the first line of a comment body, if it is one of planpilot's.
    pub fn of_body(body: &str) -> Option<PreviewMarker> {
        let inner = body
            .lines()
            .next()?
            .trim()
            .strip_prefix(PREVIEW_PREFIX)?
            .strip_suffix(COMMENT_END)?;
        let mut marker = PreviewMarker::default();
        for attribute in inner.split(' ').filter(|a| !a.is_empty()) {
            let (name, value) = attribute.split_once('=')?;
            match name {
                "plan" => marker.plan_key = decode(value)?,
                "file" => marker.plan_file = decode(value)?,
                _ => {}
            }
        }
        Some(marker)
    }

    /// Whether a comment carrying `found` previews the plan this marker names: the same plan
    /// key, or, when either side's key is unknown (a plan that did not load), the same file.
    pub fn is_same_plan(&self, found: &PreviewMarker) -> bool {
        if self.plan_key.is_empty() || found.plan_key.is_empty() {
            !self.plan_file.is_empty() && self.plan_file == found.plan_file
        } else {
            self.plan_key == found.plan_key
        }
    }
}

/// Reads the identity from the first managed block of a body.
pub fn find_marker(body: &str) -> Option<Marker> {
    body.lines()
        .filter(|line| line.trim_start().starts_with(BEGIN_PREFIX))
        .find_map(Marker::parse_comment)
}

/// Characters kept as they are; everything else is percent-encoded (UTF-8 bytes).
fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/' | b':' | b'@')
}

fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if is_plain(byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn encode_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| encode(v))
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_list(value: &str) -> Option<Vec<String>> {
    if value.is_empty() {
        return Some(Vec::new());
    }
    value.split(',').map(decode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(key: &str, id: &str) -> Marker {
        Marker {
            plan_key: key.to_string(),
            item_id: id.to_string(),
            labels: vec!["roadmap".into(), "needs review, badly".into()],
            assignees: vec!["octocat".into()],
            deps: Some(vec!["T-2".into(), "odd, id".into()]),
        }
    }

    #[test]
    fn a_marker_without_deps_is_told_from_one_with_none() {
        let old = "<!-- planpilot:begin plan=k item=T-1 labels= assignees= -->";
        assert_eq!(Marker::parse_comment(old).unwrap().deps, None);
        let none = "<!-- planpilot:begin plan=k item=T-1 labels= assignees= deps= -->";
        assert_eq!(Marker::parse_comment(none).unwrap().deps, Some(Vec::new()));
        let mut marker = marker("k", "T-1");
        marker.deps = None;
        assert_eq!(
            marker.to_comment(),
            old.replace("labels=", "labels=roadmap,needs%20review%2C%20badly")
                .replace("assignees=", "assignees=octocat")
        );
    }

    #[test]
    fn round_trips_awkward_values() {
        for (key, id) in [
            ("plans/road map.yaml", "T-1"),
            ("k", "id with --> and \"quotes\" and = and ,"),
            ("ключ", "🚀-1"),
            ("100%", "%41"),
        ] {
            let m = marker(key, id);
            let line = m.to_comment();
            assert!(!line[4..line.len() - 3].contains("-->"), "{line}");
            assert_eq!(Marker::parse_comment(&line), Some(m));
        }
    }

    #[test]
    fn finds_the_first_marker_in_a_body() {
        let body = format!(
            "human intro\n{}\ntext\n{END_LINE}\n{}\n",
            marker("a", "E-1").to_comment(),
            marker("a", "E-2").to_comment()
        );
        assert_eq!(find_marker(&body).map(|m| m.item_id), Some("E-1".into()));
    }

    #[test]
    fn preview_markers_round_trip_and_tell_plans_apart() {
        let ours = PreviewMarker {
            plan_key: "shop roadmap -->".into(),
            plan_file: "plans/shop.yaml".into(),
        };
        let line = ours.to_comment();
        assert!(!line[4..line.len() - 3].contains("-->"), "{line}");
        let body = format!("{line}\n### planpilot\n");
        assert_eq!(PreviewMarker::of_body(&body), Some(ours.clone()));
        // Only on the first line: a quote of it further down is not planpilot's comment.
        assert_eq!(PreviewMarker::of_body(&format!("> hi\n{line}")), None);
        let other = PreviewMarker {
            plan_key: "ops".into(),
            plan_file: "plans/shop.yaml".into(),
        };
        assert!(!ours.is_same_plan(&other));
        // A plan that did not load is matched by its file.
        let unloaded = PreviewMarker {
            plan_key: String::new(),
            plan_file: "plans/shop.yaml".into(),
        };
        assert!(ours.is_same_plan(&unloaded) && unloaded.is_same_plan(&ours));
        let elsewhere = PreviewMarker {
            plan_file: "plans/ops.yaml".into(),
            ..unloaded.clone()
        };
        assert!(!unloaded.is_same_plan(&elsewhere));
    }

    #[test]
    fn rejects_lines_that_are_not_markers() {
        for line in [
            "<!-- planpilot:begin plan=a -->",
            "<!-- planpilot:begin item=a -->",
            "<!-- planpilot:begin plan=a item=%ZZ -->",
            "<!-- planpilot:begin plan=a item=b",
            "planpilot:begin plan=a item=b -->",
            "<!-- planpilot:begin plan=a item= -->",
        ] {
            assert_eq!(Marker::parse_comment(line), None, "{line}");
        }
        assert_eq!(find_marker("no marker here"), None);
    }
}
