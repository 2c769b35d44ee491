//! The LayeredInterpolator network: shared encoder, coarse-to-fine correlation,
//! scene gate, background (affine grid) and foreground (deformable kernels) paths,
//! and the compositor.

use burn::prelude::*;

use super::background::BackgroundPath;
use super::compositor::Compositor;
use super::correlation::{Motion, MotionEstimator};
use super::encoder::{Encoder, LEVELS};
use super::foreground::ForegroundPath;
use super::ops::{resize_flow, FlowScales};
use super::scene_gate::{cut_statistics, SceneGate};

/// Input and output channels: premultiplied red, green, blue and alpha in 0..1.
pub const CHANNELS: usize = 4;
/// Frame sides must be multiples of this (the encoder's coarsest stride).
pub const SIZE_MULTIPLE: usize = 1 << LEVELS;

/// The side a frame side of `n` pixels is padded to for the network: the next
/// multiple of [`SIZE_MULTIPLE`] (at least one).
pub fn padded_side(n: usize) -> usize {
    n.div_ceil(SIZE_MULTIPLE).max(1) * SIZE_MULTIPLE
}

/// Shape of the interpolator.
#[derive(Config, Debug)]
pub struct InterpolatorConfig {
    /// Channels of the encoder's first stage (later stages 1.5x, 2x, 3x).
    #[config(default = 16)]
    pub width: usize,
    /// Channels of every pyramid level.
    #[config(default = 24)]
    pub pyramid_channels: usize,
    /// Correlation search radius (4: a 9 x 9 window at every level).
    #[config(default = 4)]
    pub search_radius: usize,
    /// Cells per side of the background's affine grid.
    #[config(default = 8)]
    pub affine_grid: usize,
    /// Side of the foreground's deformable kernels (odd).
    #[config(default = 9)]
    pub kernel_size: usize,
}

impl InterpolatorConfig {
    /// Builds the network with fresh weights on `device`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> LayeredInterpolator<B> {
        let c = self.pyramid_channels;
        LayeredInterpolator {
            encoder: Encoder::new(CHANNELS, self.width, c, device),
            motion: MotionEstimator::new(c, self.search_radius, device),
            gate: SceneGate::new(device),
            background: BackgroundPath::new(c, self.affine_grid, device),
            foreground: ForegroundPath::new(c, self.kernel_size, device),
            compositor: Compositor::new(c, device),
        }
    }
}

/// The layered frame interpolator.
#[derive(Module, Debug)]
pub struct LayeredInterpolator<B: Backend> {
    encoder: Encoder<B>,
    motion: MotionEstimator<B>,
    gate: SceneGate<B>,
    background: BackgroundPath<B>,
    foreground: ForegroundPath<B>,
    compositor: Compositor<B>,
}

/// Everything the network computes for a pair of frames.
#[derive(Debug, Clone)]
pub struct InterpolatorOutput<B: Backend> {
    /// The in-between frame at time t (premultiplied RGBA, 0..1). `[batch, 4, h, w]`
    pub frame: Tensor<B, 4>,
    /// Scene-cut logit (a cut above 0). `[batch, 1]`
    pub cut_logit: Tensor<B, 2>,
    /// The background path's motion from frame 0 to frame 1, in pixels. `[batch, 2, h, w]`
    pub background_motion: Tensor<B, 4>,
    /// The background estimate. `[batch, 4, h, w]`
    pub background: Tensor<B, 4>,
    /// The foreground estimate. `[batch, 4, h, w]`
    pub foreground: Tensor<B, 4>,
    /// The compositor's foreground share. `[batch, 1, h, w]`
    pub mask: Tensor<B, 4>,
}

impl<B: Backend> LayeredInterpolator<B> {
    /// The scene gate's cut logit for a pair of frames (`[batch, 4, h, w]` each; a
    /// cut above 0), from [`cut_statistics`] of the frames alone: cheap next to
    /// [`Self::analyse`], so a held pair never pays for the network. `-> [batch, 1]`
    pub fn cut_logit(&self, frame0: Tensor<B, 4>, frame1: Tensor<B, 4>) -> Tensor<B, 2> {
        self.gate.forward(cut_statistics(frame0, frame1))
    }

    /// The network with `gate` as its scene gate (fitted on its own by
    /// `spritedx train interp` once the rest is trained).
    pub fn with_scene_gate(mut self, gate: SceneGate<B>) -> Self {
        self.gate = gate;
        self
    }

