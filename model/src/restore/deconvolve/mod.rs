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
//! on a crop of the input and the one that redraws it best is used (once the
//! palette is known, [`refine_blur`] measures the blur again on the whole input).
//! When that is a sharp nearest-neighbour upscale the medians stay: they resist
//! JPEG ringing, which a least-squares fit follows. A bicubic upscale clamped to
//! 0..255 before its blur is not linear in the cells; [`clamp`] takes what the
//! clamp changed out of the input, round by round, both when the model is chosen
//! and in the final fit.

mod clamp;
mod palette_fit;
mod polish;

use std::sync::Arc;

use ::image::RgbaImage;

use super::{CellSample, CellSamples};
use crate::degrade::Kernel;
use crate::grid::Grid;
use crate::palette::Palette;
pub use crate::upscale::UpscaleModel;
use crate::upscale::{AxisOperator, BandCholesky, NormalBand};
use clamp::{ClampBeforeBlur, CLAMP_RELAXATION, CLAMP_ROUNDS};

/// Smallest side of the crop (input pixels) the upscaling model is chosen on.
const MODEL_CROP: u32 = 96;
/// Cells along the side of that crop at least: 96 px hold only 6 to 12 cells of an
/// 8-16x upscale, too few for its blur to stand out of the noise (dev split, large
/// preset: 80.2% exact at 96 px, 83.2% at 12 cells, 83.5% at 16 for 8% more time).
const MODEL_CELLS: f32 = 12.0;
/// Largest side of that crop (input pixels): 192 px hold 12 cells up to 16x. On the
/// 1034 px bench (27x, blur 0.2 cell) 96 px measured no blur at all and 192 px
/// measure 0.3; the blur's wider passes take that restore from 54 to 68 ms.
const MODEL_CROP_MAX: u32 = 192;
/// Blur candidates, in cells (standard deviation of the Gaussian after the kernel).
const BLURS: [f32; 7] = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
/// The blur every kernel is first compared at; the winner then tries the others.
const FIRST_BLUR: f32 = 0.1;
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
/// the same-colour distance (see [`crate::palette::absorb_small_groups`]).
const RARE_CELLS: usize = 3;
/// Input pixels per cell (per axis) the least-squares fit reads at most; a larger
/// upscale is read at every n-th pixel.
const PIXELS_PER_CELL: f32 = 4.0;
/// How far on each side of the measured blur [`refine_blur`] first tries (cells).
const BLUR_STEP: f32 = 0.02;
/// Least premultiplied alpha (0..255) of a pixel counted as fully opaque.
const FULLY_OPAQUE: f32 = 254.5;
/// Most rounds of grid polish, each followed by a refit (see [`polish`]).
const POLISH_ROUNDS: usize = 2;
/// Rounds of the clipped-noise refit (see [`super::censored`]); each moves a
/// clipped colour most of the rest of the way.
const CLIPPED_ROUNDS: usize = 2;

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

    /// Every `stride`-th pixel of every `stride`-th row of these pixels, from
    /// `stride / 2` (the rows of [`AxisOperator::strided`]).
    fn subsampled(self, stride: usize) -> Self {
        if stride <= 1 {
            return self;
        }
        let keep = |len: usize| (stride / 2..len).step_by(stride);
        let pixels = keep(self.height)
            .flat_map(|y| keep(self.width).map(move |x| (x, y)))
            .map(|(x, y)| self.pixels[y * self.width + x])
            .collect();
        Self {
            pixels,
            width: keep(self.width).count(),
            height: keep(self.height).count(),
        }
    }

    /// Every `stride`-th pixel of every `stride`-th row of `image`, from `stride /
    /// 2` (the rows of [`AxisOperator::strided`]).
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
#[derive(Clone)]
struct CellFit {
    fitted: Vec<[f64; 4]>,
    projected: Vec<[f64; 4]>,
}

