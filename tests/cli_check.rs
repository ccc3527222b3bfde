//! `pol check` end to end: every output format on the examples, exit codes, selection,
//! standard input, packs, and hostile input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn pol_with_input(args: &[&str], input: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = input {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn pol(args: &[&str]) -> Output {
    pol_with_input(args, None)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_format_on_the_examples() {
    for format in ["text", "json", "sarif", "junit", "github"] {
        let output = pol(&["check", "examples/manifests", "--format", format]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            text(&output.stderr)
        );
        insta::assert_snapshot!(format!("examples_{format}"), text(&output.stdout));
    }
}

#[test]
fn json_findings_carry_what_tools_need() {
    let output = pol(&[
        "check",
        "examples/manifests/debug-pod.yaml",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        for key in [
            "policy", "severity", "message", "file", "line", "column", "path", "resource",
            "controls",
        ] {
            assert!(finding.get(key).is_some(), "no `{key}` in {finding}");
        }
        assert!(finding["path"].as_str().unwrap().starts_with('/'));
        assert_eq!(finding["resource"]["kind"], "Pod");
    }
    let privileged = findings
        .iter()
        .find(|finding| finding["policy"] == "pss-privileged")
        .unwrap();
    assert_eq!(
        privileged["path"],
        "/spec/containers/0/securityContext/privileged"
    );
    assert_eq!(privileged["line"], 15);
    assert!(privileged["fix"].is_array());
}

#[test]
fn exit_codes_follow_the_threshold() {
    let clean = pol(&["check", "tests/manifests/clean"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    let findings = pol(&["check", "examples/manifests/debug-pod.yaml"]);
    assert_eq!(findings.status.code(), Some(1));
    let never = pol(&[
        "check",
        "examples/manifests/debug-pod.yaml",
        "--fail-on",
        "never",
    ]);
    assert_eq!(never.status.code(), Some(0));
    let usage = pol(&["check", "--fail-on", "sometimes", "examples"]);
    assert_eq!(usage.status.code(), Some(2));
    let missing = pol(&["check", "no/such/dir"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// The policy ids of the findings of `pol check --format json` on the debug pod, with `args`.
fn debug_pod_policies(args: &[&str]) -> Vec<String> {
    let output = pol(&[
        &[
            "check",
            "examples/manifests/debug-pod.yaml",
            "--format",
            "json",
        ],
        args,
    ]
    .concat());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["policy"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn select_and_ignore_choose_policies() {
    let ids = debug_pod_policies(&["--select", "pss-host-*"]);
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| id.starts_with("pss-host-")), "{ids:?}");
    let ids = debug_pod_policies(&["--ignore", "pod-security"]);
    assert!(!ids.is_empty(), "other families still report");
    assert!(!ids.iter().any(|id| id.starts_with("pss-")), "{ids:?}");
    let none = pol(&[
        "check",
        "examples/manifests/debug-pod.yaml",
        "--select",
        "pod-security",
        "--ignore",
        "pod-security",
    ]);
    assert_eq!(none.status.code(), Some(0), "{}", text(&none.stdout));
}

#[test]
fn standard_input_is_checked() {
    let manifest = std::fs::read("examples/manifests/debug-pod.yaml").unwrap();
    let output = pol_with_input(&["check", "-", "--format", "github"], Some(&manifest));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("file=<stdin>"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn a_built_pack_runs_like_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("library.polpack");
    let build = pol(&["build", "policies", "-o", pack.to_str().unwrap()]);
    assert_eq!(build.status.code(), Some(0), "{}", text(&build.stderr));
    let from_pack = pol(&[
        "check",
        "examples/manifests",
        "--format",
        "json",
        "--pack",
        pack.to_str().unwrap(),
    ]);
    let from_sources = pol(&["check", "examples/manifests", "--format", "json"]);
    assert_eq!(text(&from_pack.stdout), text(&from_sources.stdout));
    // A damaged pack is refused with a reason, never run.
    let mut bytes = std::fs::read(&pack).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&pack, &bytes).unwrap();
    let damaged = pol(&["check", "examples", "--pack", pack.to_str().unwrap()]);
    assert_eq!(damaged.status.code(), Some(2));
    assert!(
        text(&damaged.stderr).contains("checksum"),
        "{}",
        text(&damaged.stderr)
    );
    std::fs::write(&pack, b"hello").unwrap();
    let foreign = pol(&["disasm", pack.to_str().unwrap()]);
    assert_eq!(foreign.status.code(), Some(2));
    assert!(text(&foreign.stderr).contains("not a pol pack"));
}

#[test]
fn a_pack_disassembles() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("example.polpack");
    let build = pol(&[
        "build",
        "examples/policies/host-namespaces.pol",
        "-o",
        pack.to_str().unwrap(),
    ]);
    assert_eq!(build.status.code(), Some(0), "{}", text(&build.stderr));
    let output = pol(&["disasm", pack.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let listing = text(&output.stdout);
    let listing = listing
        .lines()
        .map(|line| {
            if line.starts_with("pack: ") {
                "pack: (version and fingerprint)".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(listing);
}

#[test]
fn the_disassembly_names_the_index_a_loop_reads() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("min-replicas.polpack");
    let build = pol(&[
        "build",
        "policies/resilience/min-replicas.pol",
        "-o",
        pack.to_str().unwrap(),
    ]);
    assert_eq!(build.status.code(), Some(0), "{}", text(&build.stderr));
    let output = pol(&["disasm", pack.to_str().unwrap()]);
    let listing = text(&output.stdout);
    // `any h in others(HorizontalPodAutoscaler, namespace): … h.spec.scaleTargetRef.name ==
    // name` reads the autoscalers of the namespace that target the name.
    assert!(
        listing.lines().any(|line| line.contains("OthersInBy")
            && line.ends_with("; autoscaling/HorizontalPodAutoscaler by spec.scaleTargetRef.name")),
        "{listing}"
    );
}

#[test]
fn hostile_input_is_reported_and_the_rest_still_checked() {
    let output = pol(&["check", "tests/manifests/hostile", "--format", "json"]);
    // Errors: exit 2, never a crash.
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    insta::assert_snapshot!(
        "hostile_errors",
        serde_json::to_string_pretty(&report["errors"]).unwrap()
    );
    // The good documents around the bad ones were checked.
    let names: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding["resource"]["name"].as_str())
        .collect();
    for name in ["first", "last", "sysctls", "from-json"] {
        assert!(names.contains(&name), "`{name}` was not checked: {names:?}");
    }
}

#[test]
fn a_huge_scalar_is_an_error_not_a_crash() {
    let mut manifest =
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  x: ".to_vec();
    manifest.extend(std::iter::repeat_n(b'a', 17 * 1024 * 1024));
    manifest.push(b'\n');
    let output = pol_with_input(&["check", "-", "--format", "json"], Some(&manifest));
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 1, "{report}");
}

#[test]
fn cross_resource_policies_see_every_scanned_file() {
    let policies = [
        "check",
        "--policies",
        "tests/pol-test/cross",
        "--format",
        "json",
    ];
    // The Deployment alone: no PodDisruptionBudget selects it.
    let alone = pol(&[&policies[..], &["tests/manifests/cross/deployment.yaml"]].concat());
    assert_eq!(alone.status.code(), Some(1), "{}", text(&alone.stderr));
    let report: serde_json::Value = serde_json::from_slice(&alone.stdout).unwrap();
    assert_eq!(report["findings"][0]["policy"], "deployment-has-pdb");
    // With the budget's file in the same scan, the Deployment is covered.
    let both = pol(&[&policies[..], &["tests/manifests/cross"]].concat());
    assert_eq!(both.status.code(), Some(0), "{}", text(&both.stdout));
}

#[test]
fn an_evaluation_error_names_the_resource_the_value_and_the_policy() {
    let output = pol(&[
        "check",
        "--policies",
        "tests/eval-error/mem.pol",
        "tests/eval-error/pod.yaml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("error: tests/eval-error/pod.yaml:1:1: Pod p: comparing quantities: invalid quantity `12 gigs`")
            && stdout.contains("(policy `memory-limit` at tests/eval-error/mem.pol:7:10)"),
        "{stdout}"
    );
}

/// The bundled library is prebuilt by build.rs; compiled from its text now, it finds the same.
#[test]
fn the_prebuilt_library_agrees_with_its_sources() {
    let findings = |args: &[&str]| -> serde_json::Value {
        let output = pol(&[&["check", "--format", "json"], args, &["examples"]].concat());
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["findings"].clone()
    };
    let prebuilt = findings(&[]);
    assert!(prebuilt.as_array().is_some_and(|all| !all.is_empty()));
    assert_eq!(prebuilt, findings(&["--policies", "policies"]));
}

#[test]
fn profile_lists_the_policies_by_evaluation_time() {
    let output = pol(&[
        "check",
        "--profile",
        "--select",
        "pod-security",
        "examples/manifests/debug-pod.yaml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("evaluation time by policy (all cores together:"),
        "{stderr}"
    );
    // Every selected policy that ran is a row, and nothing else is.
    let rows: Vec<&str> = stderr.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{stderr}");
    assert!(
        rows.iter()
            .all(|row| row.split_whitespace().last().unwrap().starts_with("pss-")),
        "{stderr}"
    );
    // Without the flag, nothing on standard error.
    let quiet = pol(&["check", "examples/manifests/debug-pod.yaml"]);
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
}
