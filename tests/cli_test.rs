//! `pol test` end to end: the bundled library passes its own cases; failing cases, bad
//! markers and missing test files are reported with a diff and exit code 1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;
use std::process::{Command, Output};

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_library_passes_its_own_cases() {
    let output = pol(&["test", "policies", "--quiet"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

/// `pol test DIR` passes, with `cases` cases.
fn all_cases_pass(dir: &str, cases: usize) {
    let output = pol(&["test", dir]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("{cases} passed, 0 failed")),
        "{stdout}"
    );
}

#[test]
fn parameters_hold_patterns_and_computed_defaults() {
    all_cases_pass("tests/pol-test/params", 8);
}

#[test]
fn match_star_sees_every_resource_even_of_unknown_kinds() {
    all_cases_pass("tests/pol-test/every", 3);
}

/// `pol build DIR` into a temporary pack, then `pol disasm` of it.
fn disassembly_of(dir: &str) -> String {
    let temp = tempfile::tempdir().unwrap();
    let pack = temp.path().join("test.polpack");
    let build = pol(&["build", dir, "-o", pack.to_str().unwrap()]);
    assert!(build.status.success(), "{}", text(&build.stderr));
    String::from_utf8(pol(&["disasm", pack.to_str().unwrap()]).stdout).unwrap()
}

#[test]
fn loop_invariant_calls_keep_one_value_per_outer_item() {
    all_cases_pass("tests/pol-test/hoist", 3);
    // The calls are kept: made, duplicated and stored in a local on first use.
    let listing = disassembly_of("tests/pol-test/hoist");
    let lines: Vec<&str> = listing.lines().collect();
    for builtin in ["; upper", "; imageTag"] {
        let at = lines
            .iter()
            .position(|line| line.ends_with(builtin))
            .unwrap_or_else(|| panic!("no call of {builtin}:\n{listing}"));
        assert!(
            lines[at + 1].contains("Dup") && lines[at + 2].contains("Store"),
            "{builtin} is not kept:\n{listing}"
        );
    }
}

#[test]
fn setup_lets_keep_their_values_and_their_place() {
    all_cases_pass("tests/pol-test/setup", 7);
    // What depends only on parameters comes first, up to `Setup`: the computed default
    // `doubled` and the lets `lowered`, `ending` and `most`; nothing before it reads the
    // resource (local 0).
    let listing = disassembly_of("tests/pol-test/setup");
    let function: Vec<&str> = listing
        .lines()
        .skip_while(|line| !line.contains("function 0:"))
        .take_while(|line| !line.is_empty())
        .collect();
    let setup = function
        .iter()
        .position(|line| line.ends_with("Setup"))
        .unwrap_or_else(|| panic!("no setup:\n{listing}"));
    let before = &function[..setup];
    assert_eq!(
        before.iter().filter(|line| line.contains("Store")).count(),
        4,
        "{listing}"
    );
    assert!(
        !before.iter().any(|line| line.contains("Load local=0")),
        "{listing}"
    );
}

#[test]
fn null_tests_in_conditions_are_one_jump() {
    all_cases_pass("tests/pol-test/missing", 4);
    let listing = disassembly_of("tests/pol-test/missing");
    assert!(listing.contains("JumpIfMissing"), "{listing}");
    assert!(listing.contains("JumpIfNotMissing"), "{listing}");
    // The comparison kept as a value (`let a_missing = a == null`) is still one.
    assert!(listing.contains("Eq"), "{listing}");
}

#[test]
fn lets_that_cannot_fail_are_computed_where_they_are_read() {
    all_cases_pass("tests/pol-test/lazy", 4);
    let listing = disassembly_of("tests/pol-test/lazy");
    // `seccomp` and `annotation`: forgotten for each container, kept on first use.
    assert_eq!(listing.matches("Forget").count(), 2, "{listing}");
    assert!(listing.contains("JumpIfKnown"), "{listing}");
    // `unused` is never computed; the `hardened_…` are jumps, never stored: the locals
    // stored are those of `annotations`, `seccomp` and `annotation`, each at its reads, and
    // of `image`.
    assert!(!listing.contains("seLinuxOptions"), "{listing}");
    let stored: std::collections::BTreeSet<&str> = listing
        .lines()
        .filter_map(|line| line.split("Store local=").nth(1))
        .collect();
    assert_eq!(stored.len(), 4, "{listing}");
    // `image` is computed once, where it stands, not at each of its three reads.
    assert_eq!(listing.matches("; image").count(), 1, "{listing}");
}

#[test]
fn cross_resource_cases_pass_with_and_without_a_namespace_index() {
    all_cases_pass("tests/pol-test/cross", 9);
}

#[test]
fn failing_cases_show_a_diff() {
    let output = pol(&["test", "tests/pol-test/failing"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    insta::assert_snapshot!(text(&output.stdout));
}

#[test]
fn a_policy_without_cases_fails() {
    let output = pol(&["test", "tests/pol-test/untested"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(text(&output.stdout));
}

#[test]
fn a_policy_that_does_not_compile_is_exit_2() {
    let dir = std::env::temp_dir().join(format!("pol-test-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.pol"), "policy broken {\n  title \"x\"\n").unwrap();
    let output = pol(&["test", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each Pod Security policy has a passing and a failing case for a Pod and for a pod
/// controller (the bar for the library's most used policies).
#[test]
fn pod_security_cases_cover_pods_and_controllers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/pod-security");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".test.yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{} test files", files.len());
    let mut problems = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        // (pod passes, pod fails, controller passes, controller fails)
        let mut seen = [false; 4];
        for document in text.split("\n---") {
            let Some(kind) = document
                .lines()
                .find_map(|line| line.strip_prefix("kind: "))
                .map(str::trim)
            else {
                continue;
            };
            let fails = document.contains("# expect:");
            let controller = matches!(
                kind,
                "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob"
            );
            if kind == "Pod" || controller {
                seen[usize::from(controller) * 2 + usize::from(fails)] = true;
            }
        }
        if seen != [true; 4] {
            problems.push(format!("{}: {seen:?}", path.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "missing cases (pod pass, pod fail, controller pass, controller fail):\n{}",
        problems.join("\n")
    );
}
