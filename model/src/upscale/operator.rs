//! One axis of an upscale: the weight of every cell in every input pixel.

use std::sync::OnceLock;

use super::{BandCholesky, UpscaleModel};
use crate::degrade::Kernel;

/// Ridge on the normal equations, relative to their mean diagonal: keeps cells no
/// pixel sees at zero and costs less than 0.03 of an 8-bit level elsewhere.
pub(crate) const RIDGE: f64 = 1e-4;

/// One axis of a model: the weight of every cell in every input pixel. Pixel `x`
/// sees the cells `first[x] .. first[x] + span` with `weights[x * span ..]`.
#[derive(Clone)]
pub(crate) struct AxisOperator {
    first: Vec<usize>,
    weights: Vec<f32>,
    /// Cells one input pixel sees at most.
    pub span: usize,
    /// Cells along the axis.
    pub cells: usize,
    /// The transpose, built the first time a projection asks for it.
    columns: OnceLock<Columns>,
}

/// The transpose of an [`AxisOperator`]: for every cell, the input pixels (or
/// bins) that see it with a nonzero weight, in ascending order. A projection
/// `Aᵀ y` summed cell by cell from it adds the same terms in the same order as one
/// spread pixel by pixel (the zero weights it leaves out add nothing), and keeps
/// each sum in registers.
#[derive(Clone, Debug)]
pub(crate) struct Columns {
    /// Where the entries of each cell start in `entries` (`cells + 1` of them).
    starts: Vec<usize>,
    /// `(pixel, weight)` of every cell in turn.
    entries: Vec<(usize, f32)>,
}

impl Columns {
    /// `(pixel, weight)` of the pixels that see cell `i`, in ascending order.
    pub(crate) fn of(&self, i: usize) -> &[(usize, f32)] {
        &self.entries[self.starts[i]..self.starts[i + 1]]
    }
}

impl AxisOperator {
    /// The operator of every one of `pixels` input pixels (tests compare the others
    /// with it).
    #[cfg(test)]
    pub(crate) fn new(pixels: usize, cells: usize, pitch: f32, offset: f32, model: UpscaleModel) -> Self {
        Self::binned(pixels, cells, pitch, offset, model, 1)
    }

    /// The operator of the means of `bin` input pixels at a time (the first
    /// `pixels / bin` bins), drawn from `cells` cells of `pitch` pixels starting at
    /// `offset`: a large upscale has many more pixels than its cells need, and the
    /// means of a bin are drawn exactly by the same cells, so a redraw on them stays
    /// exact at a fraction of the work. Cells outside `0..cells` do not exist (their
    /// taps are dropped, as a resampler drops taps outside its source); the blur
    /// repeats the edge pixels.
    pub(crate) fn binned(
        pixels: usize,
        cells: usize,
        pitch: f32,
        offset: f32,
        model: UpscaleModel,
        bin: usize,
    ) -> Self {
        let bin = bin.max(1);
        Self::build(
            pixels,
            cells,
            pitch,
            offset,
            model,
            bin,
            (0..pixels / bin).map(|j| j * bin),
            (0, pixels as i64 - 1),
        )
    }

    /// The operator of every `stride`-th input pixel from `stride / 2`, built for
    /// those pixels only: a large upscale has many more pixels than the cells need,
    /// and least squares on a regular subset stays unbiased.
    pub(crate) fn strided(
        pixels: usize,
        cells: usize,
        pitch: f32,
        offset: f32,
        model: UpscaleModel,
        stride: usize,
    ) -> Self {
        Self::strided_within(pixels, cells, pitch, offset, model, stride, (0, pixels as i64 - 1))
    }

    /// [`Self::strided`] for a window of a larger image whose pixels run from
    /// `image.0` to `image.1` in the window's coordinates: the blur reads the pixels
    /// beyond the window as the cells draw them, and repeats only the image's own
    /// edge pixels. (Repeating the window's edge instead misdraws the pixels within
    /// the blur's reach of it, and a model with less blur than the truth fitted a
    /// window better.)
    pub(crate) fn strided_within(
        pixels: usize,
        cells: usize,
        pitch: f32,
        offset: f32,
        model: UpscaleModel,
        stride: usize,
        image: (i64, i64),
    ) -> Self {
        let stride = stride.max(1);
        Self::build(
            pixels,
            cells,
            pitch,
            offset,
            model,
            1,
            (stride / 2..pixels).step_by(stride),
            image,
        )
    }

