//! The scene gate: from the correlation statistics, the probability that the two
//! frames are on either side of a cut. A cut is never blended: the interpolator
//! returns a hold instead.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use super::correlation::STATISTICS;

/// Logistic regression on the correlation statistics.
#[derive(Module, Debug)]
pub struct SceneGate<B: Backend> {
    linear: Linear<B>,
}

impl<B: Backend> SceneGate<B> {
    /// A fresh gate.
    pub fn new(device: &B::Device) -> Self {
        Self {
            linear: LinearConfig::new(STATISTICS, 1).init(device),
        }
    }

    /// The cut logit (a cut above 0). `[batch, STATISTICS]` -> `[batch, 1]`
    pub fn forward(&self, statistics: Tensor<B, 2>) -> Tensor<B, 2> {
        // Correlations are cosines in -1..1; centre and scale them so a fresh gate
        // starts near even odds with a useful slope.
        self.linear.forward((statistics - 0.5) * 8.0)
    }
}
