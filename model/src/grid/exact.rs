//! Exact grids of piecewise-constant input.
//!
//! A nearest-neighbour upscale (integer or not, any phase) changes colour only on
//! its cell boundaries: every column where some row changes colour is the first
//! column of a cell, `ceil(line - 0.5)` for a grid line at `offset + k * pitch`.
//! Where the changing columns of an image fit such a lattice exactly, that lattice
//! is the grid, and no statistic is needed: the spectral search of [`super::axis`]
//! can land on 2/3 or 1/2 of a non-integer pitch, which this test never accepts.
//! The largest pitch that fits wins (a finer lattice that contains every line fits
//! too). Dithering and gamma drift are seen through by counting only strong
//! changes; anything smooth, noisy or compressed changes adjacent columns and is
//! left to the statistical search after its first rows.

use super::axis::AxisGrid;
use super::profile::Plane;
use super::MAX_PIXEL_SIZE;

/// Smallest pitch the exact test looks for: below 2 px, cells of one pixel make
/// adjacent changing columns legitimate and the test loses its power.
const MIN_EXACT_PITCH: f32 = 2.0;
/// Fewest changing columns an axis needs for its own pitch (fewer fit many lattices
/// by chance).
const MIN_EDGES: usize = 4;
/// Pitches tried per whole number of cells between the first and the last edge.
const STEPS_PER_SPAN: usize = 12;
/// Slack (input pixels) on the half-pixel window each grid line must fall in,
/// covering the step between tried pitches.
const LINE_SLACK: f32 = 0.2;
/// Pitches and phases tried inside the fitting ranges when placing the grid.
const PLACEMENT_STEPS: usize = 9;
/// Relative pitch difference still taken as square pixels.
const SQUARE_TOLERANCE: f32 = 0.02;
/// Widest range of fitting pitches an axis may leave and still fix its own pitch,
/// in cells over the whole axis (a few edges close together fit a range of pitches
/// that miscounts the cells; such an axis takes the other axis's pitch if it fits).
const MAX_CELL_SPREAD: f32 = 0.75;

/// The pitches whose lattices fit every changing column of an axis (stepped, so
/// approximately): the fewer and closer the edges, the wider the range.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PitchRange {
    low: f32,
    high: f32,
}

impl PitchRange {
    /// The best single estimate: the middle of the range.
    fn pitch(&self) -> f32 {
        (self.low + self.high) * 0.5
    }

    /// Width of the range relative to its pitch.
    fn spread(&self) -> f32 {
        (self.high - self.low) / self.pitch()
    }

    /// The pitches both ranges allow (square pixels), if any.
    fn common(&self, other: &PitchRange) -> Option<PitchRange> {
        let (low, high) = (self.low.max(other.low), self.high.min(other.high));
        (low <= high).then_some(PitchRange { low, high })
    }

    /// Pitches to try, in order of preference (ties go to the first): a whole
    /// number inside the range (upscales by whole factors are the common case), then
    /// [`PLACEMENT_STEPS`] values from the middle outwards.
    fn candidates(&self) -> Vec<f32> {
        let whole = self.pitch().round();
        let mut pitches = Vec::with_capacity(PLACEMENT_STEPS + 1);
        if (self.low..=self.high).contains(&whole) {
            pitches.push(whole);
        }
        pitches.extend(middle_out(self.low, self.high));
        pitches
    }
}

/// [`PLACEMENT_STEPS`] values spread over `[low, high]`, the middle first and then
/// alternately outwards.
fn middle_out(low: f32, high: f32) -> Vec<f32> {
    let n = PLACEMENT_STEPS as i32;
    (0..n)
        .map(|i| {
            let j = n / 2 + if i % 2 == 0 { i / 2 } else { -(i + 1) / 2 };
            low + (high - low) * (j as f32 + 0.5) / n as f32
        })
        .collect()
}

