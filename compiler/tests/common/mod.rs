//! What several test files need: the repository's `.pol` files.

use std::path::{Path, PathBuf};

pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every `.pol` file under the repository's `dirs` (all of it for `&[""]`), sorted; hidden
/// directories and `target` skipped.
pub fn pol_files(dirs: &[&str]) -> Vec<PathBuf> {
    let root = repository_root();
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().map(|dir| root.join(dir)).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|extension| extension == "pol") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