    /// The operator of the means of `bin` input pixels from each of `starts`, on an
    /// image whose pixels run from `image.0` to `image.1` (the blur repeats its
    /// edge pixels).
    #[allow(clippy::too_many_arguments)]
    fn build(
        pixels: usize,
        cells: usize,
        pitch: f32,
        offset: f32,
        model: UpscaleModel,
        bin: usize,
        starts: impl Iterator<Item = usize>,
        image: (i64, i64),
    ) -> Self {
        let starts: Vec<usize> = starts.collect();
        // One bin sees the source pixels `start - radius .. start + bin + radius`
        // through the blur and the bin's mean: `filter[k]` for `start - radius + k`.
        let blur = gaussian(model.blur * pitch);
        let radius = (blur.len() / 2) as i64;
        let mut filter = vec![0.0f32; bin + blur.len() - 1];
        for t in 0..bin {
            for (k, &g) in blur.iter().enumerate() {
                filter[t + k] += g / bin as f32;
            }
        }
        let source = |x: i64| x.clamp(image.0, image.1);
        // Taps of the source pixels some bin reads, computed once each: the
        // windows of the bins (clamped to the image) are marked, then filled.
        let lowest = source(-radius);
        let highest = source(pixels as i64 + filter.len() as i64);
        let mut taps = vec![PixelTaps::default(); (highest - lowest + 1).max(0) as usize];
        let mut filled_to = lowest - 1;
        for &s in &starts {
            let start = s as i64 - radius;
            let (from, to) = (
                source(start).max(filled_to + 1),
                source(start + filter.len() as i64 - 1),
            );
            for x in from..=to {
                taps[(x - lowest) as usize] = PixelTaps::new(kernel_taps(x, pitch, offset, model.kernel), cells);
            }
            filled_to = filled_to.max(to);
        }
        let tap = |x: i64| &taps[(x - lowest) as usize];
        // Slots of a pixel's taps that hold consecutive cells (see `kernel_taps`).
        let slots = match model.kernel {
            Kernel::Nearest => 1,
            kernel => 2 * kernel.radius() as usize,
        };
        let bins = starts.len();
        // Cells one bin can see at most: tap cells never fall as x grows, so a
        // bin's lie between its first source pixel's first tap and its last
        // source pixel's last.
        let reaches: Vec<(i64, i64)> = starts
            .iter()
            .map(|&s| {
                let start = s as i64 - radius;
                let first = tap(source(start)).first;
                let last = tap(source(start + filter.len() as i64 - 1)).first + slots as i64 - 1;
                (first, last)
            })
            .collect();
        let widest = reaches.iter().map(|&(f, l)| (l - f + 1) as usize).max().unwrap_or(1);
        // One pass: every bin's weights from its first possible cell, then the
        // range of cells some nonzero tap reaches. A tap of no weight or off the
        // cells adds zero, which changes no sum.
        let mut scratch = vec![0.0f32; bins * widest];
        let mut ranges = vec![(i64::MAX, i64::MIN); bins];
        for (j, &s) in starts.iter().enumerate() {
            let (base, _) = reaches[j];
            let row = &mut scratch[j * widest..(j + 1) * widest];
            let (lo, hi) = &mut ranges[j];
            let start = s as i64 - radius;
            for (k, &h) in filter.iter().enumerate() {
                let t = tap(source(start + k as i64));
                let at = (t.first - base) as usize;
                for (sum, &w) in row[at..at + slots].iter_mut().zip(&t.weights) {
                    *sum += h * w;
                }
                if let Some((l, r)) = t.reach {
                    (*lo, *hi) = ((*lo).min(l), (*hi).max(r));
                }
            }
        }
        let span = ranges
            .iter()
            .filter(|&&(lo, hi)| lo <= hi)
            .map(|&(lo, hi)| (hi - lo + 1) as usize)
            .max()
            .unwrap_or(1);
        let mut first = vec![0; bins];
        let mut weights = vec![0.0f32; bins * span];
        for j in 0..bins {
            let (lo, hi) = ranges[j];
            if lo > hi {
                continue; // sees no cell
            }
            first[j] = lo as usize;
            let from = j * widest + (lo - reaches[j].0) as usize;
            let width = (hi - lo + 1) as usize;
            weights[j * span..j * span + width].copy_from_slice(&scratch[from..from + width]);
        }
        Self {
            first,
            weights,
            span,
            cells,
            columns: OnceLock::new(),
        }
    }

