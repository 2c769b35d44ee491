//! [`SpriteDxImageLoader`]: loads png/jpg/webp images and restores them while loading.

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext};
use bevy::prelude::*;
use serde::{Deserialize, Serialize};
use spritedx_model::palette::parse_palette;
use spritedx_model::prelude::*;

use super::convert::rgba_to_image;
use super::dependency::read_relative;
use super::processor::read_baked_report;
use super::report::SpriteDxReport;
use crate::error::SpriteDxLoadError;

/// Per-asset restoration settings, stored in the image's `.meta` file. Fields left
/// out (or `None`) take the plugin's [`crate::settings::SpriteDxSettings`].
///
/// ```ron
/// (
///     meta_format_version: "1.0",
///     asset: Load(
///         loader: "bevy_spritedx::asset::image_loader::SpriteDxImageLoader",
///         settings: (pixel_size: Some(13.3), max_colors: Some(16)),
///     ),
/// )
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpriteDxLoaderSettings {
    /// Restore the image (`false` loads it as is, with nearest sampling).
    pub restore: bool,
    /// Known pixel size (input pixels per cell); found automatically when `None`.
    pub pixel_size: Option<f32>,
    /// Known size of the clean sprite in cells `(width, height)`.
    pub cells: Option<(u32, u32)>,
    /// Palette file to snap to (`.hex`, `.gpl`, `.pal`), relative to the image.
    pub palette: Option<String>,
    /// Largest number of colours of the extracted palette.
    pub max_colors: Option<usize>,
    /// Colour that means "transparent".
    pub key_color: Option<KeyColor>,
    /// Which restorer runs.
    pub mode: Option<RestoreMode>,
    /// Keep measured cell colours instead of snapping them to the palette.
    pub no_snap: Option<bool>,
}

impl Default for SpriteDxLoaderSettings {
    fn default() -> Self {
        Self {
            restore: true,
            pixel_size: None,
            cells: None,
            palette: None,
            max_colors: None,
            key_color: None,
            mode: None,
            no_snap: None,
        }
    }
}

impl SpriteDxLoaderSettings {
    /// `base` with these settings applied; `palette` is the loaded palette file.
    pub fn options(&self, base: &RestoreOptions, palette: Option<Palette>) -> RestoreOptions {
        let mut options = base.clone();
        if self.pixel_size.is_some() || self.cells.is_some() {
            options.hints = GridHints {
                pixel_size: self.pixel_size,
                cells: self.cells.map(|(w, h)| [w, h]),
            };
        }
        if palette.is_some() {
            options.palette.fixed = palette;
        }
        if self.max_colors.is_some() {
            options.palette.max_colors = self.max_colors;
        }
        options.key_color = self.key_color.unwrap_or(options.key_color);
        options.mode = self.mode.unwrap_or(options.mode);
        options.no_snap = self.no_snap.unwrap_or(options.no_snap);
        options
    }

    /// Reads the palette file named by the settings, relative to the asset being loaded
    /// (a dependency: editing it reloads the image).
    pub async fn load_palette(&self, context: &mut LoadContext<'_>) -> Result<Option<Palette>, SpriteDxLoadError> {
        let Some(written) = &self.palette else {
            return Ok(None);
        };
        let (bytes, format) = read_relative(context, written).await?;
        parse_palette(&bytes, &format)
            .map(Some)
            .map_err(|reason| SpriteDxLoadError::Palette {
                path: written.clone(),
                reason,
            })
    }
}

/// Loads an image and restores it to one pixel per cell while loading; the
/// [`SpriteDxReport`] comes with it as the `report` label.
///
/// Registered for `*.sdx.png`, `*.sdx.jpg`, `*.sdx.jpeg` and `*.sdx.webp`, so the game's
/// other images keep Bevy's own loader; any png/jpg/webp uses it when its `.meta`
/// names this loader.
#[derive(TypePath, Clone, Debug, Default)]
pub struct SpriteDxImageLoader {
    /// The plugin-wide options the per-asset settings start from.
    pub defaults: RestoreOptions,
}

/// The extensions [`SpriteDxImageLoader`] is registered for.
pub const IMAGE_EXTENSIONS: &[&str] = &["sdx.png", "sdx.jpg", "sdx.jpeg", "sdx.webp"];

/// Label of the [`SpriteDxReport`] of a restored image.
pub const REPORT_LABEL: &str = "report";

impl AssetLoader for SpriteDxImageLoader {
    type Asset = Image;
    type Settings = SpriteDxLoaderSettings;
    type Error = SpriteDxLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        settings: &SpriteDxLoaderSettings,
        context: &mut LoadContext<'_>,
    ) -> Result<Image, SpriteDxLoadError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await?;
        let input = load_image_from_memory(&bytes, self.defaults.limits)?;
        if !settings.restore {
            // A baked image (see `processor`) carries its report.
            if let Some(report) = read_baked_report(&bytes) {
                context.add_labeled_asset(REPORT_LABEL.to_string(), report);
            }
            return Ok(rgba_to_image(&input));
        }
        let palette = settings.load_palette(context).await?;
        let restored = restore(&input, &settings.options(&self.defaults, palette))?;
        let source_size = UVec2::new(input.width(), input.height());
        context.add_labeled_asset(REPORT_LABEL.to_string(), SpriteDxReport::new(&restored, source_size));
        Ok(rgba_to_image(&restored.image))
    }

    fn extensions(&self) -> &[&str] {
        IMAGE_EXTENSIONS
    }
}
