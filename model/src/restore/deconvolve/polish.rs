//! The grid polished on the fitted upscaling model.
//!
//! The least-squares cells of a smooth upscale are very sensitive to where the cells
//! lie: on the dev split, shifting the true grid by a hundredth of a cell cost 2.3
//! points of exact accuracy on the bicubic preset and two hundredths 7.5. The
//! detector places the grid with a generic model on 16 rows, without the clamp of
//! the upscale, and lands a few hundredths of a cell off. Here rows the fit reads
//! are redrawn along each axis by the model fitted, with the clamp's change taken
//! out. Along x, every row of an upscale is its cell rows mixed by the vertical
//! kernel, each drawn by the same horizontal operator, so a row is redrawn exactly
//! by that operator from free values per cell, whatever the other axis does: only
//! the horizontal grid is judged. Only fully opaque pixels count (an alpha edge
//! softened apart from colour is not drawn by the model).
//!
//! The clamp's change is measured on the current grid and pulls the polish towards
//! it, so [`super::refine_smooth_cells`] alternates polish and fit, and keeps a
//! polished grid only where the fit of every pixel and channel redraws the input
//! better on it.

use super::{Premultiplied, FULLY_OPAQUE};
use crate::grid::{parabola_minimum, Grid};
use crate::upscale::{AxisOperator, UpscaleModel};

/// Steps of the search, in cells: a parabola through three redraws along the
/// offset and along the pitch (scaled about the middle of the axis, moving its ends
/// by the step) per step.
const POLISH_STEPS: [f32; 2] = [0.02, 0.005];
/// Farthest a grid line may move from where the detector put it, in cells: the
/// detector has the pitch to within a cell over the axis, and an axis with little
/// opaque structure would let the polish wander.
const MAX_MOVE: f32 = 0.15;
/// Most rows (or columns) the polish redraws per axis, spread over those with
/// opaque pixels.
const POLISH_ROWS: usize = 32;
/// Most line searches along each parameter per step.
const ROUNDS: usize = 2;

/// `grid` with each axis's pitch and offset moved to where the rows of `input`
/// (premultiplied, read at every `stride`-th pixel of a `width x height` image, the
/// clamp's change taken out) are redrawn best by `model`, no grid line moving more
/// than [`MAX_MOVE`] from where it lies in `detected`.
pub(super) fn polish_grid(
    input: &Premultiplied,
    grid: &Grid,
    detected: &Grid,
    model: UpscaleModel,
    (width, height, stride): (u32, u32, usize),
) -> Grid {
    let mut polished = *grid;
    for (axis, len) in [(0, width), (1, height)] {
        let rows = match axis {
            0 => input.opaque_rows(POLISH_ROWS),
            _ => input.transposed().opaque_rows(POLISH_ROWS),
        };
        let cells = grid.cells[axis] as usize;
        let (p0, o0) = (detected.pixel_size[axis], detected.offset[axis]);
        let error = |pitch: f32, offset: f32| {
            // The farthest a line moves is at one end of the cells.
            let moved = [0.0, cells as f32].map(|k| ((offset - o0) + k * (pitch - p0)).abs() / p0);
            if moved[0].max(moved[1]) > MAX_MOVE {
                return f64::INFINITY;
            }
            let op = AxisOperator::strided(len as usize, cells, pitch, offset, model, stride);
            row_error(&rows, &op)
        };
        let mut at = (grid.pixel_size[axis], grid.offset[axis]);
        let mut best = error(at.0, at.1);
        let middle = len as f32 / 2.0;
        // A grid polished before needs only the finest step.
        let first = if grid == detected { 0 } else { POLISH_STEPS.len() - 1 };
        for &step in &POLISH_STEPS[first..] {
            for _ in 0..ROUNDS {
                let start = at;
                // Along the offset, then along the pitch about the middle of the axis.
                let (pitch, offset) = at;
                let h = step * pitch;
                let along_offset = move |k: f32| (pitch, offset + k * h);
                line_search(&error, along_offset, &mut best, &mut at);
                let (pitch, offset) = at;
                let half = (middle - offset) / pitch;
                let relative = step / half.abs().max(1.0);
                let along_pitch = move |k: f32| {
                    let p = pitch * (1.0 + k * relative);
                    (p, middle - half * p)
                };
                line_search(&error, along_pitch, &mut best, &mut at);
                if at == start {
                    break;
                }
            }
        }
        let (pitch, offset) = at;
        polished.pixel_size[axis] = pitch;
        polished.offset[axis] = offset;
    }
    polished
}