/// The least-squares cells of `input` with the clamp before a blur taken out (see
/// [`clamp`]): the cells of the input less the clamp's blurred change, and that
/// change (`None` when nothing is clamped). `(width, height, stride)` are the full
/// input's size and the stride `input` was read at.
fn solve_clamped(
    input: &Premultiplied,
    grid: &Grid,
    model: UpscaleModel,
    (width, height, stride): (u32, u32, usize),
    solver: &CellSolver,
) -> (CellFit, Option<Vec<[f32; 4]>>) {
    let plain = solver.solve(input);
    let mut fit = CellFit {
        fitted: plain.fitted.clone(),
        projected: plain.projected.clone(),
    };
    let mut clamped = None;
    if let Some(clamp) = ClampBeforeBlur::new(grid, model, (width, height), stride) {
        for _ in 0..CLAMP_ROUNDS {
            let Some(change) = clamp.correction(&fit.fitted) else {
                break;
            };
            // Linear: the cells of `input - change` are those of `input` less
            // those of the (mostly zero) change.
            let change = Premultiplied {
                pixels: change,
                width: input.width,
                height: input.height,
            };
            let undo = solver.solve(&change);
            for (i, now) in fit.fitted.iter_mut().enumerate() {
                (0..4).for_each(|c| {
                    let target = plain.fitted[i][c] - undo.fitted[i][c];
                    now[c] += CLAMP_RELAXATION * (target - now[c]);
                });
            }
            for ((now, p), u) in fit.projected.iter_mut().zip(&plain.projected).zip(&undo.projected) {
                (0..4).for_each(|c| now[c] = p[c] - u[c]);
            }
            clamped = Some(change.pixels);
        }
    }
    (fit, clamped)
}

/// The least-squares cells of an input under one pair of operators, their normal
/// matrices factored once.
struct CellSolver<'a> {
    ax: &'a AxisOperator,
    ay: &'a AxisOperator,
    fx: BandCholesky,
    fy: BandCholesky,
}

impl<'a> CellSolver<'a> {
    fn new(ax: &'a AxisOperator, ay: &'a AxisOperator, bands: [&[f64]; 2]) -> Self {
        Self {
            fx: ax.normal_factor(bands[0]),
            fy: ay.normal_factor(bands[1]),
            ax,
            ay,
        }
    }

