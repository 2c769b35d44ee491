//! Key colour (chroma key) to transparency.

use ::image::RgbaImage;
use serde::{Deserialize, Serialize};

use crate::image::color::{srgb8_to_oklab, Oklab};

/// Which colour means "transparent".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyColor {
    /// Key magenta (#ff00ff) out when most of the image border is magenta: the usual
    /// "transparent" background of generated sprites.
    #[default]
    Auto,
    /// Never key.
    None,
    /// Key this colour out.
    Color([u8; 3]),
}

/// Magenta, the conventional key colour.
pub const MAGENTA: [u8; 3] = [255, 0, 255];
/// OKLab distance within which a pixel counts as the key colour (tolerates JPEG).
const KEY_TOLERANCE: f32 = 0.12;
/// Share of border pixels that must be magenta for [`KeyColor::Auto`] to key it.
const AUTO_BORDER_SHARE: f32 = 0.4;

/// Returns the image with key-coloured pixels made transparent.
pub fn apply_key_color(image: &RgbaImage, key: KeyColor) -> RgbaImage {
    let key = match key {
        KeyColor::None => return image.clone(),
        KeyColor::Color(c) => c,
        KeyColor::Auto if border_share(image, srgb8_to_oklab(MAGENTA)) >= AUTO_BORDER_SHARE => MAGENTA,
        KeyColor::Auto => return image.clone(),
    };
    let key = srgb8_to_oklab(key);
    let mut out = image.clone();
    for p in out.pixels_mut() {
        if p[3] > 0 && is_key(p.0, key) {
            p.0 = [0, 0, 0, 0];
        }
    }
    out
}

/// Whether the pixels that keying turned transparent (visible in `input`, not in
/// `keyed`) all had one colour: true of a clean sprite on a flat key colour and when
/// nothing was removed, false of a key colour with compression noise.
pub(crate) fn removed_one_color(input: &RgbaImage, keyed: &RgbaImage) -> bool {
    let mut removed = input
        .pixels()
        .zip(keyed.pixels())
        .filter(|(i, k)| i[3] > 0 && k[3] == 0)
        .map(|(i, _)| i.0);
    let Some(first) = removed.next() else {
        return true;
    };
    removed.all(|p| p == first)
}

fn is_key(p: [u8; 4], key: Oklab) -> bool {
    srgb8_to_oklab([p[0], p[1], p[2]]).dist(key) <= KEY_TOLERANCE
}

fn border_share(image: &RgbaImage, key: Oklab) -> f32 {
    let (w, h) = image.dimensions();
    let mut total = 0u32;
    let mut hits = 0u32;
    let mut visit = |x: u32, y: u32| {
        let p = image.get_pixel(x, y).0;
        total += 1;
        hits += (p[3] > 0 && is_key(p, key)) as u32;
    };
    for x in 0..w {
        visit(x, 0);
        visit(x, h - 1);
    }
    for y in 0..h {
        visit(0, y);
        visit(w - 1, y);
    }
    hits as f32 / total.max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::Rgba;

    #[test]
    fn magenta_border_is_keyed_automatically() {
        let mut img = RgbaImage::from_pixel(8, 8, Rgba([250, 4, 252, 255]));
        img.put_pixel(4, 4, Rgba([10, 200, 10, 255]));
        let out = apply_key_color(&img, KeyColor::Auto);
        assert_eq!(out.get_pixel(0, 0)[3], 0);
        assert_eq!(out.get_pixel(4, 4).0, [10, 200, 10, 255]);
        assert_eq!(apply_key_color(&img, KeyColor::None), img);
    }

    #[test]
    fn other_borders_are_left_alone() {
        let img = RgbaImage::from_pixel(8, 8, Rgba([20, 30, 40, 255]));
        assert_eq!(apply_key_color(&img, KeyColor::Auto), img);
        let keyed = apply_key_color(&img, KeyColor::Color([20, 30, 40]));
        assert!(keyed.pixels().all(|p| p[3] == 0));
    }
}
