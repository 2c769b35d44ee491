//! The training objective of the restorer: palette cross-entropy (the quantisation
//! penalty), L1 on the colour estimate, Sobel edge alignment and alpha.

use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softplus};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

use super::data::RestoreBatch;
use super::model::Restorer;

/// Weights of the loss terms.
#[derive(Config, Debug)]
pub struct LossConfig {
    /// Palette cross-entropy (quantisation penalty).
    #[config(default = 1.0)]
    pub palette: f32,
    /// L1 between the colour estimate and the true colour.
    #[config(default = 1.0)]
    pub l1: f32,
    /// L1 between Sobel gradients of the estimate and of the truth.
    #[config(default = 0.5)]
    pub edge: f32,
    /// Binary cross-entropy of the alpha output.
    #[config(default = 1.0)]
    pub alpha: f32,
}

/// The loss of a batch, with its parts (as plain numbers) for logging.
#[derive(Debug, Clone)]
pub struct RestoreLoss<B: Backend> {
    /// The weighted sum to minimise.
    pub total: Tensor<B, 1>,
    /// Palette cross-entropy term.
    pub palette: Tensor<B, 1>,
    /// L1 term.
    pub l1: Tensor<B, 1>,
    /// Edge term.
    pub edge: Tensor<B, 1>,
    /// Alpha term.
    pub alpha: Tensor<B, 1>,
    /// Share of opaque cells whose chosen candidate is the target one.
    pub accuracy: Tensor<B, 1>,
}

/// Computes the loss of `model` on `batch`.
pub fn restore_loss<B: Backend>(model: &Restorer<B>, batch: &RestoreBatch<B>, weights: &LossConfig) -> RestoreLoss<B> {
    let out = model.forward(batch.input.clone(), batch.cells.clone());
    let opaque = batch.target_alpha.clone(); // [b, 1, h, w]
    let [b, _, h, w] = opaque.dims();
    let opaque_count = opaque.clone().sum().clamp_min(1.0);

    let logits = model.palette_logits(out.color.clone(), batch.candidates.clone()); // [b, hw, k]
    let log_p = log_softmax(logits, 2);
    let index = batch.target_index.clone().clamp_min(0).reshape([b, h * w, 1]);
    let picked = log_p.clone().gather(2, index.clone()).reshape([b, h * w]); // [b, hw]
    let mask = opaque.clone().reshape([b, h * w]);
    let palette = (picked.neg() * mask.clone()).sum() / opaque_count.clone();
    let chosen = log_p.argmax(2); // [b, hw, 1]
    let hits = chosen.equal(index).float().reshape([b, h * w]);
    let accuracy = (hits * mask).sum() / opaque_count.clone();

    let l1 =
        ((out.color.clone() - batch.target_color.clone()).abs() * opaque.clone()).sum() / (opaque_count.clone() * 3.0);

    let masked = out.color * opaque.clone();
    let truth = batch.target_color.clone() * opaque.clone();
    let edge = (sobel(masked) - sobel(truth)).abs().mean();

    let z = out.alpha_logit;
    let alpha = (softplus(z.clone(), 1.0) - z * opaque).mean();

    let total = palette.clone() * weights.palette
        + l1.clone() * weights.l1
        + edge.clone() * weights.edge
        + alpha.clone() * weights.alpha;
    RestoreLoss {
        total,
        palette,
        l1,
        edge,
        alpha,
        accuracy,
    }
}

/// Horizontal and vertical Sobel responses of each channel of a 3-channel image.
/// `[b, 3, h, w]` -> `[b, 6, h, w]`
fn sobel<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    let device = x.device();
    let gx = [-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0];
    let gy = [-1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0];
    let mut kernels = Vec::with_capacity(54);
    for _ in 0..3 {
        kernels.extend_from_slice(&gx);
        kernels.extend_from_slice(&gy);
    }
    // [6 out, 1 in per group, 3, 3], groups = 3 (two filters per channel)
    let weight = Tensor::<B, 4>::from_data(TensorData::new(kernels, [6, 1, 3, 3]), &device);
    conv2d(x, weight, None, ConvOptions::new([1, 1], [1, 1], [1, 1], 3))
}
