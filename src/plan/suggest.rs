//! "Did you mean ...?" hints: the closest candidate by edit distance, if it is close enough.

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `word`, when within a third of its length (at least 1, at most 3).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Long words (such as 10 kB of junk) would make the quadratic distance costly; no real
    // key or id is that long.
    if word.chars().count() > 200 {
        return None;
    }
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean X?)` or nothing.
pub(crate) fn hint<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    quote: bool,
) -> String {
    match closest(word, candidates) {
        Some(c) if quote => format!(" (did you mean `{c}`?)"),
        Some(c) => format!(" (did you mean {c}?)"),
        None => String::new(),
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
}
