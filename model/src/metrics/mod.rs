//! Quality metrics (DESIGN §4): a restoration against the clean original, keys of
//! frame holds, and in-between frames against the true ones.

mod frames;
mod keys;

pub use frames::{psnr, ssim};
pub use keys::{score_keys, KeyScore};

use ::image::RgbaImage;
use serde::{Deserialize, Serialize};

use crate::image::color::srgb8_to_oklab;
use crate::palette::Palette;

/// How a restored sprite compares with its original, at the best alignment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Share of original pixels reproduced exactly (alpha binarised at 128).
    pub exact: f32,
    /// Share within 8 per channel (and the same binarised alpha).
    pub within8: f32,
    /// Share exact after snapping the output to the original's palette.
    pub snapped: f32,
    /// Mean OKLab distance (x100) from each original colour to the nearest output colour.
    pub palette_error: f32,
    /// The alignment shift (output minus original), at most one cell per axis.
    pub shift: [i32; 2],
}

fn opaque(p: &[u8; 4]) -> bool {
    p[3] >= 128
}

fn score_at(out: &RgbaImage, orig: &RgbaImage, dx: i32, dy: i32, same: impl Fn([u8; 4], [u8; 4]) -> bool) -> usize {
    let mut hits = 0;
    for (x, y, o) in orig.enumerate_pixels() {
        let (ox, oy) = (x as i32 + dx, y as i32 + dy);
        let r = if ox >= 0 && oy >= 0 && (ox as u32) < out.width() && (oy as u32) < out.height() {
            out.get_pixel(ox as u32, oy as u32).0
        } else {
            [0, 0, 0, 0]
        };
        hits += same(r, o.0) as usize;
    }
    hits
}

fn same_within(tolerance: i32) -> impl Fn([u8; 4], [u8; 4]) -> bool {
    move |a, b| match (opaque(&a), opaque(&b)) {
        (false, false) => true,
        (true, true) => (0..3).all(|c| (a[c] as i32 - b[c] as i32).abs() <= tolerance),
        _ => false,
    }
}

/// The palette of an image's opaque pixels.
pub fn palette_of(image: &RgbaImage) -> Palette {
    let mut colors: Vec<[u8; 3]> = image
        .pixels()
        .filter(|p| opaque(&p.0))
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    colors.sort_unstable();
    colors.dedup();
    Palette::new(colors)
}

/// Compares a restored sprite with the original (outside the output counts as transparent).
pub fn accuracy(restored: &RgbaImage, original: &RgbaImage) -> Accuracy {
    let total = (original.width() * original.height()).max(1) as f32;
    let exact = same_within(0);
    let (mut best, mut shift) = (0, [0, 0]);
    for dy in -1..=1 {
        for dx in -1..=1 {
            let s = score_at(restored, original, dx, dy, &exact);
            if s > best || (s == best && dx == 0 && dy == 0) {
                (best, shift) = (s, [dx, dy]);
            }
        }
    }
    let within8 = score_at(restored, original, shift[0], shift[1], same_within(8));
    let original_palette = palette_of(original);
    let snapped_image = if original_palette.is_empty() {
        restored.clone()
    } else {
        let snapper = original_palette.snapper();
        let mut img = restored.clone();
        for p in img.pixels_mut() {
            if opaque(&p.0) {
                let c = snapper.snap([p[0], p[1], p[2]]);
                p.0 = [c[0], c[1], c[2], 255];
            }
        }
        img
    };
    let snapped = score_at(&snapped_image, original, shift[0], shift[1], &exact);
    Accuracy {
        exact: best as f32 / total,
        within8: within8 as f32 / total,
        snapped: snapped as f32 / total,
        palette_error: palette_error(&original_palette, &palette_of(restored)),
        shift,
    }
}

/// Mean OKLab distance (x100) from each colour of `reference` to the nearest of `other`.
pub fn palette_error(reference: &Palette, other: &Palette) -> f32 {
    if reference.is_empty() {
        return 0.0;
    }
    if other.is_empty() {
        return 100.0;
    }
    let lab: Vec<_> = other.colors.iter().map(|&c| srgb8_to_oklab(c)).collect();
    let sum: f32 = reference
        .colors
        .iter()
        .map(|&c| {
            let l = srgb8_to_oklab(c);
            lab.iter().map(|o| o.dist(l)).fold(f32::INFINITY, f32::min)
        })
        .sum();
    sum / reference.len() as f32 * 100.0
}

/// Whether a detected pitch reproduces the true scale within one cell over `extent`
/// input pixels (the protocol's "grid found").
pub fn grid_found(detected_pitch: f32, true_scale: f32, extent: u32) -> bool {
    let true_cells = extent as f32 / true_scale;
    let found_cells = extent as f32 / detected_pitch;
    (true_cells - found_cells).abs() < 1.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::Rgba;

    #[test]
    fn identical_images_score_one_and_shift_is_found() {
        let a = RgbaImage::from_fn(6, 5, |x, y| Rgba([x as u8 * 40, y as u8 * 40, 9, 255]));
        let acc = accuracy(&a, &a);
        assert_eq!(
            (acc.exact, acc.within8, acc.snapped, acc.shift),
            (1.0, 1.0, 1.0, [0, 0])
        );
        let mut shifted = RgbaImage::new(7, 5);
        image::imageops::overlay(&mut shifted, &a, 1, 0);
        assert_eq!(accuracy(&shifted, &a).shift, [1, 0]);
        assert_eq!(accuracy(&shifted, &a).exact, 1.0);
    }

    #[test]
    fn off_by_a_few_counts_within8_not_exact() {
        let a = RgbaImage::from_pixel(4, 4, Rgba([100, 100, 100, 255]));
        let b = RgbaImage::from_pixel(4, 4, Rgba([104, 100, 97, 255]));
        let acc = accuracy(&b, &a);
        assert_eq!((acc.exact, acc.within8, acc.snapped), (0.0, 1.0, 1.0));
    }

    #[test]
    fn grid_found_is_within_one_cell() {
        assert!(grid_found(4.02, 4.0, 128));
        assert!(!grid_found(4.2, 4.0, 128));
    }
}
