//! [`SpriteDxPlugin`]: registers SpriteDX's resources and systems.

use bevy::prelude::*;
use spritedx_model::image::RgbaImage;
use spritedx_model::prelude::{restore, RestoreReport, SpriteDxError};

use crate::settings::SpriteDxSettings;

/// Adds SpriteDX to an app: `app.add_plugins(SpriteDxPlugin::default())`.
#[derive(Clone, Debug, Default)]
pub struct SpriteDxPlugin {
    /// Initial value of the [`SpriteDxSettings`] resource.
    pub settings: SpriteDxSettings,
}

/// System sets of the plugin, for ordering your systems around them.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpriteDxSystems {
    /// Restores pending [`RestoreRgba`] buffers (in `Update`).
    Restore,
}

/// Ask for an RGBA buffer to be restored; the plugin replaces this component with
/// [`RestoredRgba`] in the next `Update`.
#[derive(Component, Clone, Debug)]
pub struct RestoreRgba(pub RgbaImage);

/// The result of a [`RestoreRgba`] request.
#[derive(Component, Clone, Debug)]
pub struct RestoredRgba {
    /// The restored sprite, or why it could not be restored.
    pub result: Result<(RgbaImage, RestoreReport), String>,
}

impl Plugin for SpriteDxPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.settings.clone())
            .configure_sets(Update, SpriteDxSystems::Restore)
            .add_systems(Update, restore_requests.in_set(SpriteDxSystems::Restore));
    }
}

/// Restores every pending [`RestoreRgba`] with the current [`SpriteDxSettings`].
fn restore_requests(mut commands: Commands, settings: Res<SpriteDxSettings>, requests: Query<(Entity, &RestoreRgba)>) {
    for (entity, RestoreRgba(image)) in &requests {
        let result = restore(image, &settings.restore)
            .map(|r| (r.image, r.report))
            .map_err(|e: SpriteDxError| e.to_string());
        commands
            .entity(entity)
            .remove::<RestoreRgba>()
            .insert(RestoredRgba { result });
    }
}
