//! Typed errors for everything the model crate can refuse.

use std::path::PathBuf;

/// Every error the model crate returns. Bad input is reported, never panicked on.
#[derive(Debug, thiserror::Error)]
pub enum SpriteDxError {
    /// The file could not be read from disk.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a decodable image (truncated, corrupt or an unknown format).
    #[error("cannot decode image: {0}")]
    Decode(String),
    /// The image has zero width or height.
    #[error("image is empty ({width}x{height})")]
    EmptyImage {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The image is larger than the configured limit (see [`crate::image::io::ImageLimits`]).
    #[error("image is {width}x{height}, larger than the limit of {max_side} px per side / {max_pixels} pixels")]
    ImageTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Largest accepted side.
        max_side: u32,
        /// Largest accepted pixel count.
        max_pixels: u64,
    },
    /// Every pixel is transparent: there is nothing to restore.
    #[error("image is fully transparent: nothing to restore")]
    FullyTransparent,
    /// No pixel grid could be found with enough confidence.
    #[error("no pixel grid found on the {axis} axis (confidence {confidence:.2}, needs {threshold:.2}); pass --pixel-size or --cells")]
    NoGridFound {
        /// "x" or "y".
        axis: &'static str,
        /// The best candidate's confidence, 0..1.
        confidence: f32,
        /// The confidence needed to accept a grid.
        threshold: f32,
    },
    /// A hint was out of range (pixel size, cell count, colour count...).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A compute backend (the GPU path) failed; the CPU path still works.
    #[error("compute backend failed: {0}")]
    Backend(String),
    /// A clip has no frames.
    #[error("the clip has no frames")]
    EmptyClip,
    /// The frames of a clip differ in size.
    #[error("frame {index} is {found:?} px, the clip's first frame is {expected:?} px")]
    FrameSizeMismatch {
        /// Index of the frame, in input order.
        index: usize,
        /// Size of the first frame.
        expected: [u32; 2],
        /// Size of this frame.
        found: [u32; 2],
    },
    /// A palette file could not be parsed.
    /// Network weights that cannot be used (wrong format or shapes, NaN values).
    #[error("model weights: {0}")]
    Model(String),

    #[error("palette file {path}: {message}")]
    PaletteFile {
        /// The palette file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = SpriteDxError> = std::result::Result<T, E>;
