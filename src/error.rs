//! Typed errors of the plugin's loaders.

use bevy::asset::{ParseAssetPathError, ReadAssetBytesError};
use spritedx_model::SpriteDxError;
use thiserror::Error;

/// Why a SpriteDX asset could not be loaded or processed.
#[derive(Debug, Error)]
pub enum SpriteDxLoadError {
    /// The asset's bytes could not be read.
    #[error("could not read the asset: {0}")]
    Io(#[from] std::io::Error),
    /// Decoding, restoring or timing the frames failed (bad file, no grid found,
    /// frames of different sizes, ...).
    #[error(transparent)]
    Restore(#[from] SpriteDxError),
    /// A file the asset refers to (palette, frame, sheet) could not be read.
    #[error("could not read {path}: {source}")]
    Dependency {
        /// The referenced path as written.
        path: String,
        /// What went wrong (boxed: the error is large).
        source: Box<ReadAssetBytesError>,
    },
    /// A path in the settings or the animation file is not a valid asset path.
    #[error("invalid asset path {path:?}: {source}")]
    Path {
        /// The path as written.
        path: String,
        /// What is wrong with it.
        source: ParseAssetPathError,
    },
    /// A palette file could not be parsed.
    #[error("palette {path}: {reason}")]
    Palette {
        /// The palette file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The `.sdx.ron` animation file is not valid RON for [`crate::asset::AnimationDescription`].
    #[error("invalid animation file: {0}")]
    Ron(#[from] ron::error::SpannedError),
    /// The animation description parses but cannot be built (no frames, zero fps, ...).
    #[error("invalid animation: {0}")]
    InvalidAnimation(String),
    /// Writing a baked asset failed.
    #[error("could not encode the baked asset: {0}")]
    Encode(String),
}
