//! Restoring a clip: one grid (pooled over the frames: one pixel size, no scale
//! jitter), one palette (no colour flicker), and whole-pixel motion.
//!
//! A video model moves a sprite by fractions of a pixel. Each frame's cells follow
//! that drift: the frame's phase is fitted at the clip's pixel size and its
//! difference from the clip's phase (wrapped to at most half a cell) shifts the
//! frame's cells. A sprite wobbling by less than half a pixel then stays put, and a
//! sprite that travels moves in whole-pixel steps, each step taken when it is
//! nearer the next pixel than the last, never a sub-pixel smear or a one-pixel
//! flicker back and forth.

use std::time::Instant;

use ::image::RgbaImage;

use super::check_clip;
use crate::error::{Result, SpriteDxError};
use crate::grid::{detect_grid, detect_shared_grid, fit_phase, Grid};
use crate::palette::Palette;
use crate::restore::{
    apply_key_color, cell_palette, draw_cells, looks_clean, trim_empty_partial_cells_of_all, visible_colors,
    CellBackend, CellSample, CpuCells, RestoreMode, RestoreOptions, RestoreReport,
};

/// A restored clip: every frame on one canvas of the clip's cells.
#[derive(Clone, Debug)]
pub struct RestoredClip {
    /// One restored frame per input frame, `grid.cells` in size, binary alpha.
    pub frames: Vec<RgbaImage>,
    /// The clip's grid: its pixel size and the phase the drift is measured from.
    pub grid: Grid,
    /// Per frame, the sub-pixel drift its cells followed, in input pixels `[x, y]`
    /// (at most half a cell either way).
    pub drift: Vec<[f32; 2]>,
    /// The one palette of the clip.
    pub palette: Palette,
    /// What was found (pixel size, phase and confidence of the clip's grid; colours
    /// over all frames; total time).
    pub report: RestoreReport,
}

/// Restores every frame of a clip with one grid and one palette, moving in whole
/// pixels (see the module docs). Already-clean frames come back unchanged.
///
/// Errors: an empty clip, frames of different sizes, a frame outside the size
/// limits, a clip with nothing visible, or no grid found.
pub fn restore_clip(frames: &[RgbaImage], options: &RestoreOptions) -> Result<RestoredClip> {
    restore_clip_with(frames, options, &CpuCells)
}

/// [`restore_clip`] with the per-cell work done by `backend`.
pub fn restore_clip_with(
    frames: &[RgbaImage],
    options: &RestoreOptions,
    backend: &dyn CellBackend,
) -> Result<RestoredClip> {
    let start = Instant::now();
    let [width, height] = check_clip(frames)?;
    options.limits.check(width, height)?;
    options.check()?;
    let keyed: Vec<RgbaImage> = frames.iter().map(|f| apply_key_color(f, options.key_color)).collect();
    if keyed.iter().all(|f| f.pixels().all(|p| p[3] == 0)) {
        return Err(SpriteDxError::FullyTransparent);
    }
    let grid = match clip_grid(&keyed, options) {
        Ok(grid) => grid,
        Err(SpriteDxError::NoGridFound { .. }) if frames.iter().zip(&keyed).all(|(f, k)| looks_clean(f, k)) => {
            return Ok(unchanged(keyed, start));
        }
        Err(e) => return Err(e),
    };
    let mut drift = Vec::with_capacity(frames.len());
    let mut samples: Vec<CellSample> = Vec::with_capacity(frames.len() * (grid.cells[0] * grid.cells[1]) as usize);
    let mut noise = Vec::with_capacity(frames.len());
    for frame in &keyed {
        let phase = fit_phase(frame, grid.pixel_size);
        let d: [f32; 2] =
            std::array::from_fn(|a| phase[a].map_or(0.0, |o| wrap_half(o - grid.offset[a], grid.pixel_size[a])));
        let frame_grid = Grid {
            offset: [grid.offset[0] + d[0], grid.offset[1] + d[1]],
            ..grid
        };
        let cells = backend.sample(frame, &frame_grid)?;
        samples.extend(cells.samples);
        noise.push(cells.noise);
        drift.push(d);
    }
    noise.sort_by(f32::total_cmp);
    let [w, h] = grid.cells;
    // The frames' cells stacked vertically: one palette from all of them.
    let stacked = [w, h * frames.len() as u32];
    let palette = cell_palette(&samples, noise[noise.len() / 2], stacked, options);
    let per_frame = (w * h) as usize;
    let restored = samples
        .chunks(per_frame)
        .map(|cells| draw_cells(cells, grid.cells, &palette, options, backend))
        .collect::<Result<Vec<_>>>()?;
    let (restored, grid) = trim_empty_partial_cells_of_all(restored, grid, (width, height));
    let report = RestoreReport {
        pixel_size: grid.pixel_size,
        offset: grid.offset,
        cells: grid.cells,
        colors: visible_colors(&restored).len(),
        confidence: grid.confidence,
        mode: RestoreMode::Classical.as_str().into(),
        ms: start.elapsed().as_secs_f64() * 1e3,
    };
    Ok(RestoredClip {
        frames: restored,
        grid,
        drift,
        palette,
        report,
    })
}

