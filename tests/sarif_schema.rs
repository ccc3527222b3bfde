//! `pol check --format sarif` validates against the SARIF 2.1.0 JSON schema
//! (`tests/schemas/sarif-2.1.0.json`, draft-07).
//!
//! The validator below is small and implements exactly the keywords that schema uses; a
//! schema with any other keyword (or a known keyword in an unsupported form) is refused when
//! it is compiled, so validation can never pass because a keyword was silently skipped.
//!
//! - Validation: `type`, `enum`, `properties`, `additionalProperties` (boolean or schema),
//!   `required`, `items` (one schema; the tuple form is refused), `minItems`, `uniqueItems`,
//!   `minimum`, `maximum` (inclusive), `pattern` (the `regex` crate, unanchored search as
//!   JSON Schema says; close enough to ECMA 262 for this schema's patterns), `anyOf`,
//!   `oneOf`, `$ref` (local JSON pointers only: `#` and `#/definitions/…`; as in draft-07,
//!   the keywords beside a `$ref` are ignored, so only annotations may stand there), and
//!   boolean schemas.
//! - `format`: draft-07 makes it optional; checked here for the three formats the schema
//!   uses: `uri` and `uri-reference` by RFC 3986's character set and percent-encoding (`uri`
//!   also needs a scheme), `date-time` by RFC 3339's grammar (days per month not checked).
//!   Any other format is refused.
//! - Annotations, not validated: `$schema`, `$id`, `title`, `description`, `default`, and
//!   `definitions` (whose schemas are checked like any other).
//!
//! Every error is returned, each with the JSON pointer of the offending value and the schema
//! location of the keyword that failed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use regex::Regex;
use serde_json::{Map, Value, json};

const SARIF_SCHEMA: &str = include_str!("schemas/sarif-2.1.0.json");

// ---- The validator ----

/// One failed keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Error {
    /// JSON pointer (RFC 6901) of the value in the instance.
    pointer: String,
    /// Location of the failed keyword in the schema (`#/definitions/result/properties/level/enum`).
    keyword: String,
    message: String,
}

/// Keywords that only annotate: accepted anywhere, never validated.
const ANNOTATIONS: &[&str] = &["$schema", "$id", "title", "description", "default"];

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "integer", "string",
];

const FORMATS: &[&str] = &["uri", "uri-reference", "date-time"];

/// A schema checked for keywords the validator knows, with its patterns compiled.
struct Validator<'s> {
    root: &'s Value,
    patterns: HashMap<String, Regex>,
    date_time: Regex,
    scheme: Regex,
}

impl<'s> Validator<'s> {
    /// Checks the whole schema (every subschema, reachable or not) and compiles its patterns;
    /// returns every problem (`location: problem`) if it uses anything not implemented here.
    fn compile(root: &'s Value) -> Result<Self, Vec<String>> {
        let mut validator = Validator {
            root,
            patterns: HashMap::new(),
            date_time: Regex::new(
                r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
            )
            .unwrap(),
            scheme: Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:").unwrap(),
        };
        let mut problems = Vec::new();
        validator.check_schema(root, "#", &mut problems);
        if problems.is_empty() {
            Ok(validator)
        } else {
            Err(problems)
        }
    }

