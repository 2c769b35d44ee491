//! # bevy_spritedx
//!
//! Turns the "pseudo pixel art" that image and video generators draw — off-grid,
//! blurred, too many colours — into clean, grid-aligned sprites inside Bevy.
//!
//! ```no_run
//! use bevy::prelude::*;
//! use bevy_spritedx::prelude::*;
//!
//! App::new().add_plugins(SpriteDxPlugin::default()).run();
//! ```
//!
//! This release restores raw RGBA buffers attached to entities
//! ([`plugin::RestoreRgba`] -> [`plugin::RestoredRgba`]); the asset loader, baking, runtime jobs on
//! the task pool, the GPU path and animation playback follow (see the README).
//! All image processing lives in the Bevy-free [`spritedx_model`] crate, re-exported
//! as [`model`].

pub mod plugin;
pub mod settings;

pub use spritedx_model as model;

/// Everything needed to use the plugin, in one import.
pub mod prelude {
    pub use crate::plugin::{RestoreRgba, RestoredRgba, SpriteDxPlugin, SpriteDxSystems};
    pub use crate::settings::SpriteDxSettings;
    pub use spritedx_model::prelude::*;
}
