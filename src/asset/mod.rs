//! Assets: restored images ([`SpriteDxImageLoader`] with [`SpriteDxLoaderSettings`] in
//! `.meta`), their [`SpriteDxReport`]s, animations from `*.sdx.ron`
//! ([`SpriteDxAnimationLoader`]), and conversions to and from Bevy images.

pub mod animation;
pub mod convert;
mod dependency;
pub mod image_loader;
pub mod processor;
pub mod report;

pub use animation::{
    AnimationDescription, AnimationFrame, FrameSource, ProcessingStep, SpriteDxAnimation, SpriteDxAnimationLoader,
};
pub use image_loader::{SpriteDxImageLoader, SpriteDxLoaderSettings, IMAGE_EXTENSIONS, REPORT_LABEL};
pub use processor::{SpriteDxImageProcessor, SpriteDxPngSaver};
pub use report::SpriteDxReport;
