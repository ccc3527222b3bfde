//! Policy packs: compiled policies in one file.
//!
//! Layout: the magic `POLPACK\0`, the format version (`u16`), the body, and a CRC-32 of
//! everything before it. All integers are little-endian; strings and byte strings are a `u32`
//! length then the bytes; lists are a `u32` count then the items. The body holds, in order:
//! the compiler version, the Kubernetes version and schema fingerprint, symbols, constants,
//! builtins (by name and arity), patterns, policies (metadata, parameters, function), kinds
//! (the dispatch table), cross-resource queries (group, kind and key path), deny sites, and functions
//! (code, locals, stack, source map).
//!
//! [`Pack::read`] checks the magic, the version and the checksum, decodes every section with
//! bounds on every count and length (a count larger than the bytes left is an error before
//! anything is allocated), checks every cross-reference and verifies every function
//! ([`crate::bytecode::verify`]). A truncated, corrupted or hostile pack is a [`PackError`],
//! never a panic.

use crate::bytecode::{Code, Context};
use crate::interp::Constant;

/// The first bytes of every pack.
pub const MAGIC: &[u8; 8] = b"POLPACK\0";
/// The format version this code writes and reads.
pub const FORMAT_VERSION: u16 = 6;
/// How deeply constants (lists and maps of constants) may nest.
const MAX_CONSTANT_DEPTH: u32 = 64;

/// A whole pack.
#[derive(Debug, Clone, PartialEq)]
pub struct Pack {
    /// The version of pol that wrote it.
    pub compiler: String,
    /// The Kubernetes version its policies were checked against, like `1.36`.
    pub k8s_version: String,
    /// A fingerprint of the schemas (built-in and CRDs) the policies were checked against.
    pub schema_fingerprint: u64,
    /// Field names, by symbol.
    pub symbols: Vec<Box<str>>,
    pub constants: Vec<Constant>,
    pub builtins: Vec<BuiltinRef>,
    pub patterns: Vec<PatternDef>,
    pub policies: Vec<PolicyMeta>,
    pub kinds: Vec<KindEntry>,
    /// The kinds cross-resource expressions (`others(Kind)`) ask for, by query index.
    pub queries: Vec<Query>,
    pub sites: Vec<DenySite>,
    pub functions: Vec<Function>,
}

/// A builtin a pack calls, by name: the host binds it when the pack is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinRef {
    pub name: String,
    pub arity: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    Regex,
    Glob,
}

/// A pattern constant: compiled by the host when the pack is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternDef {
    pub kind: PatternKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == text)
    }
}

/// What a pack knows of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub controls: Vec<String>,
    pub description: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    /// The `.pol` file it came from, and the span of the policy in it.
    pub file: String,
    pub span: (u32, u32),
    /// Whether it runs unless configuration enables it (`enabled false` in the source).
    pub enabled: bool,
    /// Parameter names, in the order `Param` indexes them.
    pub param_names: Vec<String>,
    /// Parameter types as written (`list<string>`), parallel to the names: configuration
    /// values are checked against them.
    pub param_types: Vec<String>,
    /// Parameter values (defaults, or set by configuration), parallel to the names.
    pub params: Vec<Constant>,
    /// Its function.
    pub function: u32,
}

/// A path step of a `deny`'s place or a fix target, as written in the policy. At run time the
/// interpreter knows how many trailing steps were missing; these name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Index(i64),
    /// A step computed at run time (`x[name]`): its text is not known statically.
    Dynamic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    Set,
    Remove,
    Append,
}

/// One edit of a fix, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditSite {
    pub kind: EditKind,
    /// Applied only on request (`fix unsafe`).
    pub unsafe_: bool,
    /// The trailing path steps of the target, as written.
    pub target: Vec<Step>,
}

/// One `deny` of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenySite {
    pub policy: u32,
    /// The span of the `deny` in the policy's file.
    pub span: (u32, u32),
    /// The trailing path steps of `at` (empty without one: the finding is on the resource).
    pub place: Vec<Step>,
    pub edits: Vec<EditSite>,
}

/// A kind and the policies that match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindEntry {
    pub api_version: String,
    pub kind: String,
    /// Where the pod spec lives, for pod controllers (`["spec", "template", "spec"]`).
    pub pod_path: Option<Vec<String>>,
    pub policies: Vec<u32>,
}

