//! The files of a directory tree, shared by the library benchmark and the query-index test.

use std::path::{Path, PathBuf};

/// Every file below `dir` whose name ends with `suffix`, in sorted order (directories
/// walked depth first, entries sorted by name).
pub fn ending_with(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, suffix, &mut out);
    out
}

fn walk(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, suffix, out);
        } else if path.to_string_lossy().ends_with(suffix) {
            out.push(path);
        }
    }
}
