//! Finding input files: paths given on the command line, directories walked recursively.

use std::path::{Path, PathBuf};

/// One input: a file on disk or standard input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(path) => path.display().to_string(),
        }
    }
}

/// A path that could not be walked.
#[derive(Debug)]
pub struct WalkError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// The files named by `paths` whose extension is one of `extensions`: files given directly
/// are taken whatever their extension, directories are walked (hidden entries and `target`
/// skipped). The result is sorted so that output order never depends on the file system.
pub fn collect(paths: &[PathBuf], extensions: &[&str]) -> (Vec<Input>, Vec<WalkError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => walk(path, extensions, &mut inputs, &mut errors),
            Ok(_) => inputs.push(Input::File(path.clone())),
            Err(error) => errors.push(WalkError {
                path: path.clone(),
                error,
            }),
        }
    }
    inputs.sort();
    inputs.dedup();
    (inputs, errors)
}

fn walk(dir: &Path, extensions: &[&str], inputs: &mut Vec<Input>, errors: &mut Vec<WalkError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            errors.push(WalkError {
                path: dir.to_path_buf(),
                error,
            });
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                errors.push(WalkError {
                    path: dir.to_path_buf(),
                    error,
                });
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        // `file_type` does not follow symlinks: a link to a directory is not walked, so a
        // cycle of links cannot hang the walk.
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(&path, extensions, inputs, errors),
            Ok(_) => {
                let matches = path
                    .extension()
                    .and_then(|extension| extension.to_str())
                    .is_some_and(|extension| extensions.contains(&extension));
                if matches {
                    inputs.push(Input::File(path));
                }
            }
            Err(error) => errors.push(WalkError { path, error }),
        }
    }
}
