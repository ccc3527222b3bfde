//! Configuration (`pol.yaml`) end to end: what a team's file changes, and every kind of
//! mistake reported at its line with "did you mean".

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;
use std::process::{Command, Output};

/// The evaluation time of every run: exemptions expire against it.
const NOW: &str = "2026-11-28T12:00:00Z";

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .env("POL_NOW", NOW)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_team_configuration_changes_what_runs_and_how() {
    let debug = "examples/manifests/debug-pod.yaml";
    let plain = json(&pol(&["check", "--no-config", "--format", "json", debug]));
    let output = pol(&[
        "check",
        "--config",
        "tests/config/team.yaml",
        "--format",
        "json",
        "--show-exempted",
        debug,
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report = json(&output);
    let policies = |report: &serde_json::Value, list: &str| -> Vec<String> {
        report[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| finding["policy"].as_str().unwrap().to_string())
            .collect()
    };
    let before = policies(&plain, "findings");
    let after = policies(&report, "findings");
    // Disabled: gone.
    assert!(before.contains(&"pss-volume-types".to_string()));
    assert!(!after.contains(&"pss-volume-types".to_string()));
    // Exempted: moved to the exempted list with the reason and where it is written.
    assert!(!after.contains(&"pss-capabilities-baseline".to_string()));
    assert_eq!(report["summary"]["exempted"], 2);
    assert_eq!(
        report["exempted"][0]["exemption"]["by"],
        "tests/config/team.yaml:13"
    );
    // The expired exemption no longer applies, and says so.
    assert!(after.contains(&"pss-privileged".to_string()));
    assert_eq!(
        report["warnings"][0],
        "the exemption at tests/config/team.yaml:18 expired on 2026-01-31 and no longer applies"
    );
    // Severity override and enforcement modes.
    for finding in report["findings"].as_array().unwrap() {
        let policy = finding["policy"].as_str().unwrap();
        if policy == "pss-run-as-non-root" {
            assert_eq!(finding["severity"], "low");
        }
        let mode = if policy.starts_with("pss-seccomp-") {
            "warn"
        } else {
            "enforce"
        };
        assert_eq!(finding["mode"], mode, "{policy}");
    }
}

#[test]
fn a_parameter_from_the_configuration_reaches_the_policy() {
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: nginx\n      ports:\n        - containerPort: 8080\n          hostPort: 8080\n";
    let dir = std::env::temp_dir().join(format!("pol-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pod.yaml");
    std::fs::write(&file, manifest).unwrap();
    let file = file.to_str().unwrap();
    let select = ["--select", "pss-host-ports", "--format", "json"];
    let without = json(&pol(
        &[&["check", "--no-config"], &select[..], &[file]].concat()
    ));
    assert_eq!(without["summary"]["findings"], 1);
    let with = pol(&[
        &["check", "--config", "tests/config/team.yaml"],
        &select[..],
        &[file],
    ]
    .concat());
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mistakes_in_the_structure_are_errors_at_their_place() {
    let output = pol(&[
        "check",
        "--config",
        "tests/config/unknown-keys.yaml",
        "examples/manifests",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "nothing is checked");
    insta::assert_snapshot!(text(&output.stderr));
}

#[test]
fn unknown_policies_parameters_and_controls_are_errors_with_suggestions() {
    let output = pol(&[
        "check",
        "--config",
        "tests/config/unknown-names.yaml",
        "examples/manifests",
    ]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(text(&output.stderr));
}

#[test]
fn inline_exemptions_need_a_reason_and_can_be_forbidden() {
    let args = ["check", "--select", "pss-host-*", "--format", "json"];
    let output = pol(&[&args[..], &["--no-config", "tests/config/annotated.yaml"]].concat());
    // The annotation without a reason is an error, and does not exempt.
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(report["summary"]["exempted"], 2);
    assert_eq!(report["summary"]["findings"], 2);
    assert_eq!(report["errors"][0]["line"], 21);
    // Forbidden by the configuration: every finding stands, the annotation is ignored.
    let output = pol(&[
        &args[..],
        &[
            "--config",
            "tests/config/no-inline.yaml",
            "tests/config/annotated.yaml",
        ],
    ]
    .concat());
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["summary"]["exempted"], 0);
    assert_eq!(report["summary"]["findings"], 4);
}

#[test]
fn pol_yaml_in_the_working_directory_is_found() {
    let dir = std::env::temp_dir().join(format!("pol-config-cwd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pol.yaml"), "disable: [\"*\"]\n").unwrap();
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifests");
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(["check", "--format", "json"])
        .arg(&manifests)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(json(&output)["summary"]["findings"], 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The findings of a JSON report as `POLICY LINE`, sorted.
fn policy_lines(output: &Output) -> Vec<String> {
    let mut found: Vec<String> = json(output)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["policy"].as_str().unwrap(), f["line"]))
        .collect();
    found.sort();
    found
}

#[test]
fn glob_and_regex_parameters_can_be_set_and_are_checked() {
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: docker.io/library/busybox:1.36\n    - name: b\n      image: nginx:1.27\n";
    let dir = std::env::temp_dir().join(format!("pol-config-patterns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pod.yaml");
    std::fs::write(&file, manifest).unwrap();
    let file = file.to_str().unwrap();
    let run = |config: &str| {
        pol(&[
            "check",
            "--policies",
            "tests/pol-test/params",
            "--config",
            config,
            "--format",
            "json",
            file,
        ])
    };
    let findings = policy_lines;
    let defaults = pol(&[
        "check",
        "--no-config",
        "--policies",
        "tests/pol-test/params",
        "--format",
        "json",
        file,
    ]);
    // Defaults: nginx:* is forbidden and neither image comes from an allowed registry.
    assert_eq!(
        findings(&defaults),
        ["glob-list-param 10", "glob-list-param 8", "glob-param 10"]
    );
    // Configured: busybox:* is forbidden (the glob is anchored: the registry prefix means it
    // does not match) and docker.io/library is allowed.
    assert_eq!(
        findings(&run("tests/config/patterns.yaml")),
        ["glob-list-param 10"]
    );
    let bad = run("tests/config/bad-patterns.yaml");
    assert_eq!(bad.status.code(), Some(2));
    insta::assert_snapshot!(text(&bad.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn configured_parameters_reach_the_setup() {
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\ndata:\n  colour: green\n  shout: GREEN\n  x: \"1\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: logs-big\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("maps.yaml");
    std::fs::write(&file, manifest).unwrap();
    let run = |config: &[&str]| {
        let mut args = vec![
            "check",
            "--policies",
            "tests/pol-test/setup",
            "--format",
            "json",
        ];
        args.extend_from_slice(config);
        args.push(file.to_str().unwrap());
        policy_lines(&pol(&args))
    };
    assert!(run(&["--no-config"]).is_empty());
    // `Cache` is reserved, the suffix is `-big`, `limit` 1 makes the computed `doubled` 2,
    // and the colour is `green` (lowered) and `GREEN` (upper-cased).
    assert_eq!(
        run(&["--config", "tests/config/setup.yaml"]),
        [
            "setup-shadowing 6",
            "setup-shadowing 7",
            "setup-values 13",
            "setup-values 4",
            "setup-values 5"
        ]
    );
}

#[test]
fn policies_that_ship_off_are_turned_on_with_enable() {
    let web = "examples/manifests/web.yaml";
    let off = pol(&["check", "--no-config", "--format", "json", web]);
    assert_eq!(off.status.code(), Some(0), "{}", text(&off.stdout));
    let on = pol(&[
        "check",
        "--config",
        "tests/config/enable.yaml",
        "--format",
        "json",
        web,
    ]);
    assert_eq!(on.status.code(), Some(1));
    let mut ids: Vec<String> = json(&on)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["policy"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids,
        ["allowed-image-registries", "require-recommended-app-labels"]
    );
}
