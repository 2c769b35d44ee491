//! The files behind an inspected image: its unrestored pixels, the settings of its
//! `.meta` and the palette file they name, read through the asset source (so the
//! inspector works on any source the game loads from), and the `.meta` written back.

use bevy::asset::io::Reader;
use bevy::asset::meta::{AssetAction, AssetMeta};
use bevy::asset::processor::LoadTransformAndSaveSettings;
use bevy::asset::{AssetPath, AssetServer};
use bevy::reflect::TypePath;
use spritedx_model::image::RgbaImage;
use spritedx_model::palette::{parse_palette, Palette};
use spritedx_model::prelude::{load_image_from_memory, ImageLimits};

use crate::asset::{SpriteDxImageLoader, SpriteDxImageProcessor, SpriteDxLoaderSettings};

/// How an image's `.meta` loads it; saving keeps the same kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaKind {
    /// No `.meta`: the `*.sdx.*` extension picks the loader.
    Missing,
    /// `Load` with [`SpriteDxImageLoader`].
    Load,
    /// `Process` with [`SpriteDxImageProcessor`] (baked at build time).
    Process,
}

/// The unrestored image and the settings it was loaded with.
#[derive(Clone, Debug)]
pub struct SourceFiles {
    /// The image file's pixels.
    pub pixels: RgbaImage,
    /// The loader settings of its `.meta` (defaults without one).
    pub settings: SpriteDxLoaderSettings,
    /// The palette file the settings name, read.
    pub palette: Option<Palette>,
    /// What the `.meta` was.
    pub meta: MetaKind,
}

/// Reads `path` (an image loaded by [`SpriteDxImageLoader`]), its `.meta` and the
/// palette file the settings name.
pub async fn read_source(server: AssetServer, path: AssetPath<'static>) -> Result<SourceFiles, String> {
    let bytes = read_file(&server, &path).await?;
    let pixels = load_image_from_memory(&bytes, ImageLimits::default()).map_err(|e| e.to_string())?;
    let source = server.get_source(path.source()).map_err(|e| e.to_string())?;
    let (settings, meta) = match source.reader().read_meta_bytes(path.path()).await {
        Ok(meta) => parse_meta(&meta).map_err(|e| format!("{path}.meta: {e}"))?,
        Err(_) => (SpriteDxLoaderSettings::default(), MetaKind::Missing),
    };
    let palette = match &settings.palette {
        Some(written) => {
            let file = path.resolve_embed_str(written).map_err(|e| e.to_string())?;
            let extension = file
                .path()
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            let bytes = read_file(&server, &file).await?;
            Some(parse_palette(&bytes, &extension).map_err(|reason| format!("{written}: {reason}"))?)
        }
        None => None,
    };
    Ok(SourceFiles {
        pixels,
        settings,
        palette,
        meta,
    })
}

/// The bytes of the file at `path`, from its asset source.
async fn read_file(server: &AssetServer, path: &AssetPath<'_>) -> Result<Vec<u8>, String> {
    let source = server.get_source(path.source()).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    let mut reader = source
        .reader()
        .read(path.path())
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok(bytes)
}

/// The loader settings in a `.meta` file that loads or processes with SpriteDX.
pub fn parse_meta(bytes: &[u8]) -> Result<(SpriteDxLoaderSettings, MetaKind), String> {
    if let Ok(meta) = AssetMeta::<SpriteDxImageLoader, ()>::deserialize(bytes) {
        if let AssetAction::Load { settings, .. } = meta.asset {
            return Ok((settings, MetaKind::Load));
        }
    }
    match AssetMeta::<(), SpriteDxImageProcessor>::deserialize(bytes) {
        Ok(AssetMeta {
            asset: AssetAction::Process { settings, .. },
            ..
        }) => Ok((settings.loader_settings, MetaKind::Process)),
        Ok(_) => Err("the asset is not loaded by SpriteDX".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// A `.meta` of this kind with these loader settings.
pub fn write_meta(settings: &SpriteDxLoaderSettings, kind: MetaKind) -> Result<String, String> {
    let pretty = ron::ser::PrettyConfig::default();
    let text = match kind {
        MetaKind::Process => {
            let meta = AssetMeta::<(), SpriteDxImageProcessor>::new(AssetAction::Process {
                processor: SpriteDxImageProcessor::type_path().to_string(),
                settings: LoadTransformAndSaveSettings {
                    loader_settings: settings.clone(),
                    transformer_settings: (),
                    saver_settings: (),
                },
            });
            ron::ser::to_string_pretty(&meta, pretty)
        }
        MetaKind::Load | MetaKind::Missing => {
            let meta = AssetMeta::<SpriteDxImageLoader, ()>::new(AssetAction::Load {
                loader: SpriteDxImageLoader::type_path().to_string(),
                settings: settings.clone(),
            });
            ron::ser::to_string_pretty(&meta, pretty)
        }
    };
    text.map_err(|e| e.to_string())
}

/// Writes `text` as the `.meta` of `path` (the asset source must be writable: the
/// default file source is). Hot reload then loads the image with it.
pub async fn save_meta(server: AssetServer, path: AssetPath<'static>, text: String) -> Result<(), String> {
    let source = server.get_source(path.source()).map_err(|e| e.to_string())?;
    let writer = source.writer().map_err(|e| e.to_string())?;
    writer
        .write_meta_bytes(path.path(), text.as_bytes())
        .await
        .map_err(|e| format!("cannot write {path}.meta: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_for_both_kinds() {
        let settings = SpriteDxLoaderSettings {
            max_colors: Some(6),
            pixel_size: Some(4.5),
            ..Default::default()
        };
        for kind in [MetaKind::Load, MetaKind::Process] {
            let text = write_meta(&settings, kind).unwrap();
            assert_eq!(parse_meta(text.as_bytes()).unwrap(), (settings.clone(), kind), "{text}");
        }
        assert!(parse_meta(b"(meta_format_version: \"1.0\", asset: Ignore)").is_err());
        assert!(parse_meta(b"not ron").is_err());
    }
}
