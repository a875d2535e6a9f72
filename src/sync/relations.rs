//! Blocked-by links as the sync sees them: the ones the plan wants (the rule in
//! `plan::links`, applied to the plan) and, later, the ones an earlier run made.

use crate::plan::Plan;

/// `(blocked, blocker)` item id pairs the plan wants, in plan order, without duplicates.
pub fn blocked_by_links(plan: &Plan) -> Vec<(String, String)> {
    plan.blocked_by_links()
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}
