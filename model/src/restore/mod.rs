//! Restoration: from pseudo pixel art to one pixel per cell.
//!
//! decode -> key colour to transparency ([`apply_key_color`]) -> [`crate::grid`]
//! detection -> cells ([`sample_cells`]: robust colour from each cell's interior,
//! alpha from coverage; on a smooth upscale, [`refine_smooth_cells`] fits the colours
//! by least squares) -> [`crate::palette`] (automatic size, or a given palette /
//! colour limit; on a smooth upscale the colours are refitted whole and
//! [`refine_blur`] remeasures the blur on them) -> snap -> output plus a
//! [`RestoreReport`].

mod cells;
mod censored;
mod deconvolve;
mod key;
pub mod learned;

use std::time::Instant;

use ::image::{Rgba, RgbaImage};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SpriteDxError};
use crate::grid::{detect_grid, Grid, GridHints};
use crate::image::color::srgb8_to_oklab;
use crate::image::io::ImageLimits;
use crate::palette::{extract_palette, ClusterOptions, Palette, PaletteOptions};

pub use cells::{interior_ranges, noise_level, sample_cells, CellSample, CellSamples};
pub use deconvolve::{fit_upscale_model, refine_blur, refine_smooth_cells, SmoothFit, UpscaleModel};
pub use key::{apply_key_color, KeyColor};

/// Which restorer runs.
///
/// In `.meta`/RON files it is written like Bevy's own enums (`Learned`); the
/// lower-case names of the command line and reports (`learned`) are accepted too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestoreMode {
    /// The best available for the input (today: the classical pipeline, which the
    /// learned restorer does not beat yet; see the README's tables).
    #[default]
    #[serde(alias = "auto")]
    Auto,
    /// The classical pipeline only.
    #[serde(alias = "classical")]
    Classical,
    /// The learned restorer ([`learned`]) with the shipped default weights.
    #[serde(alias = "learned")]
    Learned,
}

impl RestoreMode {
    /// The name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Classical => "classical",
            Self::Learned => "learned",
        }
    }
}

/// Everything a restoration can be told; the default is fully automatic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoreOptions {
    /// Known pixel size or cell count (found automatically when empty).
    pub hints: GridHints,
    /// Palette to snap to, or a colour limit.
    pub palette: PaletteOptions,
    /// Colour that means "transparent" (magenta backgrounds are found automatically).
    pub key_color: KeyColor,
    /// Which restorer runs.
    pub mode: RestoreMode,
    /// Keep the cell colours as measured instead of snapping them to the palette.
    pub no_snap: bool,
    /// Largest input accepted.
    #[serde(skip)]
    pub limits: ImageLimits,
}

impl RestoreOptions {
    /// Rejects options no restoration can follow (an unavailable mode, no colours).
    pub fn check(&self) -> Result<()> {
        if let Some(0) = self.palette.max_colors {
            return Err(SpriteDxError::InvalidOption("max colours must be at least 1".into()));
        }
        Ok(())
    }
}

/// What a restoration found; one line of `spritedx restore --report` (see DESIGN §3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestoreReport {
    /// Input pixels per cell, per axis (may be fractional).
    pub pixel_size: [f32; 2],
    /// Position of the first cell's top-left corner in the input, in input pixels.
    pub offset: [f32; 2],
    /// Output size in cells (= pixels).
    pub cells: [u32; 2],
    /// Number of colours in the output.
    pub colors: usize,
    /// Grid confidence, 0..1.
    pub confidence: f32,
    /// The restorer that ran ("classical", "unchanged" for already-clean art).
    pub mode: String,
    /// Wall time of the restoration in milliseconds.
    pub ms: f64,
}

/// A restored sprite with what was found on the way.
#[derive(Clone, Debug)]
pub struct Restored {
    /// One pixel per cell, binary alpha.
    pub image: RgbaImage,
    /// The report.
    pub report: RestoreReport,
    /// The grid used.
    pub grid: Grid,
    /// The output palette.
    pub palette: Palette,
}

