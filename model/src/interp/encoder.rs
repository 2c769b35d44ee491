//! The shared feature pyramid (FPN) both frames go through: four stride-2 stages
//! (1/2, 1/4, 1/8, 1/16 of the input), then a top-down pass that gives every level
//! the same number of channels and the context of the coarser ones.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;

use super::ops::resize;

/// Slope of the leaky ReLU used throughout the interpolator.
pub const LEAK: f64 = 0.1;

/// A 3x3 convolution keeping the size (`stride` 1) or halving it (`stride` 2).
pub fn conv3<B: Backend>(channels: [usize; 2], stride: usize, device: &B::Device) -> Conv2d<B> {
    Conv2dConfig::new(channels, [3, 3])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device)
}

/// A 1x1 convolution.
pub fn conv1<B: Backend>(channels: [usize; 2], device: &B::Device) -> Conv2d<B> {
    Conv2dConfig::new(channels, [1, 1]).init(device)
}

/// One stage: a stride-2 convolution then a 3x3 one.
#[derive(Module, Debug)]
pub struct EncoderStage<B: Backend> {
    down: Conv2d<B>,
    conv: Conv2d<B>,
}

impl<B: Backend> EncoderStage<B> {
    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let x = leaky_relu(self.down.forward(x), LEAK);
        leaky_relu(self.conv.forward(x), LEAK)
    }
}

/// The feature pyramid network.
#[derive(Module, Debug)]
pub struct Encoder<B: Backend> {
    stages: Vec<EncoderStage<B>>,
    lateral: Vec<Conv2d<B>>,
    smooth: Vec<Conv2d<B>>,
}

/// Levels of the pyramid (1/2 to 1/16).
pub const LEVELS: usize = 4;

impl<B: Backend> Encoder<B> {
    /// An encoder from `in_channels` to `width * [1, 1.5, 2, 3]` channels per stage and
    /// `out_channels` per pyramid level.
    pub fn new(in_channels: usize, width: usize, out_channels: usize, device: &B::Device) -> Self {
        let widths = [width, width * 3 / 2, width * 2, width * 3];
        let mut stages = Vec::new();
        let mut lateral = Vec::new();
        let mut smooth = Vec::new();
        let mut previous = in_channels;
        for &w in &widths {
            stages.push(EncoderStage {
                down: conv3([previous, w], 2, device),
                conv: conv3([w, w], 1, device),
            });
            lateral.push(conv1([w, out_channels], device));
            smooth.push(conv3([out_channels, out_channels], 1, device));
            previous = w;
        }
        Self {
            stages,
            lateral,
            smooth,
        }
    }

    /// The pyramid of `x` (`[batch, in, h, w]`, h and w multiples of 16), finest
    /// first: `[batch, out, h / 2^(l+1), w / 2^(l+1)]` for l = 0..4.
    pub fn forward(&self, x: Tensor<B, 4>) -> Vec<Tensor<B, 4>> {
        let mut bottom_up = Vec::with_capacity(LEVELS);
        let mut x = x;
        for stage in &self.stages {
            x = stage.forward(x);
            bottom_up.push(x.clone());
        }
        let mut pyramid: Vec<Tensor<B, 4>> = Vec::with_capacity(LEVELS);
        let mut coarser: Option<Tensor<B, 4>> = None;
        for level in (0..LEVELS).rev() {
            let mut p = self.lateral[level].forward(bottom_up[level].clone());
            if let Some(c) = coarser {
                let [_, _, h, w] = p.dims();
                p = p + resize(c, [h, w]);
            }
            let p = leaky_relu(self.smooth[level].forward(p), LEAK);
            coarser = Some(p.clone());
            pyramid.push(p);
        }
        pyramid.reverse();
        pyramid
    }
}
