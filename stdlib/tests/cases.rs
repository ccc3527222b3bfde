//! Runs the data-driven cases of `tests/cases/<module>.toml`.
//!
//! Each file is an array of tables:
//!
//! ```toml
//! [[case]]
//! call = "parse"            # what to do; see the `run_*` functions below
//! input = "1Gi"             # a string, or an array of strings for calls with several inputs
//! expect = "1073741824"     # the expected result, written as a string
//!
//! [[case]]
//! call = "parse"
//! input = "1.2.3"
//! error = "more than one decimal point"   # or: a substring of the expected error message
//! ```
//!
//! `note = "…"` may explain a case. Selector cases may also give a structured selector
//! (`match_labels`, `match_expressions`) and `labels`. Every error message produced is also
//! checked for the house style: one line, lowercase start, no final period.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::Path;

use pol_stdlib::duration::Duration;
use pol_stdlib::image::ImageRef;
use pol_stdlib::net::{Cidr, parse_ip};
use pol_stdlib::quantity::Quantity;
use pol_stdlib::selector::{
    LabelSelector, Operator, Requirement, parse_selector_string, validate_label_key,
    validate_label_value,
};
use pol_stdlib::version::{Version, compare_kube_versions, parse_kube_version, sort_kube_versions};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    call: String,
    #[serde(default)]
    input: Input,
    expect: Option<String>,
    error: Option<String>,
    #[expect(dead_code, reason = "documentation for the reader of the case file")]
    note: Option<String>,
    match_labels: Option<BTreeMap<String, String>>,
    match_expressions: Option<Vec<ExpressionSpec>>,
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(untagged)]
enum Input {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpressionSpec {
    key: String,
    operator: String,
    #[serde(default)]
    values: Vec<String>,
}

/// A call's result: its output as a string, or an error message.
type Outcome = Result<String, String>;

impl Case {
    fn one(&self) -> &str {
        match &self.input {
            Input::One(s) => s,
            other => panic!("this call takes one input string, got {other:?}"),
        }
    }

    fn two(&self) -> (&str, &str) {
        match &self.input {
            Input::Many(v) if v.len() == 2 => (&v[0], &v[1]),
            other => panic!("this call takes two input strings, got {other:?}"),
        }
    }

    fn many(&self) -> &[String] {
        match &self.input {
            Input::Many(v) => v,
            other => panic!("this call takes an array of strings, got {other:?}"),
        }
    }

