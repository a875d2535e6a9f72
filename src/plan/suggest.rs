//! "Did you mean ...?" hints: the closest candidate by edit distance, if it is close enough.

/// Edit distance in characters where swapping two neighbours counts as one edit (optimal string
/// alignment), so the commonest typo, `titel` or `tilte` for `title`, is one edit away and not
/// two.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for the swap), the previous one and the current one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `word`, when within a third of its length (at least 1, at most 3).
/// Spends at most `budget` distance-table cells across calls, so a hostile plan with many
/// unknown ids or keys cannot make hinting quadratic; hints stop when it runs out.
fn closest_within<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    budget: &mut usize,
) -> Option<&'a str> {
    let length = word.chars().count();
    // No real key or id is this long; junk this long would only cost time.
    if length > 200 {
        return None;
    }
    let limit = (length / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let other = candidate.chars().count();
        if candidate == word || other.abs_diff(length) > limit {
            continue;
        }
        let cost = (length + 1) * (other + 1);
        if *budget < cost {
            return None;
        }
        *budget -= cost;
        let d = distance(word, candidate);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean `X`?)` or nothing, for keys; spends from `budget` like `Hints`.
pub(crate) fn key_hint<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    budget: &mut usize,
) -> String {
    match closest_within(word, candidates, budget) {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

/// Hints against one fixed set of candidates (the plan's ids), within a work budget.
pub(crate) struct Hints<'a> {
    candidates: Vec<&'a str>,
    budget: usize,
}

impl<'a> Hints<'a> {
    /// Enough for hundreds of hints on a plan of thousands of items.
    pub const BUDGET: usize = 10_000_000;

    pub fn new(candidates: impl IntoIterator<Item = &'a str>) -> Hints<'a> {
        Hints {
            candidates: candidates.into_iter().collect(),
            budget: Self::BUDGET,
        }
    }

    /// ` (did you mean X?)` or nothing, for a reference written in the item `own`: its own id
    /// is never offered (an item cannot depend on, or be the parent of, itself).
    pub fn hint(&mut self, word: &str, own: &str) -> String {
        let candidates = self.candidates.iter().copied().filter(|c| *c != own);
        match closest_within(word, candidates, &mut self.budget) {
            Some(c) => format!(" (did you mean {c}?)"),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("T-99", "T-9"), 1);
        // A swap of neighbours is one edit.
        assert_eq!(distance("titel", "title"), 1);
        assert_eq!(distance("tilte", "title"), 1);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("abc", "ca"), 3);
    }

    #[test]
    fn transposed_keys_get_their_hint() {
        let keys = ["id", "title", "goal", "tasks", "labels"];
        assert_eq!(closest("titel", keys), Some("title"));
        assert_eq!(closest("tilte", keys), Some("title"));
        assert_eq!(closest("lables", keys), Some("labels"));
        assert_eq!(closest("tsaks", keys), Some("tasks"));
    }

    #[test]
    fn an_item_is_never_offered_its_own_id() {
        let mut hints = Hints::new(["E-1", "E-11"]);
        assert_eq!(hints.hint("E-111", "E-11"), "");
        assert_eq!(hints.hint("E-12", "E-11"), " (did you mean E-1?)");
        assert_eq!(hints.hint("E-12", "E-1"), " (did you mean E-11?)");
    }

    fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        closest_within(word, candidates, &mut { usize::MAX })
    }

    #[test]
    fn closest_respects_the_limit() {
        assert_eq!(closest("T-99", ["T-1", "T-9", "S-9"]), Some("T-9"));
        assert_eq!(
            closest("dependson", ["depends_on", "description"]),
            Some("depends_on")
        );
        assert_eq!(closest("zzz", ["title", "goal"]), None);
    }

    #[test]
    fn hints_stop_when_the_budget_is_spent() {
        let mut hints = Hints::new(["T-1", "T-2"]);
        assert_eq!(hints.hint("T-3", "T-9"), " (did you mean T-1?)");
        hints.budget = 0;
        assert_eq!(hints.hint("T-3", "T-9"), "");
    }
}
