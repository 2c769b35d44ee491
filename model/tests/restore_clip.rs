//! Clips restored as a whole: one grid, one palette, whole-pixel motion, on the
//! shipped CC0 sprites drawn at 4x with sub-pixel wobble and travel.

mod common;

use spritedx_model::degrade::{resample, Kernel};
use spritedx_model::image::RgbaImage;
use spritedx_model::metrics::accuracy;
use spritedx_model::prelude::*;
use spritedx_model::temporal::restore_clip;

const SCALE: f32 = 4.0;
/// Transparent margin around the sprite, in sprite pixels (room to travel).
const MARGIN: u32 = 4;

/// `sprite` drawn at 4x (nearest: sharp, so that the restored frames can be
/// compared exactly; blurred clips are measured by `spritedx eval holds`) with its top-left corner at `at` sprite pixels,
/// on one canvas size whatever the position.
fn frame_at(sprite: &RgbaImage, at: [f32; 2]) -> RgbaImage {
    let (w, h) = sprite.dimensions();
    let mut canvas = RgbaImage::new(
        ((w + 2 * MARGIN) as f32 * SCALE) as u32,
        ((h + 2 * MARGIN) as f32 * SCALE) as u32,
    );
    let drawn = resample(sprite, SCALE, at.map(|a| a * SCALE), Kernel::Nearest);
    image::imageops::replace(&mut canvas, &drawn, 0, 0);
    canvas
}

/// `image` moved by whole pixels (what moves out of the canvas is lost).
fn shifted(image: &RgbaImage, dx: i32, dy: i32) -> RgbaImage {
    let mut out = RgbaImage::new(image.width(), image.height());
    for (x, y, p) in image.enumerate_pixels() {
        let (nx, ny) = (x as i32 + dx, y as i32 + dy);
        if nx >= 0 && ny >= 0 && (nx as u32) < out.width() && (ny as u32) < out.height() {
            out.put_pixel(nx as u32, ny as u32, *p);
        }
    }
    out
}

fn visible_equal(a: &RgbaImage, b: &RgbaImage) -> bool {
    a.dimensions() == b.dimensions()
        && a.pixels()
            .zip(b.pixels())
            .all(|(p, q)| match (p[3] >= 128, q[3] >= 128) {
                (false, false) => true,
                (true, true) => p.0[..3] == q.0[..3],
                _ => false,
            })
}

#[test]
fn sub_pixel_wobble_leaves_every_frame_in_the_same_place() {
    let m = MARGIN as f32;
    // Within a third of a pixel of the mean position, as the drift of a video model.
    let wobble = [
        [0.0, 0.0],
        [0.3, -0.2],
        [-0.25, 0.1],
        [0.2, 0.3],
        [-0.1, -0.3],
        [0.3, 0.25],
    ];
    for (name, sprite) in common::shipped_sprites() {
        let frames: Vec<RgbaImage> = wobble.iter().map(|[x, y]| frame_at(&sprite, [m + x, m + y])).collect();
        let clip = restore_clip(&frames, &RestoreOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let [px, py] = clip.grid.pixel_size;
        assert!(
            (px - SCALE).abs() < 0.02 && (py - SCALE).abs() < 0.02,
            "{name}: {px}x{py}"
        );
        for (i, frame) in clip.frames.iter().enumerate() {
            assert!(
                visible_equal(frame, &clip.frames[0]),
                "{name}: frame {i} moved or changed"
            );
            let drift = clip.drift[i][0] - clip.drift[0][0];
            // Nearest resampling puts the sprite on whole input pixels.
            let drawn_at = (wobble[i][0] * SCALE).round();
            assert!(
                (drift - drawn_at).abs() < 0.3,
                "{name}: frame {i} drift {drift}, drawn at {drawn_at}"
            );
        }
        // The frames are the sprite itself, in its place on the canvas.
        let acc = accuracy(&clip.frames[0], &shifted(&sprite, MARGIN as i32, MARGIN as i32));
        assert_eq!(acc.exact, 1.0, "{name}: {acc:?}");
    }
}

#[test]
fn travel_moves_in_whole_pixel_steps() {
    let m = MARGIN as f32;
    for (name, sprite) in common::shipped_sprites() {
        // 0.3 sprite pixels right and 0.15 down per frame: steps of 1 px, no smear.
        let positions: Vec<[f32; 2]> = (0..10).map(|k| [0.3 * k as f32, 0.15 * k as f32]).collect();
        let frames: Vec<RgbaImage> = positions
            .iter()
            .map(|[x, y]| frame_at(&sprite, [1.0 + x, m + y]))
            .collect();
        let clip = restore_clip(&frames, &RestoreOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut steps = 0;
        for (k, frame) in clip.frames.iter().enumerate().skip(1) {
            let previous = &clip.frames[k - 1];
            let moved = (0..=1)
                .flat_map(|dx| (0..=1).map(move |dy| (dx, dy)))
                .find(|&(dx, dy)| visible_equal(frame, &shifted(previous, dx, dy)));
            let (dx, dy) =
                moved.unwrap_or_else(|| panic!("{name}: frame {k} is not a whole-pixel move of frame {}", k - 1));
            steps += dx + dy;
        }
        // 2.7 px right and 1.35 down in all: 3 + 1 (or 2) whole-pixel steps.
        assert!((4..=5).contains(&steps), "{name}: {steps} steps");
    }
}

#[test]
fn bad_clips_are_typed_errors() {
    let options = RestoreOptions::default();
    assert!(matches!(restore_clip(&[], &options), Err(SpriteDxError::EmptyClip)));
    let frames = [RgbaImage::new(8, 8), RgbaImage::new(9, 8)];
    assert!(matches!(
        restore_clip(&frames, &options),
        Err(SpriteDxError::FrameSizeMismatch { index: 1, .. })
    ));
    let empty = [RgbaImage::new(8, 8), RgbaImage::new(8, 8)];
    assert!(matches!(
        restore_clip(&empty, &options),
        Err(SpriteDxError::FullyTransparent)
    ));
}
