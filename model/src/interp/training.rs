//! The interpolator's training objective: 1.5 L1 + perceptual + 1.0 Sobel-edge-weighted
//! L1 (20x on edges) + 0.005 LSGAN patch discriminator (phase 2), plus the scene
//! gate's cross-entropy and, on synthetic shots, the background motion error.
//!
//! Perceptual features: the first two layers of the shipped learned restorer
//! (`assets/models/restorer.mpk`, see [`crate::restore::learned`]). They were trained
//! on pixel art, see premultiplied RGBA like the interpolator, ship in the repository
//! already (no VGG download, 0 extra bytes) and are frozen here.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, softplus};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

use super::data::InterpBatch;
use super::model::{InterpolatorOutput, LayeredInterpolator};
use crate::error::Result;
use crate::restore::learned::Restorer;

/// Weights of the loss terms.
#[derive(Config, Debug)]
pub struct InterpLossConfig {
    /// Plain L1.
    #[config(default = 1.5)]
    pub l1: f32,
    /// L1 between perceptual features.
    #[config(default = 1.0)]
    pub perceptual: f32,
    /// Sobel-edge-weighted L1.
    #[config(default = 1.0)]
    pub edge: f32,
    /// How much more an edge pixel counts in the edge term.
    #[config(default = 20.0)]
    pub edge_boost: f32,
    /// LSGAN generator term (phase 2 only).
    #[config(default = 0.005)]
    pub adversarial: f32,
    /// Scene-gate cross-entropy.
    #[config(default = 0.1)]
    pub gate: f32,
    /// Background motion L1 (pixels) where the truth is known.
    #[config(default = 0.02)]
    pub motion: f32,
    /// Label smoothing of the discriminator's "real" target.
    #[config(default = 0.1)]
    pub label_smoothing: f32,
}

/// Frozen perceptual features (the shipped restorer's first layers).
#[derive(Debug, Clone)]
pub struct PerceptualFeatures<B: Backend> {
    restorer: Restorer<B>,
}

impl<B: Backend> PerceptualFeatures<B> {
    /// The shipped restorer's features on `device`, frozen.
    pub fn shipped(device: &B::Device) -> Result<Self> {
        Ok(Self {
            restorer: crate::weights::default_restorer::<B>(device)?.no_grad(),
        })
    }

    /// Mean L1 between the features of `a` and `b` (`[batch, 4, h, w]`, h and w even).
    pub fn distance(&self, a: Tensor<B, 4>, b: Tensor<B, 4>) -> Tensor<B, 1> {
        let fa = self.restorer.early_features(a);
        let fb = self.restorer.early_features(b);
        fa.into_iter()
            .zip(fb)
            .map(|(x, y)| (x - y).abs().mean())
            .reduce(|s, d| s + d)
            .expect("two feature maps")
    }
}

/// The PatchGAN discriminator: conditioned on both input frames, a score per
/// patch (LSGAN: 1 real, 0 generated).
#[derive(Module, Debug)]
pub struct PatchDiscriminator<B: Backend> {
    first: Conv2d<B>,
    second: Conv2d<B>,
    out: Conv2d<B>,
}

