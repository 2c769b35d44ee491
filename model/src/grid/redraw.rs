//! Checking and refining a pitch by how well it redraws the input.
//!
//! Every row of an upscale is its cells drawn by a kernel and blurred, a linear map
//! (see [`crate::upscale`]). For a candidate pitch and phase the cells that redraw
//! a row best come from one banded least-squares solve, and what they leave is
//! the redraw error. The true pitch redraws the rows down to the input's noise,
//! and a multiple of it cannot follow the cells it merges. Pitches are compared by
//! a penalised likelihood, `N ln(RSS / N) + λ k` (`N` samples, `k` cells fitted):
//! the parsimony of BIC with a smaller `λ`. The detector only asks it about
//! coarser pitches than its own choice: a finer one also fits what the model
//! misses (clipped ringing, an alpha softened apart from colour) and would win on
//! those. The same redraw error then refines the pitch and phase found.
//!
//! Only 16 rows are read: the dev split gave the same accuracy as with 32. They
//! are stored by position and redrawn as one 64-lane right-hand side, and a large
//! upscale is redrawn on the means of a few pixels at a time
//! ([`RedrawRows::binned`]), which its cells draw exactly as they draw the pixels.

use super::profile::{rows_with_content, Plane};
use crate::degrade::Kernel;
use crate::upscale::{AxisOperator, UpscaleModel};

/// Most rows the redraw reads (spread over the rows with content).
const REDRAW_ROWS: usize = 16;
/// Penalty per fitted value, in nats (BIC would take `ln N`, about 10 here).
const PENALTY: f64 = 3.0;
/// Mean squared redraw error per sample below which the difference is 8-bit
/// rounding, not structure (rounding alone leaves 1/12).
const NOISE_FLOOR: f64 = 0.25;
/// First phase step of [`RedrawRows::fit`], in cells (then halved twice).
const PHASE_STEP: f32 = 1.0 / 16.0;
/// Blur of the coarse search, in cells.
const COARSE_BLUR: f32 = 0.1;
/// Blurs tried after it, in cells.
const FINE_BLURS: [f32; 3] = [0.0, 0.2, 0.3];
/// Drift of the last cell between two pitches of [`RedrawRows::sweep`], in cells.
const SWEEP_DRIFT: f32 = 0.5;
/// Phases [`RedrawRows::sweep`] tries at each pitch.
const SWEEP_PHASES: usize = 3;
/// Steps of [`RedrawRows::refine`]: relative pitch change and phase shift (in
/// cells).
const REFINE_STEPS: [(f32, f32); 3] = [(0.004, 0.04), (0.001, 0.01), (0.00025, 0.0025)];
/// Drift of the last cell between two pitches of [`RedrawRows::scan`], in cells.
const SCAN_DRIFT: f32 = 0.3;
/// Phases [`RedrawRows::scan`] tries at each pitch, in cells about the middle line.
const SCAN_PHASES: [f32; 3] = [-0.25, 0.0, 0.25];
/// Most parabolas per step of [`RedrawRows::refine`].
const REFINE_ROUNDS: usize = 3;
/// Farthest a parabola's minimum is taken, in steps.
const PARABOLA_REACH: f32 = 2.0;
/// How many times the polished error of a pitch may fall below its coarse one
/// (a better phase and blur).
const PROMISING_ERROR: f64 = 4.0;
/// Cells kept beyond each end of the axis (the widest kernel and blur reach no
/// farther).
const MARGIN_CELLS: f32 = 3.0;

/// Values of one sample position: every row's RGBA, `[row * 4 + channel]`.
const LANES: usize = REDRAW_ROWS * 4;

/// The rows one axis is redrawn on, premultiplied RGBA, stored by position so
/// that every row is projected and solved at once: `[width / bin][LANES]` (the
/// means of `bin` pixels at a time; rows past the last are zero).
pub struct RedrawRows {
    /// Input pixels along the axis.
    width: usize,
    /// Input pixels per sample.
    bin: usize,
    /// Rows read.
    rows: usize,
    samples: Vec<[f32; LANES]>,
    /// Sum of squares of every sample.
    squares: f64,
}