    fn check_schema(&mut self, schema: &Value, at: &str, problems: &mut Vec<String>) {
        let map = match schema {
            Value::Bool(_) => return,
            Value::Object(map) => map,
            _ => {
                problems.push(format!("{at}: a schema must be an object or a boolean"));
                return;
            }
        };
        if let Some(reference) = map.get("$ref") {
            self.check_ref(reference, at, problems);
            for key in map.keys().filter(|key| *key != "$ref") {
                if !ANNOTATIONS.contains(&key.as_str()) {
                    problems.push(format!(
                        "{at}: `{key}` beside `$ref` is ignored by draft-07; not supported"
                    ));
                }
            }
        }
        for (key, value) in map {
            let here = format!("{at}/{}", escape(key));
            let mut bad = |what: &str| problems.push(format!("{here}: {what}"));
            match key.as_str() {
                "$ref" | "default" => {}
                "$schema" | "$id" | "title" | "description" => {
                    if !value.is_string() {
                        bad("must be a string");
                    }
                }
                "format" => match value.as_str() {
                    Some(format) if FORMATS.contains(&format) => {}
                    _ => bad("format not supported (known: uri, uri-reference, date-time)"),
                },
                "type" => {
                    let known =
                        |name: &Value| name.as_str().is_some_and(|name| TYPES.contains(&name));
                    let valid = match value {
                        Value::Array(names) => !names.is_empty() && names.iter().all(known),
                        name => known(name),
                    };
                    if !valid {
                        bad("must be a type name or a non-empty array of type names");
                    }
                }
                "enum" => {
                    if value.as_array().is_none_or(Vec::is_empty) {
                        bad("must be a non-empty array");
                    }
                }
                "required" => {
                    if !value
                        .as_array()
                        .is_some_and(|names| names.iter().all(Value::is_string))
                    {
                        bad("must be an array of strings");
                    }
                }
                "minItems" => {
                    if value.as_u64().is_none() {
                        bad("must be a non-negative integer");
                    }
                }
                "uniqueItems" => {
                    if !value.is_boolean() {
                        bad("must be a boolean");
                    }
                }
                "minimum" | "maximum" => {
                    if !value.is_number() {
                        bad("must be a number");
                    }
                }
                "pattern" => match value.as_str().map(Regex::new) {
                    Some(Ok(regex)) => {
                        self.patterns
                            .insert(value.as_str().unwrap_or_default().to_string(), regex);
                    }
                    Some(Err(error)) => bad(&format!("pattern does not compile: {error}")),
                    None => bad("must be a string"),
                },
                "properties" | "definitions" => match value {
                    Value::Object(schemas) => {
                        for (name, schema) in schemas {
                            self.check_schema(
                                schema,
                                &format!("{here}/{}", escape(name)),
                                problems,
                            );
                        }
                    }
                    _ => bad("must be an object of schemas"),
                },
                "additionalProperties" => self.check_schema(value, &here, problems),
                "items" => match value {
                    Value::Array(_) => bad("the tuple form of `items` is not supported"),
                    _ => self.check_schema(value, &here, problems),
                },
                "anyOf" | "oneOf" => match value {
                    Value::Array(schemas) if !schemas.is_empty() => {
                        for (index, schema) in schemas.iter().enumerate() {
                            self.check_schema(schema, &format!("{here}/{index}"), problems);
                        }
                    }
                    _ => bad("must be a non-empty array of schemas"),
                },
                other => problems.push(format!("{at}: unsupported keyword `{other}`")),
            }
        }
    }

    /// A `$ref` must be a local pointer that resolves, and a chain of references must reach
    /// a schema that is not only a reference (so validation cannot loop).
    fn check_ref(&self, reference: &Value, at: &str, problems: &mut Vec<String>) {
        let mut seen = Vec::new();
        let mut current = reference;
        loop {
            let Some(text) = current.as_str() else {
                problems.push(format!("{at}/$ref: must be a string"));
                return;
            };
            if seen.contains(&text) {
                problems.push(format!("{at}/$ref: `{text}` is a cycle of references"));
                return;
            }
            seen.push(text);
            let Some(target) = self.resolve(text) else {
                problems.push(format!(
                    "{at}/$ref: `{text}` is not a local reference that resolves"
                ));
                return;
            };
            match target.get("$ref") {
                Some(next) => current = next,
                None => return,
            }
        }
    }