    /// The transpose of this operator (built once, on the first call).
    pub(crate) fn columns(&self) -> &Columns {
        self.columns.get_or_init(|| {
            // The taps of every pixel that fall on a cell, pixel by pixel.
            let taps = || {
                (0..self.rows()).flat_map(move |x| {
                    let (f, w) = self.row(x);
                    w.iter()
                        .enumerate()
                        .filter(move |&(a, &wa)| wa != 0.0 && f + a < self.cells)
                        .map(move |(a, &wa)| (f + a, x, wa))
                })
            };
            let mut starts = vec![0usize; self.cells + 1];
            taps().for_each(|(i, _, _)| starts[i + 1] += 1);
            (0..self.cells).for_each(|i| starts[i + 1] += starts[i]);
            let mut next = starts.clone();
            let mut entries = vec![(0usize, 0.0f32); starts[self.cells]];
            for (i, x, w) in taps() {
                entries[next[i]] = (x, w);
                next[i] += 1;
            }
            Columns { starts, entries }
        })
    }

    /// Input pixels (or bins) the operator draws.
    pub(crate) fn rows(&self) -> usize {
        self.first.len()
    }

    /// `(first cell, weights)` of input pixel `x`.
    pub(crate) fn row(&self, x: usize) -> (usize, &[f32]) {
        (self.first[x], &self.weights[x * self.span..(x + 1) * self.span])
    }

    /// The upper band of the normal matrix `AᵀA`: `band[i * span + k] = (AᵀA)[i][i + k]`.
    pub(crate) fn normal_band(&self) -> Vec<f64> {
        let n = self.cells;
        let mut band = vec![0.0f64; n * self.span];
        for x in 0..self.first.len() {
            let (f, w) = self.row(x);
            for a in 0..self.span {
                if w[a] == 0.0 || f + a >= n {
                    continue;
                }
                for b in a..self.span.min(n - f) {
                    band[(f + a) * self.span + (b - a)] += w[a] as f64 * w[b] as f64;
                }
            }
        }
        band
    }

    /// The ridge [`Self::normal_factor`] adds to the diagonal of `band`: [`RIDGE`]
    /// times its mean.
    pub(crate) fn ridge(&self, band: &[f64]) -> f64 {
        let n = self.cells;
        let mean_diagonal = (0..n).map(|i| band[i * self.span]).sum::<f64>() / n.max(1) as f64;
        RIDGE * mean_diagonal.max(1e-12)
    }

    /// `AᵀA + ridge`, Cholesky-factored.
    pub(crate) fn normal_factor(&self, band: &[f64]) -> BandCholesky {
        let n = self.cells;
        let ridge = self.ridge(band);
        let mut band = band.to_vec();
        for i in 0..n {
            band[i * self.span] += ridge;
        }
        BandCholesky::factor(band, n, self.span)
    }
}

/// One axis's normal matrix `AᵀA` (upper band, `span` wide).
#[derive(Clone)]
pub(crate) struct NormalBand {
    /// `band[i * span + k] = (AᵀA)[i][i + k]`.
    pub band: Vec<f64>,
    /// Width of the band.
    pub span: usize,
}

impl NormalBand {
    /// `(AᵀA)[i][j]`, zero outside the band.
    pub(crate) fn at(&self, i: usize, j: usize) -> f64 {
        let (lo, d) = (i.min(j), i.abs_diff(j));
        if d < self.span {
            self.band[lo * self.span + d]
        } else {
            0.0
        }
    }
}

/// The taps of one source pixel before the blur, as [`AxisOperator::build`] adds
/// them: the weights of the consecutive cells from `first`, zero where a tap has no
/// weight or falls off the cells, and the range of cells the others reach.
#[derive(Clone, Copy, Default)]
struct PixelTaps {
    first: i64,
    weights: [f32; 4],
    reach: Option<(i64, i64)>,
}

impl PixelTaps {
    fn new(taps: [(i64, f32); 4], cells: usize) -> Self {
        let mut weights = [0.0f32; 4];
        let mut reach: Option<(i64, i64)> = None;
        for (slot, (i, w)) in weights.iter_mut().zip(taps) {
            if w != 0.0 && i >= 0 && (i as usize) < cells {
                *slot = w;
                reach = Some(reach.map_or((i, i), |(l, r)| (l.min(i), r.max(i))));
            }
        }
        Self {
            first: taps[0].0,
            weights,
            reach,
        }
    }
}

/// The taps `(cell, weight)` of input pixel `x` before the blur, in a fixed array
/// (a bicubic kernel has four; zero weights are empty slots): operators are built
/// for every candidate grid, and one allocation per pixel showed in profiles.
fn kernel_taps(x: i64, pitch: f32, offset: f32, kernel: Kernel) -> [(i64, f32); 4] {
    // Cell coordinate of the pixel's centre.
    let u = (x as f32 + 0.5 - offset) / pitch;
    let mut taps = [(0i64, 0.0f32); 4];
    if kernel == Kernel::Nearest {
        taps[0] = (u.floor() as i64, 1.0);
        return taps;
    }
    let c = u - 0.5; // relative to cell centres
    let base = c.floor() as i64;
    let r = kernel.radius() as i64;
    for (slot, i) in taps.iter_mut().zip(base - r + 1..=base + r) {
        *slot = (i, kernel.weight(c - i as f32));
    }
    taps
}

