//! Documents: Kubernetes manifests as trees with a position on every node.
//!
//! [`load`] reads a stream of YAML (or JSON) documents. Each document is parsed on its own, so
//! a broken one is reported and the others are still loaded. Hostile input is bounded: nesting
//! depth, alias expansion and scalar size have limits ([`Limits`]), and exceeding one is an
//! error for that document, never a hang or a crash.
//!
//! Plain scalars resolve as the Kubernetes API server's YAML library resolves them (YAML 1.1:
//! `yes`, `on`, `y` are booleans), so that pol sees what the cluster would see.

use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

/// A position in the source: byte offset, 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub offset: u32,
    pub line: u32,
    pub column: u32,
}

/// Where a node is: from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub start: Position,
    pub end: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Node>),
    /// Entries in document order; keys are unique (duplicates are a load error).
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub location: Location,
    /// The key's symbol in the pack it will be evaluated with ([`Node::intern`]), so that
    /// field access compares numbers; [`Key::UNINTERNED`] until then.
    pub symbol: u32,
}

impl Key {
    /// Not interned yet: field access compares text.
    pub const UNINTERNED: u32 = u32::MAX;
    /// Interned, and no policy of the pack reads this key.
    pub const UNKNOWN: u32 = u32::MAX - 1;
}

impl Node {
    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(entry, _)| entry.text == key)
                .map(|(_, node)| node),
            _ => None,
        }
    }

    /// Gives every key of the tree its symbol, as `lookup` finds it ([`Key::UNKNOWN`] when it
    /// finds none). Iterative: the depth of a document is bounded, but not by the stack.
    pub fn intern(&mut self, lookup: &dyn Fn(&str) -> Option<u32>) {
        let mut work: Vec<&mut Node> = vec![self];
        while let Some(node) = work.pop() {
            match &mut node.value {
                Value::List(items) => work.extend(items.iter_mut()),
                Value::Map(entries) => {
                    for (key, child) in entries.iter_mut() {
                        key.symbol = lookup(&key.text).unwrap_or(Key::UNKNOWN);
                        work.push(child);
                    }
                }
                _ => {}
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.value {
            Value::List(items) => Some(items),
            _ => None,
        }
    }
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based position of the document in its file (items of a `kind: List` share it).
    pub index: usize,
    pub root: Node,
}

/// A document that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// Lowercase, one line.
    pub message: String,
    pub position: Position,
    /// The document it belongs to, when known.
    pub document: Option<usize>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.position.line, self.position.column, self.message
        )
    }
}

/// Bounds on what one document may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    /// Nodes one document may hold once aliases are expanded.
    pub max_nodes: usize,
    pub max_scalar_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 200,
            max_nodes: 2_000_000,
            max_scalar_bytes: 16 * 1024 * 1024,
        }
    }
}

/// What a stream held.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub errors: Vec<LoadError>,
}

/// Loads every document of `bytes`. Never panics; problems are [`LoadError`]s.
pub fn load(bytes: &[u8], limits: &Limits) -> Loaded {
    match split(bytes) {
        Ok(pieces) => load_pieces(&pieces, limits),
        Err(error) => Loaded {
            documents: Vec::new(),
            errors: vec![error],
        },
    }
}

/// One document's text in a stream, not yet parsed: [`split`] makes them, [`load_pieces`]
/// parses them, so a caller can parse the pieces of one big stream on several threads.
#[derive(Debug, Clone, Copy)]
pub struct Piece<'a> {
    index: usize,
    chunk: Chunk<'a>,
}

/// Checks that `bytes` are text and cuts them into documents.
pub fn split(bytes: &[u8]) -> Result<Vec<Piece<'_>>, LoadError> {
    if let Some(nul) = bytes.iter().position(|byte| *byte == 0) {
        return Err(LoadError {
            message: "binary data, not YAML or JSON (a NUL byte)".to_string(),
            position: position_of_byte(bytes, nul),
            document: None,
        });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            return Err(LoadError {
                message: "the file is not UTF-8 text".to_string(),
                position: position_of_byte(bytes, error.valid_up_to()),
                document: None,
            });
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(split_documents(text)
        .into_iter()
        .enumerate()
        .map(|(index, chunk)| Piece { index, chunk })
        .collect())
}

