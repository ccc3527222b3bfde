//! Type errors and warnings: each `types/*.pol` case is checked against the Kubernetes 1.36
//! schemas; its snapshot holds the source and the rendered diagnostics. Adding a case needs no
//! Rust: drop a file in `types/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use pol_compiler::diagnostics::{Source, render_plain};
use pol_compiler::schema::{DEFAULT_VERSION, Schemas};
use pol_compiler::{parse, typeck};

#[test]
fn type_errors_and_warnings() {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    insta::glob!("types/*.pol", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let parsed = parse(&source);
        assert!(
            !parsed.has_errors(),
            "{}: type cases must parse: {:#?}",
            path.display(),
            parsed.diagnostics
        );
        let checked = typeck::check(&source, &parsed.file, &schemas);
        assert!(
            !checked.diagnostics.is_empty(),
            "{} is a type-error case but checks cleanly",
            path.display()
        );
        let name = path.file_name().unwrap().to_string_lossy();
        let rendered = render_plain(
            Source {
                name: &name,
                text: &source,
            },
            &checked.diagnostics,
        );
        insta::with_settings!({ description => source.clone(), omit_expression => true }, {
            insta::assert_snapshot!(rendered);
        });
    });
}

/// The examples and every policy of the library type-check cleanly.
#[test]
fn repository_policies_check_cleanly() {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let mut checked_files = 0;
    for path in common::pol_files(&["examples", "policies"]) {
        let source = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&source);
        let checked = typeck::check(&source, &parsed.file, &schemas);
        let name = path.display().to_string();
        let all: Vec<_> = parsed
            .diagnostics
            .iter()
            .chain(&checked.diagnostics)
            .cloned()
            .collect();
        assert!(
            all.is_empty(),
            "{}",
            render_plain(
                Source {
                    name: &name,
                    text: &source
                },
                &all
            )
        );
        checked_files += 1;
    }
    assert!(checked_files > 0);
}

/// Every builtin's documented example is a condition that parses and type-checks.
#[test]
fn builtin_examples_type_check() {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    for builtin in pol_stdlib::registry::BUILTINS {
        let source = format!(
            "policy example {{\n  title \"Example\"\n  severity low\n  match ConfigMap\n  deny {}\n    message \"m\"\n}}\n",
            builtin.example
        );
        let parsed = parse(&source);
        let checked = typeck::check(&source, &parsed.file, &schemas);
        let all: Vec<_> = parsed
            .diagnostics
            .iter()
            .chain(&checked.diagnostics)
            .cloned()
            .collect();
        assert!(
            all.is_empty(),
            "example of `{}` ({}): {}",
            builtin.name,
            builtin.signature,
            render_plain(
                Source {
                    name: builtin.name,
                    text: &source
                },
                &all
            )
        );
    }
}

fn repository_frameworks() -> pol_compiler::frameworks::Frameworks {
    let dir = common::repository_root().join("policies/frameworks");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path
            .extension()
            .is_some_and(|extension| extension == "yaml")
        {
            files.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    let (frameworks, errors) = pol_compiler::frameworks::Frameworks::from_files(
        files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert!(frameworks.frameworks.len() >= 8);
    frameworks
}

/// Every control named by a policy of the repository is defined by a framework.
#[test]
fn every_control_resolves_to_a_framework() {
    let frameworks = repository_frameworks();
    let mut controls = 0;
    for path in common::pol_files(&["examples", "policies"]) {
        let source = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&source);
        let unknown = frameworks.check(&parsed.file);
        let name = path.display().to_string();
        assert!(
            unknown.is_empty(),
            "{}",
            render_plain(
                Source {
                    name: &name,
                    text: &source
                },
                &unknown
            )
        );
        controls += source.matches("controls [").count();
    }
    assert!(controls > 0);
}

#[test]
fn unknown_controls_are_errors_with_a_suggestion() {
    let frameworks = repository_frameworks();
    let source = "policy sample {\n  title \"Sample\"\n  severity low\n  controls [\"PSS-baseine\", \"CIS-K8S-1.12:5.2.22\", \"ACME:1\"]\n  match Pod\n  deny true\n    message \"m\"\n}\n";
    let parsed = parse(source);
    let errors = frameworks.check(&parsed.file);
    let rendered = render_plain(
        Source {
            name: "controls.pol",
            text: source,
        },
        &errors,
    );
    insta::assert_snapshot!(rendered);
    assert_eq!(errors.len(), 3);
}

#[test]
fn broken_framework_files_are_reported_with_their_position() {
    let (_, errors) = pol_compiler::frameworks::Frameworks::from_files([
        (
            "a.yaml",
            "id: a\nprefix: A\ntitle: A\ncontrols:\n  - id: \"1\"\n  - id: \"1\"\n",
        ),
        ("b.yaml", "id: b\ntitle: B\ncontrols: []\n"),
        (
            "c.yaml",
            "id: c\nprefix: C\ntitle: C\ncontrols:\n  - {title: no id}\n",
        ),
    ]);
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "a.yaml:6:5: control `A:1` is defined twice",
            "b.yaml:1:1: the framework has no `prefix` text",
            "c.yaml:5:5: a control has no `id`",
        ]
    );
}

/// `""` is how the API spells "not set" for an enum string: comparing with it is no error.
#[test]
fn the_empty_string_is_comparable_with_enum_fields() {
    let source = r#"policy tolerate-all {
  title "Tolerations name an effect"
  severity low
  category standards
  remediation "Name the effect."
  match workload

  for t in pod.tolerations {
    deny t.effect == "" or t.effect == null
      at t
      message "toleration {t.key ?? ""} tolerates every effect"
  }
}
"#;
    assert_checks_cleanly(source);
}

/// A default after an untyped value keeps it untyped: its items still have fields.
#[test]
fn a_default_after_an_untyped_value_keeps_it_untyped() {
    let source = r#"policy untyped-items {
  title "Items are named"
  severity low
  category standards
  remediation "Name the item."
  match Deployment

  for t in untyped(resource).spec.items ?? [] {
    deny t.name == "x"
      at resource.spec
      message "an item is named x"
  }
}
"#;
    assert_checks_cleanly(source);
}

/// `source` parses and type-checks without a diagnostic.
fn assert_checks_cleanly(source: &str) {
    let schemas = Schemas::builtin(DEFAULT_VERSION).unwrap();
    let parsed = parse(source);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    let checked = typeck::check(source, &parsed.file, &schemas);
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
}
