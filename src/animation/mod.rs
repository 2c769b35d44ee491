//! Animation playback: [`SpriteDxPlayer`] shows a [`crate::asset::SpriteDxAnimation`]
//! on a `Sprite`, frame by frame with each frame's hold, and sends
//! [`FrameChanged`] / [`AnimationFinished`] messages.

mod player;
mod playhead;

pub use player::{advance_players, AnimationFinished, FrameChanged, SpriteDxPlayer};
pub use playhead::{Advance, Playhead, Repeat};
