//! `pol build` and `pol explain` end to end: type errors reported like compiler errors, exit
//! codes, CRDs, and `kubectl explain`-style output.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn pol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_examples_compile() {
    let output = pol(&["build", "examples"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("0 errors"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_typo_is_a_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.pol");
    std::fs::write(
        &file,
        "policy typo {\n  title \"Typo\"\n  severity high\n  match workload\n  for c in pod.allContainers {\n    deny c.securityContext.privilegd == true\n      message \"privileged\"\n  }\n}\n",
    )
    .unwrap();
    let output = pol(&["build", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr).replace(&file.display().to_string(), "typo.pol");
    insta::assert_snapshot!(stderr);
}

#[test]
fn an_older_kubernetes_version_can_be_chosen() {
    let output = pol(&["build", "--k8s-version", "1.34", "examples"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let output = pol(&["build", "--k8s-version", "1.12", "examples"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn custom_resources_are_typed_by_their_crd() {
    let output = pol(&["build", "tests/crd/widget-policy.pol"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "without the CRD the kind is unknown"
    );
    assert!(text(&output.stderr).contains("unknown kind `Widget`"));
    let output = pol(&[
        "build",
        "--crd",
        "tests/crd/widget-crd.yaml",
        "tests/crd/widget-policy.pol",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("widget.pol");
    let policy = std::fs::read_to_string("tests/crd/widget-policy.pol").unwrap();
    std::fs::write(
        &file,
        policy.replace("resource.spec.color", "resource.spec.colour"),
    )
    .unwrap();
    let output = pol(&["build", "--crd", "tests/crd", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`Widget.spec` has no field `colour`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `color`?"), "{stderr}");
}

#[test]
fn a_broken_crd_is_reported_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    std::fs::write(
        &file,
        "kind: CustomResourceDefinition\nspec:\n  group: example.com\n",
    )
    .unwrap();
    let output = pol(&["build", "--crd", file.to_str().unwrap(), "examples"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("broken.yaml:3:3: the CRD has no `spec.names.kind`"),
        "{stderr}"
    );
}

#[test]
fn explain_shows_types_and_documentation() {
    let output = pol(&["explain", "Deployment.spec.strategy"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    insta::assert_snapshot!(text(&output.stdout));
    let output = pol(&["explain", "Pod.spec.containers.imagePullPolicy"]);
    assert!(text(&output.stdout).contains("VALUES:   \"Always\", \"IfNotPresent\", \"Never\""));
    let output = pol(&["explain", "--crd", "tests/crd", "Widget.spec"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("size    <int>  (required)"),
        "{}",
        text(&output.stdout)
    );
    assert!(
        text(&output.stdout).contains("What the widget should be."),
        "{}",
        text(&output.stdout)
    );
    let output = pol(&["explain", "--crd", "tests/crd", "Widget.spec.size"]);
    assert!(
        text(&output.stdout).contains("The widget's size in parts; at least 3 for production."),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn explain_suggests_on_typos() {
    let output = pol(&["explain", "Deploymnet"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(text(&output.stderr), @"error: unknown kind `Deploymnet` in Kubernetes 1.36; did you mean `Deployment`?");
    let output = pol(&["explain", "Pod.spec.containers.securityContext.privilegd"]);
    insta::assert_snapshot!(text(&output.stderr), @"error: `SecurityContext` has no field `privilegd`; did you mean `privileged`?");
    let output = pol(&["explain", "Event"]);
    assert!(
        text(&output.stderr).contains("`v1/Event`"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn an_unknown_control_is_a_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("control.pol");
    std::fs::write(
        &file,
        "policy control {\n  title \"Control\"\n  severity low\n  controls [\"MITRE:T1661\"]\n  match Pod\n  deny true\n    message \"m\"\n}\n",
    )
    .unwrap();
    let output = pol(&["build", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("unknown control `MITRE:T1661`"), "{stderr}");
    assert!(stderr.contains("did you mean `MITRE:T1611`?"), "{stderr}");
    // A team's own framework makes its controls known.
    let framework = dir.path().join("acme.yaml");
    std::fs::write(&framework, "id: acme\nprefix: ACME\ntitle: ACME house rules\ncontrols:\n  - id: \"1\"\n    title: Rule one\n").unwrap();
    std::fs::write(
        &file,
        "policy control {\n  title \"Control\"\n  severity low\n  controls [\"ACME:1\"]\n  match Pod\n  deny true\n    message \"m\"\n}\n",
    )
    .unwrap();
    let output = pol(&[
        "build",
        "--frameworks",
        framework.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}
