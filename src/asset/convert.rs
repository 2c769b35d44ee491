//! Conversions between the model's RGBA buffers and Bevy [`Image`]s.

use bevy::asset::RenderAssetUsages;
use bevy::image::{Image, ImageSampler};
use spritedx_model::image::RgbaImage;
use wgpu_types::{Extent3d, TextureDimension, TextureFormat};

/// An sRGB RGBA8 [`Image`] with nearest sampling (pixel art must not be filtered).
pub fn rgba_to_image(rgba: &RgbaImage) -> Image {
    let size = Extent3d {
        width: rgba.width(),
        height: rgba.height(),
        depth_or_array_layers: 1,
    };
    let mut image = Image::new(
        size,
        TextureDimension::D2,
        rgba.as_raw().clone(),
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::default(),
    );
    image.sampler = ImageSampler::nearest();
    image
}

/// The pixels of an RGBA8 [`Image`] (sRGB or linear), or `None` for other formats or
/// images without CPU data.
pub fn image_to_rgba(image: &Image) -> Option<RgbaImage> {
    let format = image.texture_descriptor.format;
    if !matches!(format, TextureFormat::Rgba8UnormSrgb | TextureFormat::Rgba8Unorm) {
        return None;
    }
    let size = image.texture_descriptor.size;
    RgbaImage::from_raw(size.width, size.height, image.data.clone()?)
}