/// The best redraw of one pitch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Redraw {
    /// Input pixels per cell.
    pub pitch: f32,
    /// Start of a cell, in `[0, pitch)`.
    pub offset: f32,
    /// The kernel and blur that redraw best.
    pub model: UpscaleModel,
    /// Squared redraw error summed over the rows and channels.
    pub error: f64,
    /// Cells that some pixel sees, per row.
    pub cells: usize,
}

impl RedrawRows {
    /// Up to [`REDRAW_ROWS`] rows with content, spread over `planes` (pooled).
    pub fn new(planes: &[Plane]) -> Self {
        let rows = rows_with_content(planes, REDRAW_ROWS);
        let width = planes.first().map_or(0, |p| p.width);
        let mut samples = vec![[0.0f32; LANES]; if rows.is_empty() { 0 } else { width }];
        for (r, row) in rows.iter().enumerate() {
            for (sample, p) in samples.iter_mut().zip(row.iter()) {
                (0..4).for_each(|c| sample[r * 4 + c] = p[c] as f32);
            }
        }
        Self::from_samples(width, 1, rows.len(), samples)
    }

    fn from_samples(width: usize, bin: usize, rows: usize, samples: Vec<[f32; LANES]>) -> Self {
        let squares = samples
            .iter()
            .flat_map(|s| s.iter())
            .map(|&v| f64::from(v) * f64::from(v))
            .sum();
        Self {
            width,
            bin,
            rows,
            samples,
            squares,
        }
    }

    /// The same rows as the means of `bin` samples at a time (a partial bin at the
    /// end is dropped).
    pub fn binned(&self, bin: usize) -> Self {
        let bin = bin.max(1);
        let samples = self
            .samples
            .chunks_exact(bin)
            .map(|chunk| {
                let mut sum = [0.0f32; LANES];
                for s in chunk {
                    sum.iter_mut().zip(s).for_each(|(t, v)| *t += v);
                }
                sum.map(|v| v / bin as f32)
            })
            .collect();
        Self::from_samples(self.width, self.bin * bin, self.rows, samples)
    }

    /// Whether there is anything to redraw.
    pub fn is_empty(&self) -> bool {
        self.rows == 0 || self.samples.len() < 3
    }

    /// Samples the criterion counts (rows x bins x 4 channels).
    fn samples(&self) -> f64 {
        (self.rows * self.samples.len() * 4) as f64
    }

    /// The penalised redraw error of `r`: lower is better.
    pub fn criterion(&self, r: &Redraw) -> f64 {
        let n = self.samples();
        let fitted = (r.cells * self.rows * 4) as f64;
        n * (r.error / n).max(NOISE_FLOOR).ln() + PENALTY * fitted
    }

    /// Squared redraw error of every row by cells of `pitch` from `offset` drawn by
    /// `model`, and the cells that some pixel sees.
    fn error(&self, pitch: f32, offset: f32, model: UpscaleModel) -> (f64, usize) {
        let n = self.width;
        // Cells from MARGIN_CELLS before the first whole one to as many after the end.
        let start = offset.rem_euclid(pitch) - pitch * (1.0 + MARGIN_CELLS);
        let cells = ((n as f32 - start) / pitch).ceil() as usize + MARGIN_CELLS as usize;
        let op = AxisOperator::binned(n, cells, pitch, start, model, self.bin);
        let band = op.normal_band();
        let seen = (0..cells).filter(|&i| band[i * op.span] > 1e-6).count();
        let ridge = op.ridge(&band);
        let factor = op.normal_factor(&band);
        // Aᵀy: [cells][LANES]
        let mut projected = vec![[0.0f64; LANES]; cells];
        for (x, sample) in self.samples.iter().enumerate() {
            let (f, w) = op.row(x);
            for (sum, &wa) in projected[f..].iter_mut().zip(w) {
                let wa = f64::from(wa);
                sum.iter_mut().zip(sample).for_each(|(t, &v)| *t += wa * f64::from(v));
            }
        }
        let mut fitted = projected.clone();
        factor.solve(&mut fitted);
        // |y - A c|² = |y|² - bᵀc - ridge |c|² for c = (AᵀA + ridge)⁻¹ b.
        let explained: f64 = projected
            .iter()
            .zip(&fitted)
            .map(|(b, c)| b.iter().zip(c).map(|(&b, &c)| b * c + ridge * c * c).sum::<f64>())
            .sum();
        let total = (self.squares - explained).max(0.0);
        (total, seen)
    }