/// Restores one image.
///
/// Errors: [`SpriteDxError::EmptyImage`] / [`SpriteDxError::ImageTooLarge`] for sizes
/// outside the limits, [`SpriteDxError::FullyTransparent`], and
/// [`SpriteDxError::NoGridFound`] when no grid is coherent and the image does not look
/// like clean pixel art either. Already-clean art comes back unchanged (pixel size 1).
pub fn restore(input: &RgbaImage, options: &RestoreOptions) -> Result<Restored> {
    restore_with(input, options, &CpuCells)
}

/// Where the per-cell work of a restoration runs: sampling every cell of the grid and
/// snapping cell colours to the palette. Grid detection and palette extraction stay
/// on the CPU; a backend must give exactly what [`CpuCells`] gives.
pub trait CellBackend {
    /// Samples every cell of `grid` on `image` (see [`sample_cells`]).
    fn sample(&self, image: &RgbaImage, grid: &Grid) -> Result<CellSamples>;
    /// The colour of every cell snapped to `palette` (non-empty), transparent where
    /// the cell is not opaque; `[cells_y * cells_x]` pixels.
    fn snap(&self, samples: &[CellSample], palette: &Palette) -> Result<Vec<Rgba<u8>>>;
}

/// The CPU implementation of [`CellBackend`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuCells;

impl CellBackend for CpuCells {
    fn sample(&self, image: &RgbaImage, grid: &Grid) -> Result<CellSamples> {
        Ok(sample_cells(image, grid))
    }

    fn snap(&self, samples: &[CellSample], palette: &Palette) -> Result<Vec<Rgba<u8>>> {
        let snapper = palette.snapper();
        Ok(samples
            .iter()
            .map(|cell| cell.pixel(snapper.snap(cell.color)))
            .collect())
    }
}

/// The input checked against the limits and options, its key colour made
/// transparent; a typed error for a fully transparent result. Every restorer starts here.
pub(crate) fn checked_and_keyed(input: &RgbaImage, options: &RestoreOptions) -> Result<RgbaImage> {
    options.limits.check(input.width(), input.height())?;
    options.check()?;
    let keyed = apply_key_color(input, options.key_color);
    if keyed.pixels().all(|p| p[3] == 0) {
        return Err(SpriteDxError::FullyTransparent);
    }
    Ok(keyed)
}

/// [`restore`] with the per-cell work done by `backend` (e.g. the plugin's GPU path).
/// The learned mode runs the learned restorer on the CPU whatever the backend.
pub fn restore_with(input: &RgbaImage, options: &RestoreOptions, backend: &dyn CellBackend) -> Result<Restored> {
    if options.mode == RestoreMode::Learned {
        return learned::restore_with_default_weights(input, options);
    }
    let start = Instant::now();
    let keyed = checked_and_keyed(input, options)?;
    let hinted = options.hints != GridHints::default();
    let clean_looking = !hinted && looks_clean(input, &keyed);
    let mut grid = match detect_grid(&keyed, &options.hints) {
        Ok(grid) => grid,
        Err(SpriteDxError::NoGridFound { .. }) if clean_looking => {
            return Ok(unchanged(keyed, start));
        }
        Err(e) => return Err(e),
    };

    let mut cells = backend.sample(&keyed, &grid)?;
    // Clean art can show a plausible grid (2x2 features...); a real upscale of clean
    // art is reproduced by expanding its cells again, clean art itself is not. The
    // check uses the measured cell colours: it tests the grid, not the palette.
    if clean_looking && reproduction(&keyed, &cells.samples, &grid) < CLEAN_REPRODUCTION {
        return Ok(unchanged(keyed, start));
    }
    let palette = classical_palette(&keyed, &mut grid, &mut cells, options);
    let image = draw_cells(&cells.samples, grid.cells, &palette, options, backend)?;
    let (image, grid) = trim_empty_partial_cells(image, grid, keyed.dimensions());
    Ok(Restored::new(
        image,
        grid,
        palette,
        RestoreMode::Classical.as_str(),
        start,
    ))
}