/// Moves `at` (pitch, offset; its error `best`) to the best of `line(-1)`,
/// `line(1)` and the minimum of the parabola through them, where that redraws better.
fn line_search(
    error: &impl Fn(f32, f32) -> f64,
    line: impl Fn(f32) -> (f32, f32),
    best: &mut f64,
    at: &mut (f32, f32),
) {
    let centre = *best;
    let (minus, plus) = (line(-1.0), line(1.0));
    let (e_minus, e_plus) = (error(minus.0, minus.1), error(plus.0, plus.1));
    let t = parabola_minimum(e_minus, centre, e_plus);
    let vertex = line(t);
    let e_vertex = if t.abs() > 1e-3 {
        error(vertex.0, vertex.1)
    } else {
        f64::INFINITY
    };
    for (e, p) in [(e_minus, minus), (e_plus, plus), (e_vertex, vertex)] {
        if e < *best {
            (*best, *at) = (e, p);
        }
    }
}

/// Squared error of the best redraw of the opaque pixels of every row of `rows` by
/// `op` (free values per cell and row), summed over rows and colour channels. Pixels
/// that are not fully opaque are left out: a softened alpha edge is not drawn by
/// the model, and would pull the grid towards it.
fn row_error(rows: &Premultiplied, op: &AxisOperator) -> f64 {
    let (n, span) = (op.cells, op.span);
    // Rows opaque from end to end (a tile's) share one factored normal matrix.
    let full_band = op.normal_band();
    let full = (op.ridge(&full_band), op.normal_factor(&full_band));
    let mut projected = vec![[0.0f64; 3]; n];
    let mut band = vec![0.0f64; n * span];
    let columns = op.columns();
    let mut total = 0.0;
    for row in rows.pixels.chunks_exact(rows.width) {
        let opaque = row.iter().filter(|p| p[3] >= FULLY_OPAQUE).count();
        if opaque == 0 {
            continue;
        }
        let whole = opaque == row.len();
        if !whole {
            band.iter_mut().for_each(|b| *b = 0.0);
        }
        // Cell by cell, over the pixels that see it in ascending order (the same
        // sums as spreading each pixel over its cells).
        for (i, out) in projected.iter_mut().enumerate() {
            let mut sum = [0.0f64; 3];
            for &(x, wa) in columns.of(i) {
                let p = row[x];
                if p[3] >= FULLY_OPAQUE {
                    (0..3).for_each(|c| sum[c] += f64::from(wa) * f64::from(p[c]));
                }
            }
            *out = sum;
        }
        let mut squares = 0.0;
        for (x, p) in row.iter().enumerate() {
            if p[3] < FULLY_OPAQUE {
                continue;
            }
            if !whole {
                let (f, w) = op.row(x);
                for a in 0..span.min(n.saturating_sub(f)) {
                    let wa = f64::from(w[a]);
                    if wa == 0.0 {
                        continue;
                    }
                    for b in a..span.min(n - f) {
                        band[(f + a) * span + (b - a)] += wa * f64::from(w[b]);
                    }
                }
            }
            squares += (0..3).map(|c| f64::from(p[c]) * f64::from(p[c])).sum::<f64>();
        }
        let partial;
        let (ridge, factor) = match whole {
            true => (full.0, &full.1),
            false => {
                partial = op.normal_factor(&band);
                (op.ridge(&band), &partial)
            }
        };
        let mut fitted = projected.clone();
        factor.solve(&mut fitted);
        // |y - A c|² = |y|² - bᵀc - ridge |c|² for c = (AᵀA + ridge)⁻¹ b.
        let explained: f64 = projected
            .iter()
            .zip(&fitted)
            .map(|(b, c)| (0..3).map(|k| b[k] * c[k] + ridge * c[k] * c[k]).sum::<f64>())
            .sum();
        total += (squares - explained).max(0.0);
    }
    total
}

