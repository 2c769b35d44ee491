//! Frame sequences: a folder of frames in name order, a sprite sheet cut into cells,
//! and the hand-timed clips of the dataset (`<seq>/frame_XX.png` + `meta.json`).

use std::path::{Path, PathBuf};

use image::RgbaImage;
use serde::Deserialize;
use spritedx_model::prelude::load_image;

use crate::{inputs, CliError};

/// The image files directly in `dir`, in name order.
pub fn frame_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let listing = std::fs::read_dir(dir).map_err(|e| CliError::Input {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && inputs::is_image(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads images, naming the file that fails.
pub fn load_frames(files: &[PathBuf]) -> Result<Vec<RgbaImage>, CliError> {
    files
        .iter()
        .map(|f| {
            load_image(f).map_err(|e| CliError::Input {
                path: f.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// Cuts a sheet into `cell` sized frames, row by row (partial cells are left out).
pub fn cut_sheet(sheet: &RgbaImage, cell: [u32; 2]) -> Vec<RgbaImage> {
    let [w, h] = cell;
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let (cols, rows) = (sheet.width() / w, sheet.height() / h);
    (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (c, r)))
        .map(|(c, r)| image::imageops::crop_imm(sheet, c * w, r * h, w, h).to_image())
        .collect()
}

/// A clip of the dataset with its real timing.
pub struct TimedClip {
    /// `<source>/<sequence>`.
    pub name: String,
    /// The frames, each shown for one frame at `fps` (repeated drawings are repeated
    /// frames).
    pub frames: Vec<RgbaImage>,
    /// Frames per second.
    pub fps: f32,
}

/// The timing fields of `meta.json` (pixel_dungeon gives `fps`, pingus `ms_per_frame`).
#[derive(Deserialize)]
struct ClipMeta {
    fps: Option<f32>,
    ms_per_frame: Option<f32>,
}

/// Loads a dataset clip folder; `None` when it has no usable timing.
pub fn timed_clip(dir: &Path, name: String) -> Result<Option<TimedClip>, CliError> {
    let Ok(meta) = std::fs::read(dir.join("meta.json")) else {
        return Ok(None);
    };
    let meta: ClipMeta = serde_json::from_slice(&meta).map_err(|e| CliError::Input {
        path: dir.join("meta.json"),
        message: e.to_string(),
    })?;
    let fps = match (meta.fps, meta.ms_per_frame) {
        (Some(fps), _) if fps > 0.0 => fps,
        (_, Some(ms)) if ms > 0.0 => 1000.0 / ms,
        _ => return Ok(None),
    };
    let frames = load_frames(&frame_files(dir)?)?;
    if frames.is_empty() || frames.iter().any(|f| f.dimensions() != frames[0].dimensions()) {
        return Ok(None);
    }
    Ok(Some(TimedClip { name, frames, fps }))
}

#[cfg(test)]
mod tests {
    use image::Rgba;

    use super::*;

    #[test]
    fn a_sheet_is_cut_row_by_row() {
        let sheet = RgbaImage::from_fn(6, 4, |x, y| Rgba([(x / 3) as u8, (y / 2) as u8, 0, 255]));
        let cells = cut_sheet(&sheet, [3, 2]);
        assert_eq!(cells.len(), 4);
        assert_eq!(cells[1].get_pixel(0, 0).0, [1, 0, 0, 255]);
        assert_eq!(cells[2].get_pixel(0, 0).0, [0, 1, 0, 255]);
        assert!(cut_sheet(&sheet, [0, 2]).is_empty());
    }
}