impl Restored {
    /// Bundles a result with its report (`start` is when the restoration began).
    pub(crate) fn new(image: RgbaImage, grid: Grid, palette: Palette, mode: &str, start: Instant) -> Self {
        let colors = count_colors(&image);
        Self {
            report: RestoreReport {
                pixel_size: grid.pixel_size,
                offset: grid.offset,
                cells: grid.cells,
                colors,
                confidence: grid.confidence,
                mode: mode.into(),
                ms: start.elapsed().as_secs_f64() * 1e3,
            },
            image,
            grid,
            palette,
        }
    }
}

/// The classical palette of `cells` (sampled on `grid` from `image`): on a smooth
/// upscale the cell colours are first refined by least squares
/// ([`refine_smooth_cells`]) and the palette comes from the fitted colours
/// ([`SmoothFit::palette`], refitted over whole colours, the blur then remeasured
/// on them by [`refine_blur`]); on a sharp one, from the
/// interior medians ([`cell_palette`]). A fixed palette is returned as given.
pub(crate) fn classical_palette(
    image: &RgbaImage,
    grid: &mut Grid,
    cells: &mut CellSamples,
    options: &RestoreOptions,
) -> Palette {
    let mut smooth = refine_smooth_cells(image, grid, cells);
    if let Some(fit) = &smooth {
        // Interiors of one or two pixels show no noise; the redraw does.
        // (noise is a mean absolute deviation: 0.8 sigma for Gaussian noise)
        cells.noise = cells.noise.max(0.8 * fit.noise);
    }
    let automatic = options.palette.fixed.is_none() && options.palette.max_colors.is_none();
    let mut palette = match &smooth {
        Some(fit) if automatic => fit.palette(&cells.samples),
        _ => Palette::default(),
    };
    if palette.is_empty() {
        palette = cell_palette(&cells.samples, cells.noise, grid.cells, options);
    }
    if let (Some(fit), None) = (&mut smooth, &options.palette.fixed) {
        palette = fit.refit_palette(&mut cells.samples, &palette);
        // Regrouping at a new blur would not keep a colour limit.
        if automatic {
            if let Some(regrouped) = refine_blur(grid, &mut cells.samples, fit, &palette) {
                palette = regrouped;
            }
        }
    }
    palette
}

/// The palette of the cells `samples` (`[cells_y * cells_x]` of a `cells`-sized grid,
/// several grids may be stacked vertically) measured at `noise`: the fixed palette
/// when one is given, else extracted from the opaque cells and refined from the
/// cells inside flat areas.
pub(crate) fn cell_palette(samples: &[CellSample], noise: f32, cells: [u32; 2], options: &RestoreOptions) -> Palette {
    if let Some(p) = &options.palette.fixed {
        return p.clone();
    }
    let opaque: Vec<[u8; 3]> = samples.iter().filter(|c| c.opaque).map(|c| c.color).collect();
    let extracted = extract_palette(
        &opaque,
        ClusterOptions {
            merge_distance: merge_distance(noise),
            max_colors: options.palette.max_colors,
        },
    );
    if extracted.is_empty() {
        extracted
    } else {
        refine_from_core_cells(&extracted, samples, cells[0] as usize, cells[1] as usize)
    }
}

/// One output pixel per cell: each cell's colour snapped to `palette` (or as
/// measured with `no_snap`), transparent where the cell is not opaque.
pub(crate) fn draw_cells(
    samples: &[CellSample],
    [w, h]: [u32; 2],
    palette: &Palette,
    options: &RestoreOptions,
    backend: &dyn CellBackend,
) -> Result<RgbaImage> {
    let pixels = if options.no_snap || palette.is_empty() {
        samples.iter().map(|cell| cell.pixel(cell.color)).collect()
    } else {
        backend.snap(samples, palette)?
    };
    let mut image = RgbaImage::new(w, h);
    for (px, value) in image.pixels_mut().zip(pixels) {
        *px = value;
    }
    Ok(image)
}

