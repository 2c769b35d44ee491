//! Pixel-grid detection: scale (pixel size), phase (offset) and confidence, per axis.
//!
//! The detector needs no hints. Per axis it
//! 1. builds two gradient profiles summed over all rows: the first difference, which
//!    peaks on cell boundaries (nearest, bicubic, blurred input), and the second
//!    difference, which peaks where the image bends (cell centres of bilinear input);
//! 2. takes the most *prominent* peaks of both spectra (zero-padded FFT, each bin
//!    divided by the mean magnitude from 0.7x to 1.4x its frequency, so that a
//!    blurred grid's small peak is not drowned by the 1/f slope of texture) and turns
//!    each into pitch candidates (it may be a harmonic or a subharmonic), adding whole
//!    pitches and, on axes of at most 160 px, a dense sweep;
//! 3. refines each pitch by the phase drift of its fundamental between the two halves
//!    of the profile, and finds its phase by *coherence*: the share of the image's
//!    variance the cells leave (residual), against the same cells shifted by half a
//!    cell (gain). JPEG's 8x8 blocks or noise give periodic peaks but no coherent cells;
//! 4. ranks candidates by gain plus prominence, then settles multiples and divisors:
//!    a larger pitch that fits as well wins, a subdivision that leaves half the
//!    residual wins, and a pitch whose even and odd grid lines carry very unequal edge
//!    energy is half the true one;
//! 5. checks for a smooth upscale: a bilinear or bicubic upscale is piecewise linear
//!    or cubic between its true cell centres, so cell means fit a half or a third of
//!    its pitch better than the pitch itself. Each row is redrawn from the values at
//!    the cell centres (linear or Catmull-Rom, whichever fits); where the chosen pitch
//!    redraws the image almost exactly, a multiple that redraws it as well wins, and
//!    where it does not but a fraction does (and cell means leave much of the image
//!    unexplained too), the fraction wins. A candidate too weak on cell means alone
//!    takes its confidence from the same redrawing against the half-cell-shifted
//!    centres;
//! 6. checks the pitch against coarser ones (its double and triple, started from
//!    its lines and its cell centres, and the coarser candidates of step 3) by
//!    redrawing sampled rows from least-squares
//!    cells under a resampling kernel and blur (see `redraw`): a coarser pitch
//!    that redraws them nearly as well with fewer cells wins. This catches a
//!    fraction of a smooth upscale's pitch that the statistics of steps 3 to 5
//!    preferred. Whichever wins, its pitch and phase are then refined by the same
//!    redrawing (first a scan of the pitches within 5%, whose errors have local
//!    minima wherever whole cells line up again, then parabolas): a pitch 1% off
//!    drifts half a cell over 50 cells, and the least-squares cell colours of
//!    restoration suffer from that far more than interior medians did. On a smooth
//!    upscale, a coherent candidate 5-20% from the result that redraws the rows far
//!    better (a quarter less error, once scanned and refined itself) then takes its
//!    place: heavy blur can put the coherence peak 8-15% off the pitch. A finer
//!    ranked candidate that is no whole fraction of the result and leaves 8 times
//!    less redraw error takes its place too: where a smooth upscale's cells carry
//!    little contrast, coherence can pick a pitch that is no multiple of the true
//!    one at all (24.5 px for 10.9 on a textured floor). A grid the
//!    redraw keeps takes its phase gain (the share of the error its phase removes)
//!    as evidence of confidence;
//! 7. sweeps the redraw error of a smooth upscale along every pitch from 1/1.15 to
//!    1.6 times the one found (steps that move the last cell by half a cell, three
//!    phases each, by the found grid's kernel). Where the candidates of steps 2-6
//!    all missed the true pitch (bilinear upscales whose cells carry little
//!    contrast read 2.31 for 2.19 and 2.34 for 2.82 on dev sprites), a local
//!    minimum of the sweep that, once scanned and refined, redraws the rows 2 times
//!    better (coarser) or 4 times better (finer: a finer grid also fits what the
//!    model misses), with a lower criterion, takes its place. Sharp input (redrawn
//!    best by nearest neighbour: exact lattices, JPEG) is left alone; there a finer
//!    grid redraws the ringing;
//! 8. takes a whole step from the pitch found to its half or third, or its double
//!    or triple, where that pitch shows a clearer spectral peak and, once scanned
//!    and refined, redraws the rows with a lower penalised criterion (a fraction
//!    only on a sharp grid, and only with a peak 1.5 times as prominent). JPEG'd
//!    textures whose cells carry little contrast read twice their pitch (11.2 for
//!    5.6 on a cobbled floor) while their true pitch is the clearest peak of the
//!    spectrum; smooth upscales of walls and floors read half theirs where the
//!    double redraws better only once scanned.
//!
//! Both axes are then reconciled on the assumption of square pixels. When an axis
//! is still not coherent enough, or the grid sits on a weak spectral peak, the
//! pitches of the clearest spectral peaks of both axes are tried as square pixels
//! (a large upscale's axes can each settle on a finer pitch the other does not
//! share; a blurred texture's coherence can favour a pitch the spectrum hardly
//! shows): one confident and a clear peak on both axes takes the place of a grid
//! that failed, and of a weak-peak grid where it redraws both axes better. Where
//! none is found for a grid that failed, a typed [`SpriteDxError::NoGridFound`]
//! carries the best confidence instead of a guess.
//!
//! Before all of this, piecewise-constant input (a nearest-neighbour upscale of
//! pitch 2 or more, integer or not) is tested for an exact lattice of cell
//! boundaries (see `exact`), which needs no statistics and is taken when it fits.

