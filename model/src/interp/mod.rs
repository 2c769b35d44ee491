//! LayeredInterpolator: in-between frames for sprites and anime (burn).
//!
//! The [`scene_gate`] first reads block-matching and colour statistics of the two
//! frames to find cuts, which are held, never blended. Otherwise both frames go
//! through a shared feature pyramid ([`encoder`], 1/2 to 1/16) and [`correlation`]
//! volumes (9 x 9 window per level, coarse to fine) give the motion. The
//! [`background`] path fits an 8 x 8 grid of affine motions (pans, zooms) and warps
//! both frames along it; the [`foreground`] path moves sprites with
//! AdaCoF deformable kernels (9 x 9 taps, a weight and an offset each per pixel,
//! gathered by [`adacof`], fused on the host at inference); the
//! [`compositor`] mixes the two with a learned soft mask and refines the result.
//! RGBA in and out (premultiplied inside the network).
//!
//! Layout as in burn's examples: [`model`] ([`LayeredInterpolator`],
//! [`InterpolatorConfig`]), [`data`] (triplets, synthetic layered shots, cuts,
//! batches), [`training`] (losses, the patch discriminator) and [`inference`]
//! ([`interpolate`]).

pub mod adacof;
pub mod background;
pub mod compositor;
pub mod correlation;
pub mod data;
pub mod encoder;
pub mod foreground;
pub mod inference;
pub mod model;
pub mod ops;
pub mod scene_gate;
pub mod training;

pub use inference::{interpolate, interpolate_with_default_weights, Interpolated};
pub use model::{Analysis, InterpolatorConfig, InterpolatorOutput, LayeredInterpolator};
