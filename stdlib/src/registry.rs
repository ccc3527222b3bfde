//! Every builtin function of the policy language: one entry each, with its name, its type
//! signature (read by the compiler's type checker), whether it can be called as a method
//! (`c.image.startsWith("x")`), and its documentation. `docs/stdlib.md` is generated from this
//! table.
//!
//! Signatures are written in pol's own type syntax: `fn(string, string) -> bool`. `T` is a
//! type variable: every `T` of one signature is the same type. A name with several entries is
//! overloaded; the first entry whose parameters fit is chosen.

/// One builtin, or one overload of it.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    /// `fn(PARAM, …) -> RESULT`
    pub signature: &'static str,
    /// Callable as `first_argument.name(rest…)`.
    pub method: bool,
    pub doc: &'static str,
    pub example: &'static str,
}

const fn builtin(
    name: &'static str,
    signature: &'static str,
    method: bool,
    doc: &'static str,
    example: &'static str,
) -> Builtin {
    Builtin {
        name,
        signature,
        method,
        doc,
        example,
    }
}

/// The registry.
pub const BUILTINS: &[Builtin] = &[
    // Strings.
    builtin(
        "len",
        "fn(string) -> int",
        true,
        "Number of characters.",
        r#"len("héllo") == 5"#,
    ),
    builtin(
        "len",
        "fn(list<T>) -> int",
        true,
        "Number of items.",
        "len([1, 2]) == 2",
    ),
    builtin(
        "len",
        "fn(map<T>) -> int",
        true,
        "Number of keys.",
        r#"len({a: 1}) == 1"#,
    ),
    builtin(
        "lower",
        "fn(string) -> string",
        true,
        "Lowercase.",
        r#"lower("ABC") == "abc""#,
    ),
    builtin(
        "upper",
        "fn(string) -> string",
        true,
        "Uppercase.",
        r#"upper("abc") == "ABC""#,
    ),
    builtin(
        "trim",
        "fn(string) -> string",
        true,
        "Without leading and trailing white space.",
        r#"trim(" a ") == "a""#,
    ),
    builtin(
        "startsWith",
        "fn(string, string) -> bool",
        true,
        "Whether the string starts with the prefix.",
        r#""nginx:1".startsWith("nginx")"#,
    ),
    builtin(
        "endsWith",
        "fn(string, string) -> bool",
        true,
        "Whether the string ends with the suffix.",
        r#""a.yaml".endsWith(".yaml")"#,
    ),
    builtin(
        "contains",
        "fn(string, string) -> bool",
        true,
        "Whether the string contains the other.",
        r#""abc".contains("b")"#,
    ),
    builtin(
        "contains",
        "fn(list<T>, T) -> bool",
        true,
        "Whether the list contains the value.",
        r#"["a"].contains("a")"#,
    ),
    builtin(
        "split",
        "fn(string, string) -> list<string>",
        true,
        "Pieces between separators.",
        r#"split("a,b", ",") == ["a", "b"]"#,
    ),
    builtin(
        "join",
        "fn(list<string>, string) -> string",
        true,
        "Pieces joined by a separator.",
        r#"join(["a", "b"], ",") == "a,b""#,
    ),
    builtin(
        "format",
        "fn(string, any) -> string",
        false,
        "The template with each `%v` replaced by the next value as messages show it, each `%q` by the same text in double quotes (escaped as in JSON), and `%%` by `%`; the number of values must match. String interpolation (`\"{a}/{b}\"`) is usually simpler; `format` is for a template held in a parameter.",
        r#"format("%v replicas", 3) == "3 replicas""#,
    ),
    builtin(
        "format",
        "fn(string, any, any) -> string",
        false,
        "The template with each `%v` replaced by the next value as messages show it, each `%q` by the same text in double quotes (escaped as in JSON), and `%%` by `%`; the number of values must match. String interpolation (`\"{a}/{b}\"`) is usually simpler; `format` is for a template held in a parameter.",
        r#"format("%v/%v", "shop", "web") == "shop/web""#,
    ),
    builtin(
        "format",
        "fn(string, any, any, any) -> string",
        false,
        "The template with each `%v` replaced by the next value as messages show it, each `%q` by the same text in double quotes (escaped as in JSON), and `%%` by `%`; the number of values must match. String interpolation (`\"{a}/{b}\"`) is usually simpler; `format` is for a template held in a parameter.",
        r#"format("%v is %q", "tag", "latest") == "tag is \"latest\"""#,
    ),
    builtin(
        "format",
        "fn(string, any, any, any, any) -> string",
        false,
        "The template with each `%v` replaced by the next value as messages show it, each `%q` by the same text in double quotes (escaped as in JSON), and `%%` by `%`; the number of values must match. String interpolation (`\"{a}/{b}\"`) is usually simpler; `format` is for a template held in a parameter.",
        r#"format("%v.%v.%v-%v", 1, 2, 3, "rc") == "1.2.3-rc""#,
    ),
    builtin(
        "replace",
        "fn(string, string, string) -> string",
        true,
        "Every occurrence replaced.",
        r#"replace("a-b", "-", "_") == "a_b""#,
    ),
    builtin(
        "substring",
        "fn(string, int, int) -> string",
        true,
        "Characters from start (inclusive) to end (exclusive).",
        r#"substring("abcd", 1, 3) == "bc""#,
    ),
    builtin(
        "untyped",
        "fn(T) -> any",
        false,
        "The same value, typed `any`: its fields are read without type checking. For a field that only some of the matched kinds have (`untyped(resource).spec.selector` in a policy matching Deployments and CronJobs); costs nothing.",
        r#"untyped({a: 1}).a == 1"#,
    ),
    builtin(
        "string",
        "fn(T) -> string",
        true,
        "The value as text.",
        r#"string(42) == "42""#,
    ),
    // Regular expressions and globs.
    builtin(
        "find",
        "fn(string, regex) -> string?",
        true,
        "The first match of the regex, if any.",
        r#"find("v1.2", r"\d+") == "1""#,
    ),
    builtin(
        "captures",
        "fn(string, regex) -> list<string>?",
        true,
        "The capture groups of the first match, if any.",
        r#"captures("a=1", r"(\w)=(\d)") == ["a", "1"]"#,
    ),
    builtin(
        "regexEscape",
        "fn(string) -> string",
        false,
        "The string as a regex that matches it literally: the characters a regex reads specially \
         are escaped. Joined with `|`, a list of words becomes one regex that finds any of them: \
         `let words = join([regexEscape(w) for w in names], \"|\")`.",
        r#"regexEscape("a.b+") == "a\\.b\\+""#,
    ),
    // Quantities, durations, times.
    builtin(
        "quantity",
        "fn(string) -> quantity",
        false,
        "A Kubernetes quantity from text.",
        r#"quantity("1Gi") == 1073741824"#,
    ),
    builtin(
        "duration",
        "fn(string) -> duration",
        false,
        "A duration from text (`30s`, `1h30m`).",
        r#"duration("90s") == duration("1m30s")"#,
    ),
    builtin(
        "time",
        "fn(string) -> time",
        false,
        "An RFC 3339 timestamp.",
        r#"time("2026-01-01T00:00:00Z") < now()"#,
    ),
    builtin(
        "now",
        "fn() -> time",
        false,
        "The evaluation time.",
        "now() > time(\"2020-01-01T00:00:00Z\")",
    ),
    // Images.
    builtin(
        "imageRegistry",
        "fn(string) -> string",
        true,
        "The registry of an image reference, with the runtime's default.",
        r#"imageRegistry("nginx") == "docker.io""#,
    ),
    builtin(
        "imageRepository",
        "fn(string) -> string",
        true,
        "The repository of an image reference.",
        r#"imageRepository("nginx") == "library/nginx""#,
    ),
    builtin(
        "imageTag",
        "fn(string) -> string?",
        true,
        "The tag as written, if any.",
        r#"imageTag("nginx:1.25") == "1.25""#,
    ),
    builtin(
        "imageDigest",
        "fn(string) -> string?",
        true,
        "The digest, if any.",
        r#"imageDigest("nginx") == null"#,
    ),
    // Labels, networks, versions.
    builtin(
        "selects",
        "fn(any?, map<string>?) -> bool",
        false,
        "Whether a label selector selects a set of labels; an absent selector selects nothing, an empty one everything.",
        r#"selects({matchLabels: {app: "web"}}, {app: "web"})"#,
    ),
    builtin(
        "cidrContains",
        "fn(string, string) -> bool",
        false,
        "Whether a CIDR contains an IP or another CIDR.",
        r#"cidrContains("10.0.0.0/8", "10.1.2.3")"#,
    ),
    builtin(
        "cidrOverlaps",
        "fn(string, string) -> bool",
        false,
        "Whether two CIDRs overlap.",
        r#"cidrOverlaps("10.0.0.0/8", "10.1.0.0/16")"#,
    ),
    builtin(
        "isIP",
        "fn(string) -> bool",
        false,
        "Whether the text is an IPv4 or IPv6 address.",
        r#"isIP("::1")"#,
    ),
    // Integers or strings (ports, `maxUnavailable`, `maxSurge`).
    builtin(
        "int",
        "fn(int-or-string) -> int?",
        true,
        "The value as an integer: an integer as is, a string of decimal digits read, any other string (a port name, a percentage) absent.",
        r#"int("8080") == 8080 and int("http") == null"#,
    ),
    builtin(
        "scaledValue",
        "fn(int-or-string, int, bool) -> int",
        false,
        "An integer, or a percentage (`\"25%\"`) of the total, rounded up when the third argument is true and down otherwise, as Kubernetes reads `maxUnavailable` and `maxSurge`; any other string is an error.",
        r#"scaledValue("25%", 10, true) == 3 and scaledValue(2, 10, true) == 2"#,
    ),
    builtin(
        "semverCompare",
        "fn(string, string) -> int",
        false,
        "-1, 0 or 1 by semantic-version precedence.",
        r#"semverCompare("1.2.0", "1.10.0") == -1"#,
    ),
    builtin(
        "apiVersionCompare",
        "fn(string, string) -> int",
        false,
        "-1, 0 or 1 by Kubernetes API version order.",
        r#"apiVersionCompare("v1beta1", "v1") == -1"#,
    ),
    // Encodings.
    builtin(
        "base64Decode",
        "fn(string) -> string?",
        true,
        "Decoded base64 text; absent when the bytes are not UTF-8 text (binary data). Invalid base64 is an error.",
        r#"base64Decode("aGk=") == "hi""#,
    ),
    builtin(
        "parseJson",
        "fn(string) -> any",
        true,
        "A JSON document as data.",
        r#"parseJson("\{\"a\": 1}").a == 1"#,
    ),
    builtin(
        "parseYaml",
        "fn(string) -> any",
        true,
        "A YAML document as data.",
        r#"parseYaml("a: 1").a == 1"#,
    ),
    // Collections.
    builtin(
        "keys",
        "fn(map<T>) -> list<string>",
        true,
        "The keys, sorted.",
        r#"keys({b: 1, a: 2}) == ["a", "b"]"#,
    ),
    builtin(
        "values",
        "fn(map<T>) -> list<T>",
        true,
        "The values, by sorted key.",
        r#"values({b: 1, a: 2}) == [2, 1]"#,
    ),
    builtin(
        "count",
        "fn(list<bool>) -> int",
        true,
        "How many items are true: `count([c.x == 1 for c in cs])`.",
        "count([true, false, true]) == 2",
    ),
    builtin(
        "count",
        "fn(list<T>, T) -> int",
        true,
        "How many items equal the value.",
        r#"count(["a", "b", "a"], "a") == 2"#,
    ),
    builtin(
        "sum",
        "fn(list<int>) -> int",
        true,
        "The sum.",
        "sum([1, 2]) == 3",
    ),
    builtin(
        "sum",
        "fn(list<float>) -> float",
        true,
        "The sum.",
        "sum([1.5, 2.5]) == 4.0",
    ),
    builtin(
        "sum",
        "fn(list<quantity>) -> quantity",
        true,
        "The sum.",
        r#"sum([500m, 500m]) == 1"#,
    ),
    builtin(
        "min",
        "fn(list<T>) -> T?",
        true,
        "The smallest item, absent for an empty list.",
        "min([3, 1]) == 1",
    ),
    builtin(
        "max",
        "fn(list<T>) -> T?",
        true,
        "The largest item, absent for an empty list.",
        "max([3, 1]) == 3",
    ),
    builtin(
        "sort",
        "fn(list<T>) -> list<T>",
        true,
        "The items in ascending order.",
        "sort([3, 1]) == [1, 3]",
    ),
    builtin(
        "unique",
        "fn(list<T>) -> list<T>",
        true,
        "The items without repeats, first occurrence kept.",
        "unique([1, 1, 2]) == [1, 2]",
    ),
    builtin(
        "merge",
        "fn(map<T>, map<T>) -> map<T>",
        true,
        "Both maps; the second wins on shared keys.",
        r#"merge({a: 1}, {a: 2}) == {a: 2}"#,
    ),
    builtin(
        "has",
        "fn(map<T>?, string) -> bool",
        true,
        "Whether the map has the key.",
        r#"has({a: 1}, "a")"#,
    ),
];

