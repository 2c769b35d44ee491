//! The foreground path: things that move on their own (characters, effects). AdaCoF
//! deformable kernels: for every output pixel and each frame, K x K taps (9 x 9) with
//! a weight and a free offset each, centred on where the estimated motion says the
//! pixel comes from. The weights of both frames' taps share one softmax, so a pixel
//! hidden in one frame is taken from the other.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::Initializer;
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, softmax};

use super::adacof;
use super::encoder::{conv3, LEAK};
use super::ops::{warp, FlowScales};

/// The foreground path.
#[derive(Module, Debug)]
pub struct ForegroundPath<B: Backend> {
    hidden: Conv2d<B>,
    hidden2: Conv2d<B>,
    /// Tap weight logits of both frames (one softmax over all of them).
    weights: Conv2d<B>,
    /// (y, x) offset corrections of frame 0's taps.
    offsets0: Conv2d<B>,
    /// (y, x) offset corrections of frame 1's taps.
    offsets1: Conv2d<B>,
    kernel_size: usize,
}

impl<B: Backend> ForegroundPath<B> {
    /// A foreground path with `kernel_size` x `kernel_size` kernels (odd) for
    /// `channels`-wide pyramids.
    pub fn new(channels: usize, kernel_size: usize, device: &B::Device) -> Self {
        let taps = kernel_size * kernel_size;
        let zeros = |out: usize| {
            Conv2dConfig::new([32, out], [1, 1])
                .with_initializer(Initializer::Zeros)
                .init(device)
        };
        Self {
            hidden: conv3([2 * channels + 2, 32], 1, device),
            hidden2: conv3([32, 32], 1, device),
            weights: zeros(2 * taps),
            offsets0: zeros(2 * taps),
            offsets1: zeros(2 * taps),
            kernel_size,
        }
    }

    /// Taps per frame.
    fn taps(&self) -> usize {
        self.kernel_size * self.kernel_size
    }

    /// The foreground estimate at time `t` from `frame0`, `frame1` (`[batch, 4, h, w]`),
    /// the motion `flow` (at half and full resolution) and the finest
    /// pyramid levels `fine0`, `fine1` (`[batch, c, h/2, w/2]`). `[batch, 4, h, w]`
    ///
    /// Both frames are first warped along the motion to time `t`; the kernels then
    /// gather around those positions ([`adacof::gather`]). Kernels are predicted (and
    /// normalised) at half resolution and upsampled bilinearly, which keeps every
    /// tap's weights summing to one.
    pub fn forward(
        &self,
        frame0: Tensor<B, 4>,
        frame1: Tensor<B, 4>,
        t: f32,
        flow: FlowScales<B>,
        fine0: Tensor<B, 4>,
        fine1: Tensor<B, 4>,
    ) -> Tensor<B, 4> {
        let k = self.taps();
        let device = frame0.device();
        let aligned1 = warp(fine1, flow.half.clone());
        let x = Tensor::cat(vec![fine0, aligned1, flow.half * 0.25], 1);
        let x = leaky_relu(self.hidden.forward(x), LEAK);
        let x = leaky_relu(self.hidden2.forward(x), LEAK);

        // Prior: a narrow Gaussian around the motion-compensated position, and each
        // frame weighted by its nearness in time.
        let radius = (self.kernel_size / 2) as f32;
        let side = self.kernel_size;
        let gaussian: Vec<f32> = (0..k)
            .map(|i| {
                let dx = (i % side) as f32 - radius;
                let dy = (i / side) as f32 - radius;
                -(dx * dx + dy * dy) / (2.0 * 0.6 * 0.6)
            })
            .collect();
        let near = |weight: f32| weight.max(1e-3).ln();
        let prior0: Vec<f32> = gaussian.iter().map(|g| g + near(1.0 - t)).collect();
        let prior1: Vec<f32> = gaussian.iter().map(|g| g + near(t)).collect();
        let prior =
            Tensor::<B, 1>::from_floats([prior0, prior1].concat().as_slice(), &device).reshape([1, 2 * k, 1, 1]);
        let weights = softmax(self.weights.forward(x.clone()) + prior, 1); // [b, 2k, h/2, w/2]
        let offsets0 = self.offsets0.forward(x.clone()); // [b, 2k, h/2, w/2]
        let offsets1 = self.offsets1.forward(x);

        let full_flow = flow.full; // [b, 2 (x, y), h, w]
        let moved0 = warp(frame0, full_flow.clone() * (-t as f64));
        let moved1 = warp(frame1, full_flow * (1.0 - t as f64));
        adacof::gather([moved0, moved1], weights, [offsets0, offsets1], self.kernel_size)
    }
}