    fn redraw(&self, pitch: f32, offset: f32, model: UpscaleModel) -> Redraw {
        let (error, cells) = self.error(pitch, offset, model);
        Redraw {
            pitch,
            offset: offset.rem_euclid(pitch),
            model,
            error,
            cells,
        }
    }

    /// The best redraw of `pitch` with a cell starting near one of `phases`
    /// ([`Self::coarse`], then [`Self::polish`]).
    pub fn fit(&self, pitch: f32, phases: &[f32]) -> Redraw {
        self.polish(self.coarse(pitch, phases))
    }

    /// The best redraw of `pitch` from a cell starting at one of `phases`, by
    /// every kernel at a small blur.
    pub fn coarse(&self, pitch: f32, phases: &[f32]) -> Redraw {
        let at = |kernel| UpscaleModel {
            kernel,
            blur: COARSE_BLUR,
        };
        phases
            .iter()
            .flat_map(|&o| [Kernel::Nearest, Kernel::Bilinear, Kernel::Bicubic].map(|k| (o, k)))
            .map(|(o, k)| self.redraw(pitch, o, at(k)))
            .min_by(|a, b| a.error.total_cmp(&b.error))
            .expect("at least one phase")
    }

    /// `r` with its phase moved in shrinking steps, then its kernel's other blurs
    /// tried, wherever that redraws better.
    pub fn polish(&self, r: Redraw) -> Redraw {
        let mut best = r;
        let mut step = r.pitch * PHASE_STEP;
        for _ in 0..3 {
            for d in [-step, step] {
                let r = self.redraw(best.pitch, best.offset + d, best.model);
                if r.error < best.error {
                    best = r;
                }
            }
            step /= 2.0;
        }
        for blur in FINE_BLURS {
            let model = UpscaleModel { blur, ..best.model };
            let r = self.redraw(best.pitch, best.offset, model);
            if r.error < best.error {
                best = r;
            }
        }
        best
    }

    /// Whether a coarse redraw `r` could still beat `reference` once polished: its
    /// criterion is within what a [`PROMISING_ERROR`] times smaller error would
    /// take off.
    pub fn promising(&self, r: &Redraw, reference: f64) -> bool {
        self.criterion(r) - self.samples() * PROMISING_ERROR.ln() < reference
    }

    /// Share of the redraw error of `r` shifted by half a cell that its own phase
    /// removes, 0..1: how surely the rows show this grid.
    pub fn phase_gain(&self, r: &Redraw) -> f32 {
        let shifted = self.redraw(r.pitch, r.offset + r.pitch / 2.0, r.model);
        if shifted.error <= 0.0 {
            return 0.0;
        }
        (1.0 - r.error / shifted.error).clamp(0.0, 1.0) as f32
    }

    /// The best redraw of pitches within `reach` (relative) of `r`'s, taken only
    /// where both the error and the criterion fall, in steps that move the last
    /// cell by [`SCAN_DRIFT`] of a cell (scaled about the grid line nearest the
    /// middle of the axis, at a few phases about it). The parabolas of
    /// [`Self::refine`] travel only a few tenths of a per cent per step, and the
    /// redraw error of a pitch has a local minimum wherever whole cells line up
    /// again.
    pub fn scan(&self, r: Redraw, reach: f32) -> Redraw {
        let middle = self.width as f32 / 2.0;
        let index = ((middle - r.offset) / r.pitch).round();
        let line = r.offset + index * r.pitch;
        let cells = (self.width as f32 / r.pitch).max(1.0);
        let step = SCAN_DRIFT / cells;
        let steps = (reach / step).ceil() as i32;
        let mut best = r;
        for k in (-steps..=steps).filter(|&k| k != 0) {
            let pitch = r.pitch * (1.0 + k as f32 * step);
            if pitch < super::MIN_PIXEL_SIZE {
                continue;
            }
            for shift in SCAN_PHASES {
                let candidate = self.redraw(pitch, line + shift * pitch - index * pitch, r.model);
                // Both must fall: where both errors are down to the noise floor the
                // criterion alone would take whichever pitch needs fewer cells.
                if candidate.error < best.error && self.criterion(&candidate) < self.criterion(&best) {
                    best = candidate;
                }
            }
        }
        best
    }

