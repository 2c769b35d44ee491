//! Dataset files and the fixed dev/test split.
//!
//! The split depends only on each file name (FNV-1a hash): one image in five is in
//! `test`, the split that is never tuned on; the rest is `dev`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use spritedx_model::degrade::Preset;

use crate::{inputs, CliError};

/// Which part of a dataset to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Split {
    /// Four images in five: develop and tune here.
    Dev,
    /// One image in five: report here, never tune.
    Test,
    /// Everything.
    All,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A stable 64-bit hash of a file name (used for the split and per-file seeds).
pub fn name_hash(path: &Path) -> u64 {
    fnv1a(path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default())
}

/// Whether a file belongs to the split.
pub fn in_split(path: &Path, split: Split) -> bool {
    let test = name_hash(path).is_multiple_of(5);
    match split {
        Split::Dev => !test,
        Split::Test => test,
        Split::All => true,
    }
}

/// The image files of a dataset directory in one split, sorted by path.
pub fn files(dir: &Path, split: Split) -> Result<Vec<PathBuf>, CliError> {
    let (files, _) = inputs::collect(&[dir.to_path_buf()])?;
    Ok(files.into_iter().filter(|f| in_split(f, split)).collect())
}

/// File name of a degraded case: `<clean stem>__<preset>.png` (written by
/// `spritedx degrade` and `eval restore --save-degraded`, read by `eval score`).
pub fn degraded_file_name(clean: &Path, preset: Preset) -> String {
    format!(
        "{}__{}.png",
        clean.file_stem().unwrap_or_default().to_string_lossy(),
        preset.name()
    )
}
