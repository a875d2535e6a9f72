//! The parts of GitHub's API that GitHub Enterprise Server gained release by release, and the
//! set a server has. github.com has them all; an older server lacks some, and a document that
//! selects a field it lacks fails validation as a whole, so every document is built from the
//! set the server has (`ops::features` reads it once per run).
//!
//! Plain data: imports nothing of `github`.

/// One feature planpilot uses that not every server has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// `Issue.parent`, `Issue.subIssues`, `addSubIssue`, `removeSubIssue`,
    /// `createIssue(parentIssueId:)`.
    SubIssues,
    /// `Issue.issueType`, `Repository.issueTypes`, `createIssue`/`updateIssue(issueTypeId:)`.
    IssueTypes,
    /// `Issue.blockedBy`, `addBlockedBy`, `removeBlockedBy`.
    IssueDependencies,
    /// Closing as a duplicate: `stateReason(enableDuplicate:)`, the `DUPLICATE` reason and
    /// `closeIssue(duplicateIssueId:)`.
    DuplicateReason,
    /// A board card made with the issue: `createIssue(projectV2Ids:)`.
    CardsInCreate,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::SubIssues,
        Feature::IssueTypes,
        Feature::IssueDependencies,
        Feature::DuplicateReason,
        Feature::CardsInCreate,
    ];

    /// What users call it.
    pub fn name(self) -> &'static str {
        match self {
            Feature::SubIssues => "sub-issues",
            Feature::IssueTypes => "issue types",
            Feature::IssueDependencies => "issue dependencies (blocked-by links)",
            Feature::DuplicateReason => "closing as a duplicate",
            Feature::CardsInCreate => "adding the board card when creating an issue",
        }
    }

    /// The first GitHub Enterprise Server release that has it, where that is known.
    pub fn since(self) -> Option<&'static str> {
        match self {
            Feature::SubIssues => Some("3.16"),
            Feature::IssueTypes => Some("3.18"),
            Feature::IssueDependencies => Some("3.19"),
            Feature::DuplicateReason | Feature::CardsInCreate => None,
        }
    }

    /// "sub-issues (GitHub Enterprise Server 3.16 and later)".
    pub fn describe(self) -> String {
        match self.since() {
            Some(version) => format!(
                "{} (GitHub Enterprise Server {version} and later)",
                self.name()
            ),
            None => format!("{} (newer GitHub Enterprise Server releases)", self.name()),
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The features a server has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    bits: u8,
}

/// None: a set nobody has read yet sends nothing a server may lack.
impl Default for Features {
    fn default() -> Features {
        Features::none()
    }
}

impl Features {
    /// Every feature: github.com (and the newest GitHub Enterprise Server).
    pub const fn all() -> Features {
        Features { bits: 0b1_1111 }
    }

    /// None of them.
    pub const fn none() -> Features {
        Features { bits: 0 }
    }

    pub fn has(self, feature: Feature) -> bool {
        self.bits & feature.bit() != 0
    }

    pub fn with(self, feature: Feature) -> Features {
        Features {
            bits: self.bits | feature.bit(),
        }
    }

    pub fn without(self, feature: Feature) -> Features {
        Features {
            bits: self.bits & !feature.bit(),
        }
    }

    /// The features this set lacks, in `Feature::ALL` order.
    pub fn missing(self) -> Vec<Feature> {
        Feature::ALL.into_iter().filter(|f| !self.has(*f)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_knows_what_it_lacks() {
        let set = Features::all()
            .without(Feature::IssueDependencies)
            .without(Feature::SubIssues);
        assert!(set.has(Feature::IssueTypes) && !set.has(Feature::SubIssues));
        assert_eq!(
            set.missing(),
            [Feature::SubIssues, Feature::IssueDependencies]
        );
        assert_eq!(
            Features::none().with(Feature::IssueTypes).missing().len(),
            4
        );
        assert!(Features::all().missing().is_empty());
        assert_eq!(
            Feature::IssueDependencies.describe(),
            "issue dependencies (blocked-by links) (GitHub Enterprise Server 3.19 and later)"
        );
    }
}
