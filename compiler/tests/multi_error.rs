//! A file with several mistakes reports each of them, at the right place, and nothing else.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use pol_compiler::diagnostics::{Source, render_plain};
use pol_compiler::parse;

const SOURCE: &str = r#"policy first {
  title "First"
  severity hgh
  match workload
  deny pod.hostNetwork = true
    message "host network"
  deny pod.hostPID == true && pod.hostIPC == true
    message "host namespaces"
  deny (pod.securityContext.runAsNonRoot ?? false) == false
}

policy second {
  titel "Second"
  severity low
  match Deployment
  deny (resource.spec.replicas ?? 1) < 2
    message "replicas {resource.spec.replicas ?? 1"
}
"#;

#[test]
fn every_mistake_is_reported_where_it_is() {
    let parsed = parse(SOURCE);
    let underlined: Vec<&str> = parsed
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.primary.span.text(SOURCE))
        .collect();
    assert_eq!(
        underlined,
        ["hgh", "=", "&&", "deny", "titel", "{",],
        "{parsed:#?}"
    );
    let rendered = render_plain(
        Source {
            name: "mistakes.pol",
            text: SOURCE,
        },
        &parsed.diagnostics,
    );
    insta::assert_snapshot!(rendered);
}
