//! Files an asset refers to (palettes, frames, sheets), read relative to it.

use bevy::asset::LoadContext;

use crate::error::SpriteDxLoadError;

/// Reads the file `written` names, relative to the asset being loaded, as a loader
/// dependency (editing it reloads the asset); returns its lower-case extension too.
pub async fn read_relative(
    context: &mut LoadContext<'_>,
    written: &str,
) -> Result<(Vec<u8>, String), SpriteDxLoadError> {
    let path = context
        .path()
        .resolve_embed_str(written)
        .map_err(|source| SpriteDxLoadError::Path {
            path: written.into(),
            source,
        })?;
    let extension = path
        .path()
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = context
        .read_asset_bytes(path)
        .await
        .map_err(|source| SpriteDxLoadError::Dependency {
            path: written.into(),
            source: Box::new(source),
        })?;
    Ok((bytes, extension))
}
