//! The background path: pans and zooms. An 8 x 8 grid of affine motions (a
//! translation and a 2 x 2 matrix per cell, blended smoothly between cells), fitted
//! by a small network to the estimated motion; both frames are warped to time `t`
//! along it. Quasi-rigid by construction: a background cannot tear.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::Initializer;
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;
use burn::tensor::module::adaptive_avg_pool2d;

use super::encoder::{conv3, LEAK};
use super::ops::{resize, resize_flow, warp};

/// Affine parameters per grid cell: translation (x, y), then the matrix row-wise.
const PARAMETERS: usize = 6;

/// The background path.
#[derive(Module, Debug)]
pub struct BackgroundPath<B: Backend> {
    features: Conv2d<B>,
    cell: Conv2d<B>,
    params: Conv2d<B>,
    grid: usize,
}

/// What the background path gives.
#[derive(Debug, Clone)]
pub struct Background<B: Backend> {
    /// Both frames warped to time t and blended. `[batch, 4, h, w]`
    pub image: Tensor<B, 4>,
    /// Motion of the background from frame 0 to frame 1 at every output pixel, in
    /// pixels. `[batch, 2, h, w]`
    pub displacement: Tensor<B, 4>,
}

impl<B: Backend> BackgroundPath<B> {
    /// A background path for `channels`-wide pyramids and a `grid` x `grid` affine grid.
    pub fn new(channels: usize, grid: usize, device: &B::Device) -> Self {
        Self {
            features: conv3([2 * channels + 2, 32], 1, device),
            cell: conv3([32, 32], 1, device),
            params: Conv2dConfig::new([32, PARAMETERS], [1, 1])
                .with_initializer(Initializer::Zeros)
                .init(device),
            grid,
        }
    }

    /// Warps `frame0`, `frame1` (`[batch, 4, h, w]`) to time `t` along the affine grid
    /// fitted to `full_flow` (`[batch, 2, h, w]`, input pixels), with the coarsest
    /// pyramid levels `coarse0`, `coarse1` (`[batch, c, h/16, w/16]`) as context.
    pub fn forward(
        &self,
        frame0: Tensor<B, 4>,
        frame1: Tensor<B, 4>,
        t: f32,
        full_flow: Tensor<B, 4>,
        coarse0: Tensor<B, 4>,
        coarse1: Tensor<B, 4>,
    ) -> Background<B> {
        let [b, _, h, w] = frame0.dims();
        let [_, _, h16, w16] = coarse0.dims();
        let g = self.grid;
        let flow16 = resize_flow(full_flow.clone(), [h16, w16]);
        let x = Tensor::cat(vec![coarse0, coarse1, flow16 / 16.0], 1);
        let x = leaky_relu(self.features.forward(x), LEAK);
        let x = adaptive_avg_pool2d(x, [g, g]); // [b, 32, g, g]
        let x = leaky_relu(self.cell.forward(x), LEAK);
        let params = self.params.forward(x); // [b, 6, g, g]

        // Each cell starts from the mean motion under it.
        let base = adaptive_avg_pool2d(full_flow, [g, g]); // [b, 2, g, g]
        let cell_size = [w as f64 / g as f64, h as f64 / g as f64];
        let translation = base + params.clone().slice([0..b, 0..2, 0..g, 0..g]) * cell_size[0].min(cell_size[1]);
        let matrix = params.slice([0..b, 2..6, 0..g, 0..g]) * 0.1;
        // Both blended smoothly to every pixel: [b, 2, h, w] and [b, 4, h, w].
        let translation = resize(translation, [h, w]);
        let matrix = resize(matrix, [h, w]);
        // Position relative to the image centre, in cells.
        let device = frame0.device();
        let u = Tensor::<B, 1, Int>::arange(0..w as i64, &device)
            .float()
            .sub_scalar(w as f64 / 2.0 - 0.5)
            .div_scalar(cell_size[0])
            .reshape([1, 1, 1, w])
            .expand([b, 1, h, w]);
        let v = Tensor::<B, 1, Int>::arange(0..h as i64, &device)
            .float()
            .sub_scalar(h as f64 / 2.0 - 0.5)
            .div_scalar(cell_size[1])
            .reshape([1, 1, h, 1])
            .expand([b, 1, h, w]);
        let m = |i: usize| matrix.clone().slice([0..b, i..i + 1, 0..h, 0..w]);
        let dx = translation.clone().slice([0..b, 0..1, 0..h, 0..w]) + m(0) * u.clone() + m(1) * v.clone();
        let dy = translation.slice([0..b, 1..2, 0..h, 0..w]) + m(2) * u + m(3) * v;
        let displacement = Tensor::cat(vec![dx, dy], 1);
        let warped0 = warp(frame0, displacement.clone() * (-t as f64));
        let warped1 = warp(frame1, displacement.clone() * (1.0 - t as f64));
        Background {
            image: warped0 * (1.0 - t as f64) + warped1 * t as f64,
            displacement,
        }
    }
}
