//! `planpilot import`: read an existing backlog from GitHub and write a plan file that adopts
//! it — every item bound to its issue with `issue:` — plus notes on what was left out.
//!
//! Reads only; nothing on GitHub changes until the written plan is synced.

use std::path::{Path, PathBuf};

use crate::github::backlog::{read_backlog, BacklogError, BacklogQuery, BoardRef, Selector};
use crate::github::ops::BoardOwner;
use crate::github::Client;
use crate::plan::{self, LoadOptions};
use crate::sync::import::{import_plan, ImportContext};
use crate::sync::{ProjectOwnerKind, TypeNames};

use super::commands::{plan_stats, Exit};
use super::inputs::{Env, Flags, Inputs};

/// What `planpilot import` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// `OWNER/REPO`; `GITHUB_REPOSITORY` when unset.
    pub repository: Option<String>,
    pub labels: Vec<String>,
    pub milestones: Vec<String>,
    /// A board: its issues are selected, and every imported issue's values on it are read.
    pub project_url: Option<String>,
    pub roots: Vec<u64>,
    /// Where the plan goes: a file, or `-` / `None` for standard output.
    pub output: Option<PathBuf>,
}

impl ImportRequest {
    fn selectors(&self) -> Vec<Selector> {
        let mut selectors: Vec<Selector> = Vec::new();
        selectors.extend(self.labels.iter().cloned().map(Selector::Label));
        selectors.extend(self.milestones.iter().cloned().map(Selector::Milestone));
        if self.project_url.is_some() {
            selectors.push(Selector::Board);
        }
        selectors.extend(self.roots.iter().copied().map(Selector::Root));
        selectors
    }

    /// The selection as typed, for the plan's header.
    fn selection(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.labels.iter().map(|l| format!("--label {l}")));
        parts.extend(self.milestones.iter().map(|m| format!("--milestone {m}")));
        parts.extend(
            self.project_url
                .iter()
                .map(|u| format!("--project-url {u}")),
        );
        parts.extend(self.roots.iter().map(|n| format!("--root {n}")));
        parts.join(" ")
    }

    /// The file to write, or `None` for standard output.
    fn output_file(&self) -> Option<&Path> {
        self.output.as_deref().filter(|p| *p != Path::new("-"))
    }

    /// The flags of `Inputs`, so tokens and endpoints are read as `sync` reads them.
    fn flags(&self) -> Flags {
        let mut flags = Flags::new();
        // A read-only command: a missing token is reported below, in this command's words.
        flags.insert("dry-run".into(), "true".into());
        if let Some(repository) = &self.repository {
            flags.insert("repository".into(), repository.clone());
        }
        if let Some(url) = &self.project_url {
            flags.insert("project-url".into(), url.clone());
        }
        flags
    }
}

/// Runs the import; the exit code follows `sync`'s: 2 for bad input, 1 when GitHub failed.
pub async fn import(request: &ImportRequest, env: &Env) -> Exit {
    let inputs = match Inputs::parse(&request.flags(), env) {
        Ok(inputs) => inputs,
        Err(errors) => {
            for error in errors {
                eprintln!("error: {error}");
            }
            return Exit::Invalid;
        }
    };
    let selectors = request.selectors();
    if selectors.is_empty() {
        eprintln!(
            "error: nothing selected: give at least one --label, --milestone, --project-url or --root"
        );
        return Exit::Invalid;
    }
    if inputs.github_token.is_none() {
        eprintln!("error: no token: set GITHUB_TOKEN (import reads the repository's issues)");
        return Exit::Invalid;
    }
    let mut config = inputs.client_config();
    // One token reads issues and the board alike.
    config.project_token = inputs.github_token.clone();
    let client = match Client::new(config) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: cannot set up the GitHub client: {e}");
            return Exit::Invalid;
        }
    };
    let query = BacklogQuery {
        owner: inputs.repository.owner.clone(),
        name: inputs.repository.name.clone(),
        selectors,
        board: inputs.project.as_ref().map(|p| BoardRef {
            owner_kind: match p.owner_kind {
                ProjectOwnerKind::Organization => BoardOwner::Organization,
                ProjectOwnerKind::User => BoardOwner::User,
            },
            owner: p.owner.clone(),
            number: p.number,
        }),
    };
    let backlog = match read_backlog(&client, &query).await {
        Ok(backlog) => backlog,
        Err(BacklogError::NotFound(message)) => {
            eprintln!("error: {message}");
            return Exit::Invalid;
        }
        Err(BacklogError::Api(error)) => {
            eprintln!("error: reading the backlog failed: {error}");
            return Exit::SyncFailed;
        }
        Err(error @ BacklogError::Partial(_)) => {
            eprintln!("error: reading the backlog failed: {error}");
            return Exit::SyncFailed;
        }
    };
    let type_names = TypeNames::default();
    let selection = request.selection();
    let context = ImportContext {
        repository: &inputs.repository,
        selection: &selection,
        type_names: &type_names,
        sync_label: &inputs.label,
    };
    let imported = import_plan(&backlog, &context);
    let text = plan::to_yaml(&imported.draft);
    let shown = request
        .output_file()
        .map_or_else(|| "plan.yaml".to_string(), |p| p.display().to_string());
    // The file must load as it is written: check before anyone commits it.
    let loaded = plan::load_str(&text, Path::new(&shown), &LoadOptions::default());
    let plan = match loaded {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: the imported plan does not validate (please report this):");
            for d in &error.diagnostics {
                eprintln!("  {d}");
            }
            return Exit::SyncFailed;
        }
    };
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    match request.output_file() {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return Exit::Invalid;
            }
        }
        None => print!("{text}"),
    }
    eprintln!(
        "imported {} issue(s) from {} into {shown}: {}; {} note(s). Review the file, commit it and \
         push: the next sync adopts every issue and creates none.",
        imported.bound,
        inputs.repository,
        plan_stats(&plan),
        imported.notes.len()
    );
    Exit::Success
}
