//! Clips as a whole: one grid and one palette for every frame, and motion in
//! whole pixels (see [`restore_clip`]).

mod clip;

pub use clip::{restore_clip, restore_clip_with, RestoredClip};

use ::image::RgbaImage;

use crate::error::{Result, SpriteDxError};

/// Checks that a clip has frames, all of one size, and returns that size.
pub fn check_clip(frames: &[RgbaImage]) -> Result<[u32; 2]> {
    let first = frames.first().ok_or(SpriteDxError::EmptyClip)?;
    let expected = [first.width(), first.height()];
    match frames
        .iter()
        .enumerate()
        .find(|(_, f)| [f.width(), f.height()] != expected)
    {
        Some((index, frame)) => Err(SpriteDxError::FrameSizeMismatch {
            index,
            expected,
            found: [frame.width(), frame.height()],
        }),
        None => Ok(expected),
    }
}
