//! # bevy_spritedx
//!
//! Turns the "pseudo pixel art" that image and video generators draw — off-grid,
//! blurred, too many colours — into clean, grid-aligned sprites and animations
//! inside Bevy.
//!
//! ```no_run
//! use bevy::prelude::*;
//! use bevy_spritedx::prelude::*;
//!
//! App::new().add_plugins(SpriteDxPlugin::default()).run();
//! ```
//!
//! - **Load time**: `*.sdx.png` (or any png/jpg/webp whose `.meta` names
//!   [`asset::SpriteDxImageLoader`]) loads restored, with its [`asset::SpriteDxReport`]
//!   as the `report` label; `*.sdx.ron` files load as [`asset::SpriteDxAnimation`]s.
//! - **Run time**: [`jobs::SpriteDxJobs`] restores images made while the game runs on
//!   the async compute pool.
//! - **Playback**: [`animation::SpriteDxPlayer`] plays an animation with its holds and
//!   the in-betweens an `InBetweens` step drew (the shipped LayeredInterpolator).
//! - **Inspector** (feature `inspector`): `inspector::SpriteDxInspectorPlugin`, a
//!   bevy_egui window with before/after, grid, palette, report, hold timeline and
//!   live settings.
//!
//! All image processing lives in the Bevy-free [`spritedx_model`] crate, re-exported
//! as [`model`].

pub mod animation;
pub mod asset;
pub mod error;
#[cfg(feature = "gpu")]
pub mod gpu;
#[cfg(feature = "inspector")]
pub mod inspector;
pub mod jobs;
pub mod plugin;
pub mod settings;

pub use spritedx_model as model;

/// Everything needed to use the plugin, in one import.
pub mod prelude {
    pub use crate::animation::{AnimationFinished, FrameChanged, InBetweenOptions, Repeat, SpriteDxPlayer};
    pub use crate::asset::{SpriteDxAnimation, SpriteDxLoaderSettings, SpriteDxReport};
    pub use crate::error::SpriteDxLoadError;
    #[cfg(feature = "inspector")]
    pub use crate::inspector::{SpriteDxInspector, SpriteDxInspectorPlugin};
    pub use crate::jobs::{RestoreCancelled, RestoreFinished, RestoreProgress, SpriteDxJobs};
    pub use crate::plugin::{SpriteDxPlugin, SpriteDxSystems};
    pub use crate::settings::SpriteDxSettings;
    pub use spritedx_model::prelude::*;
}