/// Change thresholds tried in turn: a change of more than this in some channel
/// (premultiplied, 0..255) counts as a cell boundary. Every change first (clean
/// upscales), then only changes that dithering and gamma drift inside the cells do
/// not reach. Stronger thresholds (32..96, also counting only columns that change in
/// several rows) were tried on the dev split and dropped: on smooth input their few
/// remaining edges fit wrong lattices by chance.
const CHANGE_THRESHOLDS: [i32; 2] = [0, 16];

/// The columns (of the rows of `planes`, pooled) that change by more than
/// `threshold` in some row, and which columns show anything; `None` as soon as two
/// adjacent columns change (no pitch of 2 or more fits, and smooth input is
/// rejected after its first rows). Column `x` changes when pixel `x` differs from
/// pixel `x - 1`.
fn column_profile(planes: &[Plane], threshold: i32) -> Option<(Vec<usize>, Vec<bool>)> {
    let width = planes[0].width;
    let mut changed = vec![false; width + 1];
    let mut visible = vec![false; width];
    for plane in planes {
        for y in 0..plane.height {
            let row = plane.row(y);
            visible[0] |= row[0][3] > 0;
            for x in 1..width {
                let (a, b) = (row[x], row[x - 1]);
                visible[x] |= a[3] > 0;
                if !changed[x] && (0..4).any(|c| (a[c] - b[c]).abs() > threshold) {
                    if changed[x - 1] || changed[x + 1] {
                        return None;
                    }
                    changed[x] = true;
                }
            }
        }
    }
    Some(((1..width).filter(|&x| changed[x]).collect(), visible))
}

/// The positions one grid line of pitch `pitch` may take if every column of `edges`
/// starts a cell (each line within `slack` of its half-pixel window), as an interval,
/// or `None` when no phase puts them all on grid lines.
fn line_window(edges: &[usize], pitch: f32, slack: f32) -> Option<(f32, f32)> {
    let first = edges[0] as f32;
    let (mut lo, mut hi) = (f32::NEG_INFINITY, f32::INFINITY);
    for &e in edges {
        let e = e as f32;
        let k = ((e - first) / pitch).round();
        // Column e starts a cell when a line lies in (e - 0.5, e + 0.5].
        lo = lo.max(e - 0.5 - slack - k * pitch);
        hi = hi.min(e + 0.5 + slack - k * pitch);
        if lo >= hi {
            return None;
        }
    }
    Some((lo, hi))
}

/// The pitches of `count + 1` steps over `[lo, hi]` whose lattices fit `edges`
/// within `slack`.
fn fitting_pitches(edges: &[usize], lo: f32, hi: f32, count: usize, slack: f32) -> Vec<f32> {
    (0..=count)
        .map(|s| lo + (hi - lo) * s as f32 / count as f32)
        .filter(|&pitch| line_window(edges, pitch, slack).is_some())
        .collect()
}

/// The pitches of the largest lattice in `[min, max]` that fits every changing
/// column, or `None`. The last edge lies a whole number `k` of pitches after the
/// first (within one pixel): each `k` from the fewest cells up bounds the pitch to a
/// short interval, which is stepped finely enough for [`LINE_SLACK`]; the fitting
/// part is then stepped again with no slack, and only pitches that put every line in
/// its window count.
fn largest_lattice(edges: &[usize], min: f32, max: f32) -> Option<PitchRange> {
    let (&first, &last) = (edges.first()?, edges.last()?);
    let span = (last - first) as f32;
    if span < 1.0 {
        return None;
    }
    for k in 1.. {
        let (lo, hi) = (((span - 1.0) / k as f32).max(min), ((span + 1.0) / k as f32).min(max));
        if (span + 1.0) / (k as f32) < min {
            return None;
        }
        if lo > hi {
            continue;
        }
        let coarse = fitting_pitches(edges, lo, hi, STEPS_PER_SPAN, LINE_SLACK);
        let (Some(&low), Some(&high)) = (coarse.first(), coarse.last()) else {
            continue;
        };
        let step = (hi - lo) / STEPS_PER_SPAN as f32;
        let exact = fitting_pitches(
            edges,
            (low - step).max(lo),
            (high + step).min(hi),
            4 * STEPS_PER_SPAN,
            0.0,
        );
        if let (Some(&low), Some(&high)) = (exact.first(), exact.last()) {
            return Some(PitchRange { low, high });
        }
    }
    None
}

