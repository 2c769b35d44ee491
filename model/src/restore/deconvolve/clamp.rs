//! The clamp of an 8-bit upscale that happens before its blur.
//!
//! A bicubic upscale rings past 0 and 255 beside strong edges (a black outline on a
//! light sprite) and is clamped to the range when it is stored; a blur applied
//! after that spreads the clamped values. The linear model `Y = A c` (kernel and
//! blur in one operator) cannot draw that: its least-squares cells come out pulled
//! towards their neighbours, and a model with less blur than the truth fits better,
//! so the blur is misjudged too. The correction keeps the model linear: with `K`
//! the kernel alone and `B` the blur, `Y = B clamp(K c) = A c + B d` with
//! `d = clamp(K c) - K c` taken from the current cells, and the cells are solved
//! again for `Y - B d`.

use super::{operators, Premultiplied};
use crate::degrade::Kernel;
use crate::grid::Grid;
use crate::upscale::{gaussian, AxisOperator, UpscaleModel};

/// Rounds of the correction: each redraws the clamp from the cells of the last.
pub(super) const CLAMP_ROUNDS: usize = 4;
/// Over-relaxation of each round: the cells move this many times the step the
/// round asks for. A round only moves part of the way (the cells it corrects
/// change the clamp again); on the dev split, four rounds at 1.5 gave 72.1% exact
/// on the bicubic preset against 71.0% for three plain rounds and 69.5% for two.
/// Later, with the pitch scan, 2.0 gave 75.5% on bicubic, soft alpha and large
/// together against 75.2% at 1.5, 74.8% at 2.5 and 75.6% for eight rounds at 1.5
/// (at 1.45x the time).
pub(super) const CLAMP_RELAXATION: f64 = 2.0;

/// The kernel-only upscale of a grid and the blur after it, to redraw what the
/// clamp changed.
#[derive(Clone)]
pub(super) struct ClampBeforeBlur {
    /// The kernel along x and y (no blur) at the pixels the fit reads.
    kernel: [AxisOperator; 2],
    /// The blur's taps along x and y.
    blur: [Vec<f32>; 2],
    /// Width and height of the pixels the fit reads.
    size: [usize; 2],
}

impl ClampBeforeBlur {
    /// The correction for `model` on `grid` over a `width x height` input read at
    /// every `stride`-th pixel; `None` for kernels that never leave the range of
    /// their cells (nearest, bilinear). A large upscale read at a stride is also
    /// drawn, clamped and blurred at that stride only (its samples are a quarter of
    /// a cell apart, closer than the ringing is wide), which keeps the correction's
    /// cost that of the fit.
    pub(super) fn new(grid: &Grid, model: UpscaleModel, (width, height): (u32, u32), stride: usize) -> Option<Self> {
        if model.kernel != Kernel::Bicubic {
            return None;
        }
        let stride = stride.max(1);
        let blur = [0, 1].map(|a| gaussian(model.blur * grid.pixel_size[a] / stride as f32));
        let unblurred = UpscaleModel { blur: 0.0, ..model };
        let kernel = operators(grid, unblurred, (width, height), stride);
        let size = [kernel[0].rows(), kernel[1].rows()];
        Some(Self { kernel, blur, size })
    }

    /// `B (clamp(K c) - K c)` for the premultiplied cells `cells` (`[cells_y][cells_x]`)
    /// at the pixels the fit reads, `[rows][columns]`; `None` when nothing is clamped.
    pub(super) fn correction(&self, cells: &[[f64; 4]]) -> Option<Vec<[f32; 4]>> {
        let (mut across, rows_changed) = self.clamped_change(cells)?;
        let [width, height] = self.size;
        // Along x, in place on the rows the clamp changed (the others are zero), each
        // row copied out padded with copies of its end pixels: [height][width]
        let rx = self.blur[0].len() / 2;
        let mut padded = vec![[0.0f32; 4]; width + 2 * rx];
        for y in (0..height).filter(|&y| rows_changed[y]) {
            let line = &mut across[y * width..(y + 1) * width];
            padded[..rx].fill(line[0]);
            padded[rx..rx + width].copy_from_slice(line);
            padded[rx + width..].fill(line[width - 1]);
            for (x, out) in line.iter_mut().enumerate() {
                // Summed in a local (from zero, as before): the same sums, kept
                // in registers.
                let mut sum = [0.0f32; 4];
                for (&g, p) in self.blur[0].iter().zip(&padded[x..]) {
                    (0..4).for_each(|c| sum[c] += g * p[c]);
                }
                *out = sum;
            }
        }
        // Along y, each pixel summed over the changed rows under the taps: [height][width]
        let ry = (self.blur[1].len() / 2) as i64;
        let mut out = vec![[0.0f32; 4]; height * width];
        let mut taps: Vec<(f32, usize)> = Vec::with_capacity(self.blur[1].len());
        for (y, line) in out.chunks_exact_mut(width).enumerate() {
            taps.clear();
            taps.extend(self.blur[1].iter().enumerate().filter_map(|(k, &g)| {
                let from = (y as i64 + k as i64 - ry).clamp(0, height as i64 - 1) as usize;
                rows_changed[from].then_some((g, from * width))
            }));
            for (x, o) in line.iter_mut().enumerate() {
                let mut sum = [0.0f32; 4];
                for &(g, start) in &taps {
                    let p = across[start + x];
                    (0..4).for_each(|c| sum[c] += g * p[c]);
                }
                *o = sum;
            }
        }
        Some(out)
    }