    /// `#` or `#/json/pointer` (percent-decoded, then RFC 6901) inside the root schema.
    fn resolve(&self, reference: &str) -> Option<&'s Value> {
        let pointer = reference.strip_prefix('#')?;
        if !(pointer.is_empty() || pointer.starts_with('/')) {
            return None;
        }
        self.root.pointer(&percent_decode(pointer)?)
    }

    fn validate(&self, instance: &Value) -> Vec<Error> {
        let mut errors = Vec::new();
        self.validate_at(self.root, "#", instance, "", &mut errors);
        errors
    }

    fn validate_at(
        &self,
        schema: &Value,
        at: &str,
        instance: &Value,
        pointer: &str,
        errors: &mut Vec<Error>,
    ) {
        let map = match schema {
            Value::Bool(true) => return,
            Value::Object(map) => map,
            _ => {
                errors.push(Error {
                    pointer: pointer.to_string(),
                    keyword: at.to_string(),
                    message: "the schema `false` accepts nothing".to_string(),
                });
                return;
            }
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            // Checked by `compile`: resolves, and the keywords beside it are annotations.
            let target = self.resolve(reference).expect("checked by compile");
            self.validate_at(target, reference, instance, pointer, errors);
            return;
        }
        let mut fail = |keyword: &str, message: String| {
            errors.push(Error {
                pointer: pointer.to_string(),
                keyword: format!("{at}/{keyword}"),
                message,
            });
        };
        if let Some(types) = map.get("type") {
            let names: Vec<&str> = match types {
                Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect(),
            };
            if !names.iter().any(|name| has_type(instance, name)) {
                fail(
                    "type",
                    format!(
                        "expected {}, found {}",
                        names.join(" or "),
                        type_of(instance)
                    ),
                );
            }
        }
        if let Some(Value::Array(values)) = map.get("enum")
            && !values.iter().any(|value| json_equal(value, instance))
        {
            fail(
                "enum",
                format!("{instance} is not one of {}", Value::Array(values.clone())),
            );
        }
        match instance {
            Value::Object(object) => {
                self.validate_object(map, at, object, pointer, errors);
            }
            Value::Array(items) => self.validate_array(map, at, items, pointer, errors),
            Value::Number(number) => {
                let value = number.as_f64().unwrap_or(f64::NAN);
                let mut fail = |keyword: &str, message: String| {
                    errors.push(Error {
                        pointer: pointer.to_string(),
                        keyword: format!("{at}/{keyword}"),
                        message,
                    });
                };
                if let Some(minimum) = map.get("minimum").and_then(Value::as_f64)
                    && value < minimum
                {
                    fail("minimum", format!("{number} is less than {minimum}"));
                }
                if let Some(maximum) = map.get("maximum").and_then(Value::as_f64)
                    && value > maximum
                {
                    fail("maximum", format!("{number} is greater than {maximum}"));
                }
            }
            Value::String(text) => self.validate_string(map, at, text, pointer, errors),
            Value::Null | Value::Bool(_) => {}
        }
        for combinator in ["anyOf", "oneOf"] {
            let Some(Value::Array(branches)) = map.get(combinator) else {
                continue;
            };
            let mut failures = Vec::new();
            let mut passed = 0;
            for (index, branch) in branches.iter().enumerate() {
                let mut branch_errors = Vec::new();
                let branch_at = format!("{at}/{combinator}/{index}");
                self.validate_at(branch, &branch_at, instance, pointer, &mut branch_errors);
                if branch_errors.is_empty() {
                    passed += 1;
                } else {
                    failures.extend(branch_errors);
                }
            }
            let wanted = if combinator == "anyOf" {
                passed >= 1
            } else {
                passed == 1
            };
            if !wanted {
                let detail: Vec<String> = failures
                    .iter()
                    .map(|error| format!("{} at `{}`", error.message, error.pointer))
                    .collect();
                errors.push(Error {
                    pointer: pointer.to_string(),
                    keyword: format!("{at}/{combinator}"),
                    message: format!(
                        "{passed} of {} `{combinator}` schemas match ({})",
                        branches.len(),
                        detail.join("; ")
                    ),
                });
            }
        }
    }

    fn validate_object(
        &self,
        map: &Map<String, Value>,
        at: &str,
        object: &Map<String, Value>,
        pointer: &str,
        errors: &mut Vec<Error>,
    ) {
        if let Some(Value::Array(required)) = map.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    errors.push(Error {
                        pointer: pointer.to_string(),
                        keyword: format!("{at}/required"),
                        message: format!("required property `{name}` is missing"),
                    });
                }
            }
        }
        let properties = map.get("properties").and_then(Value::as_object);
        for (name, value) in object {
            let child = format!("{pointer}/{}", escape(name));
            match properties.and_then(|properties| properties.get(name)) {
                Some(schema) => {
                    let schema_at = format!("{at}/properties/{}", escape(name));
                    self.validate_at(schema, &schema_at, value, &child, errors);
                }
                None => match map.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(Error {
                        pointer: pointer.to_string(),
                        keyword: format!("{at}/additionalProperties"),
                        message: format!("property `{name}` is not allowed"),
                    }),
                    Some(schema) => {
                        let schema_at = format!("{at}/additionalProperties");
                        self.validate_at(schema, &schema_at, value, &child, errors);
                    }
                    None => {}
                },
            }
        }
    }

    fn validate_array(
        &self,
        map: &Map<String, Value>,
        at: &str,
        items: &[Value],
        pointer: &str,
        errors: &mut Vec<Error>,
    ) {
        if let Some(minimum) = map.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < minimum
        {
            errors.push(Error {
                pointer: pointer.to_string(),
                keyword: format!("{at}/minItems"),
                message: format!("{} items, fewer than {minimum}", items.len()),
            });
        }
        if map.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (second, item) in items.iter().enumerate() {
                if let Some(first) = items[..second]
                    .iter()
                    .position(|earlier| json_equal(earlier, item))
                {
                    errors.push(Error {
                        pointer: pointer.to_string(),
                        keyword: format!("{at}/uniqueItems"),
                        message: format!("items {first} and {second} are equal"),
                    });
                }
            }
        }
        if let Some(schema) = map.get("items") {
            let schema_at = format!("{at}/items");
            for (index, item) in items.iter().enumerate() {
                let child = format!("{pointer}/{index}");
                self.validate_at(schema, &schema_at, item, &child, errors);
            }
        }
    }

    fn validate_string(
        &self,
        map: &Map<String, Value>,
        at: &str,
        text: &str,
        pointer: &str,
        errors: &mut Vec<Error>,
    ) {
        let mut fail = |keyword: &str, message: String| {
            errors.push(Error {
                pointer: pointer.to_string(),
                keyword: format!("{at}/{keyword}"),
                message,
            });
        };
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
            let regex = &self.patterns[pattern];
            if !regex.is_match(text) {
                fail("pattern", format!("`{text}` does not match `{pattern}`"));
            }
        }
        if let Some(format) = map.get("format").and_then(Value::as_str) {
            let valid = match format {
                "date-time" => self.date_time.is_match(text),
                "uri" => self.scheme.is_match(text) && uri_characters(text),
                "uri-reference" => uri_characters(text),
                _ => unreachable!("refused by compile"),
            };
            if !valid {
                fail("format", format!("`{text}` is not a valid {format}"));
            }
        }
    }
}

