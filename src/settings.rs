//! Plugin-wide settings.

use bevy::prelude::*;
use spritedx_model::restore::RestoreOptions;

/// Default restoration options for everything the plugin restores; inserted by
/// [`crate::plugin::SpriteDxPlugin`] and editable at run time.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct SpriteDxSettings {
    /// Options of the classical restorer (fully automatic by default).
    pub restore: RestoreOptions,
    /// Runtime jobs do their per-cell work on the GPU when the app has a render
    /// device (feature `gpu`); the CPU otherwise, or when the GPU fails.
    pub use_gpu: bool,
}

impl Default for SpriteDxSettings {
    fn default() -> Self {
        Self {
            restore: RestoreOptions::default(),
            use_gpu: true,
        }
    }
}
