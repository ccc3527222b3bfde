//! Byte ranges into one source file.

use std::fmt;
use std::ops::Range;

/// A half-open byte range `start..end` into the source text of one file.
///
/// Offsets are `u32`: [`crate::parse`] refuses sources of 4 GiB or more, so every offset fits.
/// A span never knows its file; whoever holds a span also knows which file it came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// A span from `usize` offsets, as lexers and parser generators produce them.
    /// Callers guarantee the offsets fit (sources are smaller than 4 GiB).
    pub fn from_range(range: Range<usize>) -> Span {
        Span {
            start: clamp(range.start),
            end: clamp(range.end),
        }
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The text this span covers, or `""` when it does not lie inside `source`.
    pub fn text(self, source: &str) -> &str {
        source.get(self.range()).unwrap_or("")
    }
}

fn clamp(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Line and column (both 1-based, column in characters) of byte offsets in one source.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(source: &str) -> LineIndex {
        let mut line_starts = vec![0];
        for (offset, byte) in source.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(clamp(offset + 1));
            }
        }
        LineIndex { line_starts }
    }

    /// 0-based line of a byte offset.
    pub fn line(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// 1-based line and 1-based character column of a byte offset.
    pub fn line_column(&self, source: &str, offset: u32) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let end = (offset as usize).min(source.len());
        let column = source
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}
