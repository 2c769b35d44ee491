//! # spritedx-model
//!
//! Everything in SpriteDX that is not Bevy: pixel-grid detection, palette
//! extraction and snapping, the classical restoration pipeline, clips restored
//! with one grid in whole-pixel motion ([`temporal`]), frame holds ([`holds`]),
//! synthetic degradations used for training and evaluation, quality metrics, the
//! learned restorer ([`restore::learned`], burn) and the frame interpolator
//! ([`interp`], burn) with their shipped weights ([`weights`]).
//!
//! The main entry point is [`restore::restore`]:
//!
//! ```no_run
//! use spritedx_model::prelude::*;
//!
//! let input = load_image("ai_sprite.png").unwrap();
//! let restored = restore(&input, &RestoreOptions::default()).unwrap();
//! println!("pixel size {:?}, {} colours", restored.report.pixel_size, restored.report.colors);
//! restored.image.save("sprite.png").unwrap();
//! ```
//!
//! Images are [`image::RgbaImage`] (8-bit sRGB, straight alpha) throughout: the
//! `image` crate already decodes every format we read (PNG, JPEG, WebP, 16-bit,
//! grayscale, indexed) into it, so there is no buffer type of our own.

pub mod degrade;
pub mod error;
pub mod grid;
pub mod holds;
pub mod image;
pub mod interp;
pub mod metrics;
pub mod palette;
pub mod restore;
pub mod temporal;
mod upscale;
pub mod weights;

pub use error::SpriteDxError;

/// The types most users need, in one import.
pub mod prelude {
    pub use crate::error::SpriteDxError;
    pub use crate::grid::{detect_grid, Grid, GridHints};
    pub use crate::holds::{choose_holds, HoldOptions, Holds};
    pub use crate::image::io::{load_image, load_image_from_memory, ImageLimits};
    pub use crate::palette::{Palette, PaletteOptions};
    pub use crate::restore::{restore, KeyColor, RestoreMode, RestoreOptions, RestoreReport, Restored};
}
