//! Animation playback: [`SpriteDxPlayer`] shows a [`crate::asset::SpriteDxAnimation`]
//! on a `Sprite`, frame by frame with each frame's hold (in-betweens drawn by
//! [`add_in_betweens`] are frames like the others), and sends [`FrameChanged`] /
//! [`AnimationFinished`] messages.

mod in_betweens;
mod player;
mod playhead;

pub use in_betweens::{add_in_betweens, InBetweenOptions, TimedFrame};
pub use player::{advance_players, AnimationFinished, FrameChanged, SpriteDxPlayer};
pub use playhead::{Advance, Playhead, Repeat};
