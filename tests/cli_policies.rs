//! `pol policies`: the bundled library listed, filtered, shown, as text and JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::process::{Command, Output, Stdio};

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every policy file of the repository's library, counted from the sources.
fn policies_in_repository() -> usize {
    let mut count = 0;
    let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|extension| extension == "pol") {
                let text = std::fs::read_to_string(&path).unwrap();
                count += text
                    .lines()
                    .filter(|line| line.starts_with("policy "))
                    .count();
            }
        }
    }
    count
}

#[test]
fn the_bundled_library_is_listed_in_full() {
    let output = pol(&["policies", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), policies_in_repository());
    for entry in listed {
        for key in [
            "id", "title", "severity", "enabled", "family", "controls", "file", "match",
        ] {
            assert!(entry.get(key).is_some(), "{key} missing in {entry}");
        }
    }
    // The library's promise: 170 policies, 150 of them beyond Pod Security.
    assert!(listed.len() >= 170, "{} policies", listed.len());
    let beyond = listed
        .iter()
        .filter(|entry| entry["family"] != "pod-security")
        .count();
    assert!(beyond >= 150, "{beyond} policies beyond Pod Security");
    let off = listed
        .iter()
        .filter(|entry| entry["enabled"] == false)
        .count();
    let text = stdout(&pol(&["policies", "list"]));
    assert!(text.contains("pss-privileged"), "{text}");
    assert!(
        text.ends_with(&format!(
            "{0} of {0} policies ({off} off by default: turn them on with `enable` in pol.yaml)\n",
            listed.len()
        )),
        "{text}"
    );
}

#[test]
fn filters_select_by_family_severity_control_and_id() {
    let json = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec!["policies", "list", "--format", "json"];
        all.extend_from_slice(args);
        serde_json::from_str::<serde_json::Value>(&stdout(&pol(&all)))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let restricted = json(&["--control", "PSS-restricted"]);
    assert!(!restricted.is_empty());
    assert!(restricted.iter().all(|entry| {
        entry["controls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|control| control.as_str().unwrap().starts_with("PSS-restricted"))
    }));
    let critical = json(&["--severity", "critical"]);
    assert!(critical.iter().all(|entry| entry["severity"] == "critical"));
    assert!(critical.iter().any(|entry| entry["id"] == "pss-privileged"));
    assert!(json(&["--family", "no-such-family"]).is_empty());
    let host = json(&["--id", "host-"]);
    assert!(
        host.iter()
            .all(|entry| entry["id"].as_str().unwrap().contains("host-"))
    );
    let output = pol(&["policies", "list", "--severity", "urgent"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn show_prints_documentation_parameters_and_tests() {
    let output = pol(&["policies", "show", "pss-sysctls"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for expected in [
        "pss-sysctls  (high, pod-security)",
        "What it checks:",
        "Parameters:\n  version: string = \"latest\"",
        "Tests:        pod-security/sysctls.test.yaml:",
        "Controls:     PSS-baseline",
    ] {
        assert!(text.contains(expected), "`{expected}` missing:\n{text}");
    }
    let json: serde_json::Value = serde_json::from_str(&stdout(&pol(&[
        "policies",
        "show",
        "pss-sysctls",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["params"][0]["name"], "version");
    assert!(json["tests"]["cases"].as_u64().unwrap() > 0);
    let output = pol(&["policies", "show", "pss-privilegd"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: no policy `pss-privilegd`; did you mean `pss-privileged`?\n"
    );
}

#[test]
fn other_libraries_can_be_listed() {
    let output = pol(&["policies", "--policies", "examples", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["id"] == "min-replicas")
    );
}
