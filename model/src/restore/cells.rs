//! Per-cell sampling: a robust colour from each cell's interior, alpha by coverage.

use ::image::RgbaImage;

use crate::grid::Grid;

/// Share of the cell, on each side, left out of its interior (blur and bleeding
/// from neighbours live there).
const INTERIOR_MARGIN: f32 = 0.35;

/// What one cell looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellSample {
    /// Per-channel median of the cell's opaque interior pixels.
    pub color: [u8; 3],
    /// Whether at least half of the interior is opaque (alpha >= 128).
    pub opaque: bool,
}

impl CellSample {
    /// The output pixel of this cell drawn in `rgb`: opaque, or fully transparent.
    pub fn pixel(&self, rgb: [u8; 3]) -> ::image::Rgba<u8> {
        match self.opaque {
            true => ::image::Rgba([rgb[0], rgb[1], rgb[2], 255]),
            false => ::image::Rgba([0; 4]),
        }
    }
}

/// All cells of an image, row-major, with the noise level measured on the way.
#[derive(Clone, Debug)]
pub struct CellSamples {
    /// `[cells_y * cells_x]` samples.
    pub samples: Vec<CellSample>,
    /// Median over cells of the mean absolute deviation from the cell colour, per
    /// channel in 8-bit units: the input's noise level.
    pub noise: f32,
}

/// Input pixel range `[start, end)` of a cell's interior along one axis.
fn interior(offset: f32, pitch: f32, index: u32, len: u32) -> (u32, u32) {
    let a = offset + index as f32 * pitch;
    let b = a + pitch;
    let m = INTERIOR_MARGIN * pitch;
    // Pixel i is inside when its centre i + 0.5 lies in [a + m, b - m].
    let start = (a + m - 0.5).ceil().max(0.0);
    let end = ((b - m - 0.5).floor() + 1.0).min(len as f32);
    if end > start {
        (start as u32, end as u32)
    } else {
        let centre = ((a + b) * 0.5 - 0.5).round().clamp(0.0, len as f32 - 1.0) as u32;
        (centre, centre + 1)
    }
}

/// Input pixel ranges `[start, end)`, one per cell along an axis.
pub type AxisRanges = Vec<(u32, u32)>;

/// The input pixel ranges of the cell interiors of `grid` on an image of
/// `width x height`: one range per column, one per row.
pub fn interior_ranges(grid: &Grid, width: u32, height: u32) -> (AxisRanges, AxisRanges) {
    let [cw, ch] = grid.cells;
    let xs = (0..cw)
        .map(|i| interior(grid.offset[0], grid.pixel_size[0], i, width))
        .collect();
    let ys = (0..ch)
        .map(|j| interior(grid.offset[1], grid.pixel_size[1], j, height))
        .collect();
    (xs, ys)
}

/// The noise level from each opaque cell's spread: the mean absolute deviation of
/// its interior from its colour, summed over channels (`deviation`), over `covered`
/// opaque interior pixels. Cells with fewer than 4 such pixels do not count.
pub fn noise_level(spreads: impl IntoIterator<Item = (u32, u32)>) -> f32 {
    let mut spreads: Vec<f32> = spreads
        .into_iter()
        .filter(|&(_, covered)| covered >= 4)
        .map(|(deviation, covered)| deviation as f32 / (3 * covered) as f32)
        .collect();
    if spreads.is_empty() {
        return 0.0;
    }
    let mid = spreads.len() / 2;
    *spreads.select_nth_unstable_by(mid, f32::total_cmp).1
}

/// Samples every cell of `grid` on `image`.
pub fn sample_cells(image: &RgbaImage, grid: &Grid) -> CellSamples {
    let (w, h) = image.dimensions();
    let (xs, ys) = interior_ranges(grid, w, h);
    let [cw, ch] = grid.cells;
    let mut samples = Vec::with_capacity((cw * ch) as usize);
    let mut spreads = Vec::new();
    let mut channels: [Vec<u8>; 3] = Default::default();
    for &(y0, y1) in &ys {
        for &(x0, x1) in &xs {
            channels.iter_mut().for_each(Vec::clear);
            let mut covered = 0u32;
            for y in y0..y1 {
                for x in x0..x1 {
                    let p = image.get_pixel(x, y).0;
                    if p[3] >= 128 {
                        covered += 1;
                        for c in 0..3 {
                            channels[c].push(p[c]);
                        }
                    }
                }
            }
            let total = (x1 - x0) * (y1 - y0);
            let opaque = covered * 2 >= total && covered > 0;
            let mut color = [0u8; 3];
            if covered > 0 {
                for c in 0..3 {
                    let v = &mut channels[c];
                    let mid = v.len() / 2;
                    color[c] = *v.select_nth_unstable(mid).1;
                }
            }
            if opaque && covered >= 4 {
                let dev: u32 = (0..3)
                    .map(|c| {
                        channels[c]
                            .iter()
                            .map(|&v| (v as i32 - color[c] as i32).unsigned_abs())
                            .sum::<u32>()
                    })
                    .sum();
                spreads.push((dev, covered));
            }
            samples.push(CellSample { color, opaque });
        }
    }
    CellSamples {
        samples,
        noise: noise_level(spreads),
    }
}
