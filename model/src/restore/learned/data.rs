//! From images to network inputs and training examples: the input resampled by the
//! grid to a fixed number of samples per cell, the palette candidates, the targets.

use ::image::RgbaImage;
use burn::prelude::*;
use rand::{rngs::SmallRng, Rng, SeedableRng};

use crate::degrade::{degrade, Preset};
use crate::grid::Grid;
use crate::image::color::srgb8_to_oklab;
use crate::palette::Palette;
use crate::restore::{classical_palette, sample_cells, CellSample, RestoreOptions};

/// Most palette candidates one image offers the palette head.
pub const MAX_CANDIDATES: usize = 256;

/// The input of one image: premultiplied RGBA sampled `s x s` times per cell, for
/// `cells` rounded up to even counts (the extra cells are transparent).
/// `[4, cells_y * s, cells_x * s]` row-major in `data`.
#[derive(Clone, Debug)]
pub struct CellInput {
    /// The samples, `[4, height, width]`.
    pub data: Vec<f32>,
    /// Cells covered, `[x, y]`, both even.
    pub cells: [usize; 2],
    /// Samples per cell along each axis.
    pub samples_per_cell: usize,
    /// What the classical pipeline measured per cell: median colour (sRGB 0..1) and
    /// opacity (0 or 1), `[4, cells_y, cells_x]`; the network corrects it.
    pub cell_data: Vec<f32>,
}