/// A normalised Gaussian of standard deviation `sigma` pixels (`[1]` when tiny).
pub(crate) fn gaussian(sigma: f32) -> Vec<f32> {
    if sigma <= 0.05 {
        return vec![1.0];
    }
    let radius = (sigma * 3.0).ceil() as i32;
    let g: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = g.iter().sum();
    g.into_iter().map(|v| v / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `A c` for cells `c`, per operator row.
    fn apply(op: &AxisOperator, cells: &[f32]) -> Vec<f32> {
        (0..op.first.len())
            .map(|x| {
                let (f, w) = op.row(x);
                w.iter().zip(&cells[f.min(cells.len())..]).map(|(w, c)| w * c).sum()
            })
            .collect()
    }

    /// Every kernel, unblurred and blurred by 0.3 cell.
    fn models() -> impl Iterator<Item = UpscaleModel> {
        [Kernel::Nearest, Kernel::Bilinear, Kernel::Bicubic]
            .into_iter()
            .flat_map(|kernel| [0.0, 0.3].map(|blur| UpscaleModel { kernel, blur }))
    }

    /// For every one of [`models`]: the drawing of test cells by the operator of
    /// every one of 200 pixels and by `other` on the same axis.
    fn drawings(other: impl Fn(UpscaleModel) -> AxisOperator) -> Vec<(UpscaleModel, Vec<f32>, Vec<f32>)> {
        let cells: Vec<f32> = (0..40).map(|i| ((i * 37) % 11) as f32).collect();
        models()
            .map(|model| {
                let full = apply(&AxisOperator::new(200, 40, 5.3, -7.1, model), &cells);
                (model, full, apply(&other(model), &cells))
            })
            .collect()
    }

    #[test]
    fn a_strided_operator_draws_every_stride_th_pixel() {
        for (model, full, strided) in drawings(|model| AxisOperator::strided(200, 40, 5.3, -7.1, model, 3)) {
            assert_eq!(strided.len(), 67);
            for (j, &s) in strided.iter().enumerate() {
                let at = full[1 + 3 * j];
                assert!((s - at).abs() < 1e-4, "{model:?}: pixel {j}: {s} vs {at}");
            }
        }
    }

    #[test]
    fn the_columns_of_an_operator_project_as_its_rows_do() {
        let image: Vec<f32> = (0..200).map(|x| ((x * 53) % 17) as f32 - 8.0).collect();
        for model in models() {
            for op in [
                AxisOperator::strided(200, 40, 5.3, -7.1, model, 3),
                AxisOperator::binned(200, 40, 5.3, -7.1, model, 4),
            ] {
                // `Aᵀ y` spread pixel by pixel over the cells each sees.
                let mut spread = vec![0.0f32; op.cells];
                for (x, &v) in image.iter().enumerate().take(op.rows()) {
                    let (f, w) = op.row(x);
                    for (sum, &wa) in spread[f..].iter_mut().zip(w) {
                        *sum += wa * v;
                    }
                }
                let columns = op.columns();
                for (i, &expected) in spread.iter().enumerate() {
                    let entries = columns.of(i);
                    assert!(
                        entries.windows(2).all(|e| e[0].0 < e[1].0),
                        "{model:?}: cell {i} out of order"
                    );
                    assert!(entries.iter().all(|&(_, w)| w != 0.0));
                    let gathered = entries.iter().fold(0.0f32, |sum, &(x, wa)| sum + wa * image[x]);
                    // The same terms in the same order: the same bits.
                    assert_eq!(gathered.to_bits(), expected.to_bits(), "{model:?}: cell {i}");
                }
            }
        }
    }

    #[test]
    fn a_binned_operator_draws_the_means_of_its_bins() {
        for (model, full, binned) in drawings(|model| AxisOperator::binned(200, 40, 5.3, -7.1, model, 3)) {
            assert_eq!(binned.len(), 66);
            for (j, &b) in binned.iter().enumerate() {
                let mean = full[j * 3..j * 3 + 3].iter().sum::<f32>() / 3.0;
                assert!((b - mean).abs() < 1e-3, "{model:?}: bin {j}: {b} vs {mean}");
            }
        }
    }
}
