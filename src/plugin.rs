//! [`SpriteDxPlugin`]: registers SpriteDX's assets, loaders, jobs and player.

use bevy::image::TextureAtlasLayout;
use bevy::prelude::*;

use crate::animation::{advance_players, AnimationFinished, FrameChanged, SpriteDxPlayer};
use bevy::asset::transformer::IdentityAssetTransformer;

use crate::asset::{
    SpriteDxAnimation, SpriteDxAnimationLoader, SpriteDxImageLoader, SpriteDxImageProcessor, SpriteDxPngSaver,
    SpriteDxReport, IMAGE_EXTENSIONS,
};
use crate::jobs::{finish_jobs, start_jobs, RestoreCancelled, RestoreFinished, RestoreProgress, SpriteDxJobs};
use crate::settings::SpriteDxSettings;

/// Adds SpriteDX to an app: `app.add_plugins(SpriteDxPlugin::default())`, after
/// Bevy's `AssetPlugin` (part of `DefaultPlugins`).
#[derive(Clone, Debug, Default)]
pub struct SpriteDxPlugin {
    /// Initial value of the [`SpriteDxSettings`] resource; the loaders start from
    /// these options and each asset's `.meta` overrides them.
    pub settings: SpriteDxSettings,
}

/// System sets of the plugin, in `Update`, for ordering your systems around them.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpriteDxSystems {
    /// Starts queued runtime jobs and applies finished ones ([`SpriteDxJobs`]).
    Jobs,
    /// Advances [`SpriteDxPlayer`]s and sends their messages.
    Playback,
}

impl Plugin for SpriteDxPlugin {
    fn build(&self, app: &mut App) {
        // Headless apps may not have Bevy's image or sprite plugins.
        if !app.world().contains_resource::<Assets<Image>>() {
            app.init_asset::<Image>();
        }
        if !app.world().contains_resource::<Assets<TextureAtlasLayout>>() {
            app.init_asset::<TextureAtlasLayout>();
        }
        let defaults = self.settings.restore.clone();
        app.insert_resource(self.settings.clone())
            .init_resource::<SpriteDxJobs>()
            .init_asset::<SpriteDxReport>()
            .init_asset::<SpriteDxAnimation>()
            .register_asset_loader(SpriteDxImageLoader {
                defaults: defaults.clone(),
            })
            .register_asset_loader(SpriteDxAnimationLoader { defaults })
            .register_asset_processor(SpriteDxImageProcessor::new(
                IdentityAssetTransformer::new(),
                SpriteDxPngSaver,
            ))
            .register_type::<SpriteDxPlayer>()
            .add_message::<FrameChanged>()
            .add_message::<AnimationFinished>()
            .add_message::<RestoreFinished>()
            .add_message::<RestoreCancelled>()
            .add_message::<RestoreProgress>()
            .configure_sets(Update, (SpriteDxSystems::Jobs, SpriteDxSystems::Playback).chain())
            .add_systems(Update, (start_jobs, finish_jobs).chain().in_set(SpriteDxSystems::Jobs))
            .add_systems(Update, advance_players.in_set(SpriteDxSystems::Playback));
        // Under `AssetMode::Processed`, `*.sdx.*` images are baked at build time.
        for extension in IMAGE_EXTENSIONS {
            app.set_default_asset_processor::<SpriteDxImageProcessor>(extension);
        }
    }

    fn finish(&self, app: &mut App) {
        // The render device exists only once every plugin is built.
        #[cfg(feature = "gpu")]
        crate::gpu::init_gpu(app);
        #[cfg(not(feature = "gpu"))]
        let _ = app;
    }
}
