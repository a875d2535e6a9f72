//! Reports the action's renderers are tested on (outputs, summary, pull-request comment): one
//! place that knows every field of `Report` and `ItemReport`, so a new field is added once.

use crate::github::Metrics;
use crate::plan::ItemKind;
use crate::sync::{ItemAction, ItemReport, Report};

/// A task `id` with `action`, and its issue `number` (and URL) when it has one.
pub fn task(id: &str, action: ItemAction, number: Option<u64>) -> ItemReport {
    ItemReport {
        number,
        url: number.map(|n| format!("https://github.com/acme/roadmap/issues/{n}")),
        ..item(id, ItemKind::Task, None, action)
    }
}

/// An item of `kind` under `parent`, with no issue yet.
pub fn item(id: &str, kind: ItemKind, parent: Option<&str>, action: ItemAction) -> ItemReport {
    ItemReport {
        id: id.to_string(),
        kind,
        title: format!("Title of {id}"),
        number: None,
        url: None,
        action,
        details: vec![],
        parent: parent.map(String::from),
        depends_on: vec![],
    }
}

/// An applied run of plan `roadmap` that reports `items` and nothing else.
pub fn report(items: Vec<ItemReport>) -> Report {
    Report {
        plan_key: "roadmap".to_string(),
        dry_run: false,
        items,
        changes: vec![],
        warnings: vec![],
        errors: vec![],
        kept_links: vec![],
        metrics: Metrics::default(),
        planned: vec![],
        roadmap: None,
        resume: None,
    }
}
