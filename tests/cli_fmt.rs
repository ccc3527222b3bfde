//! `pol fmt` end to end: the exit-code contract (0 fine, 1 changes, 2 errors), what is
//! written where, and that one broken file does not stop the others.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn pol(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn pol_with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const FORMATTED: &str = r#"policy host-network {
  title "Pods do not use the host network"
  severity high
  match workload
  deny pod.hostNetwork == true
    at pod.hostNetwork
    message "the pod uses the host network"
}
"#;

const UNFORMATTED: &str = r#"policy host-network { title "Pods do not use the host network"
severity   high
  match workload
deny pod.hostNetwork==true at pod.hostNetwork message "the pod uses the host network" }
"#;

const BROKEN: &str = r#"policy broken {
  title "Broken"
  severity high
  match workload
  deny pod.hostNetwork = true
    message "oops"
}
"#;

#[test]
fn formatted_files_exit_zero_and_stay_untouched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.pol"), FORMATTED).unwrap();
    let output = pol(&["fmt", "--check", "."], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "");
    let output = pol(&["fmt"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.pol")).unwrap(),
        FORMATTED
    );
}

#[test]
fn check_lists_files_that_would_change_and_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("nested")).unwrap();
    std::fs::write(dir.path().join("nested/b.pol"), UNFORMATTED).unwrap();
    std::fs::write(dir.path().join("a.pol"), FORMATTED).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a policy").unwrap();
    let output = pol(&["fmt", "--check", "."], dir.path());
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(text(&output.stdout), @"./nested/b.pol");
    insta::assert_snapshot!(text(&output.stderr), @"error: some files are not formatted; run `pol fmt` to format them");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("nested/b.pol")).unwrap(),
        UNFORMATTED,
        "--check must not write"
    );
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.pol"), UNFORMATTED).unwrap();
    let output = pol(&["fmt", "b.pol"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    insta::assert_snapshot!(text(&output.stdout), @"formatted b.pol");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.pol")).unwrap(),
        FORMATTED
    );
    let output = pol(&["fmt", "--check", "b.pol"], dir.path());
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_broken_file_exits_two_and_the_others_are_still_formatted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-broken.pol"), BROKEN).unwrap();
    std::fs::write(dir.path().join("b.pol"), UNFORMATTED).unwrap();
    let output = pol(&["fmt", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(text(&output.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a-broken.pol")).unwrap(),
        BROKEN
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.pol")).unwrap(),
        FORMATTED
    );
}

#[test]
fn unreadable_inputs_exit_two_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("binary.pol"),
        [0x70, 0xff, 0xfe, 0x00, 0x01],
    )
    .unwrap();
    let output = pol(&["fmt", "--check", "binary.pol", "missing.pol"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cannot read `missing.pol`"), "{stderr}");
    assert!(
        stderr.contains(
            "cannot read `binary.pol`: the file is not UTF-8 text (invalid byte at offset 1)"
        ),
        "{stderr}"
    );
}

#[test]
fn stdin_is_formatted_to_stdout() {
    let output = pol_with_stdin(&["fmt", "-"], UNFORMATTED);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), FORMATTED);
    let output = pol_with_stdin(&["fmt", "--check", "-"], UNFORMATTED);
    assert_eq!(output.status.code(), Some(1));
    let output = pol_with_stdin(&["fmt", "-"], BROKEN);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("<stdin>:5:24"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn usage_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let output = pol(&["fmt", "--no-such-flag"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let output = pol(&["no-such-command"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let output = pol(&["--help"], dir.path());
    assert_eq!(output.status.code(), Some(0));
}
