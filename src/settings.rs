//! Plugin-wide settings.

use bevy::prelude::*;
use spritedx_model::restore::RestoreOptions;

/// Default restoration options for everything the plugin restores; inserted by
/// [`crate::plugin::SpriteDxPlugin`] and editable at run time.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct SpriteDxSettings {
    /// Options of the classical restorer (fully automatic by default).
    pub restore: RestoreOptions,
}
