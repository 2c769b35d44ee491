//! The restoration report as an asset (the `#report` label of a restored image).

use bevy::prelude::*;
use spritedx_model::prelude::{RestoreReport, Restored};

/// What the restorer found for one image: loaded as the `report` label of an image
/// loaded by [`crate::asset::SpriteDxImageLoader`] (`"hero.sdx.png#report"`).
#[derive(Asset, TypePath, Clone, Debug, PartialEq)]
pub struct SpriteDxReport {
    /// Grid, size, colours, confidence, mode and time (the CLI's report fields).
    pub report: RestoreReport,
    /// The output palette, most used colour first.
    pub palette: Vec<[u8; 3]>,
    /// Size of the input image in pixels.
    pub source_size: UVec2,
}

impl SpriteDxReport {
    /// The report of `restored`, made from an input of `source_size` pixels.
    pub fn new(restored: &Restored, source_size: UVec2) -> Self {
        Self {
            report: restored.report.clone(),
            palette: restored.palette.colors.clone(),
            source_size,
        }
    }
}
