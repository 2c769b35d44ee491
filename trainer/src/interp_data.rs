//! Sources of interpolation cases: drawing triplets from the animation folders and
//! the still sprites the synthetic layered shots are built from.

use std::path::Path;

use image::RgbaImage;
use spritedx_model::prelude::load_image;

use crate::clips::{frame_files, load_frames};
use crate::dataset::{self, Split};
use crate::CliError;

/// Most triplets taken from one sequence (long sequences would dominate otherwise).
const TRIPLETS_PER_SEQUENCE: usize = 4;

/// What interpolation cases are made of.
pub struct InterpSources {
    /// Consecutive distinct drawings (previous, middle, next) of real animations.
    pub triplets: Vec<[RgbaImage; 3]>,
    /// Still sprites: background tiles and moving sprites of the layered shots.
    pub stills: Vec<RgbaImage>,
}

/// Loads the triplets of `anim` (`<source>/<sequence>/frame_XX.png`, split by sequence
/// name) and the stills of `still` (split by file name).
pub fn load_sources(anim: &Path, still: &Path, split: Split) -> Result<InterpSources, CliError> {
    let mut triplets = Vec::new();
    for source in sorted_dirs(anim)? {
        for sequence in sorted_dirs(&source)? {
            if !dataset::in_split(&sequence, split) {
                continue;
            }
            let frames = load_frames(&frame_files(&sequence)?)?;
            let mut drawings: Vec<RgbaImage> = Vec::new();
            for frame in frames {
                if drawings.last() != Some(&frame) {
                    drawings.push(frame);
                }
            }
            let found: Vec<[RgbaImage; 3]> = drawings
                .windows(3)
                .filter(|w| w.iter().all(|d| d.dimensions() == w[0].dimensions()) && w[0] != w[2])
                .map(|w| [w[0].clone(), w[1].clone(), w[2].clone()])
                .collect();
            let step = found.len().div_ceil(TRIPLETS_PER_SEQUENCE).max(1);
            triplets.extend(found.into_iter().step_by(step));
        }
    }
    let stills = dataset::files(still, split)?
        .iter()
        .map(|f| {
            load_image(f).map_err(|e| CliError::Input {
                path: f.clone(),
                message: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|s| s.width() <= 64 && s.height() <= 64)
        .collect();
    Ok(InterpSources { triplets, stills })
}

/// The sub-directories of `dir`, sorted.
fn sorted_dirs(dir: &Path) -> Result<Vec<std::path::PathBuf>, CliError> {
    let listing = std::fs::read_dir(dir).map_err(|e| CliError::Input {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut dirs: Vec<_> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}
