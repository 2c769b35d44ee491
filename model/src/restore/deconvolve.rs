//! Cell colours of a smooth upscale, by least squares.
//!
//! A bilinear or bicubic upscale, blurred or not, mixes every cell with its
//! neighbours: the median of a cell's interior ([`super::sample_cells`]) is pulled
//! towards them, and in pixel art most cells have a neighbour of another colour. Here
//! the input is modelled as the cells drawn by an upscaling kernel and then blurred,
//! `input = A_y · cells · A_xᵀ` for each premultiplied channel, where `A_x` holds the
//! weight of every cell in every input column. The cells that redraw the input best
//! (least squares) come from two banded solves, one per axis, because the model is
//! separable: `cells = (A_yᵀA_y)⁻¹ A_yᵀ · input · A_x (A_xᵀA_x)⁻¹`.
//!
//! The kernel and the blur are not known: each candidate [`UpscaleModel`] is fitted
//! on a crop of the input and the one that redraws it best is used. When that is a
//! sharp nearest-neighbour upscale the medians stay: they resist JPEG ringing, which
//! a least-squares fit follows.

use ::image::RgbaImage;

use super::censored::expected_beyond_clip;
use super::{CellSample, CellSamples};
use crate::degrade::Kernel;
use crate::grid::Grid;
use crate::image::color::srgb8_to_oklab;
use crate::palette::{absorb_small_groups, agglomerate, Palette};

/// Side of the crop (input pixels) the upscaling model is chosen on.
const MODEL_CROP: u32 = 96;
/// Blur candidates, in cells (standard deviation of the Gaussian after the kernel).
const BLURS: [f32; 4] = [0.0, 0.1, 0.2, 0.3];
/// The blur every kernel is first compared at; the winner then tries the others.
const FIRST_BLUR: f32 = 0.1;
/// Ridge on the normal equations, relative to their mean diagonal: keeps cells no
/// pixel sees at zero and costs less than 0.03 of an 8-bit level elsewhere.
const RIDGE: f64 = 1e-4;
/// Least-squares alpha (0..255) from which a cell is fitted as fully opaque; cells
/// on a soft edge keep their median (the blur of a straight-alpha edge is not linear
/// in premultiplied colour). Opaque cells beside transparency fit at about 245: a
/// bicubic upscale overshoots alpha there and the overshoot is clipped.
const OPAQUE_FIT: f64 = 235.0;
/// Distance (in standard deviations of a fitted cell colour, per channel) below which
/// two fitted colours are one palette colour. Two cells of one colour differ by
/// `√2 σ` per channel, `√6 σ` over three: this leaves room for 2 σ more.
const SAME_COLOUR_SIGMAS: f64 = 5.0;
/// A fitted colour of at most this many cells joins a common colour within twice
/// the same-colour distance (see [`absorb_small_groups`]).
const RARE_CELLS: usize = 3;
/// Input pixels per cell (per axis) the least-squares fit reads at most; a larger
/// upscale is read at every n-th pixel.
const PIXELS_PER_CELL: f32 = 4.0;
/// Rounds of the clipped-noise refit (see [`super::censored`]); each moves a
/// clipped colour most of the rest of the way.
const CLIPPED_ROUNDS: usize = 2;

/// How an input was drawn from its cells: a kernel, then a Gaussian blur.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UpscaleModel {
    /// The resampling kernel.
    pub kernel: Kernel,
    /// Standard deviation of the blur after it, in cells.
    pub blur: f32,
}

impl UpscaleModel {
    /// Whether this is a sharp nearest-neighbour upscale (the medians are kept).
    fn is_sharp(&self) -> bool {
        self.kernel == Kernel::Nearest && self.blur < 0.05
    }
}

/// One axis of a model: the weight of every cell in every input pixel. Pixel `x`
/// sees the cells `first[x] .. first[x] + span` with `weights[x * span ..]`.
struct AxisOperator {
    first: Vec<usize>,
    weights: Vec<f32>,
    span: usize,
    cells: usize,
}

impl AxisOperator {
    /// The operator of `pixels` input pixels drawn from `cells` cells of `pitch`
    /// pixels starting at `offset`. Cells outside `0..cells` do not exist (their taps
    /// are dropped, as a resampler drops taps outside its source); the blur repeats
    /// the edge pixels.
    fn new(pixels: usize, cells: usize, pitch: f32, offset: f32, model: UpscaleModel) -> Self {
        let taps: Vec<Vec<(i64, f32)>> = (0..pixels)
            .map(|x| kernel_taps(x, pitch, offset, model.kernel))
            .collect();
        let blur = gaussian(model.blur * pitch);
        let radius = (blur.len() / 2) as i64;
        let source = |x: usize, d: i64| (x as i64 + d).clamp(0, pixels as i64 - 1) as usize;
        let range = |x: usize| {
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            for d in -radius..=radius {
                for &(i, _) in &taps[source(x, d)] {
                    if i >= 0 && (i as usize) < cells {
                        (lo, hi) = (lo.min(i), hi.max(i));
                    }
                }
            }
            (lo, hi)
        };
        let ranges: Vec<(i64, i64)> = (0..pixels).map(range).collect();
        let span = ranges
            .iter()
            .filter(|&&(lo, hi)| lo <= hi)
            .map(|&(lo, hi)| (hi - lo + 1) as usize)
            .max()
            .unwrap_or(1);
        let mut first = vec![0; pixels];
        let mut weights = vec![0.0f32; pixels * span];
        for x in 0..pixels {
            let (lo, hi) = ranges[x];
            if lo > hi {
                continue; // sees no cell
            }
            first[x] = lo as usize;
            let row = &mut weights[x * span..(x + 1) * span];
            for (k, &g) in blur.iter().enumerate() {
                for &(i, w) in &taps[source(x, k as i64 - radius)] {
                    if i >= 0 && (i as usize) < cells {
                        row[(i - lo) as usize] += g * w;
                    }
                }
            }
        }
        Self {
            first,
            weights,
            span,
            cells,
        }
    }