/// What `others(Kind)` asks for: every resource of a kind, in any version of its API group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    /// The API group, empty for the core group.
    pub group: String,
    pub kind: String,
    /// Where the value the evaluation set is indexed by lives in each resource (empty: no
    /// index). The compiler adds one when a loop over `others(Kind)` keeps only resources
    /// whose value there equals, or is in, something known before the loop (`OthersBy`).
    pub key: Vec<KeyStep>,
}

/// A step of a [`Query::key`] path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyStep {
    /// The field with this symbol.
    Field(u32),
    /// Every item of a list.
    Each,
    /// Every entry of a map, as a (key, value) pair: only as the last step.
    Entries,
    /// Constant `index` when the value is absent or null (`x.path ?? "default"`).
    Default(u32),
    /// The value given to builtin `index`, of one argument (`lower(x.host)`); where the
    /// builtin fails, the resource is a candidate of every lookup.
    Apply(u16),
}

/// The most steps a [`Query::key`] may have.
pub const MAX_KEY_STEPS: usize = 32;

impl Query {
    /// How `OthersBy` may look the query up: 0 without a key, 1 by value (modes 0 and 1), 2
    /// by map entries (mode 2).
    pub fn key_shape(&self) -> u8 {
        match self.key.last() {
            None => 0,
            Some(KeyStep::Entries) => 2,
            Some(_) => 1,
        }
    }
}

impl Query {
    /// Whether a resource with this `apiVersion` and `kind` answers the query.
    pub fn selects(&self, api_version: &str, kind: &str) -> bool {
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        kind == self.kind && group == self.group
    }
}

/// One compiled function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The encoded instructions.
    pub bytes: Vec<u8>,
    pub locals: u16,
    pub max_stack: u16,
    /// `(instruction offset, span start, span end)`, sorted by offset: the source text each
    /// instruction came from.
    pub source_map: Vec<(u32, u32, u32)>,
    /// The decoded, verified instructions (built by [`Pack::read`] and [`Pack::prepare`]).
    pub code: Option<Code>,
}

impl Function {
    /// The span of the source an instruction came from.
    pub fn span_at(&self, offset: u32) -> Option<(u32, u32)> {
        let index = self
            .source_map
            .partition_point(|(at, _, _)| *at <= offset)
            .checked_sub(1)?;
        self.source_map
            .get(index)
            .map(|(_, start, end)| (*start, *end))
    }
}

/// Why a pack cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    /// Lowercase, one line.
    pub message: String,
    /// Byte offset in the pack, when the problem has one.
    pub offset: Option<usize>,
}

impl std::fmt::Display for PackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at byte {offset})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn error(message: impl Into<String>) -> PackError {
    PackError {
        message: message.into(),
        offset: None,
    }
}

