//! Build-time baking: under `AssetMode::Processed`, `*.sdx.png/jpg/jpeg/webp` images
//! (and any image whose `.meta` names [`SpriteDxImageProcessor`]) are restored once
//! by the asset processor and saved to `imported_assets/` as PNG, with their
//! [`SpriteDxReport`] in a `tEXt` chunk; the game then loads the small baked sprite
//! without restoring anything.

use bevy::asset::io::Writer;
use bevy::asset::processor::LoadTransformAndSave;
use bevy::asset::saver::{AssetSaver, SavedAsset};
use bevy::asset::transformer::IdentityAssetTransformer;
use bevy::asset::AssetPath;
use bevy::asset::AsyncWriteExt;
use bevy::prelude::*;
use serde::{Deserialize, Serialize};
use spritedx_model::prelude::RestoreReport;

use super::convert::image_to_rgba;
use super::image_loader::{SpriteDxImageLoader, SpriteDxLoaderSettings, REPORT_LABEL};
use super::report::SpriteDxReport;
use crate::error::SpriteDxLoadError;

/// The processor that bakes restored images: load (restoring) and save as PNG.
pub type SpriteDxImageProcessor =
    LoadTransformAndSave<SpriteDxImageLoader, IdentityAssetTransformer<Image>, SpriteDxPngSaver>;

/// Keyword of the PNG `tEXt` chunk that holds a baked image's report (JSON).
pub const REPORT_CHUNK: &str = "spritedx-report";

/// Saves a restored [`Image`] as an RGBA PNG with its report; the baked file loads
/// with [`SpriteDxImageLoader`] and `restore: false`.
#[derive(TypePath, Clone, Copy, Debug, Default)]
pub struct SpriteDxPngSaver;

/// The report as stored in the PNG chunk.
#[derive(Serialize, Deserialize)]
struct StoredReport {
    report: RestoreReport,
    palette: Vec<[u8; 3]>,
    source_size: [u32; 2],
}

impl AssetSaver for SpriteDxPngSaver {
    type Asset = Image;
    type Settings = ();
    type OutputLoader = SpriteDxImageLoader;
    type Error = SpriteDxLoadError;

    async fn save(
        &self,
        writer: &mut Writer,
        asset: SavedAsset<'_, '_, Image>,
        _settings: &(),
        _asset_path: AssetPath<'_>,
    ) -> Result<SpriteDxLoaderSettings, SpriteDxLoadError> {
        let report = asset
            .get_labeled::<SpriteDxReport>(REPORT_LABEL)
            .map(|r| r.get().clone());
        let bytes = encode_png(asset.get(), report.as_ref())?;
        writer.write_all(&bytes).await?;
        Ok(SpriteDxLoaderSettings {
            restore: false,
            ..default()
        })
    }
}

/// PNG bytes of an RGBA8 image, with `report` in a [`REPORT_CHUNK`] chunk.
pub fn encode_png(image: &Image, report: Option<&SpriteDxReport>) -> Result<Vec<u8>, SpriteDxLoadError> {
    let rgba =
        image_to_rgba(image).ok_or_else(|| SpriteDxLoadError::Encode("only RGBA8 images can be baked".into()))?;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, rgba.width(), rgba.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    if let Some(report) = report {
        let stored = StoredReport {
            report: report.report.clone(),
            palette: report.palette.clone(),
            source_size: report.source_size.to_array(),
        };
        let json = serde_json::to_string(&stored).map_err(|e| SpriteDxLoadError::Encode(e.to_string()))?;
        encoder
            .add_text_chunk(REPORT_CHUNK.into(), json)
            .map_err(|e| SpriteDxLoadError::Encode(e.to_string()))?;
    }
    let mut png_writer = encoder
        .write_header()
        .map_err(|e| SpriteDxLoadError::Encode(e.to_string()))?;
    png_writer
        .write_image_data(rgba.as_raw())
        .map_err(|e| SpriteDxLoadError::Encode(e.to_string()))?;
    png_writer
        .finish()
        .map_err(|e| SpriteDxLoadError::Encode(e.to_string()))?;
    Ok(bytes)
}

/// The report stored in a baked PNG, if `bytes` is one.
pub fn read_baked_report(bytes: &[u8]) -> Option<SpriteDxReport> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().ok()?;
    let chunk = reader
        .info()
        .uncompressed_latin1_text
        .iter()
        .find(|c| c.keyword == REPORT_CHUNK)?;
    let stored: StoredReport = serde_json::from_str(&chunk.text).ok()?;
    Some(SpriteDxReport {
        report: stored.report,
        palette: stored.palette,
        source_size: UVec2::from_array(stored.source_size),
    })
}
