//! The learned restorer (burn): a U-Net over the input resampled by the detected grid
//! to 4 x 4 samples per cell, down to one output per cell, with a palette head (a
//! softmax over the image's own palette candidates) and an alpha output.
//!
//! Why candidates rather than a learned codebook: a sprite's colours are its own, and
//! exact pixel accuracy needs the exact values, which only the image can offer; a
//! codebook learned over many sprites would snap to colours the sprite never had. The
//! candidates are the classical palette plus a finer clustering (up to 256 colours),
//! so the network decides which cells are blends of their neighbours and which
//! variant of a colour is the drawn one.
//!
//! Layout as in burn's examples: [`model`] (network and [`RestorerConfig`]), [`data`]
//! (inputs, candidates, training examples, batches), [`training`] (the loss) and
//! [`inference`] ([`restore_learned`]).

pub mod data;
pub mod inference;
pub mod model;
pub mod training;

pub use inference::{restore_learned, restore_with_default_weights};
pub use model::{Restorer, RestorerConfig, RestorerOutput};