    /// The coarse redraws of every pitch from `from` to `to` by `kernel` (at the
    /// coarse blur), in steps that move the last cell by [`SWEEP_DRIFT`] of a
    /// cell, at [`SWEEP_PHASES`] phases each: the local minima of the error along
    /// the pitch, lowest criterion first. The candidate pitches of the spectra and the
    /// coherence miss a grid now and then (a bilinear upscale whose cells carry
    /// little contrast), and the redraw error alone shows it.
    pub fn sweep(&self, from: f32, to: f32, kernel: Kernel) -> Vec<Redraw> {
        let mut along = Vec::new();
        let mut pitch = from.max(super::MIN_PIXEL_SIZE);
        let model = UpscaleModel {
            kernel,
            blur: COARSE_BLUR,
        };
        while pitch <= to {
            let best = (0..SWEEP_PHASES)
                .map(|k| self.redraw(pitch, pitch * k as f32 / SWEEP_PHASES as f32, model))
                .min_by(|a, b| a.error.total_cmp(&b.error))
                .expect("at least one phase");
            along.push(best);
            let cells = (self.width as f32 / pitch).max(1.0);
            pitch *= 1.0 + SWEEP_DRIFT / cells;
        }
        let mut minima: Vec<Redraw> = (0..along.len())
            .filter(|&i| {
                let e = along[i].error;
                (i == 0 || along[i - 1].error > e) && (i + 1 == along.len() || along[i + 1].error >= e)
            })
            .map(|i| along[i])
            .collect();
        minima.sort_by(|a, b| self.criterion(a).total_cmp(&self.criterion(b)));
        minima
    }

    /// `r` with its pitch and phase refined to redraw the rows better: per step, a
    /// parabola through three redraws along each of pitch and phase (the pitch
    /// scaled about the grid line nearest the middle of the axis, so that a change
    /// of pitch does not also move the grid), repeated while it runs to the edge
    /// of its reach; the best redraw seen is kept.
    pub fn refine(&self, r: Redraw) -> Redraw {
        let middle = self.width as f32 / 2.0;
        let mut best = r;
        for (relative, shift) in REFINE_STEPS {
            for _ in 0..REFINE_ROUNDS {
                let centre = best;
                let index = ((middle - centre.offset) / centre.pitch).round();
                let line = centre.offset + index * centre.pitch;
                let at = |dp: f32, d_o: f32| {
                    let pitch = (centre.pitch * (1.0 + dp * relative)).max(super::MIN_PIXEL_SIZE);
                    self.redraw(pitch, line + d_o * shift * centre.pitch - index * pitch, centre.model)
                };
                let pitches = [at(-1.0, 0.0), at(1.0, 0.0)];
                let phases = [at(0.0, -1.0), at(0.0, 1.0)];
                let dp = parabola_minimum(pitches[0].error, centre.error, pitches[1].error);
                let d_o = parabola_minimum(phases[0].error, centre.error, phases[1].error);
                for r in pitches.into_iter().chain(phases).chain([at(dp, d_o)]) {
                    if r.error < best.error {
                        best = r;
                    }
                }
                if dp.abs() < PARABOLA_REACH && d_o.abs() < PARABOLA_REACH {
                    break;
                }
            }
        }
        best
    }
}