mod axis;
mod exact;
mod profile;
mod redraw;
mod spectrum;

use serde::{Deserialize, Serialize};

use crate::error::{Result, SpriteDxError};
use ::image::RgbaImage;

pub use axis::AxisGrid;
use axis::{AxisAnalysis, Candidate};
pub(crate) use redraw::parabola_minimum;

/// Smallest pixel size the detector searches (input pixels per cell).
pub const MIN_PIXEL_SIZE: f32 = 1.5;
/// Largest pixel size the detector searches (input pixels per cell).
pub const MAX_PIXEL_SIZE: f32 = 32.0;
/// Confidence below which no grid is reported.
pub const MIN_CONFIDENCE: f32 = 0.35;
/// Relative difference under which the pitches of two axes count as one square
/// pixel.
const SQUARE_TOLERANCE: f32 = 0.02;
/// Least spectral prominence, on both axes, of a pitch taken by [`square_peak`].
const PEAK_RESCUE_PROMINENCE: f32 = 2.0;
/// Share of the best confidence within which [`square_peak`] takes the coarsest.
const PEAK_RESCUE_SHARE: f32 = 0.95;
/// Largest relative difference of the two axes' pitches in [`square_peak`].
const PEAK_RESCUE_SQUARE: f32 = 0.05;
/// A grid found whose pitch is a spectral peak under this prominence (on either
/// axis) ...
const WEAK_PEAK: f32 = 2.5;
/// ... gives way to the pitch of [`square_peak`] where that peak is at least this
/// many times as prominent (on both axes) and its grid redraws both axes better
/// ([`redrawn_better`]). On the dev split's five smooth and JPEG presets (2182
/// sprites each), gates of 1.5 and 2 alone moved 59 grids read wrong to their true
/// pitch and none read right (within 3% on both axes), but 13 of the
/// nearest-neighbour upscales by 2, whose pitch sits at the edge of the spectrum,
/// where prominence says little; with the redraw check, 48 and 1. These gates (2.5
/// and 1.5) fix 18 more sprite-preset cases and lose 1; 4 and 1.2 lost 32 (grids
/// halved: a finer grid redraws better whatever it is).
const CLEARER_PEAK_RATIO: f32 = 1.5;

/// A detected pixel grid: cell `(i, j)` covers input pixels whose centres lie in
/// `[offset.x + i * pixel_size.x, offset.x + (i + 1) * pixel_size.x)` (and likewise in y),
/// for `i` in `0..cells[0]`. `offset` may be negative when the first cell is partly
/// outside the image.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Input pixels per cell, per axis (fractional sizes allowed).
    pub pixel_size: [f32; 2],
    /// Position of the first cell's left/top edge, in input pixels.
    pub offset: [f32; 2],
    /// Number of cells (output pixels), per axis.
    pub cells: [u32; 2],
    /// How sure the detector is, 0..1 (the lower of the two axes).
    pub confidence: f32,
}

impl Grid {
    /// The identity grid: one cell per input pixel (already-clean art).
    pub fn identity(width: u32, height: u32) -> Self {
        Self {
            pixel_size: [1.0, 1.0],
            offset: [0.0, 0.0],
            cells: [width, height],
            confidence: 1.0,
        }
    }