/// One axis's changing columns and the pitches that fit them (`range` is `None`
/// where it has too few edges, or they leave the cell count open, or nothing fits).
struct ExactAxis {
    width: usize,
    edges: Vec<usize>,
    /// Which columns show anything.
    visible: Vec<bool>,
    range: Option<PitchRange>,
}

impl ExactAxis {
    /// The axis at one change threshold; `None` where adjacent columns change.
    fn new(planes: &[Plane], threshold: i32) -> Option<Self> {
        let width = planes[0].width;
        let (edges, visible) = column_profile(planes, threshold)?;
        let range = if edges.len() >= MIN_EDGES {
            largest_lattice(&edges, MIN_EXACT_PITCH, MAX_PIXEL_SIZE)
                .filter(|r| r.spread() * width as f32 / r.pitch() <= MAX_CELL_SPREAD)
        } else {
            None
        };
        Some(Self {
            width,
            edges,
            visible,
            range,
        })
    }

    /// The pitches near `other` (the other axis's) that fit this axis; all of them
    /// when it has no edges.
    fn near(&self, other: &PitchRange) -> Option<PitchRange> {
        if self.edges.is_empty() {
            return Some(*other);
        }
        let (min, max) = (
            other.low * (1.0 - SQUARE_TOLERANCE),
            other.high * (1.0 + SQUARE_TOLERANCE),
        );
        largest_lattice(&self.edges, min, max)
    }

    /// Visible columns the cells of `grid` leave out (slivers of a cell at either
    /// border, less than half a cell, are not cells).
    fn dropped(&self, grid: &AxisGrid) -> usize {
        let end = grid.offset + grid.cells as f32 * grid.pitch;
        (0..self.width)
            .filter(|&x| {
                let centre = x as f32 + 0.5;
                self.visible[x] && (centre < grid.offset || centre >= end)
            })
            .count()
    }

    /// The axis's cells at `pitch` with their lines on its edges, placed (within
    /// what the edges allow) to leave out the fewest visible border columns, and how
    /// many those are. The edges say where cells start only inside the sprite: a
    /// sprite that touches the image border leaves its outer lines open.
    fn grid(&self, pitch: f32) -> Option<(AxisGrid, usize)> {
        let (lo, hi) = if self.edges.is_empty() {
            (0.0, pitch)
        } else {
            line_window(&self.edges, pitch, 0.0)?
        };
        middle_out(lo, hi)
            .into_iter()
            .map(|line| {
                let grid = AxisGrid::covering(self.width, pitch, line, 1.0);
                (grid, self.dropped(&grid))
            })
            .min_by_key(|&(_, dropped)| dropped)
    }

    /// [`Self::grid`] at the pitch of `range` that leaves out the fewest columns.
    fn best_grid(&self, range: &PitchRange) -> Option<AxisGrid> {
        let placed = range.candidates().into_iter().filter_map(|p| self.grid(p));
        placed.min_by_key(|&(_, dropped)| dropped).map(|(grid, _)| grid)
    }
}

/// The exact grid of piecewise-constant planes (pooled), one axis along the rows of
/// `planes` and the other along the rows of `transposed`; `None` where the input is
/// not a nearest-neighbour upscale of pitch 2 or more at any of the
/// [`CHANGE_THRESHOLDS`] (then the statistical search decides).
pub fn piecewise_constant_grid(planes: &[Plane], transposed: &[Plane]) -> Option<(AxisGrid, AxisGrid)> {
    CHANGE_THRESHOLDS.iter().find_map(|&threshold| {
        let x = ExactAxis::new(planes, threshold)?;
        grid_at_level(&x, &ExactAxis::new(transposed, threshold)?)
    })
}

