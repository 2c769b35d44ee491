//! Linear models of an upscale: every input pixel as a weighted sum of cells.
//!
//! An upscale by a resampling kernel, then blurred, is linear and separable in
//! premultiplied colour: `input = A_y · cells · A_xᵀ`, where `A_x` holds the weight of
//! every cell in every input column. [`AxisOperator`] is one such axis (banded: a
//! pixel sees a few neighbouring cells) and [`BandCholesky`] solves its normal
//! equations. Grid detection redraws candidate grids with it, and restoration
//! fits cell colours with it.

mod band;
mod operator;

pub(crate) use band::BandCholesky;
pub(crate) use operator::{gaussian, AxisOperator, NormalBand, RIDGE};

use crate::degrade::Kernel;

/// How an input was drawn from its cells: a kernel, then a Gaussian blur.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UpscaleModel {
    /// The resampling kernel.
    pub kernel: Kernel,
    /// Standard deviation of the blur after it, in cells.
    pub blur: f32,
}

impl UpscaleModel {
    /// Whether this is a sharp nearest-neighbour upscale (the medians are kept).
    pub(crate) fn is_sharp(&self) -> bool {
        self.kernel == Kernel::Nearest && self.blur < 0.05
    }
}