/// Samples `image` (straight 8-bit RGBA) on `grid`: `s x s` bilinear samples per cell,
/// premultiplied, in 0..1, for the cells `origin .. origin + cells` (outside the grid
/// or the image is transparent), with the classical cell measurements `measured`
/// (`[grid cells_y * cells_x]`, see [`sample_cells`]).
pub fn sample_input(
    image: &RgbaImage,
    grid: &Grid,
    measured: &[CellSample],
    s: usize,
    origin: [usize; 2],
    cells: [usize; 2],
) -> CellInput {
    let [cw, ch] = [cells[0].div_ceil(2) * 2, cells[1].div_ceil(2) * 2];
    let (width, height) = (cw * s, ch * s);
    let mut data = vec![0.0f32; 4 * width * height];
    let (iw, ih) = (image.width() as i64, image.height() as i64);
    let pixel = |x: i64, y: i64| -> [f32; 4] {
        if x < 0 || y < 0 || x >= iw || y >= ih {
            return [0.0; 4];
        }
        let p = image.get_pixel(x as u32, y as u32).0;
        let a = p[3] as f32 / 255.0;
        [
            p[0] as f32 / 255.0 * a,
            p[1] as f32 / 255.0 * a,
            p[2] as f32 / 255.0 * a,
            a,
        ]
    };
    let plane = width * height;
    for sy in 0..height {
        let cy = origin[1] + sy / s;
        let inside_y = cy < grid.cells[1] as usize;
        let fy = grid.offset[1] + (cy as f32 + ((sy % s) as f32 + 0.5) / s as f32) * grid.pixel_size[1] - 0.5;
        for sx in 0..width {
            let cx = origin[0] + sx / s;
            if !inside_y || cx >= grid.cells[0] as usize {
                continue;
            }
            let fx = grid.offset[0] + (cx as f32 + ((sx % s) as f32 + 0.5) / s as f32) * grid.pixel_size[0] - 0.5;
            let (x0, y0) = (fx.floor(), fy.floor());
            let (tx, ty) = (fx - x0, fy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let [a, b, c, d] = [
                pixel(x0, y0),
                pixel(x0 + 1, y0),
                pixel(x0, y0 + 1),
                pixel(x0 + 1, y0 + 1),
            ];
            for k in 0..4 {
                let top = a[k] + (b[k] - a[k]) * tx;
                let bottom = c[k] + (d[k] - c[k]) * tx;
                data[k * plane + sy * width + sx] = top + (bottom - top) * ty;
            }
        }
    }
    let cell_plane = cw * ch;
    let mut cell_data = vec![0.0f32; 4 * cell_plane];
    for y in 0..ch {
        for x in 0..cw {
            let (gx, gy) = (origin[0] + x, origin[1] + y);
            if gx >= grid.cells[0] as usize || gy >= grid.cells[1] as usize {
                continue;
            }
            let cell = measured[gy * grid.cells[0] as usize + gx];
            if cell.opaque {
                for c in 0..3 {
                    cell_data[c * cell_plane + y * cw + x] = cell.color[c] as f32 / 255.0;
                }
                cell_data[3 * cell_plane + y * cw + x] = 1.0;
            }
        }
    }
    CellInput {
        data,
        cells: [cw, ch],
        samples_per_cell: s,
        cell_data,
    }
}

/// The classical measurements of every cell of `grid` and the palette candidates:
/// the classical palette (at most [`MAX_CANDIDATES`] colours), so that a network that
/// keeps every cell's measured colour gives exactly the classical result and learns
/// only where to depart from it.
pub fn cells_and_candidates(image: &RgbaImage, grid: &Grid, options: &RestoreOptions) -> (Vec<CellSample>, Palette) {
    let mut cells = sample_cells(image, grid);
    // The network samples the detected grid; the cells are measured on it as the
    // classical pipeline polishes it (a few hundredths of a cell apart).
    let mut palette = classical_palette(image, &mut grid.clone(), &mut cells, options);
    palette.colors.truncate(MAX_CANDIDATES);
    (cells.samples, palette)
}

/// One training example: a crop of a degraded sprite with its targets.
#[derive(Clone, Debug)]
pub struct RestoreExample {
    /// The network input.
    pub input: CellInput,
    /// Palette candidates, sRGB 0..1.
    pub candidates: Vec<[f32; 3]>,
    /// Per cell (`[cells_y * cells_x]`): the candidate nearest the true colour, or -1
    /// where the truth is transparent.
    pub target_index: Vec<i64>,
    /// Per cell: the true colour, sRGB 0..1, `[3, cells_y, cells_x]` (0 where transparent).
    pub target_color: Vec<f32>,
    /// Per cell: 1 where the truth is opaque.
    pub target_alpha: Vec<f32>,
}

/// Degrades `clean` with a random preset, samples a `crop x crop` cell window on the
/// true grid (its phase jittered by up to a tenth of a cell, as detection would be)
/// and builds the targets. `crop` must be even.
pub fn make_example(clean: &RgbaImage, crop: usize, seed: u64) -> RestoreExample {
    let mut rng = SmallRng::seed_from_u64(seed);
    // Every degradation; `clean` (the last preset) is not a training case.
    let degradations = &Preset::ALL[..Preset::ALL.len() - 1];
    let preset = degradations[rng.random_range(0..degradations.len())];
    let degraded = degrade(clean, preset, rng.random());
    let s = degraded.scale;
    let jitter = [rng.random_range(-0.1..0.1) * s, rng.random_range(-0.1..0.1) * s];
    let grid = Grid {
        pixel_size: [s, s],
        offset: [degraded.phase[0] + jitter[0], degraded.phase[1] + jitter[1]],
        cells: [clean.width(), clean.height()],
        confidence: 1.0,
    };
    let (measured, palette) = cells_and_candidates(&degraded.image, &grid, &RestoreOptions::default());
    let origin = [
        rng.random_range(0..=(clean.width() as usize).saturating_sub(crop)),
        rng.random_range(0..=(clean.height() as usize).saturating_sub(crop)),
    ];
    let input = sample_input(&degraded.image, &grid, &measured, 4, origin, [crop, crop]);
    let snapper = palette.snapper();
    let plane = crop * crop;
    let mut target_index = vec![-1i64; plane];
    let mut target_color = vec![0.0f32; 3 * plane];
    let mut target_alpha = vec![0.0f32; plane];
    for y in 0..crop {
        for x in 0..crop {
            let (ox, oy) = (origin[0] + x, origin[1] + y);
            if ox >= clean.width() as usize || oy >= clean.height() as usize {
                continue;
            }
            let p = clean.get_pixel(ox as u32, oy as u32).0;
            if p[3] < 128 || palette.is_empty() {
                continue;
            }
            let i = y * crop + x;
            target_index[i] = snapper.nearest_index(srgb8_to_oklab([p[0], p[1], p[2]])) as i64;
            target_alpha[i] = 1.0;
            for c in 0..3 {
                target_color[c * plane + i] = p[c] as f32 / 255.0;
            }
        }
    }
    RestoreExample {
        input,
        candidates: unit_colors(&palette),
        target_index,
        target_color,
        target_alpha,
    }
}

/// Palette colours as sRGB in 0..1.
pub fn unit_colors(palette: &Palette) -> Vec<[f32; 3]> {
    palette.colors.iter().map(|c| c.map(|v| v as f32 / 255.0)).collect()
}

/// Where padding candidates sit: far from every colour, so the head never picks one.
const PADDING_CANDIDATE: f32 = 10.0;

/// A batch of examples as tensors.
#[derive(Clone, Debug)]
pub struct RestoreBatch<B: Backend> {
    /// `[batch, 4, cells_y * s, cells_x * s]`
    pub input: Tensor<B, 4>,
    /// `[batch, 4, cells_y, cells_x]`: classical colour and opacity per cell
    pub cells: Tensor<B, 4>,
    /// `[batch, candidates, 3]` (padded far away)
    pub candidates: Tensor<B, 3>,
    /// `[batch, cells_y * cells_x]`, -1 where transparent
    pub target_index: Tensor<B, 2, Int>,
    /// `[batch, 3, cells_y, cells_x]`
    pub target_color: Tensor<B, 4>,
    /// `[batch, 1, cells_y, cells_x]`
    pub target_alpha: Tensor<B, 4>,
}

/// Stacks examples of one crop size into a batch.
pub fn batch<B: Backend>(examples: &[RestoreExample], device: &B::Device) -> RestoreBatch<B> {
    let n = examples.len();
    let [cw, ch] = examples[0].input.cells;
    let s = examples[0].input.samples_per_cell;
    let k = examples.iter().map(|e| e.candidates.len()).max().unwrap_or(1).max(1);
    let mut input = Vec::with_capacity(n * 4 * cw * ch * s * s);
    let mut cells = Vec::with_capacity(n * 4 * cw * ch);
    let mut candidates = Vec::with_capacity(n * k * 3);
    let mut index = Vec::with_capacity(n * cw * ch);
    let mut color = Vec::with_capacity(n * 3 * cw * ch);
    let mut alpha = Vec::with_capacity(n * cw * ch);
    for e in examples {
        input.extend_from_slice(&e.input.data);
        cells.extend_from_slice(&e.input.cell_data);
        for i in 0..k {
            candidates.extend_from_slice(&e.candidates.get(i).copied().unwrap_or([PADDING_CANDIDATE; 3]));
        }
        index.extend_from_slice(&e.target_index);
        color.extend_from_slice(&e.target_color);
        alpha.extend_from_slice(&e.target_alpha);
    }
    RestoreBatch {
        input: Tensor::from_data(TensorData::new(input, [n, 4, ch * s, cw * s]), device),
        cells: Tensor::from_data(TensorData::new(cells, [n, 4, ch, cw]), device),
        candidates: Tensor::from_data(TensorData::new(candidates, [n, k, 3]), device),
        target_index: Tensor::from_data(TensorData::new(index, [n, cw * ch]), device),
        target_color: Tensor::from_data(TensorData::new(color, [n, 3, ch, cw]), device),
        target_alpha: Tensor::from_data(TensorData::new(alpha, [n, 1, ch, cw]), device),
    }
}