impl Premultiplied {
    /// At most `most` of these rows, evenly spread over those with a fully opaque
    /// pixel.
    fn opaque_rows(&self, most: usize) -> Self {
        let rows: Vec<&[[f32; 4]]> = self
            .pixels
            .chunks_exact(self.width)
            .filter(|row| row.iter().any(|p| p[3] >= FULLY_OPAQUE))
            .collect();
        let step = rows.len().div_ceil(most).max(1);
        let kept: Vec<&[[f32; 4]]> = rows.into_iter().step_by(step).collect();
        Self {
            height: kept.len(),
            pixels: kept.concat(),
            width: self.width,
        }
    }

    /// These pixels with rows and columns swapped.
    fn transposed(&self) -> Self {
        let mut pixels = vec![[0.0f32; 4]; self.pixels.len()];
        for y in 0..self.height {
            for x in 0..self.width {
                pixels[x * self.height + y] = self.pixels[y * self.width + x];
            }
        }
        Self {
            pixels,
            width: self.height,
            height: self.width,
        }
    }
}

#[cfg(test)]
mod tests {
    use ::image::{Rgba, RgbaImage};

    use crate::degrade::{gaussian_blur, resample, Kernel};
    use crate::grid::Grid;
    use crate::restore::{refine_smooth_cells, sample_cells};

    /// A 20x16 sprite: a black outline around bright and dark fills on transparency,
    /// whose bicubic upscale rings past 0 and 255 at every edge.
    fn sprite() -> RgbaImage {
        RgbaImage::from_fn(20, 16, |x, y| {
            let inside = (2..18).contains(&x) && (2..14).contains(&y);
            let edge = inside && !((3..17).contains(&x) && (3..13).contains(&y));
            match (inside, edge, (x * 3 + y * 5) % 4) {
                (false, _, _) => Rgba([0, 0, 0, 0]),
                (true, true, _) => Rgba([0, 0, 0, 255]),
                (_, _, 0) => Rgba([250, 240, 200, 255]),
                (_, _, 1) => Rgba([200, 40, 30, 255]),
                (_, _, 2) => Rgba([30, 60, 200, 255]),
                _ => Rgba([255, 255, 255, 255]),
            }
        })
    }

    #[test]
    fn a_grid_a_few_hundredths_of_a_cell_off_is_polished_onto_the_upscale() {
        let (scale, phase) = (3.3f32, [0.8f32, 1.7f32]);
        let input = gaussian_blur(&resample(&sprite(), scale, phase, Kernel::Bicubic), 0.15 * scale);
        // Off by 0.06 cell at the left edge and 0.03 at the right, 0.05 cell along y.
        let mut grid = Grid {
            pixel_size: [scale * (1.0 - 0.0015), scale],
            offset: [phase[0] + 0.06 * scale, phase[1] - 0.05 * scale],
            cells: [20, 16],
            confidence: 1.0,
        };
        let mut cells = sample_cells(&input, &grid);
        let mut fit = refine_smooth_cells(&input, &mut grid, &mut cells).expect("a smooth upscale");
        let palette = fit.palette(&cells.samples);
        fit.refit_palette(&mut cells.samples, &palette);
        for (axis, true_offset) in phase.into_iter().enumerate() {
            let cells = grid.cells[axis] as f32;
            let worst = [0.0, cells]
                .map(|k| {
                    let found = grid.offset[axis] + k * grid.pixel_size[axis];
                    let truth = true_offset + k * scale;
                    (found - truth).abs() / scale
                })
                .into_iter()
                .fold(0.0f32, f32::max);
            assert!(worst < 0.01, "axis {axis}: {grid:?} lines off by {worst} cell");
        }
        let truth: Vec<[u8; 3]> = sprite()
            .pixels()
            .filter(|p| p[3] == 255)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        let restored: Vec<[u8; 3]> = cells
            .samples
            .iter()
            .zip(sprite().pixels())
            .filter(|(_, p)| p[3] == 255)
            .map(|(s, _)| s.color)
            .collect();
        // The clamp's change, redrawn from the cells as fitted, still leaves some
        // palette colours two levels off here.
        let off = truth
            .iter()
            .zip(&restored)
            .map(|(a, b)| (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0))
            .max()
            .unwrap_or(0);
        assert!(off <= 3, "an opaque cell {off} levels off");
    }
}
