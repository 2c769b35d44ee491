//! Collecting input files from files and directories.

use std::path::{Path, PathBuf};

use crate::CliError;

/// Image extensions the tool reads.
pub const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// Whether a path has an image extension.
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Expands files and directories (recursively, sorted by name) into image files.
/// Returns the files and whether the inputs name more than one image.
pub fn collect(inputs: &[PathBuf]) -> Result<(Vec<PathBuf>, bool), CliError> {
    let mut files = Vec::new();
    let mut many = inputs.len() > 1;
    for input in inputs {
        if input.is_dir() {
            many = true;
            walk(input, &mut files)?;
        } else if input.exists() {
            files.push(input.clone());
        } else {
            return Err(CliError::Input {
                path: input.clone(),
                message: "no such file or directory".into(),
            });
        }
    }
    Ok((files, many))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::Input {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if is_image(&path) {
            out.push(path);
        }
    }
    Ok(())
}
