//! Motion between the two frames, coarse to fine: at the pyramid levels 1/16, 1/8
//! and 1/4 the second frame's features are warped by the motion found so far, a 9x9
//! correlation volume is built, and its soft arg-max plus a small learned correction
//! refine the motion, which is then resized to the finest level (1/2; a volume there
//! would cost more than the rest of the network, and the foreground kernels refine
//! below a pixel anyway).

use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::nn::Initializer;
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;

use super::encoder::{conv3, LEAK, LEVELS};
use super::ops::{correlation, resize_flow, soft_argmax, unit_features, warp};

/// Levels with a correlation volume and a learned motion correction (1/16, 1/8, 1/4).
const CORRECTED_LEVELS: usize = LEVELS - 1;

/// A learned correction of one level's motion from its correlation volume.
#[derive(Module, Debug)]
pub struct MotionCorrection<B: Backend> {
    hidden: Conv2d<B>,
    out: Conv2d<B>,
}

/// The coarse-to-fine motion estimator.
#[derive(Module, Debug)]
pub struct MotionEstimator<B: Backend> {
    corrections: Vec<MotionCorrection<B>>,
    /// Log of the soft arg-max sharpness per level, coarsest first.
    log_sharpness: Param<Tensor<B, 1>>,
    radius: usize,
}

/// What the estimator finds.
#[derive(Debug, Clone)]
pub struct Motion<B: Backend> {
    /// Displacement (x, y) of frame 0's content into frame 1, in pixels of the
    /// finest level (1/2). `[batch, 2, h/2, w/2]`
    pub flow: Tensor<B, 4>,
}

impl<B: Backend> MotionEstimator<B> {
    /// An estimator for `channels`-wide pyramids with a (2r+1)^2 search window.
    pub fn new(channels: usize, radius: usize, device: &B::Device) -> Self {
        let window = (2 * radius + 1) * (2 * radius + 1);
        let corrections = (0..CORRECTED_LEVELS)
            .map(|_| MotionCorrection {
                hidden: conv3([window + channels + 2, 32], 1, device),
                out: burn::nn::conv::Conv2dConfig::new([32, 2], [3, 3])
                    .with_padding(burn::nn::PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .with_initializer(Initializer::Zeros)
                    .init(device),
            })
            .collect();
        Self {
            corrections,
            log_sharpness: Param::from_tensor(Tensor::from_floats([3.0; LEVELS - 1], device)),
            radius,
        }
    }

    /// Motion from pyramids `p0`, `p1` (finest first, as [`super::encoder::Encoder`] gives).
    pub fn forward(&self, p0: &[Tensor<B, 4>], p1: &[Tensor<B, 4>]) -> Motion<B> {
        let [b, _, h16, w16] = p0[LEVELS - 1].dims();
        let device = p0[0].device();
        let mut flow = Tensor::<B, 4>::zeros([b, 2, h16, w16], &device);
        for (step, level) in (1..LEVELS).rev().enumerate() {
            let [_, _, h, w] = p0[level].dims();
            if step > 0 {
                flow = resize_flow(flow, [h, w]);
            }
            let a = unit_features(p0[level].clone());
            let moved = if step == 0 {
                p1[level].clone()
            } else {
                warp(p1[level].clone(), flow.clone())
            };
            let corr = correlation(a, unit_features(moved), self.radius); // [b, 81, h, w]
            let sharpness = self.log_sharpness.val().narrow(0, step, 1).exp();
            flow = flow + soft_argmax(corr.clone(), self.radius, sharpness);
            if let Some(correction) = self.corrections.get(step) {
                let x = Tensor::cat(vec![corr, p0[level].clone(), flow.clone() * 0.25], 1);
                let delta = correction.out.forward(leaky_relu(correction.hidden.forward(x), LEAK));
                flow = flow + delta;
            }
        }
        let [_, _, h, w] = p0[0].dims();
        Motion {
            flow: resize_flow(flow, [h, w]),
        }
    }
}