    /// The frame at time `t` (0..1) between `frame0` and `frame1`, both
    /// `[batch, 4, h, w]` premultiplied RGBA in 0..1 with h and w multiples of
    /// [`SIZE_MULTIPLE`]: [`Self::cut_logit`], [`Self::analyse`] then
    /// [`Self::render`]. The frame is computed even for a cut; [`super::inference`]
    /// reads the gate first and analyses and renders only where it does not hold.
    pub fn forward(&self, frame0: Tensor<B, 4>, frame1: Tensor<B, 4>, t: f32) -> InterpolatorOutput<B> {
        let cut_logit = self.cut_logit(frame0.clone(), frame1.clone());
        let analysis = self.analyse(frame0.clone(), frame1.clone());
        self.render(frame0, frame1, t, analysis, cut_logit)
    }

    /// The second part of [`Self::forward`]: both frames' feature pyramids and the
    /// motion between them (every level at 1/2 to 1/16 resolution).
    ///
    /// Both frames go through the encoder as one batch (twice the batch, one pass of
    /// every convolution: more work per call for burn's threads).
    pub fn analyse(&self, frame0: Tensor<B, 4>, frame1: Tensor<B, 4>) -> Analysis<B> {
        let [b, _, _, _] = frame0.dims();
        let both = self.encoder.forward(Tensor::cat(vec![frame0, frame1], 0));
        // Every level `[2 batch, c, h_l, w_l]`: frame 0's items first.
        let p0: Vec<Tensor<B, 4>> = both.iter().map(|level| level.clone().narrow(0, 0, b)).collect();
        let p1: Vec<Tensor<B, 4>> = both.into_iter().map(|level| level.narrow(0, b, b)).collect();
        let motion = self.motion.forward(&p0, &p1);
        Analysis { p0, p1, motion }
    }

    /// The rest of [`Self::forward`]: background, foreground and compositor at time
    /// `t` from the frames and their [`Analysis`]; `cut_logit` (from
    /// [`Self::cut_logit`]) is passed through to the output.
    pub fn render(
        &self,
        frame0: Tensor<B, 4>,
        frame1: Tensor<B, 4>,
        t: f32,
        analysis: Analysis<B>,
        cut_logit: Tensor<B, 2>,
    ) -> InterpolatorOutput<B> {
        let Analysis { p0, p1, motion } = analysis;
        let coarse = LEVELS - 1;
        let [_, _, h, w] = frame0.dims();
        // Both paths move the frames along the motion at full size: resized once.
        let flow = FlowScales {
            full: resize_flow(motion.flow.clone(), [h, w]),
            half: motion.flow.clone(),
        };
        let background = self.background.forward(
            frame0.clone(),
            frame1.clone(),
            t,
            flow.full.clone(),
            p0[coarse].clone(),
            p1[coarse].clone(),
        );
        let foreground = self
            .foreground
            .forward(frame0, frame1, t, flow, p0[0].clone(), p1[0].clone());
        let composite = self.compositor.forward(
            background.image.clone(),
            foreground.clone(),
            p0[0].clone(),
            p1[0].clone(),
            motion.flow,
        );
        InterpolatorOutput {
            frame: composite.image,
            cut_logit,
            background_motion: background.displacement,
            background: background.image,
            foreground,
            mask: composite.mask,
        }
    }
}

/// What [`LayeredInterpolator::analyse`] finds for a pair of frames.
#[derive(Debug, Clone)]
pub struct Analysis<B: Backend> {
    /// Feature pyramid of frame 0, finest (1/2) first.
    pub p0: Vec<Tensor<B, 4>>,
    /// Feature pyramid of frame 1, finest (1/2) first.
    pub p1: Vec<Tensor<B, 4>>,
    /// Motion between the frames.
    pub motion: Motion<B>,
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    #[test]
    fn a_fresh_network_gives_every_output_at_the_input_size() {
        let device = Default::default();
        let model = InterpolatorConfig::new().init::<B>(&device);
        let frame0 = Tensor::<B, 4>::random([2, 4, 32, 48], burn::tensor::Distribution::Uniform(0.0, 1.0), &device);
        let frame1 = frame0.clone().flip([3]);
        let out = model.forward(frame0, frame1, 0.5);
        assert_eq!(out.frame.dims(), [2, 4, 32, 48]);
        assert_eq!(out.background.dims(), [2, 4, 32, 48]);
        assert_eq!(out.foreground.dims(), [2, 4, 32, 48]);
        assert_eq!(out.mask.dims(), [2, 1, 32, 48]);
        assert_eq!(out.background_motion.dims(), [2, 2, 32, 48]);
        assert_eq!(out.cut_logit.dims(), [2, 1]);
        let values: Vec<f32> = out.frame.into_data().to_vec().unwrap();
        assert!(values.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    }
}
