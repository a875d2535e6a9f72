//! The GitHub Action edge: inputs from env and flags, `GITHUB_OUTPUT`, the job summary,
//! workflow commands (annotations, groups, masks). Named after @actions/toolkit's vocabulary.
