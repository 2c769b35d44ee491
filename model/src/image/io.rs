//! Loading images with size limits and typed errors.

use std::io::Cursor;
use std::path::Path;

use ::image::{ImageReader, RgbaImage};

use crate::error::{Result, SpriteDxError};

/// Largest image the loaders accept. The default (8192 px per side, 32 Mpx)
/// keeps a decode below about 128 MiB of RGBA, well inside a game's budget;
/// larger inputs are refused before any pixel is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest width or height in pixels.
    pub max_side: u32,
    /// Largest width x height.
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            max_side: 8192,
            max_pixels: 32 * 1024 * 1024,
        }
    }
}

impl ImageLimits {
    /// Checks a size against the limits (and refuses zero-size images).
    pub fn check(&self, width: u32, height: u32) -> Result<()> {
        if width == 0 || height == 0 {
            return Err(SpriteDxError::EmptyImage { width, height });
        }
        if width > self.max_side || height > self.max_side || width as u64 * height as u64 > self.max_pixels {
            return Err(SpriteDxError::ImageTooLarge {
                width,
                height,
                max_side: self.max_side,
                max_pixels: self.max_pixels,
            });
        }
        Ok(())
    }
}

/// Loads an image file (PNG, JPEG, WebP; any bit depth or colour type) as 8-bit RGBA,
/// with the default [`ImageLimits`].
pub fn load_image(path: impl AsRef<Path>) -> Result<RgbaImage> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| SpriteDxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_image_from_memory(&bytes, ImageLimits::default())
}

/// Decodes an encoded image from memory as 8-bit RGBA, refusing sizes beyond `limits`
/// before decoding the pixels.
pub fn load_image_from_memory(bytes: &[u8], limits: ImageLimits) -> Result<RgbaImage> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| SpriteDxError::Decode(e.to_string()))?;
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| SpriteDxError::Decode(e.to_string()))?;
    limits.check(width, height)?;
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| SpriteDxError::Decode(e.to_string()))?;
    let mut decode_limits = ::image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_side);
    decode_limits.max_image_height = Some(limits.max_side);
    decode_limits.max_alloc = Some(limits.max_pixels * 8 + (64 << 20));
    reader.limits(decode_limits);
    let decoded = reader.decode().map_err(|e| SpriteDxError::Decode(e.to_string()))?;
    Ok(decoded.to_rgba8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_refuse_zero_and_huge() {
        let l = ImageLimits::default();
        assert!(matches!(l.check(0, 5), Err(SpriteDxError::EmptyImage { .. })));
        assert!(matches!(l.check(9000, 5), Err(SpriteDxError::ImageTooLarge { .. })));
        assert!(matches!(l.check(8000, 8000), Err(SpriteDxError::ImageTooLarge { .. })));
        assert!(l.check(1, 1).is_ok());
    }

    #[test]
    fn garbage_is_a_decode_error() {
        assert!(matches!(
            load_image_from_memory(b"not an image at all", ImageLimits::default()),
            Err(SpriteDxError::Decode(_))
        ));
    }
}
