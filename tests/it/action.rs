//! The action's packaging agrees with the binary: action.yml declares exactly the inputs the
//! binary reads (names, descriptions, defaults) and the outputs it writes; the Dockerfile keeps
//! GitHub's container-action rules; the README documents every input and output.

use std::path::PathBuf;

use planpilot::action::inputs::INPUTS;
use planpilot::action::outputs::OUTPUT_NAMES;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn action_yml() -> serde_yaml::Value {
    serde_yaml::from_str(&read("action.yml")).expect("action.yml is YAML")
}

/// `(key, value)` pairs of a YAML mapping, in file order.
fn entries(value: &serde_yaml::Value) -> Vec<(String, serde_yaml::Value)> {
    value
        .as_mapping()
        .expect("a mapping")
        .iter()
        .map(|(k, v)| (k.as_str().expect("string key").to_string(), v.clone()))
        .collect()
}

fn text(value: &serde_yaml::Value, key: &str) -> Option<String> {
    match &value[key] {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[test]
fn action_yml_inputs_are_exactly_what_the_binary_reads() {
    let action = action_yml();
    let declared = entries(&action["inputs"]);
    let names: Vec<&str> = declared.iter().map(|(name, _)| name.as_str()).collect();
    let expected: Vec<&str> = INPUTS.iter().map(|spec| spec.name).collect();
    assert_eq!(
        names, expected,
        "action.yml inputs vs action::inputs::INPUTS"
    );
    for ((name, input), spec) in declared.iter().zip(INPUTS) {
        assert_eq!(
            text(input, "description").as_deref(),
            Some(spec.description),
            "description of {name}"
        );
        // An empty default in action.yml is the same as none.
        let default = text(input, "default").filter(|d| !d.is_empty());
        assert_eq!(default.as_deref(), spec.default, "default of {name}");
        // The runner does not enforce `required`; planpilot checks its inputs itself.
        assert_eq!(input["required"], serde_yaml::Value::Bool(false), "{name}");
    }
}

#[test]
fn action_yml_outputs_are_exactly_what_the_binary_writes() {
    let action = action_yml();
    let declared = entries(&action["outputs"]);
    let names: Vec<&str> = declared.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, OUTPUT_NAMES);
    for (name, output) in &declared {
        assert!(
            text(output, "description").is_some_and(|d| !d.is_empty()),
            "{name}"
        );
    }
}

#[test]
fn action_yml_runs_the_prebuilt_image() {
    let action = action_yml();
    assert_eq!(text(&action["runs"], "using").as_deref(), Some("docker"));
    let image = text(&action["runs"], "image").unwrap();
    assert!(image.starts_with("docker://ghcr.io/"), "{image}");
    // No args: under Actions the binary runs `sync` by itself.
    assert!(action["runs"].get("args").is_none());
}

/// Dockerfile instructions, continuation lines joined, comments dropped.
fn dockerfile_instructions() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        current.push_str(trimmed.trim_end_matches('\\'));
        current.push(' ');
        if !trimmed.ends_with('\\') {
            out.push(current.trim().to_string());
            current.clear();
        }
    }
    out
}

#[test]
fn dockerfile_follows_the_container_action_rules() {
    let instructions = dockerfile_instructions();
    let keyword = |i: &String| i.split_whitespace().next().unwrap_or("").to_uppercase();
    let froms: Vec<&String> = instructions
        .iter()
        .filter(|i| keyword(i) == "FROM")
        .collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    let last_from = froms.last().unwrap();
    assert!(
        last_from.contains("scratch") || last_from.contains("distroless/static"),
        "minimal final image: {last_from}"
    );
    for forbidden in ["USER", "WORKDIR"] {
        assert!(
            !instructions.iter().any(|i| keyword(i) == forbidden),
            "GitHub forbids {forbidden} in container actions"
        );
    }
    let entrypoint = instructions
        .iter()
        .rfind(|i| keyword(i) == "ENTRYPOINT")
        .expect("an ENTRYPOINT");
    let args = entrypoint["ENTRYPOINT".len()..].trim();
    let exec_form: Vec<String> = serde_json::from_str(args).expect("exec-form ENTRYPOINT");
    assert_eq!(exec_form, ["/planpilot"]);
    // The musl triple of the machine the stage runs on, so one Dockerfile builds every platform.
    assert!(instructions
        .iter()
        .any(|i| i.contains("$(uname -m)-unknown-linux-musl")
            && i.contains("--locked")
            && i.contains("--target")));
    // The final stage has CA roots for TLS.
    assert!(instructions
        .iter()
        .any(|i| i.starts_with("COPY --from=") && i.contains("ca-certificates.crt")));
}

#[test]
fn dockerignore_keeps_build_output_out_of_the_context() {
    let ignore = read(".dockerignore");
    let lines: Vec<&str> = ignore.lines().map(str::trim).collect();
    assert!(lines.contains(&"target") && lines.contains(&".git"));
    // The build needs the sources and the embedded example plan.
    for needed in ["src", "crates", "examples", "Cargo.toml", "Cargo.lock"] {
        assert!(!lines.contains(&needed), "{needed} must reach the build");
    }
}

#[test]
fn readme_documents_every_input_and_output() {
    let readme = read("README.md");
    for spec in INPUTS {
        assert!(
            readme.contains(&format!("| `{}` |", spec.name)),
            "README lacks input {}",
            spec.name
        );
    }
    for name in OUTPUT_NAMES {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "README lacks output {name}"
        );
    }
}

#[test]
fn readme_and_ci_run_the_same_test_command() {
    let command = "cargo test --workspace --locked";
    assert!(read("README.md").contains("```sh\ncargo run --example demo\n```"));
    assert!(read("README.md").contains(&format!("```sh\n{command}\n```")));
    assert!(read(".github/workflows/ci.yml").contains(&format!("run: {command}")));
    assert!(read(".ci/run").lines().any(|line| line.trim() == command));
}
