//! The changes to the board: cards to add and field values to set (the plan's own values
//! always; `defaults.fields` only where the card's field is empty).

use crate::sync::changes::{Change, Changes, FieldSet};
use crate::sync::fields::{has_value, Setting};

use super::resolve::Diff;

impl Diff<'_> {
    pub(super) fn board(&self, changes: &mut Changes) {
        let Some(fields) = &self.fields else {
            return;
        };
        for item in &self.plan.items {
            let card = self
                .keepers
                .get(item.id.as_str())
                .and_then(|i| i.card.as_ref());
            // A new issue's card comes with its create when one token writes both.
            let created = !self.keepers.contains_key(item.id.as_str());
            if card.is_none() && !(created && changes.cards_in_create) {
                changes.push(Change::BoardAdd {
                    item: item.id.clone(),
                });
            }
            let owned = fields
                .by_item
                .get(&item.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let current = |field_id: &str| card.and_then(|c| c.values.get(field_id));
            let set = |(field_id, name, setting): &(String, String, Setting)| {
                Change::SetField(FieldSet {
                    item: item.id.clone(),
                    field_id: field_id.clone(),
                    field_name: name.clone(),
                    setting: setting.clone(),
                })
            };
            for owned_field in owned {
                if !current(&owned_field.0).is_some_and(|v| owned_field.2.matches(v)) {
                    changes.push(set(owned_field));
                }
            }
            for default in &fields.defaults {
                let owned_by_item = owned.iter().any(|(id, _, _)| *id == default.0);
                if !owned_by_item && !current(&default.0).is_some_and(has_value) {
                    changes.push(set(default));
                }
            }
        }
    }
}