/// Parses pieces of a stream (in order; any run of [`split`]'s output).
pub fn load_pieces(pieces: &[Piece<'_>], limits: &Limits) -> Loaded {
    let mut loaded = Loaded::default();
    for piece in pieces {
        match load_one(piece.chunk, limits) {
            Ok(None) => {}
            Ok(Some(root)) => expand_list(piece.index, root, &mut loaded),
            Err(mut error) => {
                error.document = Some(piece.index);
                loaded.errors.push(error);
            }
        }
    }
    loaded
}

fn position_of_byte(bytes: &[u8], offset: usize) -> Position {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|byte| **byte == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |at| at + 1);
    Position {
        offset: clamp(offset),
        line: clamp(line),
        column: clamp(
            String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1,
        ),
    }
}

fn clamp(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The first line (1-based) of each document of `text`, indexed like [`Document::index`]:
/// what a tool needs to attach comments around a document (test cases, say) to it.
pub fn document_lines(text: &str) -> Vec<u32> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    split_documents(text)
        .iter()
        .map(|chunk| clamp(chunk.line))
        .collect()
}

/// A document's text, with where it starts in the stream.
#[derive(Debug, Clone, Copy)]
struct Chunk<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

/// Splits a stream before each `---` line and after each `...` line. A document marker at
/// column 0 cannot occur inside a document's content, so each piece holds one document; pieces
/// start at the beginning of a line, so columns need no correction.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    let mut has_content = false;
    for (line_number, line) in (1..).zip(text.split_inclusive('\n')) {
        let content = line.trim_end_matches(['\n', '\r']);
        let is_marker = |marker: &str| {
            content == marker
                || content
                    .strip_prefix(marker)
                    .is_some_and(|rest| rest.starts_with([' ', '\t']))
        };
        if is_marker("---") {
            if has_content {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    offset: start,
                    line: start_line,
                });
            }
            start = offset;
            start_line = line_number;
            has_content = true;
        } else if is_marker("...") {
            if has_content {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    offset: start,
                    line: start_line,
                });
            }
            start = offset + line.len();
            start_line = line_number + 1;
            has_content = false;
        } else if !content.trim().is_empty() && !content.trim_start().starts_with('#') {
            has_content = true;
        }
        offset += line.len();
    }
    if has_content {
        chunks.push(Chunk {
            text: &text[start..],
            offset: start,
            line: start_line,
        });
    }
    chunks
}

/// Maps the parser's character indexes to byte offsets within one chunk.
struct Offsets<'a> {
    chunk: Chunk<'a>,
    /// Byte offset of each character, when the chunk is not ASCII.
    table: Option<Vec<u32>>,
}

impl Offsets<'_> {
    fn position(&self, index: usize, line: usize, column: usize) -> Position {
        let byte = match &self.table {
            None => index,
            Some(table) => table
                .get(index)
                .copied()
                .unwrap_or_else(|| clamp(self.chunk.text.len()))
                as usize,
        };
        Position {
            offset: clamp(self.chunk.offset + byte),
            line: clamp(self.chunk.line + line - 1),
            column: clamp(column + 1),
        }
    }

    fn location(&self, span: &saphyr_parser::Span) -> Location {
        Location {
            start: self.position(span.start.index(), span.start.line(), span.start.col()),
            end: self.position(span.end.index(), span.end.line(), span.end.col()),
        }
    }
}

fn load_one(chunk: Chunk<'_>, limits: &Limits) -> Result<Option<Node>, LoadError> {
    let offsets = Offsets {
        chunk,
        table: (!chunk.text.is_ascii()).then(|| {
            chunk
                .text
                .char_indices()
                .map(|(offset, _)| clamp(offset))
                .chain(std::iter::once(clamp(chunk.text.len())))
                .collect()
        }),
    };
    let mut builder = Builder {
        offsets: &offsets,
        limits,
        anchors: Vec::new(),
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        nodes: 0,
        root: None,
        roots: 0,
    };
    for event in Parser::new_from_str(chunk.text) {
        let (event, span) = event.map_err(|error| scan_error(&offsets, &error))?;
        builder.event(event, &span)?;
    }
    if builder.roots > 1 {
        return Err(LoadError {
            message: "more than one document without `---` between them".to_string(),
            position: offsets.position(0, 1, 0),
            document: None,
        });
    }
    Ok(builder.root)
}