/// RFC 6901: `~` is `~0` and `/` is `~1` in a pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `%XX` sequences of a URI fragment decoded; `None` if one is malformed or not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Only RFC 3986 characters (unreserved, reserved, `%` with two hex digits).
fn uri_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'%' {
            if !(bytes.get(index + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(index + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return false;
            }
            index += 3;
            continue;
        }
        if !(byte.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&byte)) {
            return false;
        }
        index += 1;
    }
    true
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        // Draft-07: any number with a zero fractional part is an integer.
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::Number(_) => "number",
        Value::String(_) => "string",
    }
}

/// JSON Schema equality (`enum`, `uniqueItems`): numbers by value, so `1` equals `1.0`.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| json_equal(x, y)))
        }
        _ => a == b,
    }
}

// ---- Helpers ----

fn sarif_schema() -> Value {
    serde_json::from_str(SARIF_SCHEMA).unwrap()
}

fn validate_sarif(document: &Value) -> Vec<Error> {
    let schema = sarif_schema();
    let validator = Validator::compile(&schema)
        .unwrap_or_else(|problems| panic!("the schema is refused:\n{}", problems.join("\n")));
    validator.validate(document)
}

/// `pol check PATH --format sarif ARGS…`, its exit code and its output parsed.
fn pol_sarif_with(path: &str, args: &[&str]) -> (Option<i32>, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(["check", path, "--format", "sarif", "--no-config"])
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "`pol check {path} --format sarif` printed no JSON ({error}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), document)
}

fn pol_sarif(path: &str) -> (Option<i32>, Value) {
    pol_sarif_with(path, &[])
}