    fn selector(&self) -> Outcome {
        let mut selector = LabelSelector {
            match_labels: self.match_labels.clone().unwrap_or_default(),
            match_expressions: Vec::new(),
        };
        for e in self.match_expressions.iter().flatten() {
            selector.match_expressions.push(Requirement {
                key: e.key.clone(),
                operator: Operator::parse(&e.operator).map_err(|e| e.to_string())?,
                values: e.values.clone(),
            });
        }
        selector.validate().map_err(|e| e.to_string())?;
        Ok(String::new())
    }
}

fn err(e: impl Display) -> String {
    e.to_string()
}

fn ordering(o: std::cmp::Ordering) -> String {
    match o {
        std::cmp::Ordering::Less => "<",
        std::cmp::Ordering::Equal => "=",
        std::cmp::Ordering::Greater => ">",
    }
    .to_owned()
}

fn option<T: Display>(o: Option<T>) -> String {
    o.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn run_quantity(case: &Case) -> Outcome {
    let q = |s: &str| Quantity::parse(s).map_err(err);
    match case.call.as_str() {
        "parse" => Ok(q(case.one())?.to_decimal_string()),
        "canonical" => {
            let value = q(case.one())?;
            let canonical = value.to_canonical_string();
            assert_eq!(q(&canonical)?, value, "canonical string must parse back");
            assert_eq!(
                value.to_string(),
                canonical,
                "Display is the canonical string"
            );
            Ok(canonical)
        }
        "compare" => {
            let (a, b) = case.two();
            Ok(ordering(q(a)?.cmp(&q(b)?)))
        }
        "add" => {
            let (a, b) = case.two();
            Ok(option(q(a)?.checked_add(q(b)?)))
        }
        "sub" => {
            let (a, b) = case.two();
            Ok(option(q(a)?.checked_sub(q(b)?)))
        }
        "mul" => {
            let (a, b) = case.two();
            Ok(option(q(a)?.checked_mul_int(b.parse().map_err(err)?)))
        }
        "ratio" => {
            let (a, b) = case.two();
            Ok(option(q(a)?.ratio(q(b)?)))
        }
        "as_f64" => Ok(q(case.one())?.as_f64().to_string()),
        "value" => Ok(option(q(case.one())?.value())),
        "milli_value" => Ok(option(q(case.one())?.milli_value())),
        "from_i64" => Ok(Quantity::from_i64(case.one().parse().map_err(err)?).to_decimal_string()),
        "from_f64" => {
            let v: f64 = case.one().parse().map_err(err)?;
            Ok(Quantity::from_f64(v).map_err(err)?.to_decimal_string())
        }
        other => panic!("unknown quantity call `{other}`"),
    }
}

fn run_image(case: &Case) -> Outcome {
    let r = ImageRef::parse(case.one()).map_err(err)?;
    Ok(match case.call.as_str() {
        "parse" => {
            let normalized = r.to_normalized_string();
            let again = ImageRef::parse(&normalized).map_err(err)?;
            assert_eq!(
                again.to_normalized_string(),
                normalized,
                "normalized must parse back"
            );
            let familiar = ImageRef::parse(&r.familiar()).map_err(err)?;
            assert_eq!(
                familiar.to_normalized_string(),
                normalized,
                "familiar must parse back"
            );
            normalized
        }
        "familiar" => r.familiar(),
        "familiar_name" => r.familiar_name(),
        "name" => r.name(),
        "registry" => r.registry().to_owned(),
        "repository" => r.repository().to_owned(),
        "tag" => option(r.tag()),
        "effective_tag" => option(r.effective_tag()),
        "digest" => option(r.digest()),
        other => panic!("unknown image call `{other}`"),
    })
}

/// `k=v,k2=v2` as a label map; the empty string is no labels.
fn labels(text: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn run_selector(case: &Case) -> Outcome {
    match case.call.as_str() {
        "parse" => {
            let selector = parse_selector_string(case.one()).map_err(err)?;
            let shown = selector.to_string();
            let again = parse_selector_string(&shown).map_err(err)?;
            assert_eq!(again.to_string(), shown, "the string form must parse back");
            Ok(shown)
        }
        "matches" => {
            let (selector, labels_text) = case.two();
            let selector = parse_selector_string(selector).map_err(err)?;
            Ok(selector.matches(&labels(labels_text)).to_string())
        }
        "validate_key" => validate_label_key(case.one())
            .map(|()| "ok".to_owned())
            .map_err(err),
        "validate_value" => validate_label_value(case.one())
            .map(|()| "ok".to_owned())
            .map_err(err),
        "operator" => Ok(Operator::parse(case.one())
            .map_err(err)?
            .as_str()
            .to_owned()),
        "validate" => case.selector().map(|_| "ok".to_owned()),
        "matches_struct" => {
            let selector = LabelSelector {
                match_labels: case.match_labels.clone().unwrap_or_default(),
                match_expressions: case
                    .match_expressions
                    .iter()
                    .flatten()
                    .map(|e| {
                        Ok(Requirement {
                            key: e.key.clone(),
                            operator: Operator::parse(&e.operator).map_err(err)?,
                            values: e.values.clone(),
                        })
                    })
                    .collect::<Result<_, String>>()?,
            };
            Ok(selector
                .matches(&case.labels.clone().unwrap_or_default())
                .to_string())
        }
        other => panic!("unknown selector call `{other}`"),
    }
}

fn run_net(case: &Case) -> Outcome {
    let cidr = |s: &str| Cidr::parse(s).map_err(err);
    let ip = |s: &str| parse_ip(s).map_err(err);
    match case.call.as_str() {
        "parse_ip" => Ok(ip(case.one())?.to_string()),
        "parse_cidr" => Ok(cidr(case.one())?.to_string()),
        "network" => Ok(cidr(case.one())?.normalized().to_string()),
        "last" => Ok(cidr(case.one())?.last().to_string()),
        "is_canonical" => Ok(cidr(case.one())?.is_canonical().to_string()),
        "contains_ip" => {
            let (c, i) = case.two();
            Ok(cidr(c)?.contains_ip(ip(i)?).to_string())
        }
        "contains_cidr" => {
            let (a, b) = case.two();
            Ok(cidr(a)?.contains_cidr(&cidr(b)?).to_string())
        }
        "overlaps" => {
            let (a, b) = case.two();
            let (a, b) = (cidr(a)?, cidr(b)?);
            assert_eq!(a.overlaps(&b), b.overlaps(&a), "overlap is symmetric");
            Ok(a.overlaps(&b).to_string())
        }
        other => panic!("unknown net call `{other}`"),
    }
}

fn run_version(case: &Case) -> Outcome {
    let v = |s: &str| Version::parse(s).map_err(err);
    match case.call.as_str() {
        "parse" => Ok(v(case.one())?.to_string()),
        "compare" => {
            let (a, b) = case.two();
            let (a, b) = (v(a)?, v(b)?);
            assert_eq!(
                a.cmp(&b),
                b.cmp(&a).reverse(),
                "comparison is antisymmetric"
            );
            Ok(ordering(a.cmp(&b)))
        }
        "kube_compare" => {
            let (a, b) = case.two();
            assert_eq!(
                compare_kube_versions(a, b),
                compare_kube_versions(b, a).reverse(),
                "comparison is antisymmetric"
            );
            Ok(ordering(compare_kube_versions(a, b)))
        }
        "kube_sort" => {
            let mut versions = case.many().to_vec();
            sort_kube_versions(&mut versions);
            Ok(versions.join(","))
        }
        "parse_kube" => Ok(match parse_kube_version(case.one()) {
            Some(k) => format!("{} {:?} {}", k.major, k.stability, k.minor),
            None => "none".to_owned(),
        }),
        other => panic!("unknown version call `{other}`"),
    }
}

fn run_duration(case: &Case) -> Outcome {
    let d = |s: &str| Duration::parse(s).map_err(err);
    match case.call.as_str() {
        "parse" => Ok(d(case.one())?.as_nanos().to_string()),
        "display" => {
            let shown = d(case.one())?.to_string();
            assert_eq!(d(&shown)?, d(case.one())?, "Display must parse back");
            Ok(shown)
        }
        "format" => Ok(Duration::from_nanos(case.one().parse().map_err(err)?).to_string()),
        other => panic!("unknown duration call `{other}`"),
    }
}

/// One line, lowercase start, no final period.
fn check_style(message: &str) -> Result<(), String> {
    if message.contains('\n') {
        return Err(format!("error message on several lines: {message:?}"));
    }
    if message.starts_with(|c: char| c.is_uppercase()) {
        return Err(format!("error message starts uppercase: {message:?}"));
    }
    if message.ends_with('.') {
        return Err(format!("error message ends with a period: {message:?}"));
    }
    Ok(())
}

fn run_file(module: &str, run: fn(&Case) -> Outcome) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(format!("{module}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let file: CaseFile =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        file.case.len() >= 25,
        "{module}.toml has only {} cases",
        file.case.len()
    );
    let mut failures = Vec::new();
    for (i, case) in file.case.iter().enumerate() {
        let label = format!(
            "{module}.toml case #{} ({} {:?})",
            i + 1,
            case.call,
            case.input
        );
        let outcome = run(case);
        let verdict = match (&case.expect, &case.error, &outcome) {
            (Some(_), Some(_), _) | (None, None, _) => {
                Err("give exactly one of `expect` and `error`".to_owned())
            }
            (Some(want), None, Ok(got)) if want == got => Ok(()),
            (Some(want), None, Ok(got)) => Err(format!("expected {want:?}, got {got:?}")),
            (Some(want), None, Err(e)) => Err(format!("expected {want:?}, got error {e:?}")),
            (None, Some(want), Err(e)) if e.contains(want.as_str()) => check_style(e),
            (None, Some(want), Err(e)) => {
                Err(format!("expected an error containing {want:?}, got {e:?}"))
            }
            (None, Some(want), Ok(got)) => Err(format!(
                "expected an error containing {want:?}, got {got:?}"
            )),
        };
        if let Err(why) = verdict {
            failures.push(format!("{label}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        file.case.len(),
        failures.join("\n")
    );
}

#[test]
fn quantity_cases() {
    run_file("quantity", run_quantity);
}

#[test]
fn image_cases() {
    run_file("image", run_image);
}

#[test]
fn selector_cases() {
    run_file("selector", run_selector);
}

#[test]
fn net_cases() {
    run_file("net", run_net);
}

#[test]
fn version_cases() {
    run_file("version", run_version);
}

#[test]
fn duration_cases() {
    run_file("duration", run_duration);
}