fn scan_error(offsets: &Offsets<'_>, error: &ScanError) -> LoadError {
    let marker = error.marker();
    LoadError {
        message: format!("invalid YAML: {}", error.info()),
        position: offsets.position(marker.index(), marker.line(), marker.col()),
        document: None,
    }
}

/// A collection being built. Its items so far are at the end of the builder's `items` (or
/// `entries`), from `from` on: each finished collection moves them into a vector of their
/// exact size. (A vector grown one push at a time ends up to twice as large as its items,
/// and the allocator keeps a block shrunk by less than half: document trees were nearly
/// twice their size.)
enum Open {
    List {
        from: usize,
        start: Location,
        anchor: usize,
    },
    Map {
        from: usize,
        pending_key: Option<Key>,
        start: Location,
        anchor: usize,
        /// Key positions by text, once the map is big enough that scanning for duplicates
        /// would be quadratic.
        index: Option<std::collections::HashMap<String, usize>>,
    },
}

/// Maps with more entries than this index their keys for the duplicate check.
const INDEXED_MAP: usize = 32;

struct Builder<'o, 'a> {
    offsets: &'o Offsets<'a>,
    limits: &'o Limits,
    /// Anchored nodes by anchor id, for aliases.
    anchors: Vec<(usize, Node)>,
    stack: Vec<Open>,
    /// The items of the open lists, innermost last ([`Open`]).
    items: Vec<Node>,
    /// The entries of the open maps, innermost last.
    entries: Vec<(Key, Node)>,
    /// Nodes created so far, aliases counted with their full size.
    nodes: usize,
    root: Option<Node>,
    roots: usize,
}

impl Builder<'_, '_> {
    fn error(&self, message: String, at: Position) -> LoadError {
        LoadError {
            message,
            position: at,
            document: None,
        }
    }