fn assert_valid(path: &str, document: &Value) {
    let errors = validate_sarif(document);
    assert!(
        errors.is_empty(),
        "SARIF of `{path}` does not validate:\n{}",
        errors
            .iter()
            .map(|error| format!("{}: {} ({})", error.pointer, error.message, error.keyword))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The SARIF of the examples after `mutate`, validated: (pointer, keyword location) pairs.
fn errors_after(mutate: impl FnOnce(&mut Value)) -> Vec<(String, String)> {
    let (_, mut document) = pol_sarif("examples/manifests");
    assert_valid("examples/manifests", &document);
    mutate(&mut document);
    let mut errors: Vec<(String, String)> = validate_sarif(&document)
        .into_iter()
        .map(|error| (error.pointer, error.keyword))
        .collect();
    errors.sort();
    errors
}

fn pair(pointer: &str, keyword: &str) -> (String, String) {
    (pointer.to_string(), keyword.to_string())
}

// ---- pol's output is valid ----

#[test]
fn the_schema_uses_only_keywords_the_validator_implements() {
    let schema = sarif_schema();
    assert!(Validator::compile(&schema).is_ok());
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn examples_sarif_is_valid() {
    let (code, document) = pol_sarif("examples/manifests");
    assert_eq!(code, Some(1));
    assert!(
        !document["runs"][0]["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !document["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_valid("examples/manifests", &document);
}

#[test]
fn hostile_sarif_with_notifications_is_valid() {
    let (code, document) = pol_sarif("tests/manifests/hostile");
    assert_eq!(code, Some(2));
    let invocation = &document["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        !invocation["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_valid("tests/manifests/hostile", &document);
}

#[test]
fn clean_sarif_is_valid() {
    // Compliant with the Pod Security Standards, which is what it was written for (other
    // families of the library ask more of a pod, such as probes and resource limits).
    let (code, document) = pol_sarif_with("tests/manifests/clean", &["--select", "pod-security"]);
    assert_eq!(code, Some(0));
    assert_eq!(document["runs"][0]["results"], json!([]));
    assert_valid("tests/manifests/clean", &document);
}

// ---- The validator bites ----

#[test]
fn a_wrong_version_is_reported() {
    let errors = errors_after(|document| document["version"] = json!("2.0.0"));
    assert_eq!(errors, [pair("/version", "#/properties/version/enum")]);
}

#[test]
fn a_level_outside_the_enum_is_reported() {
    let errors = errors_after(|document| {
        document["runs"][0]["results"][0]["level"] = json!("fatal");
    });
    assert_eq!(
        errors,
        [pair(
            "/runs/0/results/0/level",
            "#/definitions/result/properties/level/enum"
        )]
    );
}

#[test]
fn a_start_line_of_zero_is_reported() {
    let errors = errors_after(|document| {
        document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
            json!(0);
    });
    assert_eq!(
        errors,
        [pair(
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            "#/definitions/region/properties/startLine/minimum"
        )]
    );
}

#[test]
fn a_result_without_message_is_reported() {
    let errors = errors_after(|document| {
        document["runs"][0]["results"][0]
            .as_object_mut()
            .unwrap()
            .remove("message");
    });
    assert_eq!(
        errors,
        [pair("/runs/0/results/0", "#/definitions/result/required")]
    );
}

#[test]
fn an_unknown_property_is_reported() {
    let errors = errors_after(|document| {
        document["runs"][0]["results"][0]["severity"] = json!("high");
        document["runs"][0]["tool"]["driver"]["homepage"] = json!("x");
    });
    assert_eq!(
        errors,
        [
            pair(
                "/runs/0/results/0",
                "#/definitions/result/additionalProperties"
            ),
            pair(
                "/runs/0/tool/driver",
                "#/definitions/toolComponent/additionalProperties"
            ),
        ]
    );
}

#[test]
fn every_error_is_reported_with_an_escaped_pointer() {
    let errors = errors_after(|document| {
        let result = &mut document["runs"][0]["results"][1];
        // `message` needs `text` or `id` (anyOf).
        result["message"] = json!({});
        // `partialFingerprints` values are strings; the key needs escaping.
        result["partialFingerprints"]["a/b~c"] = json!(3);
        // Integer, and a UUID pattern.
        result["ruleIndex"] = json!("0");
        result["guid"] = json!("not-a-guid");
        // Rules are unique items.
        let rules = document["runs"][0]["tool"]["driver"]["rules"]
            .as_array_mut()
            .unwrap();
        let first = rules[0].clone();
        rules.push(first);
        // Formats.
        document["runs"][0]["tool"]["driver"]["informationUri"] = json!("no scheme here");
    });
    assert_eq!(
        errors,
        [
            pair(
                "/runs/0/results/1/guid",
                "#/definitions/result/properties/guid/pattern"
            ),
            pair("/runs/0/results/1/message", "#/definitions/message/anyOf"),
            pair(
                "/runs/0/results/1/partialFingerprints/a~1b~0c",
                "#/definitions/result/properties/partialFingerprints/additionalProperties/type"
            ),
            pair(
                "/runs/0/results/1/ruleIndex",
                "#/definitions/result/properties/ruleIndex/type"
            ),
            pair(
                "/runs/0/tool/driver/informationUri",
                "#/definitions/toolComponent/properties/informationUri/format"
            ),
            pair(
                "/runs/0/tool/driver/rules",
                "#/definitions/toolComponent/properties/rules/uniqueItems"
            ),
        ]
    );
}

#[test]
fn combinators_and_bounds_on_a_small_schema() {
    let schema = json!({
        "type": "object",
        "properties": {
            "one": {"oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
            "count": {"type": "integer", "minimum": 1, "maximum": 3},
            "list": {"type": "array", "minItems": 2, "items": {"type": ["string", "null"]}},
            "when": {"type": "string", "format": "date-time"},
            "more": {"$ref": "#/definitions/more"}
        },
        "definitions": {"more": {"type": "object", "additionalProperties": {"enum": [1, "x"]}}}
    });
    let validator = Validator::compile(&schema).unwrap();
    assert!(
        validator
            .validate(&json!({
                "one": {"a": 1},
                "count": 3.0,
                "list": ["x", null],
                "when": "2024-02-29T12:00:00.5+01:00",
                "more": {"k": 1.0, "l": "x"}
            }))
            .is_empty()
    );
    let errors: Vec<(String, String)> = validator
        .validate(&json!({
            "one": {"a": 1, "b": 2},
            "count": 4,
            "list": [true],
            "when": "2024-13-01T00:00:00Z",
            "more": {"k": 2}
        }))
        .into_iter()
        .map(|error| (error.pointer, error.keyword))
        .collect();
    assert_eq!(
        errors,
        [
            pair("/count", "#/properties/count/maximum"),
            pair("/list", "#/properties/list/minItems"),
            pair("/list/0", "#/properties/list/items/type"),
            pair("/more/k", "#/definitions/more/additionalProperties/enum"),
            pair("/one", "#/properties/one/oneOf"),
            pair("/when", "#/properties/when/format"),
        ]
    );
}

#[test]
fn unknown_keywords_are_refused() {
    let schema = json!({
        "type": "object",
        "properties": {
            "a": {"const": 1},
            "b": {"$ref": "#/definitions/b", "type": "string"},
            "c": {"$ref": "https://example.com/schema.json"},
            "d": {"items": [{"type": "string"}]},
            "e": {"format": "email"},
            "f": {"pattern": "("}
        },
        "definitions": {"b": {"type": "string"}},
        "patternProperties": {}
    });
    let problems = match Validator::compile(&schema) {
        Ok(_) => panic!("a schema with unknown keywords compiled"),
        Err(problems) => problems,
    };
    for expected in [
        "#/properties/a: unsupported keyword `const`",
        "#/properties/b: `type` beside `$ref`",
        "#/properties/c/$ref: `https://example.com/schema.json` is not a local reference",
        "#/properties/d/items: the tuple form",
        "#/properties/e/format: format not supported",
        "#/properties/f/pattern: pattern does not compile",
        "#: unsupported keyword `patternProperties`",
    ] {
        assert!(
            problems.iter().any(|problem| problem.starts_with(expected)),
            "no `{expected}` in {problems:#?}"
        );
    }
    let cycle = json!({"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}});
    assert!(Validator::compile(&cycle).is_err());
}
