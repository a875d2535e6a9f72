//! One version everywhere a release names it: `Cargo.toml`'s package version, the image tag
//! `action.yml` runs (so a workflow pinned to a tag or commit runs that version's binary, never a
//! floating tag) and the latest section of `CHANGELOG.md`.

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