    /// Builds a grid from two per-axis results.
    pub fn from_axes(x: AxisGrid, y: AxisGrid) -> Self {
        Self {
            pixel_size: [x.pitch, y.pitch],
            offset: [x.offset, y.offset],
            cells: [x.cells, y.cells],
            confidence: x.confidence.min(y.confidence),
        }
    }

    /// Whether this is the identity grid (pixel size 1, no offset).
    pub fn is_identity(&self) -> bool {
        self.pixel_size == [1.0, 1.0] && self.offset == [0.0, 0.0]
    }
}

/// Optional knowledge about the grid; everything is found automatically when empty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GridHints {
    /// Known pixel size (input pixels per cell), the same on both axes.
    pub pixel_size: Option<f32>,
    /// Known number of cells `[width, height]` of the clean sprite.
    pub cells: Option<[u32; 2]>,
}

impl GridHints {
    fn validate(&self, width: u32, height: u32) -> Result<()> {
        if let Some(s) = self.pixel_size {
            if !(s.is_finite() && s >= 1.0 && s <= width.max(height) as f32) {
                return Err(SpriteDxError::InvalidOption(format!(
                    "pixel size {s} must be between 1 and the image size"
                )));
            }
        }
        if let Some([cw, ch]) = self.cells {
            if cw == 0 || ch == 0 || cw > width || ch > height {
                return Err(SpriteDxError::InvalidOption(format!(
                    "cells {cw}x{ch} must be between 1 and the image size {width}x{height}"
                )));
            }
        }
        Ok(())
    }

    fn pitch_for_axis(&self, axis: usize, len: u32) -> Option<f32> {
        self.pixel_size
            .or_else(|| self.cells.map(|c| len as f32 / c[axis] as f32))
    }
}

/// Detects the pixel grid of one image (transparent pixels count as background).
///
/// Returns [`SpriteDxError::NoGridFound`] when no grid of pixel size
/// [`MIN_PIXEL_SIZE`]..=[`MAX_PIXEL_SIZE`] is coherent enough; callers decide
/// whether that means "already clean" (see [`crate::restore`]).
pub fn detect_grid(image: &RgbaImage, hints: &GridHints) -> Result<Grid> {
    detect_shared_grid(std::slice::from_ref(image), hints)
}

/// Detects one grid shared by several images of the same size (frames of a clip,
/// or the sprites of a sheet cut apart): their evidence is pooled.
pub fn detect_shared_grid(images: &[RgbaImage], hints: &GridHints) -> Result<Grid> {
    let Some(first) = images.first() else {
        return Err(SpriteDxError::InvalidOption("no images to detect a grid on".into()));
    };
    let (w, h) = first.dimensions();
    if images.iter().any(|i| i.dimensions() != (w, h)) {
        return Err(SpriteDxError::InvalidOption(
            "images sharing a grid must have the same size".into(),
        ));
    }
    hints.validate(w, h)?;
    let planes: Vec<profile::Plane> = images.iter().map(profile::Plane::premultiplied).collect();
    let transposed: Vec<profile::Plane> = planes.iter().map(profile::Plane::transposed).collect();
    if *hints == GridHints::default() {
        if let Some((x, y)) = exact::piecewise_constant_grid(&planes, &transposed) {
            return Ok(Grid::from_axes(x, y));
        }
    }
    let x = AxisAnalysis::new(&planes);
    let y = AxisAnalysis::new(&transposed);
    let hinted = (hints.pitch_for_axis(0, w), hints.pitch_for_axis(1, h));
    if let (Some(px), Some(py)) = hinted {
        return Ok(Grid::from_axes(x.finish(&x.fit_fixed(px)), y.finish(&y.fit_fixed(py))));
    }
    let (bx, by) = match (x.best(), y.best()) {
        (Some(bx), Some(by)) => {
            let (bx, by) = square_pixels(&x, bx, &y, by);
            agree_by_redraw(&x, bx, &y, by)
        }
        // One axis without variation (a flat band): assume square pixels.
        (Some(bx), None) => (bx, y.fit_fixed(bx.pitch)),
        (None, Some(by)) => (x.fit_fixed(by.pitch), by),
        (None, None) => return Err(no_grid("x", 0.0)),
    };
    let rescue = |analysis: &AxisAnalysis, c: Candidate| {
        if c.confidence() < MIN_CONFIDENCE {
            analysis.with_smooth_evidence(c)
        } else {
            c
        }
    };
    let (bx, by) = (rescue(&x, bx), rescue(&y, by));
    let failing = [("x", &bx), ("y", &by)]
        .into_iter()
        .find(|(_, c)| c.confidence() < MIN_CONFIDENCE);
    // The clearest peak of the grid found, on its weaker axis.
    let found_peak = x.prominence(bx.pitch).min(y.prominence(by.pitch));
    if failing.is_some() || found_peak < WEAK_PEAK {
        if let Some((sx, sy)) = square_peak(&x, &y) {
            if failing.is_some() {
                return Ok(Grid::from_axes(x.finish(&sx), y.finish(&sy)));
            }
            let clearer = sx.prominence.min(sy.prominence) >= CLEARER_PEAK_RATIO * found_peak
                && (sx.pitch / bx.pitch - 1.0).abs() > SQUARE_TOLERANCE;
            if clearer {
                if let Some((cx, cy)) = redrawn_better(&x, &bx, &sx, &y, &by, &sy) {
                    return Ok(Grid::from_axes(x.finish(&cx), y.finish(&cy)));
                }
            }
        }
    }
    if let Some((axis, c)) = failing {
        return Err(no_grid(axis, c.confidence()));
    }
    Ok(Grid::from_axes(x.finish(&bx), y.finish(&by)))
}