/// Where the parabola through `(-1, minus)`, `(0, centre)`, `(1, plus)` has its
/// minimum, within [`PARABOLA_REACH`] of 0; the lower side where it opens downwards.
pub(crate) fn parabola_minimum(minus: f64, centre: f64, plus: f64) -> f32 {
    let curvature = minus - 2.0 * centre + plus;
    if curvature <= 0.0 {
        return if minus < plus { -PARABOLA_REACH } else { PARABOLA_REACH };
    }
    let reach = f64::from(PARABOLA_REACH);
    ((minus - plus) / (2.0 * curvature)).clamp(-reach, reach) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::degrade::{degrade, resample, Preset};

    fn sprite() -> ::image::RgbaImage {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/sprites/dngn__altars__beogh.png");
        ::image::open(path).expect("shipped sprite").to_rgba8()
    }

    /// The criterion of the best redraw at each pitch.
    fn criteria(image: &::image::RgbaImage, pitches: &[f32]) -> Vec<f64> {
        let rows = RedrawRows::new(&[Plane::premultiplied(image)]);
        pitches
            .iter()
            .map(|&p| {
                let phases: Vec<f32> = (0..8).map(|i| p * i as f32 / 8.0).collect();
                rows.criterion(&rows.fit(p, &phases))
            })
            .collect()
    }

    #[test]
    fn a_bilinear_upscale_is_redrawn_exactly_at_its_pitch_only() {
        let input = resample(&sprite(), 3.3, [1.2, 0.7], Kernel::Bilinear);
        let rows = RedrawRows::new(&[Plane::premultiplied(&input)]);
        let fit = rows.fit(3.3, &[1.0]);
        assert_eq!(fit.model.kernel, Kernel::Bilinear);
        assert!((fit.offset - 1.2).abs() < 0.05, "offset {}", fit.offset);
        // Rounding to 8 bits is all that is left.
        assert!(
            fit.error / rows.samples() < 0.25,
            "error {}",
            fit.error / rows.samples()
        );
        let c = criteria(&input, &[3.3, 6.6, 1.65, 2.2]);
        assert!(c[1..].iter().all(|&other| c[0] < other), "{c:?}");
    }

    #[test]
    fn a_noisy_blurred_bicubic_upscale_prefers_its_pitch_to_a_multiple() {
        let d = degrade(&sprite(), Preset::Bicubic, 7);
        let s = d.scale;
        let c = criteria(&d.image, &[s, s * 2.0, s * 3.0, s * 1.5]);
        assert!(c[1..].iter().all(|&other| c[0] < other), "scale {s}: {c:?}");
    }

    #[test]
    fn a_sweep_finds_a_bilinear_upscale_pitch_from_far_off() {
        let input = resample(&sprite(), 3.3, [0.4, 1.9], Kernel::Bilinear);
        let rows = RedrawRows::new(&[Plane::premultiplied(&input)]);
        let minima = rows.sweep(2.0, 8.0, Kernel::Bilinear);
        let best = minima.first().expect("a minimum");
        // Within one step of the sweep (scan and refine take it from there).
        let step = SWEEP_DRIFT * 3.3 / input.width() as f32;
        assert!((best.pitch / 3.3 - 1.0).abs() < step, "{minima:?}");
        assert!(
            minima
                .windows(2)
                .all(|w| rows.criterion(&w[0]) <= rows.criterion(&w[1])),
            "best criterion first"
        );
    }

    #[test]
    fn a_pitch_a_few_percent_off_is_found_by_the_scan() {
        let d = degrade(&sprite(), Preset::Bicubic, 3);
        let s = d.scale;
        let rows = RedrawRows::new(&[Plane::premultiplied(&d.image)]);
        for off in [0.965, 1.04] {
            let phases: Vec<f32> = (0..8).map(|i| s * off * i as f32 / 8.0).collect();
            let start = rows.fit(s * off, &phases);
            let found = rows.refine(rows.scan(start, 0.05));
            assert!(
                (found.pitch / s - 1.0).abs() < 0.003,
                "scale {s}, from {}: {}",
                s * off,
                found.pitch
            );
        }
    }
}
