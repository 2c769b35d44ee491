//! Restoring an image with the learned restorer: classical grid detection, then the
//! network picks every cell's colour among the image's palette candidates.

use std::time::Instant;

use ::image::{Rgba, RgbaImage};
use burn::prelude::*;

use super::data::{cells_and_candidates, sample_input, unit_colors};
use super::model::Restorer;
use crate::error::{Result, SpriteDxError};
use crate::grid::detect_grid;
use crate::palette::Palette;
use crate::restore::{checked_and_keyed, looks_clean, trim_empty_partial_cells, RestoreMode, RestoreOptions, Restored};

/// The CPU backend the shipped restorer runs on: burn's Flex backend (its
/// convolutions run as GEMM; burn-ndarray's transposed convolution, which training
/// needs, is a plain loop and 10x slower there).
pub type CpuBackend = burn::backend::Flex;

thread_local! {
    static DEFAULT_MODEL: std::cell::OnceCell<std::result::Result<Restorer<CpuBackend>, String>> = const { std::cell::OnceCell::new() };
}

/// [`restore_learned`] with the shipped default weights on the CPU (loaded and
/// validated once per thread).
pub fn restore_with_default_weights(input: &RgbaImage, options: &RestoreOptions) -> Result<Restored> {
    DEFAULT_MODEL.with(|cell| {
        let model =
            cell.get_or_init(|| crate::weights::default_restorer(&Default::default()).map_err(|e| e.to_string()));
        match model {
            Ok(model) => restore_learned(input, options, model),
            Err(message) => Err(SpriteDxError::Model(message.clone())),
        }
    })
}

/// Restores one image with `model` (see [`crate::restore::restore`] for the errors).
/// The grid comes from the classical detector. Input that looks clean (at most 256
/// colours: clean art, nearest upscales) goes to the classical pipeline, which is
/// exact there; its report says "classical".
pub fn restore_learned<B: Backend>(
    input: &RgbaImage,
    options: &RestoreOptions,
    model: &Restorer<B>,
) -> Result<Restored> {
    let start = Instant::now();
    let keyed = checked_and_keyed(input, options)?;
    if looks_clean(input, &keyed) {
        // Clean art and sharp (nearest) upscales: the classical pipeline is exact there.
        let classical = RestoreOptions {
            mode: RestoreMode::Classical,
            ..options.clone()
        };
        return crate::restore::restore(input, &classical);
    }
    let grid = detect_grid(&keyed, &options.hints)?;
    let (measured, candidates) = cells_and_candidates(&keyed, &grid, options);
    let [cw, ch] = grid.cells.map(|c| c as usize);
    let s = model.samples_per_cell();
    let cell_input = sample_input(&keyed, &grid, &measured, s, [0, 0], [cw, ch]);
    let [pw, ph] = cell_input.cells;
    let device = model.devices().into_iter().next().unwrap_or_default();
    let samples = Tensor::<B, 4>::from_data(TensorData::new(cell_input.data, [1, 4, ph * s, pw * s]), &device);
    let cells = Tensor::<B, 4>::from_data(TensorData::new(cell_input.cell_data, [1, 4, ph, pw]), &device);
    let out = model.forward(samples, cells);
    let opaque: Vec<f32> = to_vec(out.alpha_logit.clone()); // [ph * pw]
    let choice: Vec<usize> = if candidates.is_empty() {
        vec![0; pw * ph]
    } else {
        let k = candidates.len();
        let colors = unit_colors(&candidates);
        let flat: Vec<f32> = colors.iter().flatten().copied().collect();
        let cand = Tensor::<B, 3>::from_data(TensorData::new(flat, [1, k, 3]), &device);
        let logits = model.palette_logits(out.color, cand); // [1, hw, k]
        logits
            .argmax(2)
            .into_data()
            .convert::<i64>()
            .to_vec::<i64>()
            .unwrap_or_default()
            .into_iter()
            .map(|i| i as usize)
            .collect()
    };
    let mut image = RgbaImage::new(cw as u32, ch as u32);
    for y in 0..ch {
        for x in 0..cw {
            let i = y * pw + x;
            if opaque[i] > 0.0 {
                if let Some(c) = candidates.colors.get(choice[i]) {
                    image.put_pixel(x as u32, y as u32, Rgba([c[0], c[1], c[2], 255]));
                }
            }
        }
    }
    let (image, grid) = trim_empty_partial_cells(image, grid, keyed.dimensions());
    let used = Palette::new(crate::restore::visible_colors([&image]));
    Ok(Restored::new(image, grid, used, RestoreMode::Learned.as_str(), start))
}

fn to_vec<B: Backend>(t: Tensor<B, 4>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec::<f32>().unwrap_or_default()
}