/// The phase of a known grid pitch on one image, per axis: where cells of
/// `pixel_size` line up best, in `[-pitch / 2, pitch / 2)`; `None` on an axis with no
/// variation. Used to follow a sprite's sub-pixel drift through a clip whose pitch
/// is already known.
pub fn fit_phase(image: &RgbaImage, pixel_size: [f32; 2]) -> [Option<f32>; 2] {
    let plane = profile::Plane::premultiplied(image);
    let transposed = plane.transposed();
    let fit = |analysis: AxisAnalysis, p: f32| {
        analysis
            .has_content()
            .then(|| analysis.finish(&analysis.fit_fixed(p)).offset)
    };
    [
        fit(AxisAnalysis::new(std::slice::from_ref(&plane)), pixel_size[0]),
        fit(AxisAnalysis::new(std::slice::from_ref(&transposed)), pixel_size[1]),
    ]
}

/// Generated sprites have square pixels: when one axis explains the other's pitch as
/// well as its own (a tile whose columns all come in pairs cannot tell 2 from 4 on
/// its own), both take the same pitch, the smaller one when both could.
fn square_pixels(x: &AxisAnalysis, bx: Candidate, y: &AxisAnalysis, by: Candidate) -> (Candidate, Candidate) {
    if (bx.pitch / by.pitch - 1.0).abs() <= SQUARE_TOLERANCE {
        return (bx, by);
    }
    let x_as_y = x.fit_near(by.pitch);
    let y_as_x = y.fit_near(bx.pitch);
    let x_ok = AxisAnalysis::fits_as_well(&x_as_y, &bx) && (x_as_y.pitch / by.pitch - 1.0).abs() <= SQUARE_TOLERANCE;
    let y_ok = AxisAnalysis::fits_as_well(&y_as_x, &by) && (y_as_x.pitch / bx.pitch - 1.0).abs() <= SQUARE_TOLERANCE;
    match (x_ok, y_ok) {
        (true, true) if by.pitch < bx.pitch => (x_as_y, by),
        (true, true) => (bx, y_as_x),
        (true, false) => (x_as_y, by),
        (false, true) => (bx, y_as_x),
        (false, false) => {
            // Neither axis fits the other's pitch as tightly, as on blurred input,
            // where a half pitch always leaves flatter cells. Blur makes an axis read
            // half the true pitch far more often than twice it: for a whole ratio the
            // larger pitch wins when it is plausible on both axes; for nearly equal
            // pitches the common one that both axes support best.
            let ratio = bx.pitch.max(by.pitch) / bx.pitch.min(by.pitch);
            let larger_on_both = if bx.pitch > by.pitch {
                (bx, y_as_x)
            } else {
                (x_as_y, by)
            };
            let smaller_on_both = if bx.pitch > by.pitch {
                (x_as_y, by)
            } else {
                (bx, y_as_x)
            };
            let whole = (ratio - ratio.round()).abs() < 0.05 * ratio.round();
            let plausible = |(a, b): (Candidate, Candidate)| a.confidence().min(b.confidence()) >= MIN_CONFIDENCE;
            let support = |(a, b): (Candidate, Candidate)| a.confidence() + b.confidence();
            if whole && plausible(larger_on_both) {
                return larger_on_both;
            }
            let common = if support(larger_on_both) >= support(smaller_on_both) {
                larger_on_both
            } else {
                smaller_on_both
            };
            if plausible(common) {
                common
            } else {
                (bx, by)
            }
        }
    }
}

