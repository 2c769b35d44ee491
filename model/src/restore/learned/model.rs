//! The restorer network: a small U-Net that goes from a fixed number of input samples
//! per cell down to one output per cell, with a palette head and an alpha output.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Shape of the restorer network.
#[derive(Config, Debug)]
pub struct RestorerConfig {
    /// Input samples per cell along each axis (the stem halves it twice, so 4).
    #[config(default = 4)]
    pub samples_per_cell: usize,
    /// Channels at cell resolution (twice that one level down).
    #[config(default = 32)]
    pub width: usize,
    /// Residual blocks per level.
    #[config(default = 2)]
    pub blocks: usize,
}

impl RestorerConfig {
    /// Builds the network with fresh weights on `device`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Restorer<B> {
        let w = self.width;
        let same = |c: [usize; 2]| {
            Conv2dConfig::new(c, [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        let halve = |c: [usize; 2]| Conv2dConfig::new(c, [2, 2]).with_stride([2, 2]).init(device);
        let blocks = |c: usize| (0..self.blocks).map(|_| ResidualBlock::new(c, device)).collect();
        Restorer {
            stem: same([INPUT_CHANNELS, w / 2]),
            down_sample: halve([w / 2, w]),
            down_cell: halve([w, w]),
            cell_in: same([w + CELL_CHANNELS, w]),
            cell_blocks: blocks(w),
            down_coarse: halve([w, 2 * w]),
            coarse_blocks: blocks(2 * w),
            up: ConvTranspose2dConfig::new([2 * w, w], [2, 2])
                .with_stride([2, 2])
                .init(device),
            merge: same([2 * w, w]),
            out_blocks: blocks(w),
            head: Conv2dConfig::new([w, OUTPUT_CHANNELS], [1, 1]).init(device),
            log_sharpness: Param::from_tensor(Tensor::from_floats([INITIAL_LOG_SHARPNESS], device)),
            samples_per_cell: self.samples_per_cell,
        }
    }
}

/// Input channels: premultiplied red, green, blue and alpha, all in 0..1.
pub const INPUT_CHANNELS: usize = 4;
/// Cell-resolution input channels: the classical cell colour (sRGB 0..1) and opacity.
pub const CELL_CHANNELS: usize = 4;
/// Output channels per cell: the colour correction, then the alpha logit correction.
pub const OUTPUT_CHANNELS: usize = 4;

/// Largest change of a cell's colour the network can make (sRGB 0..1 per channel).
const MAX_CORRECTION: f32 = 0.5;
/// Alpha logit the measured coverage alone gives (opaque cells start at 4).
const ALPHA_PRIOR: f32 = 4.0;

/// conv -> relu -> conv, added to the input.
#[derive(Module, Debug)]
pub struct ResidualBlock<B: Backend> {
    first: Conv2d<B>,
    second: Conv2d<B>,
}

impl<B: Backend> ResidualBlock<B> {
    fn new(channels: usize, device: &B::Device) -> Self {
        let conv = || {
            Conv2dConfig::new([channels, channels], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        Self {
            first: conv(),
            second: conv(),
        }
    }

    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let y = self.second.forward(relu(self.first.forward(x.clone())));
        relu(x + y)
    }
}

/// The restorer U-Net.
#[derive(Module, Debug)]
pub struct Restorer<B: Backend> {
    stem: Conv2d<B>,
    down_sample: Conv2d<B>,
    down_cell: Conv2d<B>,
    cell_in: Conv2d<B>,
    cell_blocks: Vec<ResidualBlock<B>>,
    down_coarse: Conv2d<B>,
    coarse_blocks: Vec<ResidualBlock<B>>,
    up: ConvTranspose2d<B>,
    merge: Conv2d<B>,
    out_blocks: Vec<ResidualBlock<B>>,
    head: Conv2d<B>,
    /// Log of how sharply the palette head prefers the nearest candidate.
    log_sharpness: Param<Tensor<B, 1>>,
    samples_per_cell: usize,
}

/// Initial palette-head sharpness: a candidate 0.13 away (sRGB 0..1) costs one logit.
const INITIAL_LOG_SHARPNESS: f32 = 4.0;

/// What the network says about every cell.
#[derive(Debug, Clone)]
pub struct RestorerOutput<B: Backend> {
    /// Colour estimate per cell, sRGB in 0..1. `[batch, 3, cells_y, cells_x]`
    pub color: Tensor<B, 4>,
    /// Alpha logit per cell (opaque above 0). `[batch, 1, cells_y, cells_x]`
    pub alpha_logit: Tensor<B, 4>,
}

impl<B: Backend> Restorer<B> {
    /// Input samples per cell along each axis that [`Self::forward`] expects.
    pub fn samples_per_cell(&self) -> usize {
        self.samples_per_cell
    }

    /// The first two feature maps (the stem, then the first stride-2 stage): pixel-art
    /// features the interpolator's perceptual loss compares.
    /// `[batch, 4, h, w]` -> `[batch, width/2, h, w]`, `[batch, width, h/2, w/2]`
    pub fn early_features(&self, input: Tensor<B, 4>) -> [Tensor<B, 4>; 2] {
        let stem = relu(self.stem.forward(input));
        let down = relu(self.down_sample.forward(stem.clone()));
        [stem, down]
    }

    /// Runs the network. `input` is `[batch, 4, cells_y * s, cells_x * s]` with `s`
    /// samples per cell, `cells` the classical measurements `[batch, 4, cells_y,
    /// cells_x]`, and `cells_x`, `cells_y` even (pad with transparent cells). The
    /// outputs are corrections of the measurements: with a zero head the colour is the
    /// measured one and the alpha the measured coverage.
    pub fn forward(&self, input: Tensor<B, 4>, cells: Tensor<B, 4>) -> RestorerOutput<B> {
        let x = relu(self.stem.forward(input)); // [b, w/2, cy*4, cx*4]
        let x = relu(self.down_sample.forward(x)); // [b, w, cy*2, cx*2]
        let x = relu(self.down_cell.forward(x)); // [b, w, cy, cx]
        let mut cell = relu(self.cell_in.forward(Tensor::cat(vec![x, cells.clone()], 1))); // [b, w, cy, cx]
        for block in &self.cell_blocks {
            cell = block.forward(cell);
        }
        let mut coarse = relu(self.down_coarse.forward(cell.clone())); // [b, 2w, cy/2, cx/2]
        for block in &self.coarse_blocks {
            coarse = block.forward(coarse);
        }
        let up = relu(self.up.forward(coarse)); // [b, w, cy, cx]
        let mut x = relu(self.merge.forward(Tensor::cat(vec![cell, up], 1))); // [b, w, cy, cx]
        for block in &self.out_blocks {
            x = block.forward(x);
        }
        let out = self.head.forward(x); // [b, 4, cy, cx]
        let [b, _, h, w] = out.dims();
        let measured_color = cells.clone().slice([0..b, 0..3, 0..h, 0..w]);
        let measured_alpha = cells.slice([0..b, 3..4, 0..h, 0..w]);
        let correction = out.clone().slice([0..b, 0..3, 0..h, 0..w]).tanh() * MAX_CORRECTION;
        RestorerOutput {
            color: (measured_color + correction).clamp(0.0, 1.0),
            alpha_logit: out.slice([0..b, 3..4, 0..h, 0..w]) + (measured_alpha * 2.0 - 1.0) * ALPHA_PRIOR,
        }
    }
}

impl<B: Backend> Restorer<B> {
    /// The palette head: a logit per cell and candidate, higher for candidates nearer
    /// the cell's colour estimate (softmax over the image's own palette candidates).
    /// `color` is `[batch, 3, cells_y, cells_x]`, `candidates` `[batch, k, 3]`;
    /// the result is `[batch, cells_y * cells_x, k]`.
    pub fn palette_logits(&self, color: Tensor<B, 4>, candidates: Tensor<B, 3>) -> Tensor<B, 3> {
        let [b, c, h, w] = color.dims();
        let color = color.reshape([b, c, h * w]).swap_dims(1, 2); // [b, hw, 3]
        let cross = color.clone().matmul(candidates.clone().swap_dims(1, 2)); // [b, hw, k]
        let color_norm = color.powi_scalar(2).sum_dim(2); // [b, hw, 1]
        let candidate_norm = candidates.powi_scalar(2).sum_dim(2).swap_dims(1, 2); // [b, 1, k]
        let distance2 = color_norm + candidate_norm - cross * 2.0; // [b, hw, k]
        let sharpness = self.log_sharpness.val().exp().reshape([1, 1, 1]);
        distance2.neg() * sharpness
    }
}