/// Re-estimates every palette colour from its core cells (the four neighbours snap to
/// the same colour): on blurred input, a cell beside another colour is pulled towards
/// it, and in pixel art most cells are beside another colour.
fn refine_from_core_cells(palette: &Palette, samples: &[CellSample], w: usize, h: usize) -> Palette {
    let snapper = palette.snapper();
    let index: Vec<Option<usize>> = samples
        .iter()
        .map(|c| c.opaque.then(|| snapper.nearest_index(srgb8_to_oklab(c.color))))
        .collect();
    let mut cores: Vec<Vec<[u8; 3]>> = vec![Vec::new(); palette.len()];
    for y in 0..h {
        for x in 0..w {
            let Some(k) = index[y * w + x] else { continue };
            let same = |nx: isize, ny: isize| {
                nx < 0
                    || ny < 0
                    || nx >= w as isize
                    || ny >= h as isize
                    || index[ny as usize * w + nx as usize] == Some(k)
            };
            let (xi, yi) = (x as isize, y as isize);
            if same(xi - 1, yi) && same(xi + 1, yi) && same(xi, yi - 1) && same(xi, yi + 1) {
                cores[k].push(samples[y * w + x].color);
            }
        }
    }
    Palette::new(
        palette
            .colors
            .iter()
            .zip(&cores)
            .map(|(&c, core)| if core.is_empty() { c } else { median_color(core) })
            .collect(),
    )
}

fn median_color(colors: &[[u8; 3]]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (c, slot) in out.iter_mut().enumerate() {
        let mut v: Vec<u8> = colors.iter().map(|x| x[c]).collect();
        let mid = v.len() / 2;
        *slot = *v.select_nth_unstable(mid).1;
    }
    out
}

/// OKLab merge distance for a measured per-channel noise level (8-bit units): zero on
/// clean input (every distinct colour is kept, however close), growing with the noise
/// so that noisy variants of one colour join while distinct colours stay apart.
fn merge_distance(noise: f32) -> f32 {
    (0.007 * noise).min(0.08)
}

/// Drops a first or last column/row of cells that lies partly outside the input and
/// is fully transparent: it is the canvas margin of a shifted upscale, not sprite.
pub(crate) fn trim_empty_partial_cells(image: RgbaImage, grid: Grid, input_size: (u32, u32)) -> (RgbaImage, Grid) {
    let (mut images, grid) = trim_empty_partial_cells_of_all(vec![image], grid, input_size);
    (images.remove(0), grid)
}

/// [`trim_empty_partial_cells`] for the frames of a clip on one grid: a column or
/// row goes only when it is empty in every frame.
pub(crate) fn trim_empty_partial_cells_of_all(
    images: Vec<RgbaImage>,
    mut grid: Grid,
    (w, h): (u32, u32),
) -> (Vec<RgbaImage>, Grid) {
    let (cw, ch) = images[0].dimensions();
    let len = [w as f32, h as f32];
    let partial_first = |a: usize| grid.offset[a] < -0.01;
    let partial_last = |a: usize| grid.offset[a] + grid.cells[a] as f32 * grid.pixel_size[a] > len[a] + 0.01;
    let column_empty = |x: u32| images.iter().all(|i| (0..ch).all(|y| i.get_pixel(x, y)[3] == 0));
    let row_empty = |y: u32| images.iter().all(|i| (0..cw).all(|x| i.get_pixel(x, y)[3] == 0));
    let x0 = u32::from(cw > 1 && partial_first(0) && column_empty(0));
    let x1 = cw - u32::from(cw > x0 + 1 && partial_last(0) && column_empty(cw - 1));
    let y0 = u32::from(ch > 1 && partial_first(1) && row_empty(0));
    let y1 = ch - u32::from(ch > y0 + 1 && partial_last(1) && row_empty(ch - 1));
    if (x0, x1, y0, y1) == (0, cw, 0, ch) {
        return (images, grid);
    }
    grid.offset = [
        grid.offset[0] + x0 as f32 * grid.pixel_size[0],
        grid.offset[1] + y0 as f32 * grid.pixel_size[1],
    ];
    grid.cells = [x1 - x0, y1 - y0];
    let cropped = images
        .iter()
        .map(|image| ::image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image())
        .collect();
    (cropped, grid)
}