impl<B: Backend> PatchDiscriminator<B> {
    /// A fresh discriminator.
    pub fn new(device: &B::Device) -> Self {
        let down = |c: [usize; 2]| {
            Conv2dConfig::new(c, [4, 4])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        Self {
            first: down([12, 32]),
            second: down([32, 64]),
            out: Conv2dConfig::new([64, 1], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
        }
    }

    /// Patch scores of `middle` between `frame0` and `frame1` (all `[batch, 4, h, w]`).
    /// `-> [batch, 1, h/4, w/4]`
    pub fn forward(&self, frame0: Tensor<B, 4>, middle: Tensor<B, 4>, frame1: Tensor<B, 4>) -> Tensor<B, 4> {
        let x = Tensor::cat(vec![frame0, middle, frame1], 1);
        let x = leaky_relu(self.first.forward(x), 0.2);
        let x = leaky_relu(self.second.forward(x), 0.2);
        self.out.forward(x)
    }
}

/// A batch's generator loss, with its parts for logging.
#[derive(Debug, Clone)]
pub struct InterpLoss<B: Backend> {
    /// The weighted sum to minimise.
    pub total: Tensor<B, 1>,
    /// L1 term (non-cut examples).
    pub l1: Tensor<B, 1>,
    /// Perceptual term.
    pub perceptual: Tensor<B, 1>,
    /// Edge-weighted L1 term.
    pub edge: Tensor<B, 1>,
    /// Scene-gate cross-entropy.
    pub gate: Tensor<B, 1>,
    /// Background motion error (pixels).
    pub motion: Tensor<B, 1>,
    /// Adversarial term (0 before phase 2).
    pub adversarial: Tensor<B, 1>,
    /// The network's outputs.
    pub output: InterpolatorOutput<B>,
}

/// The generator loss of `model` on `batch`; `discriminator` adds the adversarial
/// term (phase 2).
pub fn interp_loss<B: Backend>(
    model: &LayeredInterpolator<B>,
    perceptual: &PerceptualFeatures<B>,
    discriminator: Option<&PatchDiscriminator<B>>,
    batch: &InterpBatch<B>,
    weights: &InterpLossConfig,
) -> InterpLoss<B> {
    let output = model.forward(batch.frame0.clone(), batch.frame1.clone(), batch.t);
    let [b, _, _, _] = batch.middle.dims();
    let device = batch.middle.device();
    // Cuts are held by the gate, never drawn: only the gate learns from them.
    let drawn = batch.cut.clone().neg().add_scalar(1.0).reshape([b, 1, 1, 1]);
    let drawn_share = drawn.clone().mean().clamp_min(1e-3);
    let prediction = output.frame.clone() * drawn.clone();
    let truth = batch.middle.clone() * drawn.clone();
    let difference = (prediction.clone() - truth.clone()).abs();
    let l1 = difference.clone().mean() / drawn_share.clone();
    let edges = edge_map(batch.middle.clone()); // [b, 1, h, w]
    let edge_weight = edges * (weights.edge_boost - 1.0) + 1.0;
    let edge = (difference * edge_weight).mean() / drawn_share.clone();
    let perceptual_term = perceptual.distance(prediction.clone(), truth) / drawn_share;
    let z = output.cut_logit.clone();
    let gate = (softplus(z.clone(), 1.0) - z * batch.cut.clone()).mean();
    let known = batch.motion_known.clone();
    let motion = ((output.background_motion.clone() - batch.background_motion.clone()).abs() * known.clone()).mean()
        / known.mean().clamp_min(1e-3);
    let adversarial = match discriminator {
        Some(d) => {
            let score = d.forward(batch.frame0.clone(), output.frame.clone(), batch.frame1.clone());
            ((score - 1.0).powi_scalar(2) * drawn).mean()
        }
        None => Tensor::zeros([1], &device),
    };
    let total = l1.clone() * weights.l1
        + perceptual_term.clone() * weights.perceptual
        + edge.clone() * weights.edge
        + gate.clone() * weights.gate
        + motion.clone() * weights.motion
        + adversarial.clone() * weights.adversarial;
    InterpLoss {
        total,
        l1,
        perceptual: perceptual_term,
        edge,
        gate,
        motion,
        adversarial,
        output,
    }
}

/// The discriminator's LSGAN loss: real middles towards 1 - smoothing, `generated`
/// ones (detached from the generator) towards 0.
pub fn discriminator_loss<B: Backend>(
    discriminator: &PatchDiscriminator<B>,
    batch: &InterpBatch<B>,
    generated: Tensor<B, 4>,
    label_smoothing: f32,
) -> Tensor<B, 1> {
    let real = discriminator.forward(batch.frame0.clone(), batch.middle.clone(), batch.frame1.clone());
    let fake = discriminator.forward(batch.frame0.clone(), generated.detach(), batch.frame1.clone());
    (real - (1.0 - label_smoothing)).powi_scalar(2).mean() + fake.powi_scalar(2).mean()
}

/// 1 where the image has an edge (Sobel magnitude of colour or alpha above 0.25),
/// else 0. `[batch, 4, h, w]` -> `[batch, 1, h, w]`
pub fn edge_map<B: Backend>(image: Tensor<B, 4>) -> Tensor<B, 4> {
    let device = image.device();
    let gx = [-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0];
    let gy = [-1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0];
    let mut kernels = Vec::with_capacity(72);
    for _ in 0..4 {
        kernels.extend_from_slice(&gx);
        kernels.extend_from_slice(&gy);
    }
    // [8 out, 1 in per group, 3, 3], groups = 4 (two filters per channel)
    let weight = Tensor::<B, 4>::from_data(TensorData::new(kernels, [8, 1, 3, 3]), &device);
    let response = conv2d(
        image.detach(),
        weight,
        None,
        ConvOptions::new([1, 1], [1, 1], [1, 1], 4),
    );
    let magnitude = response.powi_scalar(2).sum_dim(1).sqrt(); // [b, 1, h, w]
    magnitude.greater_elem(0.25).float()
}