    /// The operator of every `stride`-th input pixel from `stride / 2`: a large
    /// upscale has many more pixels than the cells need, and least squares on a
    /// regular subset stays unbiased.
    fn every(self, stride: usize) -> Self {
        if stride == 1 {
            return self;
        }
        let kept: Vec<usize> = (stride / 2..self.first.len()).step_by(stride).collect();
        Self {
            first: kept.iter().map(|&x| self.first[x]).collect(),
            weights: kept
                .iter()
                .flat_map(|&x| self.weights[x * self.span..(x + 1) * self.span].iter().copied())
                .collect(),
            span: self.span,
            cells: self.cells,
        }
    }

    /// `(first cell, weights)` of input pixel `x`.
    fn row(&self, x: usize) -> (usize, &[f32]) {
        (self.first[x], &self.weights[x * self.span..(x + 1) * self.span])
    }

    /// The upper band of the normal matrix `AᵀA`: `band[i * span + k] = (AᵀA)[i][i + k]`.
    fn normal_band(&self) -> Vec<f64> {
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

    /// `AᵀA + ridge`, Cholesky-factored.
    fn normal_factor(&self, band: &[f64]) -> BandCholesky {
        let n = self.cells;
        let mut band = band.to_vec();
        let mean_diagonal = (0..n).map(|i| band[i * self.span]).sum::<f64>() / n.max(1) as f64;
        let ridge = RIDGE * mean_diagonal.max(1e-12);
        for i in 0..n {
            band[i * self.span] += ridge;
        }
        BandCholesky::factor(band, n, self.span)
    }
}

/// One axis's normal matrix `AᵀA` (upper band, `span` wide).
struct NormalBand {
    band: Vec<f64>,
    span: usize,
}

impl NormalBand {
    /// `(AᵀA)[i][j]`, zero outside the band.
    fn at(&self, i: usize, j: usize) -> f64 {
        let (lo, d) = (i.min(j), i.abs_diff(j));
        if d < self.span {
            self.band[lo * self.span + d]
        } else {
            0.0
        }
    }
}

/// The taps `(cell, weight)` of input pixel `x` before the blur.
fn kernel_taps(x: usize, pitch: f32, offset: f32, kernel: Kernel) -> Vec<(i64, f32)> {
    // Cell coordinate of the pixel's centre.
    let u = (x as f32 + 0.5 - offset) / pitch;
    if kernel == Kernel::Nearest {
        return vec![(u.floor() as i64, 1.0)];
    }
    let c = u - 0.5; // relative to cell centres
    let base = c.floor() as i64;
    let r = kernel.radius() as i64;
    (base - r + 1..=base + r)
        .map(|i| (i, kernel.weight(c - i as f32)))
        .filter(|&(_, w)| w != 0.0)
        .collect()
}

/// A normalised Gaussian of standard deviation `sigma` pixels (`[1]` when tiny).
fn gaussian(sigma: f32) -> Vec<f32> {
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

/// `M = UᵀU` for a symmetric positive definite band matrix; `U` is stored by rows,
/// `u[i * span + k] = U[i][i + k]`.
struct BandCholesky {
    u: Vec<f64>,
    n: usize,
    span: usize,
}

impl BandCholesky {
    /// Factors the upper band `band[i * span + k] = M[i][i + k]`.
    fn factor(band: Vec<f64>, n: usize, span: usize) -> Self {
        let mut u = band;
        for i in 0..n {
            for k in 0..span.min(n - i) {
                let mut sum = u[i * span + k];
                let lowest = (i + k + 1).saturating_sub(span);
                for j in lowest..i {
                    sum -= u[j * span + (i - j)] * u[j * span + (i + k - j)];
                }
                u[i * span + k] = if k == 0 {
                    sum.max(1e-300).sqrt()
                } else {
                    sum / u[i * span]
                };
            }
        }
        Self { u, n, span }
    }

    /// The median of the diagonal of `M⁻¹` over (up to) nine cells spread along the
    /// axis: how much a fitted cell amplifies the noise of the input.
    fn inverse_diagonal_median(&self) -> f64 {
        let picks = 9.min(self.n);
        let mut diagonal: Vec<f64> = (0..picks)
            .map(|k| {
                let i = (2 * k + 1) * self.n / (2 * picks);
                let mut unit = vec![[0.0f64; 4]; self.n];
                unit[i][0] = 1.0;
                self.solve(&mut unit);
                unit[i][0]
            })
            .collect();
        diagonal.sort_by(f64::total_cmp);
        diagonal.get(picks / 2).copied().unwrap_or(0.0)
    }

    /// Solves `M x = b` in place for four right-hand sides at once.
    fn solve(&self, b: &mut [[f64; 4]]) {
        let (u, span) = (&self.u, self.span);
        for i in 0..self.n {
            let mut v = b[i];
            for j in (i + 1).saturating_sub(span)..i {
                let w = u[j * span + (i - j)];
                (0..4).for_each(|c| v[c] -= w * b[j][c]);
            }
            b[i] = v.map(|v| v / u[i * span]);
        }
        for i in (0..self.n).rev() {
            let mut v = b[i];
            for k in 1..span.min(self.n - i) {
                let w = u[i * span + k];
                (0..4).for_each(|c| v[c] -= w * b[i + k][c]);
            }
            b[i] = v.map(|v| v / u[i * span]);
        }
    }
}

/// Premultiplied input pixels (colour x alpha / 255, alpha; 0..255), `[height][width]`.
struct Premultiplied {
    pixels: Vec<[f32; 4]>,
    width: usize,
    height: usize,
}

impl Premultiplied {
    /// The `width x height` window of `image` at `(x0, y0)`.
    fn window(image: &RgbaImage, x0: u32, y0: u32, width: u32, height: u32) -> Self {
        let row_len = image.width() as usize * 4;
        let raw = image.as_raw();
        let mut pixels = Vec::with_capacity((width * height) as usize);
        for y in y0 as usize..(y0 + height) as usize {
            let row = &raw[y * row_len + x0 as usize * 4..y * row_len + (x0 + width) as usize * 4];
            pixels.extend(row.chunks_exact(4).map(premultiply));
        }
        Self {
            pixels,
            width: width as usize,
            height: height as usize,
        }
    }

    /// Every `stride`-th pixel of every `stride`-th row of `image`, from `stride /
    /// 2` (the rows of [`AxisOperator::every`]).
    fn every(image: &RgbaImage, stride: usize) -> Self {
        let keep = |len: u32| (stride / 2..len as usize).step_by(stride);
        let pixels = keep(image.height())
            .flat_map(|y| keep(image.width()).map(move |x| (x, y)))
            .map(|(x, y)| premultiply(&image.get_pixel(x as u32, y as u32).0))
            .collect();
        Self {
            pixels,
            width: keep(image.width()).count(),
            height: keep(image.height()).count(),
        }
    }
}

/// One straight 8-bit RGBA pixel, premultiplied (colour x alpha / 255, alpha).
fn premultiply(p: &[u8]) -> [f32; 4] {
    let a = p[3] as f32 / 255.0;
    [p[0] as f32 * a, p[1] as f32 * a, p[2] as f32 * a, p[3] as f32]
}

/// The cells of a least-squares fit and the input projected on them (`AᵀY`), both
/// `[cells_y][cells_x]`.
struct CellFit {
    fitted: Vec<[f64; 4]>,
    projected: Vec<[f64; 4]>,
}

/// The least-squares cells of `input` under the operators.
fn solve_cells(input: &Premultiplied, ax: &AxisOperator, ay: &AxisOperator, bands: [&[f64]; 2]) -> CellFit {
    let (cw, ch) = (ax.cells, ay.cells);
    // Along x: every input row becomes a row of cells, projected and solved.
    // [height][cells_x] each
    let fx = ax.normal_factor(bands[0]);
    let mut projected_rows = vec![[0.0f64; 4]; input.height * cw];
    let mut rows = vec![[0.0f64; 4]; input.height * cw];
    let mut sums = vec![[0.0f32; 4]; cw];
    for y in 0..input.height {
        sums.iter_mut().for_each(|v| *v = [0.0; 4]);
        for (x, p) in input.pixels[y * input.width..(y + 1) * input.width].iter().enumerate() {
            if p[3] == 0.0 {
                continue; // contributes nothing
            }
            let (f, w) = ax.row(x);
            for (sum, &wa) in sums[f..].iter_mut().zip(w) {
                (0..4).for_each(|c| sum[c] += wa * p[c]);
            }
        }
        let range = y * cw..(y + 1) * cw;
        for (o, s) in projected_rows[range.clone()].iter_mut().zip(&sums) {
            *o = s.map(f64::from);
        }
        rows[range.clone()].copy_from_slice(&projected_rows[range.clone()]);
        fx.solve(&mut rows[range]);
    }
    // Along y: every column of cells. [cells_y][cells_x]
    let project_y = |rows: &[[f64; 4]]| {
        let mut cells = vec![[0.0f64; 4]; ch * cw];
        for y in 0..input.height {
            let (f, w) = ay.row(y);
            for (b, &wb) in w.iter().enumerate().take(ch.saturating_sub(f)) {
                let (src, dst) = (&rows[y * cw..(y + 1) * cw], &mut cells[(f + b) * cw..(f + b + 1) * cw]);
                for (d, s) in dst.iter_mut().zip(src) {
                    (0..4).for_each(|c| d[c] += wb as f64 * s[c]);
                }
            }
        }
        cells
    };
    let projected = project_y(&projected_rows);
    let mut fitted = project_y(&rows);
    let fy = ay.normal_factor(bands[1]);
    let mut column = vec![[0.0f64; 4]; ch];
    for i in 0..cw {
        (0..ch).for_each(|j| column[j] = fitted[j * cw + i]);
        fy.solve(&mut column);
        (0..ch).for_each(|j| fitted[j * cw + i] = column[j]);
    }
    CellFit { fitted, projected }
}

/// Sums of squared differences between `input` and the cells drawn back, per channel.
fn redraw_error(input: &Premultiplied, cells: &[[f64; 4]], ax: &AxisOperator, ay: &AxisOperator) -> [f64; 4] {
    let cw = ax.cells;
    // Cells drawn along x: [cells_y][width]
    let mut drawn = vec![[0.0f64; 4]; ay.cells * input.width];
    for j in 0..ay.cells {
        for x in 0..input.width {
            let (f, w) = ax.row(x);
            let mut v = [0.0; 4];
            for (a, &wa) in w.iter().enumerate().take(cw.saturating_sub(f)) {
                (0..4).for_each(|c| v[c] += wa as f64 * cells[j * cw + f + a][c]);
            }
            drawn[j * input.width + x] = v;
        }
    }
    let mut error = [0.0; 4];
    for y in 0..input.height {
        let (f, w) = ay.row(y);
        for x in 0..input.width {
            let mut v = [0.0; 4];
            for (b, &wb) in w.iter().enumerate().take(ay.cells.saturating_sub(f)) {
                (0..4).for_each(|c| v[c] += wb as f64 * drawn[(f + b) * input.width + x][c]);
            }
            let p = input.pixels[y * input.width + x];
            (0..4).for_each(|c| error[c] += (v[c] - p[c] as f64).powi(2));
        }
    }
    error
}

/// Cells beyond the edge of a window kept in its fit: the widest kernel (bicubic, 2
/// cells) plus the widest blur (3 x 0.3 cells) reach no farther.
const WINDOW_MARGIN: f32 = 3.0;

/// The operators of `grid` on the whole `width x height` image.
fn operators(grid: &Grid, model: UpscaleModel, (width, height): (u32, u32)) -> [AxisOperator; 2] {
    let axis = |a: usize, len: u32| {
        AxisOperator::new(
            len as usize,
            grid.cells[a] as usize,
            grid.pixel_size[a],
            grid.offset[a],
            model,
        )
    };
    [axis(0, width), axis(1, height)]
}

/// The part of `grid` a window of the input sees, with the window's top-left input
/// pixel `origin` as its origin.
fn window_grid(grid: &Grid, origin: [u32; 2], size: [u32; 2]) -> Grid {
    let mut window = *grid;
    for a in 0..2 {
        let (p, o) = (grid.pixel_size[a], grid.offset[a]);
        let first = ((origin[a] as f32 - o) / p - WINDOW_MARGIN).floor().max(0.0) as u32;
        let end = (((origin[a] + size[a]) as f32 - o) / p + WINDOW_MARGIN).ceil();
        let end = (end.max(0.0) as u32).min(grid.cells[a]).max(first + 1);
        window.offset[a] = o + first as f32 * p - origin[a] as f32;
        window.cells[a] = end - first;
    }
    window
}

/// The upscaling model that redraws a crop of `image` best (a window of at most 96
/// x 96 input pixels around the centre of its visible pixels), and the RMS
/// difference of that redraw per colour channel in 8-bit units: the input's noise
/// when the model is right.
pub fn fit_upscale_model(image: &RgbaImage, grid: &Grid) -> (UpscaleModel, f32) {
    let (w, h) = image.dimensions();
    let (mut lo, mut hi) = ([u32::MAX; 2], [0u32; 2]);
    for (x, y, p) in image.enumerate_pixels() {
        if p[3] > 0 {
            (lo, hi) = ([lo[0].min(x), lo[1].min(y)], [hi[0].max(x), hi[1].max(y)]);
        }
    }
    let window = |lo: u32, hi: u32, len: u32| {
        let size = MODEL_CROP.min(len);
        let centre = if lo > hi { len / 2 } else { (lo + hi) / 2 };
        (centre.saturating_sub(size / 2).min(len - size), size)
    };
    let ((x0, cw), (y0, ch)) = (window(lo[0], hi[0], w), window(lo[1], hi[1], h));
    let crop = Premultiplied::window(image, x0, y0, cw, ch);
    let crop_grid = window_grid(grid, [x0, y0], [cw, ch]);
    let error = |model: UpscaleModel| {
        let [ax, ay] = operators(&crop_grid, model, (cw, ch));
        let fit = solve_cells(&crop, &ax, &ay, [&ax.normal_band(), &ay.normal_band()]);
        redraw_error(&crop, &fit.fitted, &ax, &ay)
    };
    // Colour only: a soft alpha edge is blurred when its colour is not.
    let total = |e: &[f64; 4]| e[0] + e[1] + e[2];
    let at = |kernel, blur| UpscaleModel { kernel, blur };
    let mut best = [Kernel::Nearest, Kernel::Bilinear, Kernel::Bicubic]
        .into_iter()
        .map(|k| (at(k, FIRST_BLUR), error(at(k, FIRST_BLUR))))
        .min_by(|a, b| total(&a.1).total_cmp(&total(&b.1)))
        .expect("three kernels");
    // The winner's other blurs, and the sharp model (at a small scale every kernel
    // at a little blur fits a nearest upscale about as well): ties go to the sharp one.
    let kernel = best.0.kernel;
    let others = BLURS.into_iter().filter(|&b| b != FIRST_BLUR).map(|b| at(kernel, b));
    for model in others.chain([at(Kernel::Nearest, 0.0)]) {
        if model == best.0 {
            continue;
        }
        let e = error(model);
        let sharp = model.is_sharp();
        // A tie within 0.05 of a level RMS: a blur of a fraction of a pixel is none.
        let tie = total(&best.1) + 0.05f64.powi(2) * 3.0 * (cw * ch) as f64;
        if total(&e) < total(&best.1) || (sharp && total(&e) <= tie) {
            best = (model, e);
        }
    }
    let rms = ((best.1[0] + best.1[1] + best.1[2]) / (3.0 * (cw * ch) as f64)).sqrt();
    (best.0, rms as f32)
}

/// A least-squares fit of the cells of a smooth upscale: what
/// [`SmoothFit::refit_palette`] needs to fit whole palette colours.
pub struct SmoothFit {
    /// The upscaling model fitted.
    pub model: UpscaleModel,
    /// RMS difference per colour channel (8-bit units) between the input and its
    /// redraw by the model: the input's noise.
    pub noise: f32,
    /// Standard deviation of one fitted cell's colour per channel (8-bit units):
    /// the input's noise through the least-squares solve.
    pub cell_noise: f32,
    cells: [usize; 2],
    fit: CellFit,
    normals: [NormalBand; 2],
    input: Premultiplied,
    operators: [AxisOperator; 2],
}

/// Replaces the colour of every fully opaque cell of `samples` with its
/// least-squares colour under the best-fitting upscaling model. Returns the fit, or
/// `None` for a sharp nearest-neighbour upscale (the medians stay).
pub fn refine_smooth_cells(image: &RgbaImage, grid: &Grid, samples: &mut CellSamples) -> Option<SmoothFit> {
    let (model, noise) = fit_upscale_model(image, grid);
    if model.is_sharp() {
        return None;
    }
    let (w, h) = image.dimensions();
    // Enough pixels per cell for the fit, not all of a large upscale's.
    let stride = ((grid.pixel_size[0].min(grid.pixel_size[1]) / PIXELS_PER_CELL).round() as usize).max(1);
    let [ax, ay] = operators(grid, model, (w, h)).map(|a| a.every(stride));
    let normals = [&ax, &ay].map(|a| NormalBand {
        band: a.normal_band(),
        span: a.span,
    });
    let input = Premultiplied::every(image, stride);
    let fit = solve_cells(&input, &ax, &ay, [&normals[0].band, &normals[1].band]);
    // var(cell) = σ² [(A_xᵀA_x)⁻¹]_ii [(A_yᵀA_y)⁻¹]_jj
    let amplification = ax.normal_factor(&normals[0].band).inverse_diagonal_median()
        * ay.normal_factor(&normals[1].band).inverse_diagonal_median();
    for (sample, fitted) in samples.samples.iter_mut().zip(&fit.fitted) {
        if sample.opaque && fitted[3] >= OPAQUE_FIT {
            *sample = CellSample {
                color: opaque_colour(fitted),
                opaque: true,
            };
        }
    }
    Some(SmoothFit {
        model,
        noise,
        cell_noise: noise * amplification.sqrt() as f32,
        cells: [ax.cells, ay.cells],
        fit,
        normals,
        input,
        operators: [ax, ay],
    })
}

/// The colour of a cell fitted as opaque. Its premultiplied colour is its colour:
/// its fitted alpha runs low beside transparency (the upscale clipped its overshoot
/// there, which premultiplied colour keeps) and rings a little above 255 inside.
fn opaque_colour(fitted: &[f64; 4]) -> [u8; 3] {
    let k = 255.0 / fitted[3].max(255.0);
    [0, 1, 2].map(|c| (fitted[c] * k).round().clamp(0.0, 255.0) as u8)
}

impl SmoothFit {
    /// The palette of the cells fitted as opaque: their least-squares colours grouped
    /// by [`agglomerate`] at the distance the fit's noise explains, each group's mean
    /// as its colour (to be refined by [`Self::refit_palette`]). Empty when no cell
    /// was fitted as opaque.
    pub fn palette(&self, samples: &[CellSample]) -> Palette {
        let values: Vec<[f64; 3]> = samples
            .iter()
            .zip(&self.fit.fitted)
            .filter(|(s, f)| s.opaque && f[3] >= OPAQUE_FIT)
            .map(|(_, f)| {
                let k = 255.0 / f[3].max(255.0);
                [0, 1, 2].map(|c| (f[c] * k).clamp(0.0, 255.0))
            })
            .collect();
        // At least one 8-bit level: rounding and clipped ringing differ by that.
        let radius = SAME_COLOUR_SIGMAS * f64::from(self.cell_noise).max(1.0);
        let groups = absorb_small_groups(agglomerate(&values, radius), RARE_CELLS, 2.0 * radius);
        Palette::new(
            groups
                .iter()
                .map(|g| g.mean.map(|v| v.round().clamp(0.0, 255.0) as u8))
                .collect(),
        )
    }

    /// Fits every colour of `palette` to the whole input at once: the opaque cells
    /// that snap to a colour share its value, and the values that redraw the input
    /// best are solved for (`SᵀNS c = Sᵀ(AᵀY - N x_rest)`, `S` the cells of each
    /// colour, `N` the normal matrix, `x_rest` the other cells as fitted). A colour
    /// is measured on every pixel of every cell it covers instead of one cell's,
    /// so noise averages out and it comes back to the level.
    pub fn refit_palette(&self, samples: &[CellSample], palette: &Palette) -> Palette {
        let k = palette.len();
        if k == 0 {
            return palette.clone();
        }
        let [cw, ch] = self.cells;
        let snapper = palette.snapper();
        // Colour index of each cell that takes part, `[cells_y * cells_x]`.
        let member: Vec<Option<usize>> = samples
            .iter()
            .zip(&self.fit.fitted)
            .map(|(s, f)| (s.opaque && f[3] >= OPAQUE_FIT).then(|| snapper.nearest_index(srgb8_to_oklab(s.color))))
            .collect();
        let (sx, sy) = (self.normals[0].span, self.normals[1].span);
        let mut gram = vec![0.0f64; k * k];
        let mut rhs = vec![[0.0f64; 3]; k];
        for iy in 0..ch {
            for ix in 0..cw {
                let Some(a) = member[iy * cw + ix] else { continue };
                let i = iy * cw + ix;
                (0..3).for_each(|c| rhs[a][c] += self.fit.projected[i][c]);
                for jy in (iy + 1).saturating_sub(sy)..(iy + sy).min(ch) {
                    let ny = self.normals[1].at(iy, jy);
                    for jx in (ix + 1).saturating_sub(sx)..(ix + sx).min(cw) {
                        let n = ny * self.normals[0].at(ix, jx);
                        let j = jy * cw + jx;
                        match member[j] {
                            Some(b) => gram[a * k + b] += n,
                            None => (0..3).for_each(|c| rhs[a][c] -= n * self.fit.fitted[j][c]),
                        }
                    }
                }
            }
        }
        let Some(mut values) = solve_dense(gram.clone(), rhs.clone(), k) else {
            return palette.clone();
        };
        // Noise clipped at 0 and 255 biases the colours there: refit with every
        // clipped pixel read as what it most likely hid.
        // The noise is measured once, on the first drawing.
        let mut sigma = None;
        for _ in 0..CLIPPED_ROUNDS {
            let drawn = self.draw(&member, &values);
            let sigma = *sigma.get_or_insert_with(|| self.in_range_noise(&drawn));
            let Some(correction) = self.clipped_correction(&drawn, sigma) else {
                break; // nothing clipped
            };
            let mut corrected = rhs.clone();
            for (m, d) in member.iter().zip(&correction) {
                if let Some(a) = m {
                    (0..3).for_each(|c| corrected[*a][c] += d[c]);
                }
            }
            match solve_dense(gram.clone(), corrected, k) {
                Some(v) => values = v,
                None => break,
            }
        }
        let used: Vec<bool> = (0..k).map(|a| member.contains(&Some(a))).collect();
        Palette::new(
            palette
                .colors
                .iter()
                .zip(values)
                .zip(used)
                .map(|((&old, v), used)| match used {
                    true => v.map(|v| v.round().clamp(0.0, 255.0) as u8),
                    false => old,
                })
                .collect(),
        )
    }
}

impl SmoothFit {
    /// `Aᵀ(Y' - Y)` per cell: how the projection of the input changes when every
    /// opaque pixel clipped at 0 or 255 in a channel is replaced by its expected
    /// value beyond the clip, and every pixel whose model value rings past the range
    /// by that value (the upscale clamped it, so it says nothing of the cells), for
    /// the model drawn in `drawn` ([`Self::draw`]). `None` when nothing changes.
    fn clipped_correction(&self, drawn: &[[f64; 3]], sigma: f64) -> Option<Vec<[f64; 3]>> {
        let mut change = vec![[0.0f64; 3]; drawn.len()];
        let mut any = false;
        for ((p, mean), change) in self.input.pixels.iter().zip(drawn).zip(&mut change) {
            if p[3] < 254.5 {
                continue;
            }
            for c in 0..3 {
                let observed = f64::from(p[c]);
                // Where the model rings past the range, the upscale clamped it
                // before the noise: the pixel shows the clamp, not the cells.
                let expected = if !(0.0..=255.0).contains(&mean[c]) {
                    Some(mean[c])
                } else {
                    expected_beyond_clip(mean[c], sigma, observed)
                };
                if let Some(e) = expected {
                    change[c] = e - observed;
                    any = true;
                }
            }
        }
        any.then(|| self.project(&change))
    }

    /// RMS difference per channel between the opaque pixels and the model drawn in
    /// `drawn`, counted where neither the model nor the pixel is near a clip
    /// (clipping shrinks the spread there): the input's noise, at least half a level.
    fn in_range_noise(&self, drawn: &[[f64; 3]]) -> f64 {
        let (mut sum, mut count) = (0.0, 0usize);
        for (p, mean) in self.input.pixels.iter().zip(drawn) {
            if p[3] < 254.5 {
                continue;
            }
            for c in 0..3 {
                let v = f64::from(p[c]);
                if (16.0..=239.0).contains(&mean[c]) && v > 0.0 && v < 255.0 {
                    sum += (v - mean[c]).powi(2);
                    count += 1;
                }
            }
        }
        match count {
            0 => f64::from(self.noise).max(0.5),
            n => (sum / n as f64).sqrt().max(0.5),
        }
    }

    /// The input as the model draws it (`A_y · cells · A_xᵀ`, colour only),
    /// `[height][width]`, with the members of a palette colour (`member`) in
    /// `values` and the other cells as fitted. Separable: along x, then along y.
    fn draw(&self, member: &[Option<usize>], values: &[[f64; 3]]) -> Vec<[f64; 3]> {
        let [ax, ay] = &self.operators;
        let (cw, ch, width) = (ax.cells, ay.cells, self.input.width);
        let cell = |i: usize| member[i].map_or_else(|| [0, 1, 2].map(|c| self.fit.fitted[i][c]), |a| values[a]);
        // [cells_y][width]
        let mut rows = vec![[0.0f64; 3]; ch * width];
        for j in 0..ch {
            for x in 0..width {
                let (f, w) = ax.row(x);
                let mut v = [0.0; 3];
                for (a, &wa) in w.iter().enumerate().take(cw.saturating_sub(f)) {
                    let value = cell(j * cw + f + a);
                    (0..3).for_each(|c| v[c] += f64::from(wa) * value[c]);
                }
                rows[j * width + x] = v;
            }
        }
        let mut drawn = vec![[0.0f64; 3]; self.input.height * width];
        for y in 0..self.input.height {
            let (f, w) = ay.row(y);
            for (b, &wb) in w.iter().enumerate().take(ch.saturating_sub(f)) {
                let (src, dst) = (
                    &rows[(f + b) * width..(f + b + 1) * width],
                    &mut drawn[y * width..(y + 1) * width],
                );
                for (d, s) in dst.iter_mut().zip(src) {
                    (0..3).for_each(|c| d[c] += f64::from(wb) * s[c]);
                }
            }
        }
        drawn
    }

    /// `Aᵀ image` per cell (`A_yᵀ · image · A_x`) for a `[height][width]` image:
    /// along y, then along x.
    fn project(&self, image: &[[f64; 3]]) -> Vec<[f64; 3]> {
        let [ax, ay] = &self.operators;
        let (cw, ch, width) = (ax.cells, ay.cells, self.input.width);
        // [cells_y][width]
        let mut rows = vec![[0.0f64; 3]; ch * width];
        for y in 0..self.input.height {
            let (f, w) = ay.row(y);
            for (b, &wb) in w.iter().enumerate().take(ch.saturating_sub(f)) {
                let (src, dst) = (
                    &image[y * width..(y + 1) * width],
                    &mut rows[(f + b) * width..(f + b + 1) * width],
                );
                for (d, s) in dst.iter_mut().zip(src) {
                    (0..3).for_each(|c| d[c] += f64::from(wb) * s[c]);
                }
            }
        }
        let mut cells = vec![[0.0f64; 3]; ch * cw];
        for j in 0..ch {
            for x in 0..width {
                let (f, w) = ax.row(x);
                let s = rows[j * width + x];
                for (a, &wa) in w.iter().enumerate().take(cw.saturating_sub(f)) {
                    (0..3).for_each(|c| cells[j * cw + f + a][c] += f64::from(wa) * s[c]);
                }
            }
        }
        cells
    }
}

/// Solves the symmetric system `gram x = rhs` (`k x k`, three right-hand sides) by
/// Cholesky with a small ridge (colours no cell takes get zero); `None` when it is
/// not positive definite.
fn solve_dense(mut gram: Vec<f64>, mut rhs: Vec<[f64; 3]>, k: usize) -> Option<Vec<[f64; 3]>> {
    let mean_diagonal = (0..k).map(|i| gram[i * k + i]).sum::<f64>() / k as f64;
    (0..k).for_each(|i| gram[i * k + i] += RIDGE * mean_diagonal.max(1e-12));
    // In place: lower triangle becomes L with gram = L Lᵀ.
    for j in 0..k {
        let mut d = gram[j * k + j];
        for m in 0..j {
            d -= gram[j * k + m] * gram[j * k + m];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        gram[j * k + j] = d;
        for i in j + 1..k {
            let mut v = gram[i * k + j];
            for m in 0..j {
                v -= gram[i * k + m] * gram[j * k + m];
            }
            gram[i * k + j] = v / d;
        }
    }
    for i in 0..k {
        for m in 0..i {
            let l = gram[i * k + m];
            let prev = rhs[m];
            (0..3).for_each(|c| rhs[i][c] -= l * prev[c]);
        }
        rhs[i] = rhs[i].map(|v| v / gram[i * k + i]);
    }
    for i in (0..k).rev() {
        for m in i + 1..k {
            let l = gram[m * k + i];
            let next = rhs[m];
            (0..3).for_each(|c| rhs[i][c] -= l * next[c]);
        }
        rhs[i] = rhs[i].map(|v| v / gram[i * k + i]);
    }
    Some(rhs)
}

#[cfg(test)]
mod tests {
    use ::image::Rgba;

    use super::*;
    use crate::degrade::{gaussian_blur, resample};

    /// A 12x10 sprite of single-pixel details: the worst case for interior medians.
    fn sprite() -> RgbaImage {
        RgbaImage::from_fn(12, 10, |x, y| match (x * 7 + y * 3) % 5 {
            0 => Rgba([200, 40, 40, 255]),
            1 => Rgba([20, 20, 90, 255]),
            2 => Rgba([240, 220, 160, 255]),
            3 => Rgba([60, 160, 70, 255]),
            _ => Rgba([120, 120, 130, 255]),
        })
    }

    const SHARP: UpscaleModel = UpscaleModel {
        kernel: Kernel::Nearest,
        blur: 0.0,
    };

    fn grid(scale: f32, phase: [f32; 2]) -> Grid {
        Grid {
            pixel_size: [scale; 2],
            offset: phase,
            cells: [12, 10],
            confidence: 1.0,
        }
    }

    fn fitted_colours(image: &RgbaImage, grid: &Grid) -> (UpscaleModel, Vec<[u8; 3]>) {
        let mut samples = super::super::sample_cells(image, grid);
        let model = refine_smooth_cells(image, grid, &mut samples).map_or(SHARP, |fit| fit.model);
        (model, samples.samples.iter().map(|s| s.color).collect())
    }

    fn truth() -> Vec<[u8; 3]> {
        sprite().pixels().map(|p| [p[0], p[1], p[2]]).collect()
    }

    #[test]
    fn a_blurred_bicubic_upscale_gives_back_its_cells() {
        let (scale, phase) = (3.4, [1.3, 0.6]);
        let input = gaussian_blur(&resample(&sprite(), scale, phase, Kernel::Bicubic), 0.2 * scale);
        let (model, colours) = fitted_colours(&input, &grid(scale, phase));
        assert_eq!(model.kernel, Kernel::Bicubic);
        let medians: Vec<[u8; 3]> = super::super::sample_cells(&input, &grid(scale, phase))
            .samples
            .iter()
            .map(|s| s.color)
            .collect();
        let off = |c: &[[u8; 3]]| {
            c.iter()
                .zip(truth())
                .map(|(a, b)| (0..3).map(|i| (a[i] as i32 - b[i] as i32).abs()).max().unwrap())
                .max()
                .unwrap()
        };
        // Edge pixels of the canvas are cut by the blur's clamping: allow a level.
        assert!(off(&colours) <= 2, "fitted colours off by {}", off(&colours));
        assert!(off(&medians) > 20, "the medians should be pulled ({})", off(&medians));
    }

    #[test]
    fn a_bilinear_upscale_is_recognised_and_a_sharp_one_keeps_its_medians() {
        let (scale, phase) = (4.6, [2.1, 0.4]);
        let bilinear = resample(&sprite(), scale, phase, Kernel::Bilinear);
        let (model, colours) = fitted_colours(&bilinear, &grid(scale, phase));
        assert_eq!(model.kernel, Kernel::Bilinear);
        assert!(model.blur < 0.15, "{model:?}");
        assert_eq!(colours, truth());
        let nearest = resample(&sprite(), scale, phase, Kernel::Nearest);
        let (model, colours) = fitted_colours(&nearest, &grid(scale, phase));
        assert!(model.is_sharp(), "{model:?}");
        assert_eq!(colours, truth());
    }

    #[test]
    fn band_cholesky_solves_a_tridiagonal_system() {
        // [[4,1,0],[1,4,1],[0,1,4]] x = [5,6,5] -> x = [1,1,1]
        let f = BandCholesky::factor(vec![4.0, 1.0, 4.0, 1.0, 4.0, 0.0], 3, 2);
        let mut b = vec![[5.0, 0.0, 0.0, 0.0], [6.0, 0.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0]];
        f.solve(&mut b);
        for v in b {
            assert!((v[0] - 1.0).abs() < 1e-12, "{v:?}");
        }
    }
}
