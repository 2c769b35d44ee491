//! The optical-flow baseline of `eval interp`: dense block-matching flow (full search,
//! sum of absolute differences of premultiplied RGBA over a 9 x 9 window on a 4-pixel
//! grid, bilinearly interpolated between grid points), then both frames warped half
//! way and averaged: the classic flow-based in-between without a learned part.

use image::RgbaImage;
use spritedx_model::interp::data::Planes;

/// Search radius in pixels.
const RADIUS: i32 = 12;
/// Spacing of the grid points the flow is measured at.
const STEP: usize = 4;
/// Half side of the matching window.
const WINDOW: i32 = 4;

/// The frame at `t` between `a` and `b` by block-matching flow.
pub fn flow_interpolate(a: &RgbaImage, b: &RgbaImage, t: f32) -> RgbaImage {
    let (pa, pb) = (Planes::from_image(a), Planes::from_image(b));
    let (w, h) = (pa.width, pa.height);
    let (gw, gh) = (w.div_ceil(STEP), h.div_ceil(STEP));
    let at = |p: &Planes, x: i32, y: i32, c: usize| {
        let x = x.clamp(0, w as i32 - 1) as usize;
        let y = y.clamp(0, h as i32 - 1) as usize;
        p.data[c][y * w + x]
    };
    let mut grid = vec![[0.0f32; 2]; gw * gh];
    for gy in 0..gh {
        for gx in 0..gw {
            let (cx, cy) = ((gx * STEP + STEP / 2) as i32, (gy * STEP + STEP / 2) as i32);
            let mut best = (f32::MAX, [0i32; 2]);
            for dy in -RADIUS..=RADIUS {
                for dx in -RADIUS..=RADIUS {
                    let mut cost = 0.0;
                    for wy in -WINDOW..=WINDOW {
                        for wx in -WINDOW..=WINDOW {
                            for c in 0..4 {
                                cost += (at(&pa, cx + wx, cy + wy, c) - at(&pb, cx + wx + dx, cy + wy + dy, c)).abs();
                            }
                        }
                    }
                    // Prefer small motions on ties (flat areas).
                    cost += 1e-3 * (dx * dx + dy * dy) as f32;
                    if cost < best.0 {
                        best = (cost, [dx, dy]);
                    }
                }
            }
            grid[gy * gw + gx] = best.1.map(|v| v as f32);
        }
    }
    let flow_at = |x: f32, y: f32| {
        let fx = ((x - STEP as f32 / 2.0) / STEP as f32).clamp(0.0, (gw - 1) as f32);
        let fy = ((y - STEP as f32 / 2.0) / STEP as f32).clamp(0.0, (gh - 1) as f32);
        let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(gw - 1), (y0 + 1).min(gh - 1));
        let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
        [0, 1].map(|i| {
            let top = grid[y0 * gw + x0][i] * (1.0 - ax) + grid[y0 * gw + x1][i] * ax;
            let bottom = grid[y1 * gw + x0][i] * (1.0 - ax) + grid[y1 * gw + x1][i] * ax;
            top * (1.0 - ay) + bottom * ay
        })
    };
    let mut out = Planes::transparent(w, h);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (x as f32 + 0.5, y as f32 + 0.5);
            let d = flow_at(x as f32, y as f32);
            let from_a = pa.sample(sx - t * d[0], sy - t * d[1]);
            let from_b = pb.sample(sx + (1.0 - t) * d[0], sy + (1.0 - t) * d[1]);
            for c in 0..4 {
                out.data[c][y * w + x] = from_a[c] * (1.0 - t) + from_b[c] * t;
            }
        }
    }
    out.to_image()
}

/// The 50/50 (or `t`) blend of premultiplied colours.
pub fn blend(a: &RgbaImage, b: &RgbaImage, t: f32) -> RgbaImage {
    let (pa, pb) = (Planes::from_image(a), Planes::from_image(b));
    let mut out = pa.clone();
    for c in 0..4 {
        for (o, v) in out.data[c].iter_mut().zip(&pb.data[c]) {
            *o = *o * (1.0 - t) + v * t;
        }
    }
    out.to_image()
}