    /// The cells of `input` (linear in it; rows of zeros cost little, so a sparse
    /// correction is solved cheaply).
    fn solve(&self, input: &Premultiplied) -> CellFit {
        let (ax, ay) = (self.ax, self.ay);
        let (cw, ch) = (ax.cells, ay.cells);
        // Chunks of at least one: an empty axis leaves every buffer empty.
        let (row_len, width) = (cw.max(1), input.width.max(1));
        // Along x: every input row projected on the cells. [height][cells_x]
        let mut projected_rows = vec![[0.0f64; 4]; input.height * cw];
        let columns = ax.columns();
        for (line, out) in input
            .pixels
            .chunks_exact(width)
            .zip(projected_rows.chunks_exact_mut(row_len))
        {
            if line.iter().all(|p| *p == [0.0; 4]) {
                continue; // a zero row projects to zeros
            }
            for (i, o) in out.iter_mut().enumerate() {
                let mut sum = [0.0f32; 4];
                for &(x, wa) in columns.of(i) {
                    let p = line[x];
                    (0..4).for_each(|c| sum[c] += wa * p[c]);
                }
                *o = sum.map(f64::from);
            }
        }
        // Along y: `A_yᵀ Y A_x`, [cells_y][cells_x].
        let mut projected = vec![[0.0f64; 4]; ch * cw];
        for (y, src) in projected_rows.chunks_exact(row_len).enumerate() {
            let (f, w) = ay.row(y);
            for (b, &wb) in w.iter().enumerate().take(ch.saturating_sub(f)) {
                for (d, s) in projected[(f + b) * cw..(f + b + 1) * cw].iter_mut().zip(src) {
                    (0..4).for_each(|c| d[c] += wb as f64 * s[c]);
                }
            }
        }
        // The two solves commute with the projections: `(A_yᵀA_y)⁻¹ A_yᵀ Y A_x
        // (A_xᵀA_x)⁻¹` solves each row of cells along x (not each input row),
        // then each column along y.
        let mut fitted = projected.clone();
        fitted.chunks_exact_mut(row_len).for_each(|row| self.fx.solve(row));
        let mut column = vec![[0.0f64; 4]; ch];
        for i in 0..cw {
            (0..ch).for_each(|j| column[j] = fitted[j * cw + i]);
            self.fy.solve(&mut column);
            (0..ch).for_each(|j| fitted[j * cw + i] = column[j]);
        }
        CellFit { fitted, projected }
    }
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
fn operators(grid: &Grid, model: UpscaleModel, (width, height): (u32, u32), stride: usize) -> [AxisOperator; 2] {
    let whole = [width, height].map(|len| (0, i64::from(len) - 1));
    operators_within(grid, model, (width, height), stride, whole)
}

/// The operators of `grid` on a `width x height` window of an image whose pixels
/// run from `image[axis].0` to `image[axis].1` in the window's coordinates.
fn operators_within(
    grid: &Grid,
    model: UpscaleModel,
    (width, height): (u32, u32),
    stride: usize,
    image: [(i64, i64); 2],
) -> [AxisOperator; 2] {
    let axis = |a: usize, len: u32| {
        AxisOperator::strided_within(
            len as usize,
            grid.cells[a] as usize,
            grid.pixel_size[a],
            grid.offset[a],
            model,
            stride,
            image[a],
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

/// The upscaling model that redraws a crop of `image` best (a square window around
/// the centre of its visible pixels, 12 cells a side but at least 96 and at most
/// 192 input pixels, within the image), and the RMS
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
    let cells_side = (MODEL_CELLS * grid.pixel_size[0].min(grid.pixel_size[1])).ceil() as u32;
    let side = cells_side.clamp(MODEL_CROP, MODEL_CROP_MAX);
    let window = |lo: u32, hi: u32, len: u32| {
        let size = side.min(len);
        let centre = if lo > hi { len / 2 } else { (lo + hi) / 2 };
        (centre.saturating_sub(size / 2).min(len - size), size)
    };
    let ((x0, cw), (y0, ch)) = (window(lo[0], hi[0], w), window(lo[1], hi[1], h));
    // Read at the full fit's stride: the same pixels per cell, a fraction of the work.
    let stride = fit_stride(grid);
    let crop = Premultiplied::window(image, x0, y0, cw, ch).subsampled(stride);
    let crop_grid = window_grid(grid, [x0, y0], [cw, ch]);
    // The crop's pixels are drawn as parts of the whole image: the blur reads the
    // pixels beyond a cut edge of the crop as drawn, not as copies of its edge.
    let extent = [(x0, w), (y0, h)].map(|(start, len)| (-i64::from(start), i64::from(len - start) - 1));
    let error = |model: UpscaleModel| {
        let [ax, ay] = operators_within(&crop_grid, model, (cw, ch), stride, extent);
        let solver = CellSolver::new(&ax, &ay, [&ax.normal_band(), &ay.normal_band()]);
        let (fit, clamped) = solve_clamped(&crop, &crop_grid, model, (cw, ch, stride), &solver);
        match clamped {
            Some(change) => redraw_error(&crop.less(&change), &fit.fitted, &ax, &ay),
            None => redraw_error(&crop, &fit.fitted, &ax, &ay),
        }
    };
    // Colour only: a soft alpha edge is blurred when its colour is not.
    let total = |e: &[f64; 4]| e[0] + e[1] + e[2];
    let at = |kernel, blur| UpscaleModel { kernel, blur };
    let (kernel, first_error) = [Kernel::Nearest, Kernel::Bilinear, Kernel::Bicubic]
        .into_iter()
        .map(|k| (k, error(at(k, FIRST_BLUR))))
        .min_by(|a, b| total(&a.1).total_cmp(&total(&b.1)))
        .expect("three kernels");
    // The winner's other blurs, then the vertex of the parabola through the best of
    // them and its neighbours: a blur between two of them misjudged leaves every
    // colour beside an edge pulled towards its neighbour.
    let by_blur: Vec<(f32, [f64; 4])> = BLURS
        .into_iter()
        .map(|b| {
            (
                b,
                if b == FIRST_BLUR {
                    first_error
                } else {
                    error(at(kernel, b))
                },
            )
        })
        .collect();
    let i = (0..by_blur.len())
        .min_by(|&a, &b| total(&by_blur[a].1).total_cmp(&total(&by_blur[b].1)))
        .expect("several blurs");
    let mut best = (at(kernel, by_blur[i].0), by_blur[i].1);
    if i > 0 && i + 1 < by_blur.len() {
        let [e0, e1, e2] = [i - 1, i, i + 1].map(|j| total(&by_blur[j].1));
        let curvature = e0 - 2.0 * e1 + e2;
        if curvature > 0.0 {
            let step = f64::from(by_blur[i + 1].0 - by_blur[i].0);
            let vertex = f64::from(by_blur[i].0) + step * 0.5 * (e0 - e2) / curvature;
            let model = at(kernel, vertex as f32);
            let e = error(model);
            if total(&e) < total(&best.1) {
                best = (model, e);
            }
        }
    }
    // The sharp model: at a small scale every kernel at a little blur fits a nearest
    // upscale about as well, so a tie within 0.05 of a level RMS goes to it (a blur
    // of a fraction of a pixel is none).
    let sharp = at(Kernel::Nearest, 0.0);
    if best.0 != sharp {
        let e = error(sharp);
        let tie = total(&best.1) + 0.05f64.powi(2) * 3.0 * crop.pixels.len() as f64;
        if total(&e) <= tie {
            best = (sharp, e);
        }
    }
    let rms = ((best.1[0] + best.1[1] + best.1[2]) / (3.0 * crop.pixels.len().max(1) as f64)).sqrt();
    (best.0, rms as f32)
}

/// The least-squares fits read every `stride`-th pixel of an upscale of `grid`: at
/// most [`PIXELS_PER_CELL`] per cell and axis.
fn fit_stride(grid: &Grid) -> usize {
    ((grid.pixel_size[0].min(grid.pixel_size[1]) / PIXELS_PER_CELL).round() as usize).max(1)
}

/// A least-squares fit of the cells of a smooth upscale: what
/// [`SmoothFit::refit_palette`] needs to fit whole palette colours.
#[derive(Clone)]
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
    /// The input as the fit reads it, shared by the fits tried on other grids and
    /// blurs.
    input: Arc<Premultiplied>,
    /// The whole input's size (the fit reads it at `stride`).
    size: (u32, u32),
    /// Every `stride`-th input pixel is read, per axis.
    stride: usize,
    /// What the clamp before the blur changed at the input's pixels (see
    /// [`clamp`]; empty when nothing was clamped).
    clamped: Vec<[f32; 4]>,
    /// The clamp, to redraw its change from the palette colours (`None` when
    /// nothing was clamped).
    clamp: Option<ClampBeforeBlur>,
    operators: [AxisOperator; 2],
}

/// Replaces the colour of every fully opaque cell of `samples` with its
/// least-squares colour under the best-fitting upscaling model, after polishing
/// `grid` on that model (rows redrawn along each axis; the
/// cells are sampled again when it moves). Returns the fit, or `None` for a sharp
/// nearest-neighbour upscale (grid and medians stay).
pub fn refine_smooth_cells(image: &RgbaImage, grid: &mut Grid, samples: &mut CellSamples) -> Option<SmoothFit> {
    let (model, noise) = fit_upscale_model(image, grid);
    if model.is_sharp() {
        return None;
    }
    // Enough pixels per cell for the fit, not all of a large upscale's.
    let stride = fit_stride(grid);
    let input = Arc::new(Premultiplied::every(image, stride));
    let mut fit = SmoothFit::on_grid(input, (image.dimensions(), stride), grid, model, noise);
    let mut best = fit.redraw_error();
    let detected = *grid;
    for _ in 0..POLISH_ROUNDS {
        // The clamp's change depends on where the cells lie: taken out as fitted on
        // the current grid, it pulls the polish towards that grid, so the two
        // alternate.
        let polished = polish::polish_grid(&fit.unclamped(), grid, &detected, model, fit.size_and_stride());
        if polished == *grid {
            break;
        }
        // The polish reads opaque pixels only: where they show little (a sprite of
        // one colour is all alpha edges), the fit of everything has the last word.
        let moved = SmoothFit::on_grid(
            Arc::clone(&fit.input),
            (image.dimensions(), stride),
            &polished,
            model,
            noise,
        );
        let e = moved.redraw_error();
        if e >= best {
            break;
        }
        (fit, best) = (moved, e);
        *grid = polished;
    }
    if *grid != detected {
        *samples = super::sample_cells(image, grid);
    }
    fit.take_opaque_colours(&mut samples.samples);
    Some(fit)
}

/// Remeasures the blur of `fit` on the whole input once its cells share the colours
/// of `palette` (as [`SmoothFit::refit_palette`] left them in `samples`), and keeps
/// the fit at the blur that redraws the input best, its palette grouped and
/// refitted again there.
///
/// The blur is first chosen on a crop with one free colour per cell, and free
/// colours follow a misjudged blur almost as well as the true one wherever the
/// crop shows few edges; yet a blur 0.01 cell off moves every colour beside an edge
/// by a level, and exact colours are the goal. A few shared colours cannot follow
/// it: their redraw error is measured 0.02 cell to each side and at the vertex of
/// the parabola through the three. Returns the regrouped and refitted palette, or
/// `None` when the blur stays (or `palette` is empty).
pub fn refine_blur(grid: &Grid, samples: &mut [CellSample], fit: &mut SmoothFit, palette: &Palette) -> Option<Palette> {
    if palette.is_empty() {
        return None;
    }
    let refit_at = |blur: f32| {
        let model = UpscaleModel { blur, ..fit.model };
        let mut at = SmoothFit::on_grid(Arc::clone(&fit.input), (fit.size, fit.stride), grid, model, fit.noise);
        let error = at.palette_redraw_error(samples, palette).unwrap_or(f64::INFINITY);
        (Some(at), error)
    };
    let centre = fit.model.blur.max(BLUR_STEP);
    let [below, above] = [centre - BLUR_STEP, centre + BLUR_STEP].map(refit_at);
    // The measured blur is the current fit's own (0 is searched from 0.02).
    let middle = if centre == fit.model.blur {
        (
            None,
            fit.clone()
                .palette_redraw_error(samples, palette)
                .unwrap_or(f64::INFINITY),
        )
    } else {
        refit_at(centre)
    };
    let mut tried = vec![below, middle, above];
    let [e0, e1, e2] = [0, 1, 2].map(|i| tried[i].1);
    let curvature = e0 - 2.0 * e1 + e2;
    if curvature > 0.0 {
        let step = f64::from(BLUR_STEP);
        // Within two steps of the three.
        let vertex = (0.5 * step * (e0 - e2) / curvature).clamp(-3.0 * step, 3.0 * step);
        tried.push(refit_at((f64::from(centre) + vertex).max(0.0) as f32));
    }
    let (best, _) = tried.into_iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    *fit = best?;
    // The whole palette again from the new fit's own colours: refitting the old
    // one carries over what its refit merged or dropped.
    fit.take_opaque_colours(samples);
    let regrouped = fit.palette(samples);
    Some(fit.refit_palette(samples, &regrouped))
}

impl SmoothFit {
    /// The least-squares fit of the cells of `grid` to `input` (the whole
    /// `(w, h)` image read at every `stride`-th pixel) under `model`, the clamp
    /// before a bicubic blur taken out (see [`clamp`]).
    fn on_grid(
        input: Arc<Premultiplied>,
        ((w, h), stride): ((u32, u32), usize),
        grid: &Grid,
        model: UpscaleModel,
        noise: f32,
    ) -> Self {
        let [ax, ay] = operators(grid, model, (w, h), stride);
        let normals = [&ax, &ay].map(|a| NormalBand {
            band: a.normal_band(),
            span: a.span,
        });
        let solver = CellSolver::new(&ax, &ay, [&normals[0].band, &normals[1].band]);
        let (fit, clamped) = solve_clamped(&input, grid, model, (w, h, stride), &solver);
        // var(cell) = σ² [(A_xᵀA_x)⁻¹]_ii [(A_yᵀA_y)⁻¹]_jj
        let amplification = solver.fx.inverse_diagonal_median() * solver.fy.inverse_diagonal_median();
        Self {
            model,
            noise,
            cell_noise: noise * amplification.sqrt() as f32,
            cells: [ax.cells, ay.cells],
            fit,
            normals,
            input,
            size: (w, h),
            stride,
            clamp: clamped
                .as_ref()
                .and_then(|_| ClampBeforeBlur::new(grid, model, (w, h), stride)),
            clamped: clamped.unwrap_or_default(),
            operators: [ax, ay],
        }
    }

    /// The input's size and the stride it is read at.
    fn size_and_stride(&self) -> (u32, u32, usize) {
        (self.size.0, self.size.1, self.stride)
    }

    /// The input less what the clamp before the blur changed, as fitted.
    fn unclamped(&self) -> Premultiplied {
        self.input.less(&self.clamped)
    }

    /// Squared redraw error of the fit, all channels (alpha edges included).
    fn redraw_error(&self) -> f64 {
        let [ax, ay] = &self.operators;
        redraw_error(&self.unclamped(), &self.fit.fitted, ax, ay).iter().sum()
    }

    /// Gives every cell of `samples` fitted as opaque its least-squares colour.
    fn take_opaque_colours(&self, samples: &mut [CellSample]) {
        for (sample, fitted) in samples.iter_mut().zip(&self.fit.fitted) {
            if sample.opaque && fitted[3] >= OPAQUE_FIT {
                *sample = CellSample {
                    color: opaque_colour(fitted),
                    opaque: true,
                };
            }
        }
    }
}

/// The colour of a cell fitted as opaque. Its premultiplied colour is its colour:
/// its fitted alpha runs low beside transparency (the upscale clipped its overshoot
/// there, which premultiplied colour keeps) and rings a little above 255 inside.
fn opaque_colour(fitted: &[f64; 4]) -> [u8; 3] {
    let k = 255.0 / fitted[3].max(255.0);
    [0, 1, 2].map(|c| (fitted[c] * k).round().clamp(0.0, 255.0) as u8)
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

    /// The true grid of [`sprite`] upscaled at `scale` from `phase`.
    fn grid(scale: f32, phase: [f32; 2]) -> Grid {
        grid_of(scale, phase, [12, 10])
    }

    /// The true grid of a sprite of `cells` upscaled at `scale` from `phase`.
    fn grid_of(scale: f32, phase: [f32; 2], cells: [u32; 2]) -> Grid {
        Grid {
            pixel_size: [scale; 2],
            offset: phase,
            cells,
            confidence: 1.0,
        }
    }

    fn fitted_colours(image: &RgbaImage, grid: &Grid) -> (UpscaleModel, Vec<[u8; 3]>) {
        let mut samples = super::super::sample_cells(image, grid);
        let model = refine_smooth_cells(image, &mut grid.clone(), &mut samples).map_or(SHARP, |fit| fit.model);
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
        // Edge pixels of the canvas are cut by the blur's clamping, and the clamp
        // correction (240 rings past 255 here), stopped after a few rounds, leaves
        // a few cells a level more: the palette refit averages that out.
        assert!(off(&colours) <= 3, "fitted colours off by {}", off(&colours));
        assert!(off(&medians) > 20, "the medians should be pulled ({})", off(&medians));
    }

    #[test]
    fn a_blur_after_a_clamped_bicubic_upscale_is_measured_and_undone() {
        // Black and white beside each other: the bicubic rings past both ends of
        // the range and is clamped before the blur spreads it.
        let sprite = RgbaImage::from_fn(12, 10, |x, y| match (x * 7 + y * 3) % 4 {
            0 => Rgba([0, 0, 0, 255]),
            1 => Rgba([255, 255, 255, 255]),
            2 => Rgba([230, 40, 30, 255]),
            _ => Rgba([30, 60, 200, 255]),
        });
        let (scale, phase, blur) = (3.7, [0.9, 2.2], 0.17);
        let input = gaussian_blur(&resample(&sprite, scale, phase, Kernel::Bicubic), blur * scale);
        let (model, colours) = fitted_colours(&input, &grid(scale, phase));
        assert_eq!(model.kernel, Kernel::Bicubic);
        assert!((model.blur - blur).abs() < 0.02, "{model:?}");
        let truth: Vec<[u8; 3]> = sprite.pixels().map(|p| [p[0], p[1], p[2]]).collect();
        let off = colours
            .iter()
            .zip(&truth)
            .map(|(a, b)| (0..3).map(|i| (a[i] as i32 - b[i] as i32).abs()).max().unwrap())
            .max()
            .unwrap();
        // Without the correction the cells beside black and white are 19 off.
        assert!(off <= 3, "fitted colours off by {off}");
    }

    #[test]
    fn the_blur_of_an_upscale_larger_than_the_model_crop_is_measured_exactly() {
        // 40x30 cells at 3.3 px: the model is chosen on a 96 px crop that cuts the
        // sprite. Repeating the crop's edge pixels under the blur misdrew the pixels
        // within its reach of the cut, and 0.18 fitted better than the true 0.2.
        let sprite = RgbaImage::from_fn(40, 30, |x, y| match (x * 7 + y * 3 + x * y) % 5 {
            0 => Rgba([200, 40, 40, 255]),
            1 => Rgba([20, 20, 90, 255]),
            2 => Rgba([240, 220, 160, 255]),
            3 => Rgba([60, 160, 70, 255]),
            _ => Rgba([120, 120, 130, 255]),
        });
        let (scale, phase, blur) = (3.3, [1.1, 0.4], 0.2);
        let input = gaussian_blur(&resample(&sprite, scale, phase, Kernel::Bicubic), blur * scale);
        let (model, _) = fit_upscale_model(&input, &grid_of(scale, phase, [40, 30]));
        assert_eq!(model.kernel, Kernel::Bicubic);
        assert!((model.blur - blur).abs() < 0.005, "{model:?}");
    }

    #[test]
    fn the_blur_of_a_large_noisy_upscale_is_measured_on_enough_cells() {
        use rand::SeedableRng;
        // A 32x32 sprite at 10-15x: 96 px hold 6 to 10 of its cells, and the noise
        // moved the blur measured there by 0.010 on average (up to 0.032).
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/sprites/dngn__altars__beogh.png");
        let sprite = ::image::open(path).expect("shipped sprite").to_rgba8();
        let seeds = 8;
        let mean_error = (0..seeds)
            .map(|seed| {
                let scale = 10.0 + seed as f32 * 0.7;
                let input = resample(&sprite, scale, [1.1, 0.4], Kernel::Bicubic);
                let mut input = gaussian_blur(&input, 0.2 * scale);
                let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
                crate::degrade::add_noise(&mut input, 3.0, &mut rng);
                let grid = grid_of(scale, [1.1, 0.4], [32, 32]);
                (fit_upscale_model(&input, &grid).0.blur - 0.2).abs()
            })
            .sum::<f32>()
            / seeds as f32;
        assert!(mean_error < 0.008, "blur off by {mean_error} on average");
    }

    #[test]
    fn the_blur_is_remeasured_on_whole_palette_colours_over_the_whole_input() {
        use rand::SeedableRng;
        // A textured wall: the crop's free colours fitted 0.234 for the true 0.24
        // as well as 0.24 itself, and less than half of its cells came back exact.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../assets/sprites/grid_search/dngn__wall__cobalt_stone11.png"
        );
        let sprite = ::image::open(path).expect("shipped sprite").to_rgba8();
        let (scale, blur) = (3.95, 0.24);
        let phase = [0.3 * scale, 0.7 * scale];
        let mut input = gaussian_blur(&resample(&sprite, scale, phase, Kernel::Bicubic), blur * scale);
        crate::degrade::add_noise(&mut input, 3.0, &mut rand::rngs::SmallRng::seed_from_u64(3));
        let mut grid = grid_of(scale, phase, [sprite.width(), sprite.height()]);
        let mut samples = super::super::sample_cells(&input, &grid);
        let mut fit = refine_smooth_cells(&input, &mut grid, &mut samples).expect("a smooth upscale");
        let palette = fit.palette(&samples.samples);
        let palette = fit.refit_palette(&mut samples.samples, &palette);
        let palette = refine_blur(&grid, &mut samples.samples, &mut fit, &palette).unwrap_or(palette);
        assert!((fit.model.blur - blur).abs() < 0.003, "{:?}", fit.model);
        let snapper = palette.snapper();
        let exact = samples
            .samples
            .iter()
            .zip(sprite.pixels())
            .filter(|(s, p)| s.opaque && snapper.snap(s.color) == [p[0], p[1], p[2]])
            .count();
        let cells = sprite.pixels().count();
        assert!(exact * 100 >= cells * 95, "{exact} of {cells} cells exact");
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
}