/// The entries called `name`.
pub fn overloads(name: &str) -> impl Iterator<Item = &'static Builtin> + '_ {
    BUILTINS.iter().filter(move |builtin| builtin.name == name)
}

/// Every builtin name, once.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = BUILTINS.iter().map(|builtin| builtin.name).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The reference page of the builtins, `docs/stdlib.md`, made from this table (a test keeps
/// the committed page current).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Builtins\n\n\
         <!-- Generated from stdlib/src/registry.rs; do not edit. Regenerate with\n     \
         `UPDATE_DOCS=1 cargo test -p pol-stdlib --test stdlib_docs`. -->\n\n\
         Every function a policy can call. Signatures use pol's types; `T` stands for any one\n\
         type, the same wherever it appears in a signature. A function marked *method* can also\n\
         be called on its first argument: `c.image.startsWith(\"ghcr.io/\")` is\n\
         `startsWith(c.image, \"ghcr.io/\")`. A literal argument of `quantity` and `duration`, a\n\
         `r\"…\"` or `g\"…\"` literal, and a plain string after `matches` are checked when the\n\
         policy compiles.\n\n",
    );
    for name in names() {
        out.push_str(&format!("## `{name}`\n\n"));
        for builtin in overloads(name) {
            let method = if builtin.method { " · method" } else { "" };
            out.push_str(&format!(
                "- `{}` — {}{method}  \n  Example: `{}`\n",
                builtin.signature.replacen("fn", name, 1),
                builtin.doc,
                builtin.example
            ));
        }
        out.push('\n');
    }
    out
}