    /// `clamp(K c) - K c` at the pixels the fit reads, `[rows][columns]`, as an 8-bit
    /// premultiplied upscale stores it (alpha within 0..255, colour within 0..alpha),
    /// and which rows it changes; `None` when nothing is clamped.
    fn clamped_change(&self, cells: &[[f64; 4]]) -> Option<(Vec<[f32; 4]>, Vec<bool>)> {
        let [kx, ky] = &self.kernel;
        let [width, height] = self.size;
        let (cw, ch) = (kx.cells, ky.cells);
        let cells: Vec<[f32; 4]> = cells.iter().map(|c| c.map(|v| v as f32)).collect();
        // Along x: [cells_y][width]
        let mut drawn_rows = vec![[0.0f32; 4]; ch * width];
        for (row, drawn) in cells.chunks_exact(cw).zip(drawn_rows.chunks_exact_mut(width)) {
            for (x, v) in drawn.iter_mut().enumerate() {
                let (f, w) = kx.row(x);
                let mut sum = [0.0f32; 4];
                for (&wa, cell) in w.iter().zip(&row[f.min(cw)..]) {
                    (0..4).for_each(|c| sum[c] += wa * cell[c]);
                }
                *v = sum;
            }
        }
        let mut change = vec![[0.0f32; 4]; height * width];
        let mut rows_changed = vec![false; height];
        // The kernel's taps of one pixel row: (weight, drawn row of cells).
        let mut sources: Vec<(f32, &[[f32; 4]])> = Vec::with_capacity(4);
        for ((y, line), changed) in change.chunks_exact_mut(width).enumerate().zip(&mut rows_changed) {
            // The drawing first, then what the clamp changes in it.
            let (f, w) = ky.row(y);
            sources.clear();
            sources.extend(w.iter().copied().zip(drawn_rows.chunks_exact(width).skip(f)));
            for (x, v) in line.iter_mut().enumerate() {
                let mut sum = [0.0f32; 4];
                for &(wb, source) in &sources {
                    let p = source[x];
                    (0..4).for_each(|c| sum[c] += wb * p[c]);
                }
                *v = sum;
            }
            for v in line.iter_mut() {
                let alpha = v[3].clamp(0.0, 255.0);
                let stored = [
                    v[0].clamp(0.0, alpha),
                    v[1].clamp(0.0, alpha),
                    v[2].clamp(0.0, alpha),
                    alpha,
                ];
                *v = [0, 1, 2, 3].map(|c| stored[c] - v[c]);
                *changed |= v.iter().any(|&d| d != 0.0);
            }
        }
        rows_changed.contains(&true).then_some((change, rows_changed))
    }
}

impl Premultiplied {
    /// These pixels less `correction` (of the same size; empty: none).
    pub(super) fn less(&self, correction: &[[f32; 4]]) -> Self {
        if correction.is_empty() {
            return Self {
                pixels: self.pixels.clone(),
                width: self.width,
                height: self.height,
            };
        }
        Self {
            pixels: self
                .pixels
                .iter()
                .zip(correction)
                .map(|(p, d)| [0, 1, 2, 3].map(|c| p[c] - d[c]))
                .collect(),
            width: self.width,
            height: self.height,
        }
    }
}