/// Frames whose grids are detected one by one to find the clip's pixel size.
const PITCH_SAMPLES: usize = 12;

/// The clip's grid: the median pixel size of frames detected one by one (drifting
/// frames do not share a phase, so their evidence cannot simply be pooled), with
/// the reference phase in the middle of the frames' phases at that size.
/// Frames too small to show a grid on their own (a grid on fewer than half of
/// them) pool their evidence instead.
fn clip_grid(keyed: &[RgbaImage], options: &RestoreOptions) -> Result<Grid> {
    let step = keyed.len().div_ceil(PITCH_SAMPLES).max(1);
    let sampled: Vec<&RgbaImage> = keyed.iter().step_by(step).collect();
    let mut found: Vec<Grid> = sampled
        .iter()
        .filter_map(|frame| detect_grid(frame, &options.hints).ok())
        .collect();
    if found.len() * 2 < sampled.len() || found.is_empty() {
        return detect_shared_grid(keyed, &options.hints);
    }
    let median = |values: &mut Vec<f32>| {
        values.sort_by(f32::total_cmp);
        values[values.len() / 2]
    };
    let pixel_size: [f32; 2] = std::array::from_fn(|a| median(&mut found.iter().map(|g| g.pixel_size[a]).collect()));
    let confidence = median(&mut found.iter().map(|g| g.confidence).collect());
    found.clear();
    let mut phases: [Vec<f32>; 2] = Default::default();
    for frame in keyed {
        for (a, phase) in fit_phase(frame, pixel_size).into_iter().enumerate() {
            phases[a].extend(phase);
        }
    }
    let (w, h) = keyed[0].dimensions();
    let offset: [f32; 2] = std::array::from_fn(|a| central_phase(&mut phases[a], pixel_size[a]));
    let cells: [u32; 2] = std::array::from_fn(|a| {
        let len = [w, h][a] as f32;
        (((len - offset[a]) / pixel_size[a]) + 0.5).floor().max(1.0) as u32
    });
    Ok(Grid {
        pixel_size,
        offset,
        cells,
        confidence,
    })
}

/// The phase, in `[-pitch / 2, pitch / 2)`, whose rounding boundary (half a cell
/// away) lies in the middle of the largest gap between the frames' `phases`: frames
/// that wobble around one position, even by more than half a pixel in all, then
/// round to the same pixel. (A circular mean fails exactly there: two clusters half
/// a cell apart cancel out.)
fn central_phase(phases: &mut [f32], pitch: f32) -> f32 {
    if phases.is_empty() {
        return 0.0;
    }
    for p in phases.iter_mut() {
        *p = p.rem_euclid(pitch);
    }
    phases.sort_by(f32::total_cmp);
    // The gap after each phase, the last one wrapping around to the first.
    let (mut gap, mut boundary) = (-1.0f32, 0.0f32);
    for (i, &p) in phases.iter().enumerate() {
        let next = phases.get(i + 1).copied().unwrap_or(phases[0] + pitch);
        if next - p > gap {
            (gap, boundary) = (next - p, (p + next) * 0.5);
        }
    }
    wrap_half(boundary + pitch * 0.5, pitch)
}

/// `value` wrapped into `[-period / 2, period / 2)`.
fn wrap_half(value: f32, period: f32) -> f32 {
    (value + period * 0.5).rem_euclid(period) - period * 0.5
}

/// Already-clean frames: themselves, pixel size 1.
fn unchanged(frames: Vec<RgbaImage>, start: Instant) -> RestoredClip {
    let (w, h) = frames[0].dimensions();
    let grid = Grid::identity(w, h);
    let visible = visible_colors(&frames);
    let colors = visible.len();
    RestoredClip {
        drift: vec![[0.0; 2]; frames.len()],
        frames,
        grid,
        palette: Palette::new(visible),
        report: RestoreReport {
            pixel_size: grid.pixel_size,
            offset: grid.offset,
            cells: grid.cells,
            colors,
            confidence: 1.0,
            mode: "unchanged".into(),
            ms: start.elapsed().as_secs_f64() * 1e3,
        },
    }
}