/// The last resort before "no grid", and the check of a grid found on a weak
/// spectral peak ([`WEAK_PEAK`], [`CLEARER_PEAK_RATIO`]): the pitches of the
/// clearest spectral peaks of both axes, each fitted on both axes as square pixels;
/// of those confident and a clear peak ([`PEAK_RESCUE_PROMINENCE`]) on both axes,
/// the coarsest within [`PEAK_RESCUE_SHARE`] of the most confident (a half pitch of
/// a large upscale is often as coherent as the pitch itself). On the dev split's
/// large preset, where twenty sprites found no grid, the searches of each axis had
/// settled on two to three times finer pitches that did not agree, while the true
/// pitch was the clearest peak of both spectra (prominence 4-7) and fully coherent
/// on both.
fn square_peak(x: &AxisAnalysis, y: &AxisAnalysis) -> Option<(Candidate, Candidate)> {
    let fits: Vec<(f32, Candidate, Candidate)> = x
        .peak_pitches()
        .into_iter()
        .chain(y.peak_pitches())
        .map(|p| {
            let cx = x.fit_near(p);
            let cy = y.fit_near(cx.pitch);
            (cx.confidence().min(cy.confidence()), cx, cy)
        })
        .filter(|(confidence, cx, cy)| {
            *confidence >= MIN_CONFIDENCE
                && cx.prominence.min(cy.prominence) >= PEAK_RESCUE_PROMINENCE
                && (cx.pitch / cy.pitch - 1.0).abs() <= PEAK_RESCUE_SQUARE
        })
        .collect();
    let most = fits.iter().map(|f| f.0).fold(0.0, f32::max);
    fits.into_iter()
        .filter(|f| f.0 >= most * PEAK_RESCUE_SHARE)
        .max_by(|a, b| a.1.pitch.total_cmp(&b.1.pitch))
        .map(|(_, cx, cy)| (cx, cy))
}

/// The grid of `sx` and `sy`, refined by redrawing, where it redraws both axes
/// together better than `bx` and `by` (penalised criteria, summed).
fn redrawn_better(
    x: &AxisAnalysis,
    bx: &Candidate,
    sx: &Candidate,
    y: &AxisAnalysis,
    by: &Candidate,
    sy: &Candidate,
) -> Option<(Candidate, Candidate)> {
    let (dx, cx) = x.redraw_change(bx, sx.pitch, bx.pitch.min(sx.pitch))?;
    let (dy, cy) = y.redraw_change(by, sy.pitch, by.pitch.min(sy.pitch))?;
    (dx + dy < 0.0 && cx.confidence().min(cy.confidence()) >= MIN_CONFIDENCE).then_some((cx, cy))
}

/// Axes that still disagree after [`square_pixels`] (one of them has mostly found
/// a wrong multiple or fraction): the one whose redraw error falls most by taking
/// the other's pitch takes it, if any falls.
fn agree_by_redraw(x: &AxisAnalysis, bx: Candidate, y: &AxisAnalysis, by: Candidate) -> (Candidate, Candidate) {
    if (bx.pitch / by.pitch - 1.0).abs() <= SQUARE_TOLERANCE {
        return (bx, by);
    }
    let finest = bx.pitch.min(by.pitch);
    let x_as_y = x.redraw_change(&bx, by.pitch, finest);
    let y_as_x = y.redraw_change(&by, bx.pitch, finest);
    let change = |c: &Option<(f64, Candidate)>| c.as_ref().map_or(f64::INFINITY, |c| c.0);
    match (x_as_y, y_as_x) {
        (Some((dx, cx)), y_as_x) if dx < 0.0 && dx <= change(&y_as_x) => (cx, by),
        (_, Some((dy, cy))) if dy < 0.0 => (bx, cy),
        _ => (bx, by),
    }
}

fn no_grid(axis: &'static str, confidence: f32) -> SpriteDxError {
    SpriteDxError::NoGridFound {
        axis,
        confidence,
        threshold: MIN_CONFIDENCE,
    }
}