/// The grid both axes' changes fit. Pixels are square where both axes allow a
/// common pitch (two axes pin it down better than one), otherwise each axis keeps
/// its own.
fn grid_at_level(x: &ExactAxis, y: &ExactAxis) -> Option<(AxisGrid, AxisGrid)> {
    let similar = |a: &PitchRange, b: &PitchRange| (a.pitch() / b.pitch() - 1.0).abs() <= SQUARE_TOLERANCE;
    let (rx, ry) = match (x.range, y.range) {
        (Some(rx), Some(ry)) if similar(&rx, &ry) => (rx, ry),
        // A larger pitch on one axis is a coincidence of sparse edges when that axis
        // also fits the other's smaller pitch.
        (Some(rx), Some(ry)) if rx.pitch() > ry.pitch() => (x.near(&ry)?, ry),
        (Some(rx), Some(_)) => (rx, y.near(&rx)?),
        (Some(rx), None) => (rx, y.near(&rx)?),
        (None, Some(ry)) => (x.near(&ry)?, ry),
        (None, None) => return None,
    };
    let Some(common) = rx.common(&ry) else {
        return Some((x.best_grid(&rx)?, y.best_grid(&ry)?));
    };
    let placed = common.candidates().into_iter().filter_map(|p| {
        let ((gx, dx), (gy, dy)) = (x.grid(p)?, y.grid(p)?);
        Some((gx, gy, dx + dy))
    });
    placed
        .min_by_key(|&(_, _, dropped)| dropped)
        .map(|(gx, gy, _)| (gx, gy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::degrade::{dither_to_levels, gamma_exposure, resample, Kernel};
    use ::image::{Rgba, RgbaImage};

    /// A 20x14 sprite of varied cells (no two neighbours equal along x).
    fn sprite() -> RgbaImage {
        RgbaImage::from_fn(20, 14, |x, y| {
            Rgba([
                (x * 37 + y * 11) as u8,
                (x * 5 + y * 53) as u8,
                ((x ^ y) * 29) as u8,
                255,
            ])
        })
    }

    fn exact(image: &RgbaImage) -> Option<(AxisGrid, AxisGrid)> {
        let plane = Plane::premultiplied(image);
        let transposed = plane.transposed();
        piecewise_constant_grid(std::slice::from_ref(&plane), std::slice::from_ref(&transposed))
    }

    #[test]
    fn finds_non_integer_pitch_and_phase() {
        for (scale, phase) in [(2.3f32, [0.4f32, -0.7]), (4.904, [1.1, 0.3]), (5.7, [-2.0, 2.5])] {
            let image = resample(&sprite(), scale, phase, Kernel::Nearest);
            let (x, y) = exact(&image).expect("a nearest upscale has an exact grid");
            for g in [x, y] {
                assert!((g.pitch / scale - 1.0).abs() < 0.01, "pitch {} for {scale}", g.pitch);
            }
            assert_eq!((x.cells, y.cells), (20, 14), "scale {scale}");
        }
    }

    #[test]
    fn finds_the_grid_under_gamma_drift_and_dither() {
        let mut image = resample(&sprite(), 3.35, [0.6, -1.2], Kernel::Nearest);
        gamma_exposure(&mut image, 1.15, 0.95);
        dither_to_levels(&mut image, 32);
        let plane = Plane::premultiplied(&image);
        let every_change = ExactAxis::new(std::slice::from_ref(&plane), CHANGE_THRESHOLDS[0]);
        assert!(every_change.is_none(), "the dither changes adjacent columns");
        let (x, y) = exact(&image).expect("strong changes still lie on the grid");
        assert!((x.pitch / 3.35 - 1.0).abs() < 0.01 && (y.pitch / 3.35 - 1.0).abs() < 0.01);
        assert_eq!((x.cells, y.cells), (20, 14));
    }

    #[test]
    fn leaves_smooth_and_clean_input_to_the_search() {
        assert!(exact(&sprite()).is_none(), "clean art: adjacent changes");
        let smooth = resample(&sprite(), 4.5, [0.3, 0.3], Kernel::Bilinear);
        assert!(exact(&smooth).is_none());
    }
}