impl Pack {
    /// Encodes the pack.
    pub fn write(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(4096));
        w.0.extend_from_slice(MAGIC);
        w.u16(FORMAT_VERSION);
        w.str(&self.compiler);
        w.str(&self.k8s_version);
        w.u64(self.schema_fingerprint);
        w.list(&self.symbols, |w, symbol| w.str(symbol));
        w.list(&self.constants, Writer::constant);
        w.list(&self.builtins, |w, builtin| {
            w.str(&builtin.name);
            w.u8(builtin.arity);
        });
        w.list(&self.patterns, |w, pattern| {
            w.u8(match pattern.kind {
                PatternKind::Regex => 0,
                PatternKind::Glob => 1,
            });
            w.str(&pattern.text);
        });
        w.list(&self.policies, |w, policy| {
            w.str(&policy.id);
            w.str(&policy.title);
            w.u8(policy.severity as u8);
            w.str(&policy.category);
            w.list(&policy.controls, |w, text| w.str(text));
            w.str(&policy.description);
            w.str(&policy.remediation);
            w.list(&policy.references, |w, text| w.str(text));
            w.list(&policy.tags, |w, text| w.str(text));
            w.str(&policy.file);
            w.u32(policy.span.0);
            w.u32(policy.span.1);
            w.u8(u8::from(policy.enabled));
            w.list(&policy.param_names, |w, name| w.str(name));
            w.list(&policy.param_types, |w, name| w.str(name));
            w.list(&policy.params, Writer::constant);
            w.u32(policy.function);
        });
        w.list(&self.kinds, |w, kind| {
            w.str(&kind.api_version);
            w.str(&kind.kind);
            match &kind.pod_path {
                None => w.u8(0),
                Some(path) => {
                    w.u8(1);
                    w.list(path, |w, step| w.str(step));
                }
            }
            w.list(&kind.policies, |w, policy| w.u32(*policy));
        });
        w.list(&self.queries, |w, query| {
            w.str(&query.group);
            w.str(&query.kind);
            w.list(&query.key, |w, step| match step {
                KeyStep::Field(symbol) => {
                    w.u8(0);
                    w.u32(*symbol);
                }
                KeyStep::Each => w.u8(1),
                KeyStep::Entries => w.u8(2),
                KeyStep::Default(index) => {
                    w.u8(3);
                    w.u32(*index);
                }
                KeyStep::Apply(builtin) => {
                    w.u8(4);
                    w.u16(*builtin);
                }
            });
        });
        w.list(&self.sites, |w, site| {
            w.u32(site.policy);
            w.u32(site.span.0);
            w.u32(site.span.1);
            w.list(&site.place, Writer::step);
            w.list(&site.edits, |w, edit| {
                w.u8(match edit.kind {
                    EditKind::Set => 0,
                    EditKind::Remove => 1,
                    EditKind::Append => 2,
                });
                w.u8(u8::from(edit.unsafe_));
                w.list(&edit.target, Writer::step);
            });
        });
        w.list(&self.functions, |w, function| {
            w.bytes(&function.bytes);
            w.u16(function.locals);
            w.u16(function.max_stack);
            w.list(&function.source_map, |w, (offset, start, end)| {
                w.u32(*offset);
                w.u32(*start);
                w.u32(*end);
            });
        });
        let checksum = crc32(&w.0);
        w.u32(checksum);
        w.0
    }

    /// Decodes and verifies a pack; see the module documentation.
    pub fn read(bytes: &[u8]) -> Result<Pack, PackError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(error("not a pol pack (it does not start with `POLPACK`)"));
        }
        if bytes.len() < MAGIC.len() + 2 + 4 {
            return Err(error("the pack is truncated"));
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != FORMAT_VERSION {
            return Err(error(format!(
                "pack format {version}, but this pol reads format {FORMAT_VERSION}; rebuild the pack with this pol"
            )));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
        if crc32(body) != stored {
            return Err(error(
                "the pack is corrupted or truncated (its checksum does not match)",
            ));
        }
        let mut r = Reader {
            bytes: body,
            at: MAGIC.len() + 2,
        };
        let mut pack = Pack {
            compiler: r.str("the compiler version")?,
            k8s_version: r.str("the Kubernetes version")?,
            schema_fingerprint: r.u64("the schema fingerprint")?,
            symbols: r.list("symbols", |r| Ok(r.str("a symbol")?.into_boxed_str()))?,
            constants: r.list("constants", |r| r.constant(0))?,
            builtins: r.list("builtins", |r| {
                Ok(BuiltinRef {
                    name: r.str("a builtin name")?,
                    arity: r.u8("a builtin arity")?,
                })
            })?,
            patterns: r.list("patterns", |r| {
                let kind = match r.u8("a pattern kind")? {
                    0 => PatternKind::Regex,
                    1 => PatternKind::Glob,
                    other => return Err(r.fail(format!("unknown pattern kind {other}"))),
                };
                Ok(PatternDef {
                    kind,
                    text: r.str("a pattern")?,
                })
            })?,
            policies: r.list("policies", Reader::policy)?,
            kinds: r.list("kinds", |r| {
                Ok(KindEntry {
                    api_version: r.str("an apiVersion")?,
                    kind: r.str("a kind")?,
                    pod_path: match r.u8("a pod path flag")? {
                        0 => None,
                        1 => Some(r.list("a pod path", |r| r.str("a path step"))?),
                        other => return Err(r.fail(format!("bad pod path flag {other}"))),
                    },
                    policies: r.list("policy indexes", |r| r.u32("a policy index"))?,
                })
            })?,
            queries: r.list("queries", |r| {
                Ok(Query {
                    group: r.str("a query group")?,
                    kind: r.str("a query kind")?,
                    key: r.list("a query key", |r| {
                        Ok(match r.u8("a key step")? {
                            0 => KeyStep::Field(r.u32("a key field")?),
                            1 => KeyStep::Each,
                            2 => KeyStep::Entries,
                            3 => KeyStep::Default(r.u32("a key default")?),
                            4 => KeyStep::Apply(r.u16("a key builtin")?),
                            other => return Err(r.fail(format!("unknown key step {other}"))),
                        })
                    })?,
                })
            })?,
            sites: r.list("deny sites", Reader::site)?,
            functions: r.list("functions", |r| {
                Ok(Function {
                    bytes: r.bytes("code")?.to_vec(),
                    locals: r.u16("locals")?,
                    max_stack: r.u16("stack size")?,
                    source_map: r.list("a source map", |r| {
                        Ok((r.u32("an offset")?, r.u32("a span")?, r.u32("a span")?))
                    })?,
                    code: None,
                })
            })?,
        };
        if r.at != body.len() {
            return Err(r.fail("unexpected bytes after the last section"));
        }
        pack.prepare()?;
        Ok(pack)
    }

    /// Checks every cross-reference and verifies and decodes every function.
    pub fn prepare(&mut self) -> Result<(), PackError> {
        let in_range = |what: &str, index: u32, count: usize| {
            if (index as usize) < count {
                Ok(())
            } else {
                Err(error(format!(
                    "{what} {index} is out of range (there are {count})"
                )))
            }
        };
        for constant in &self.constants {
            check_patterns(constant, self.patterns.len())?;
        }
        for policy in &self.policies {
            in_range(
                &format!("policy `{}` names function", policy.id),
                policy.function,
                self.functions.len(),
            )?;
            if policy.params.len() > usize::from(u16::MAX)
                || policy.params.len() != policy.param_names.len()
                || policy.params.len() != policy.param_types.len()
            {
                return Err(error(format!(
                    "policy `{}` has {} parameter names and {} values",
                    policy.id,
                    policy.param_names.len(),
                    policy.params.len()
                )));
            }
            for value in &policy.params {
                check_patterns(value, self.patterns.len())?;
            }
        }
        for kind in &self.kinds {
            for policy in &kind.policies {
                in_range(
                    &format!("kind `{}` names policy", kind.kind),
                    *policy,
                    self.policies.len(),
                )?;
            }
        }
        for site in &self.sites {
            in_range("a deny site names policy", site.policy, self.policies.len())?;
        }
        for query in &self.queries {
            if query.key.len() > MAX_KEY_STEPS {
                return Err(error(format!(
                    "the key of query `{}` has {} steps (at most {MAX_KEY_STEPS})",
                    query.kind,
                    query.key.len()
                )));
            }
            for (at, step) in query.key.iter().enumerate() {
                match step {
                    KeyStep::Field(symbol) => in_range(
                        &format!("the key of query `{}` names symbol", query.kind),
                        *symbol,
                        self.symbols.len(),
                    )?,
                    KeyStep::Entries if at + 1 != query.key.len() => {
                        return Err(error(format!(
                            "the key of query `{}` reads map entries before its last step",
                            query.kind
                        )));
                    }
                    KeyStep::Default(index) => in_range(
                        &format!("the key of query `{}` names constant", query.kind),
                        *index,
                        self.constants.len(),
                    )?,
                    KeyStep::Apply(builtin) => match self.builtins.get(usize::from(*builtin)) {
                        Some(found) if found.arity == 1 => {}
                        Some(found) => {
                            return Err(error(format!(
                                "the key of query `{}` applies `{}`, which takes {} arguments, not 1",
                                query.kind, found.name, found.arity
                            )));
                        }
                        None => in_range(
                            &format!("the key of query `{}` names builtin", query.kind),
                            u32::from(*builtin),
                            self.builtins.len(),
                        )?,
                    },
                    KeyStep::Each | KeyStep::Entries => {}
                }
            }
        }
        let key_shapes: Vec<u8> = self.queries.iter().map(Query::key_shape).collect();
        let pattern_constants: Vec<bool> = self
            .constants
            .iter()
            .map(|constant| matches!(constant, Constant::Pattern(_)))
            .collect();
        let arities: Vec<u8> = self.builtins.iter().map(|builtin| builtin.arity).collect();
        if self.builtins.len() > usize::from(u16::MAX) + 1 {
            return Err(error("too many builtins"));
        }
        // Which policy owns each function: its parameters are the function's.
        let mut params_of = vec![0usize; self.functions.len()];
        for policy in &self.policies {
            if let Some(slot) = params_of.get_mut(policy.function as usize) {
                *slot = policy.params.len();
            }
        }
        let (constants, symbols, sites) =
            (self.constants.len(), self.symbols.len(), self.sites.len());
        for (index, function) in self.functions.iter_mut().enumerate() {
            let context = Context {
                constants,
                pattern_constants: &pattern_constants,
                symbols,
                params: params_of.get(index).copied().unwrap_or(0),
                sites,
                key_shapes: &key_shapes,
                builtins: &arities,
                locals: function.locals,
                max_stack: function.max_stack,
            };
            let code = Code::new(&function.bytes, &context)
                .map_err(|problem| error(format!("function {index} does not verify: {problem}")))?;
            function.code = Some(code);
        }
        Ok(())
    }
}