/// Per-channel difference still counted as reproduced (covers dithering).
const REPRODUCTION_TOLERANCE: i32 = 12;
/// Share of input pixels a grid must reproduce for an image that looks clean to be
/// treated as an upscale rather than as already-clean art.
const CLEAN_REPRODUCTION: f32 = 0.95;

/// Looks like clean pixel art: `input` (as it came, before a key colour was removed)
/// has few colours (see [`few_colors`]) and the key, if it removed anything, removed
/// one colour only. A JPEG's background is the key colour with noise: removing it
/// leaves a small sprite with few enough colours to pass for clean art, and a tiny
/// image has few colours whatever it shows.
pub(crate) fn looks_clean(input: &RgbaImage, keyed: &RgbaImage) -> bool {
    few_colors(input) && key::removed_one_color(input, keyed)
}

/// At most 256 RGBA colours and a few alpha levels (stops reading at the 257th
/// colour, so large generated images cost little).
fn few_colors(image: &RgbaImage) -> bool {
    let mut colors = std::collections::HashSet::with_capacity(257);
    let mut alphas = [false; 256];
    for p in image.pixels() {
        let c = if p[3] == 0 { [0; 4] } else { p.0 };
        if colors.insert(c) && colors.len() > 256 {
            return false;
        }
        alphas[c[3] as usize] = true;
    }
    alphas.iter().filter(|&&a| a).count() <= 16
}

/// Share of the visible pixels (opaque in the input or in the re-expanded output)
/// that are within [`REPRODUCTION_TOLERANCE`] of their measured cell, alpha compared at
/// 128. Transparent background does not count: a small sprite on a large canvas would
/// otherwise always look reproduced.
fn reproduction(input: &RgbaImage, cells: &[CellSample], grid: &Grid) -> f32 {
    let [w, h] = grid.cells;
    let cell = |v: u32, axis: usize, n: u32| {
        let c = ((v as f32 + 0.5 - grid.offset[axis]) / grid.pixel_size[axis]).floor();
        (c >= 0.0 && (c as u32) < n).then_some(c as u32)
    };
    let (mut same, mut visible) = (0usize, 0usize);
    for (x, y, p) in input.enumerate_pixels() {
        let r = match (cell(x, 0, w), cell(y, 1, h)) {
            (Some(i), Some(j)) => {
                let c = &cells[(j * w + i) as usize];
                [c.color[0], c.color[1], c.color[2], if c.opaque { 255 } else { 0 }]
            }
            _ => [0; 4],
        };
        let matches = match (p[3] >= 128, r[3] >= 128) {
            (false, false) => continue,
            (true, true) => (0..3).all(|c| (p[c] as i32 - r[c] as i32).abs() <= REPRODUCTION_TOLERANCE),
            _ => false,
        };
        visible += 1;
        same += matches as usize;
    }
    same as f32 / visible.max(1) as f32
}

/// Already-clean art: the input itself, pixel size 1.
fn unchanged(image: RgbaImage, start: Instant) -> Restored {
    let (w, h) = image.dimensions();
    let palette = Palette::new(visible_colors([&image]));
    Restored::new(image, Grid::identity(w, h), palette, "unchanged", start)
}

/// Distinct colours among the non-transparent pixels of `images`, sorted.
pub(crate) fn visible_colors<'a>(images: impl IntoIterator<Item = &'a RgbaImage>) -> Vec<[u8; 3]> {
    let mut seen: Vec<[u8; 3]> = images
        .into_iter()
        .flat_map(|image| image.pixels().filter(|p| p[3] > 0).map(|p| [p[0], p[1], p[2]]))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen
}

/// Number of distinct colours among the non-transparent pixels.
pub fn count_colors(image: &RgbaImage) -> usize {
    visible_colors([image]).len()
}
