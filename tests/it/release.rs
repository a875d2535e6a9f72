//! A release ships what `uses:` runs. One version everywhere a release names it: `Cargo.toml`'s
//! package version, the image tag `action.yml` runs (so a workflow pinned to a tag or commit runs
//! that version's binary, never a floating tag) and the latest section of `CHANGELOG.md`. The
//! release workflow smoke-tests both platforms before it pushes them and moves the major tag
//! last; CI builds the image and checks the static binary on every pull request.

use std::path::PathBuf;

fn read(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A `key = "value"` line of the `[section]` table of Cargo.toml.
fn cargo_value(section: &str, key: &str) -> String {
    let manifest = read("Cargo.toml");
    let mut in_section = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == format!("[{section}]");
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if in_section && k.trim() == key {
            return v.trim().trim_matches('"').to_string();
        }
    }
    panic!("Cargo.toml has no {key} in [{section}]")
}

fn action_image() -> String {
    let action: serde_yaml::Value = serde_yaml::from_str(&read("action.yml")).unwrap();
    action["runs"]["image"]
        .as_str()
        .expect("runs.image is a string")
        .to_string()
}

/// The version of the first `## ` section of the changelog (`## 1.2.3` or `## 1.2.3 (…)`).
fn changelog_latest() -> String {
    let changelog = read("CHANGELOG.md");
    let heading = changelog
        .lines()
        .find_map(|line| line.strip_prefix("## "))
        .expect("CHANGELOG.md has a `## ` section");
    heading.split_whitespace().next().unwrap_or("").to_string()
}

fn is_semver(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn cargo_toml_action_yml_and_changelog_name_one_version() {
    let version = cargo_value("package", "version");
    assert!(is_semver(&version), "Cargo.toml version {version:?}");
    let image = action_image();
    let (_, tag) = image.rsplit_once(':').expect("an image tag");
    assert_eq!(
        tag,
        format!("v{version}"),
        "action.yml runs {image}, Cargo.toml says {version}"
    );
    assert_eq!(
        changelog_latest(),
        version,
        "the latest section of CHANGELOG.md vs Cargo.toml"
    );
}

#[test]
fn action_yml_runs_the_image_this_repository_publishes() {
    // The release workflow pushes ghcr.io/OWNER/NAME, lower-cased, for the repository it runs in.
    let repository = cargo_value("workspace.package", "repository");
    let path = repository
        .strip_prefix("https://github.com/")
        .expect("a github.com repository URL");
    let image = action_image();
    let (name, _) = image.rsplit_once(':').unwrap();
    assert_eq!(
        name,
        format!("docker://ghcr.io/{}", path.to_lowercase()),
        "action.yml's image vs Cargo.toml's repository"
    );
}

fn workflow(path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The steps of every job of a workflow, in order.
fn steps(workflow: &serde_yaml::Value) -> Vec<serde_yaml::Value> {
    let jobs = workflow["jobs"].as_mapping().expect("jobs");
    jobs.values()
        .flat_map(|job| job["steps"].as_sequence().cloned().unwrap_or_default())
        .collect()
}

fn uses(step: &serde_yaml::Value, action: &str) -> bool {
    step["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with(&format!("{action}@")))
}

fn runs(step: &serde_yaml::Value, command: &str) -> bool {
    step["run"].as_str().is_some_and(|r| r.contains(command))
}

fn with(step: &serde_yaml::Value, key: &str) -> String {
    match &step["with"][key] {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

#[test]
fn release_workflow_smoke_tests_both_platforms_then_pushes_and_moves_the_major_tag() {
    let release = workflow(".github/workflows/release.yml");
    assert_eq!(release["on"]["push"]["tags"][0].as_str(), Some("v*.*.*"));
    assert_eq!(release["permissions"]["packages"].as_str(), Some("write"));
    assert_eq!(release["permissions"]["contents"].as_str(), Some("write"));
    let steps = steps(&release);
    let position = |what: &str, found: &dyn Fn(&serde_yaml::Value) -> bool| {
        steps
            .iter()
            .position(found)
            .unwrap_or_else(|| panic!("release.yml has no step that {what}"))
    };
    let check = position("checks the tag against Cargo.toml", &|s| {
        runs(s, "Cargo.toml") && runs(s, "action.yml") && runs(s, "CHANGELOG.md")
    });
    let qemu = position("sets up QEMU", &|s| uses(s, "docker/setup-qemu-action"));
    let push = position("pushes the image", &|s| {
        uses(s, "docker/build-push-action") && with(s, "push") == "true"
    });
    assert!(check < qemu && qemu < push);
    assert_eq!(with(&steps[push], "platforms"), "linux/amd64,linux/arm64");
    // The exact version, the tag action.yml runs; no floating image tag.
    assert_eq!(
        with(&steps[push], "tags"),
        "${{ steps.version.outputs.image }}:${{ github.ref_name }}"
    );
    for platform in ["linux/amd64", "linux/arm64"] {
        let smoke = position("smoke-tests a platform", &|s| {
            runs(s, "scripts/smoke-image.sh planpilot:smoke-") && runs(s, platform)
        });
        assert!(smoke < push, "{platform} is smoke-tested before the push");
    }
    let moved = position("moves the major tag", &|s| {
        runs(s, "git push --force origin \"refs/tags/$MAJOR\"")
    });
    assert!(
        push < moved,
        "the major tag moves only once the image is pushed"
    );
    assert!(PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/smoke-image.sh")
        .is_file());
}

#[test]
fn ci_builds_the_image_without_pushing_and_checks_the_static_binary() {
    let ci = workflow(".github/workflows/ci.yml");
    assert!(
        ci["on"].get("pull_request").is_some(),
        "ci.yml runs on pull requests"
    );
    let steps = steps(&ci);
    let build = steps
        .iter()
        .position(|s| uses(s, "docker/build-push-action"))
        .expect("ci.yml builds the image");
    assert_eq!(with(&steps[build], "push"), "false");
    assert!(steps[build..]
        .iter()
        .any(|s| runs(s, "scripts/smoke-image.sh planpilot:ci")));
    assert!(steps
        .iter()
        .any(|s| runs(s, "bash scripts/check-static.sh")));
}