fn check_patterns(constant: &Constant, patterns: usize) -> Result<(), PackError> {
    match constant {
        Constant::Pattern(id) if *id as usize >= patterns => Err(error(format!(
            "pattern {id} is out of range (there are {patterns})"
        ))),
        Constant::List(items) => items
            .iter()
            .try_for_each(|item| check_patterns(item, patterns)),
        Constant::Map(entries) => entries
            .iter()
            .try_for_each(|(_, value)| check_patterns(value, patterns)),
        _ => Ok(()),
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, value: u8) {
        self.0.push(value);
    }
    fn u16(&mut self, value: u16) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn u32(&mut self, value: u32) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn u64(&mut self, value: u64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }
    fn len(&mut self, len: usize) {
        self.u32(u32::try_from(len).unwrap_or(u32::MAX));
    }
    fn bytes(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.0.extend_from_slice(bytes);
    }
    fn str(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }
    fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Writer, &T)) {
        self.len(items.len());
        for value in items {
            item(self, value);
        }
    }
    fn constant(&mut self, constant: &Constant) {
        match constant {
            Constant::Null => self.u8(0),
            Constant::Bool(flag) => {
                self.u8(1);
                self.u8(u8::from(*flag));
            }
            Constant::Int(number) => {
                self.u8(2);
                self.u64(*number as u64);
            }
            Constant::Float(number) => {
                self.u8(3);
                self.u64(number.to_bits());
            }
            Constant::Str(text) => {
                self.u8(4);
                self.str(text);
            }
            Constant::List(items) => {
                self.u8(5);
                self.list(items, Writer::constant);
            }
            Constant::Map(entries) => {
                self.u8(6);
                self.list(entries, |w, (key, value)| {
                    w.str(key);
                    w.constant(value);
                });
            }
            Constant::Pattern(id) => {
                self.u8(7);
                self.u32(*id);
            }
        }
    }
    fn step(&mut self, step: &Step) {
        match step {
            Step::Field(name) => {
                self.u8(0);
                self.str(name);
            }
            Step::Index(position) => {
                self.u8(1);
                self.u64(*position as u64);
            }
            Step::Dynamic => self.u8(2),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn fail(&self, message: impl Into<String>) -> PackError {
        PackError {
            message: message.into(),
            offset: Some(self.at),
        }
    }

    fn take(&mut self, count: usize, what: &str) -> Result<&'a [u8], PackError> {
        let end = self
            .at
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| self.fail(format!("the pack ends inside {what}")))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, PackError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, PackError> {
        let bytes = self.take(2, what)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }
    fn u32(&mut self, what: &str) -> Result<u32, PackError> {
        let bytes = self.take(4, what)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
    fn u64(&mut self, what: &str) -> Result<u64, PackError> {
        let bytes = self.take(8, what)?;
        let mut buffer = [0u8; 8];
        buffer.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(buffer))
    }
    fn bytes(&mut self, what: &str) -> Result<&'a [u8], PackError> {
        let len = self.u32(what)? as usize;
        self.take(len, what)
    }
    fn str(&mut self, what: &str) -> Result<String, PackError> {
        let start = self.at;
        let bytes = self.bytes(what)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| PackError {
                message: format!("{what} is not UTF-8"),
                offset: Some(start),
            })
    }
    /// A count, then that many items; the count is checked against the bytes left (every
    /// item takes at least one byte) before anything is allocated.
    fn list<T>(
        &mut self,
        what: &str,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T, PackError>,
    ) -> Result<Vec<T>, PackError> {
        let count = self.u32(what)? as usize;
        if count > self.bytes.len() - self.at {
            return Err(self.fail(format!("{what}: {count} items cannot fit in the pack")));
        }
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(item(self)?);
        }
        Ok(items)
    }
    fn constant(&mut self, depth: u32) -> Result<Constant, PackError> {
        if depth > MAX_CONSTANT_DEPTH {
            return Err(self.fail("constants nest too deeply"));
        }
        Ok(match self.u8("a constant")? {
            0 => Constant::Null,
            1 => Constant::Bool(self.u8("a boolean")? != 0),
            2 => Constant::Int(self.u64("an integer")? as i64),
            3 => Constant::Float(f64::from_bits(self.u64("a number")?)),
            4 => Constant::Str(self.str("a string")?.into_boxed_str()),
            5 => Constant::List(self.list("a list", |r| r.constant(depth + 1))?),
            6 => Constant::Map(self.list("a map", |r| {
                Ok((r.str("a map key")?.into_boxed_str(), r.constant(depth + 1)?))
            })?),
            7 => Constant::Pattern(self.u32("a pattern")?),
            other => return Err(self.fail(format!("unknown constant tag {other}"))),
        })
    }
    fn step(&mut self) -> Result<Step, PackError> {
        Ok(match self.u8("a path step")? {
            0 => Step::Field(self.str("a field name")?),
            1 => Step::Index(self.u64("an index")? as i64),
            2 => Step::Dynamic,
            other => return Err(self.fail(format!("unknown path step {other}"))),
        })
    }
    fn strings(&mut self, what: &str) -> Result<Vec<String>, PackError> {
        self.list(what, |r| r.str(what))
    }
    fn policy(&mut self) -> Result<PolicyMeta, PackError> {
        Ok(PolicyMeta {
            id: self.str("a policy id")?,
            title: self.str("a title")?,
            severity: match self.u8("a severity")? {
                0 => Severity::Info,
                1 => Severity::Low,
                2 => Severity::Medium,
                3 => Severity::High,
                4 => Severity::Critical,
                other => return Err(self.fail(format!("unknown severity {other}"))),
            },
            category: self.str("a category")?,
            controls: self.strings("controls")?,
            description: self.str("a description")?,
            remediation: self.str("a remediation")?,
            references: self.strings("references")?,
            tags: self.strings("tags")?,
            file: self.str("a file name")?,
            span: (self.u32("a span")?, self.u32("a span")?),
            enabled: match self.u8("an enabled flag")? {
                0 => false,
                1 => true,
                other => return Err(self.fail(format!("bad enabled flag {other}"))),
            },
            param_names: self.strings("parameter names")?,
            param_types: self.strings("parameter types")?,
            params: self.list("parameters", |r| r.constant(0))?,
            function: self.u32("a function index")?,
        })
    }
    fn site(&mut self) -> Result<DenySite, PackError> {
        Ok(DenySite {
            policy: self.u32("a policy index")?,
            span: (self.u32("a span")?, self.u32("a span")?),
            place: self.list("a place", Reader::step)?,
            edits: self.list("edits", |r| {
                Ok(EditSite {
                    kind: match r.u8("an edit kind")? {
                        0 => EditKind::Set,
                        1 => EditKind::Remove,
                        2 => EditKind::Append,
                        other => return Err(r.fail(format!("unknown edit kind {other}"))),
                    },
                    unsafe_: r.u8("an edit flag")? != 0,
                    target: r.list("a target", Reader::step)?,
                })
            })?,
        })
    }
}

/// CRC-32 (IEEE), table-driven.
pub fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    let mut crc = !0u32;
    for byte in bytes {
        crc = TABLE[((crc ^ u32::from(*byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests;