    fn count(&mut self, nodes: usize, at: Position) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limits.max_nodes {
            return Err(self.error(
                format!(
                    "the document expands to more than {} nodes (an alias bomb?)",
                    self.limits.max_nodes
                ),
                at,
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: &saphyr_parser::Span) -> Result<(), LoadError> {
        let location = self.offsets.location(span);
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(_) => Ok(()),
            Event::Scalar(text, style, anchor, tag) => {
                if text.len() > self.limits.max_scalar_bytes {
                    return Err(self.error(
                        format!(
                            "a scalar of {} bytes is larger than the limit of {} bytes",
                            text.len(),
                            self.limits.max_scalar_bytes
                        ),
                        location.start,
                    ));
                }
                self.count(1, location.start)?;
                let explicit_string = tag.as_ref().is_some_and(|tag| tag.suffix == "str");
                let value = if style == ScalarStyle::Plain && !explicit_string {
                    resolve_plain(&text)
                } else {
                    Value::String(text.to_string())
                };
                let node = Node { value, location };
                if anchor > 0 {
                    self.anchors.push((anchor, node.clone()));
                }
                self.push(node, Some(text.as_ref()))
            }
            Event::Alias(anchor) => {
                let Some(node) = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(id, _)| *id == anchor)
                    .map(|(_, node)| node.clone())
                else {
                    return Err(
                        self.error("an alias to an unknown anchor".to_string(), location.start)
                    );
                };
                let size = node_count(&node);
                self.count(size, location.start)?;
                let key = node.as_str().map(str::to_string);
                let node = Node { location, ..node };
                self.push(node, key.as_deref())
            }
            Event::SequenceStart(anchor, _) => {
                self.open(location.start)?;
                self.stack.push(Open::List {
                    from: self.items.len(),
                    start: location,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.open(location.start)?;
                self.stack.push(Open::Map {
                    from: self.entries.len(),
                    pending_key: None,
                    start: location,
                    anchor,
                    index: None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = self.stack.pop() else {
                    return Err(self.error("unbalanced collection".to_string(), location.start));
                };
                let (value, start, anchor) = match open {
                    Open::List {
                        from,
                        start,
                        anchor,
                    } => (Value::List(exact(&mut self.items, from)), start, anchor),
                    Open::Map {
                        from,
                        start,
                        anchor,
                        ..
                    } => (Value::Map(exact(&mut self.entries, from)), start, anchor),
                };
                let node = Node {
                    value,
                    location: Location {
                        start: start.start,
                        end: location.end,
                    },
                };
                if anchor > 0 {
                    self.anchors.push((anchor, node.clone()));
                }
                self.push(node, None)
            }
        }
    }

    fn open(&mut self, at: Position) -> Result<(), LoadError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error(
                format!(
                    "the document nests deeper than {} levels",
                    self.limits.max_depth
                ),
                at,
            ));
        }
        self.count(1, at)
    }

    /// Adds a finished node to the collection being built (or makes it the root). `text` is
    /// the scalar's text, for use as a map key.
    fn push(&mut self, node: Node, text: Option<&str>) -> Result<(), LoadError> {
        let Some(top) = self.stack.last_mut() else {
            self.roots += 1;
            if self.root.is_none() {
                self.root = Some(node);
            }
            return Ok(());
        };
        match top {
            Open::List { .. } => {
                self.items.push(node);
                Ok(())
            }
            Open::Map {
                from,
                pending_key,
                index,
                ..
            } => match pending_key.take() {
                Some(key) => {
                    self.entries.push((key, node));
                    Ok(())
                }
                None => {
                    let key_text = match (&node.value, text) {
                        (Value::Null, _) => String::new(),
                        (_, Some(text)) => text.to_string(),
                        _ => {
                            return Err(LoadError {
                                message: "a map key must be a scalar".to_string(),
                                position: node.location.start,
                                document: None,
                            });
                        }
                    };
                    let entries = self.entries.get(*from..).unwrap_or_default();
                    if index.is_none() && entries.len() >= INDEXED_MAP {
                        *index = Some(
                            entries
                                .iter()
                                .enumerate()
                                .map(|(at, (key, _))| (key.text.clone(), at))
                                .collect(),
                        );
                    }
                    let duplicate = match index {
                        Some(index) => {
                            let found = index.get(&key_text).and_then(|at| entries.get(*at));
                            if found.is_none() {
                                index.insert(key_text.clone(), entries.len());
                            }
                            found
                        }
                        None => entries.iter().find(|(key, _)| key.text == key_text),
                    };
                    if let Some((first, _)) = duplicate {
                        return Err(LoadError {
                            message: format!(
                                "duplicate key `{key_text}` (first at line {})",
                                first.location.start.line
                            ),
                            position: node.location.start,
                            document: None,
                        });
                    }
                    *pending_key = Some(Key {
                        text: key_text,
                        location: node.location,
                        symbol: Key::UNINTERNED,
                    });
                    Ok(())
                }
            },
        }
    }
}

/// The items of `stack` from `from` on, moved into a vector of exactly their number
/// (`Vec::with_capacity` guarantees the capacity asked for). The stacks are strictly nested,
/// so `from` never passes the end; bounding it keeps the loader panic-free regardless.
fn exact<T>(stack: &mut Vec<T>, from: usize) -> Vec<T> {
    debug_assert!(
        from <= stack.len(),
        "a collection's items start past the stack's end"
    );
    let items = stack.drain(from.min(stack.len())..);
    let mut exact = Vec::with_capacity(items.len());
    exact.extend(items);
    exact
}

fn node_count(node: &Node) -> usize {
    match &node.value {
        Value::List(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(_, node)| 1 + node_count(node))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// `kind: List` (and `*List` kinds with `items`) become one document per item.
fn expand_list(index: usize, root: Node, loaded: &mut Loaded) {
    if !matches!(root.value, Value::Map(_)) {
        let what = match &root.value {
            Value::List(_) => "a list",
            Value::Null => "empty",
            _ => "a scalar",
        };
        if matches!(root.value, Value::Null) {
            return;
        }
        loaded.errors.push(LoadError {
            message: format!("the document is {what}, not a Kubernetes object"),
            position: root.location.start,
            document: Some(index),
        });
        return;
    }
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|kind| kind == "List" || kind.ends_with("List"))
        && root
            .get("items")
            .is_some_and(|items| items.as_list().is_some());
    if !is_list {
        loaded.documents.push(Document { index, root });
        return;
    }
    let items = match root.value {
        Value::Map(entries) => entries
            .into_iter()
            .find(|(key, _)| key.text == "items")
            .map(|(_, node)| node),
        _ => None,
    };
    if let Some(Node {
        value: Value::List(items),
        ..
    }) = items
    {
        for item in items {
            expand_list(index, item, loaded);
        }
    }
}

/// YAML 1.1 resolution of a plain scalar, as go-yaml (and so the API server) does it.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes().first().copied().unwrap_or(b' ');
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::String(text.to_string());
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => (-1i64, rest),
        None => (1, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    let integer = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(octal) = digits.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()
    } else if let Some(binary) = digits.strip_prefix("0b") {
        i64::from_str_radix(binary, 2).ok()
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        i64::from_str_radix(&digits[1..], 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(value) = integer.and_then(|value| value.checked_mul(sign)) {
        return Value::Int(value);
    }
    let looks_float = !digits.is_empty()
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if looks_float && let Ok(value) = plain.parse::<f64>() {
        return Value::Float(value);
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Loaded {
        load(text.as_bytes(), &Limits::default())
    }

    #[test]
    fn positions_are_exact() {
        let loaded =
            load_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: é-web\n  labels: {app: x}\n");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let root = &loaded.documents[0].root;
        let name = root.get("metadata").unwrap().get("name").unwrap();
        assert_eq!(name.as_str(), Some("é-web"));
        assert_eq!(
            (name.location.start.line, name.location.start.column),
            (4, 9)
        );
        assert_eq!(name.location.start.offset, 43);
        let app = root
            .get("metadata")
            .unwrap()
            .get("labels")
            .unwrap()
            .get("app")
            .unwrap();
        assert_eq!(
            (app.location.start.line, app.location.start.column),
            (5, 17)
        );
    }

    #[test]
    fn a_broken_document_does_not_stop_the_others() {
        let loaded = load_text("kind: A\n---\nkind: [unclosed\n---\nkind: C\n");
        let kinds: Vec<_> = loaded
            .documents
            .iter()
            .map(|d| d.root.get("kind").unwrap().as_str().unwrap().to_string())
            .collect();
        assert_eq!(kinds, ["A", "C"]);
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].document, Some(1));
        assert_eq!(loaded.errors[0].position.line, 4, "{}", loaded.errors[0]);
    }

    #[test]
    fn nested_collections_keep_their_items_in_vectors_of_their_size() {
        // Collections are built on shared stacks: each must get its own items, in order,
        // a key of an outer map is no duplicate of an inner map's, and no vector keeps room
        // to spare (trees were nearly twice their size when vectors grew one push at a time).
        let loaded = load_text(
            "a: 1\nb:\n  a: 2\n  c: [x, {a: 3, d: [p, q]}, w]\n  e: 4\nf: [1, [2, 3], 4]\ng: {}\nh: []\n",
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let root = &loaded.documents[0].root;
        let keys = |node: &Node| match &node.value {
            Value::Map(entries) => entries.iter().map(|(key, _)| key.text.clone()).collect(),
            _ => Vec::new(),
        };
        let texts = |node: &Node| -> Vec<String> {
            node.as_list()
                .unwrap()
                .iter()
                .map(|item| match &item.value {
                    Value::String(text) => text.clone(),
                    Value::Int(number) => number.to_string(),
                    Value::List(_) => "[list]".to_string(),
                    Value::Map(_) => "{map}".to_string(),
                    other => format!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(keys(root), ["a", "b", "f", "g", "h"]);
        let b = root.get("b").unwrap();
        assert_eq!(keys(b), ["a", "c", "e"]);
        assert_eq!(texts(b.get("c").unwrap()), ["x", "{map}", "w"]);
        let inner = &b.get("c").unwrap().as_list().unwrap()[1];
        assert_eq!(keys(inner), ["a", "d"]);
        assert_eq!(texts(inner.get("d").unwrap()), ["p", "q"]);
        assert_eq!(texts(root.get("f").unwrap()), ["1", "[list]", "4"]);
        let mut work = vec![root];
        while let Some(node) = work.pop() {
            match &node.value {
                Value::Map(entries) => {
                    assert_eq!(entries.capacity(), entries.len(), "{:?}", node.location);
                    work.extend(entries.iter().map(|(_, child)| child));
                }
                Value::List(items) => {
                    assert_eq!(items.capacity(), items.len(), "{:?}", node.location);
                    work.extend(items);
                }
                _ => {}
            }
        }
    }

    #[test]
    fn duplicate_keys_are_found_in_huge_maps() {
        // 100,000 keys: a quadratic duplicate check would not finish.
        let mut text: String = (0..100_000).map(|i| format!("k{i}: {i}\n")).collect();
        let loaded = load_text(&text);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
        text.push_str("k77: again\n");
        let errors = load_text(&text).errors;
        assert_eq!(errors[0].message, "duplicate key `k77` (first at line 78)");
        assert_eq!(errors[0].position.line, 100_001);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        let loaded = load_text(bomb);
        assert!(
            loaded.errors[0].message.contains("alias bomb"),
            "{:?}",
            loaded.errors
        );
        let deep = format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000));
        let errors = load_text(&deep).errors;
        assert!(errors[0].message.contains("recursion limit"), "{errors:?}");
        let block: String = (0..300)
            .map(|depth| format!("{}k:\n", " ".repeat(depth)))
            .collect();
        let errors = load_text(&block).errors;
        assert!(
            errors[0].message.contains("nests deeper than 200"),
            "{errors:?}"
        );
        assert!(
            load_text("a: 1\na: 2\n").errors[0]
                .message
                .contains("duplicate key `a`")
        );
        assert!(
            load(b"a: \xff\n", &Limits::default()).errors[0]
                .message
                .contains("UTF-8")
        );
        assert!(
            load(b"\x00\x01binary", &Limits::default()).errors[0]
                .message
                .contains("binary")
        );
        assert!(load_text("- 1\n- 2\n").errors[0].message.contains("a list"));
        assert!(load_text("---\n---\n").errors.is_empty());
        let huge = format!("a: {}\n", "x".repeat(100));
        let tight = Limits {
            max_scalar_bytes: 10,
            ..Limits::default()
        };
        assert!(
            load(huge.as_bytes(), &tight).errors[0]
                .message
                .contains("larger than")
        );
    }

    #[test]
    fn scalars_resolve_like_the_api_server() {
        let loaded = load_text(
            "a: yes\nb: \"yes\"\nc: 010\nd: 0x1F\ne: 1.5e3\nf: ~\ng: 1_000\nh: 1.2.3\ni: !!str 12\n",
        );
        let root = &loaded.documents[0].root;
        let value = |key: &str| root.get(key).unwrap().value.clone();
        assert_eq!(value("a"), Value::Bool(true));
        assert_eq!(value("b"), Value::String("yes".into()));
        assert_eq!(value("c"), Value::Int(8));
        assert_eq!(value("d"), Value::Int(31));
        assert_eq!(value("e"), Value::Float(1500.0));
        assert_eq!(value("f"), Value::Null);
        assert_eq!(value("g"), Value::Int(1000));
        assert_eq!(value("h"), Value::String("1.2.3".into()));
        assert_eq!(value("i"), Value::String("12".into()));
    }

    #[test]
    fn lists_expand_into_documents() {
        let loaded = load_text("apiVersion: v1\nkind: List\nitems:\n- kind: A\n- kind: B\n");
        assert_eq!(loaded.documents.len(), 2);
        assert_eq!(
            loaded.documents[1].root.get("kind").unwrap().as_str(),
            Some("B")
        );
    }

    #[test]
    fn json_loads() {
        let loaded = load_text("{\"kind\": \"Pod\", \"spec\": {\"hostNetwork\": true}}");
        assert_eq!(
            loaded.documents[0]
                .root
                .get("spec")
                .unwrap()
                .get("hostNetwork")
                .unwrap()
                .value,
            Value::Bool(true)
        );
    }
}
