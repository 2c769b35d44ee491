//! The compositor: a learned soft mask chooses, per pixel, between the background
//! and foreground estimates, then a small refinement U-Net (full and half
//! resolution) adds a correction.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, sigmoid};

use super::encoder::{conv3, LEAK};
use super::ops::{resize, warp};

/// Image channels (premultiplied RGBA).
const CHANNELS: usize = 4;
/// Channels of the half-resolution context given to the mask.
const CONTEXT: usize = 8;

/// The compositor.
#[derive(Module, Debug)]
pub struct Compositor<B: Backend> {
    context: Conv2d<B>,
    mask_hidden: Conv2d<B>,
    mask_out: Conv2d<B>,
    refine_full: Conv2d<B>,
    refine_down: Conv2d<B>,
    refine_half: Conv2d<B>,
    refine_out: Conv2d<B>,
}

/// What the compositor gives.
#[derive(Debug, Clone)]
pub struct Composite<B: Backend> {
    /// The in-between frame, premultiplied RGBA in 0..1. `[batch, 4, h, w]`
    pub image: Tensor<B, 4>,
    /// Share of the foreground estimate per pixel. `[batch, 1, h, w]`
    pub mask: Tensor<B, 4>,
}

impl<B: Backend> Compositor<B> {
    /// A compositor for `channels`-wide pyramids.
    pub fn new(channels: usize, device: &B::Device) -> Self {
        Self {
            context: conv3([2 * channels, CONTEXT], 1, device),
            mask_hidden: conv3([3 * CHANNELS + CONTEXT, 16], 1, device),
            mask_out: conv3([16, 1], 1, device),
            refine_full: conv3([3 * CHANNELS + 1, 16], 1, device),
            refine_down: conv3([16, 32], 2, device),
            refine_half: conv3([32 + 2 * channels, 32], 1, device),
            refine_out: Conv2dConfig::new([48, CHANNELS], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_initializer(Initializer::Zeros)
                .init(device),
        }
    }

    /// Composites `background` and `foreground` (`[batch, 4, h, w]`) with the finest
    /// pyramid levels `fine0`, `fine1` and the finest-level `flow` as context.
    pub fn forward(
        &self,
        background: Tensor<B, 4>,
        foreground: Tensor<B, 4>,
        fine0: Tensor<B, 4>,
        fine1: Tensor<B, 4>,
        flow: Tensor<B, 4>,
    ) -> Composite<B> {
        let [_, _, h, w] = background.dims();
        let aligned1 = warp(fine1, flow);
        let half = Tensor::cat(vec![fine0, aligned1], 1); // [b, 2c, h/2, w/2]
        let context = resize(leaky_relu(self.context.forward(half.clone()), LEAK), [h, w]);
        let difference = (foreground.clone() - background.clone()).abs();
        let x = Tensor::cat(vec![background.clone(), foreground.clone(), difference, context], 1);
        let mask = sigmoid(self.mask_out.forward(leaky_relu(self.mask_hidden.forward(x), LEAK)));
        let blended = foreground.clone() * mask.clone() + background.clone() * (mask.clone().neg() + 1.0);

        let x = Tensor::cat(vec![blended.clone(), background, foreground, mask.clone()], 1);
        let full = leaky_relu(self.refine_full.forward(x), LEAK); // [b, 16, h, w]
        let down = leaky_relu(self.refine_down.forward(full.clone()), LEAK); // [b, 32, h/2, w/2]
        let down = leaky_relu(self.refine_half.forward(Tensor::cat(vec![down, half], 1)), LEAK);
        let up = resize(down, [h, w]); // [b, 32, h, w]
        let residual = self.refine_out.forward(Tensor::cat(vec![full, up], 1));
        Composite {
            image: (blended + residual).clamp(0.0, 1.0),
            mask,
        }
    }
}
