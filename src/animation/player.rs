//! [`SpriteDxPlayer`]: the component that plays an animation on a sprite.

use std::time::Duration;

use bevy::prelude::*;

use super::playhead::{Playhead, Repeat};
use crate::asset::SpriteDxAnimation;

/// Plays a [`SpriteDxAnimation`] on this entity's [`Sprite`] (added when missing):
/// sets the sprite's atlas image and layout once the animation has loaded, then
/// moves through the frames with their holds.
#[derive(Component, Clone, Debug, Reflect)]
#[require(Sprite)]
pub struct SpriteDxPlayer {
    /// The animation.
    pub animation: Handle<SpriteDxAnimation>,
    /// Playback speed (1 = as timed, 2 = twice as fast; 0 or negative holds still).
    pub speed: f32,
    /// How often the animation plays.
    pub repeat: Repeat,
    /// Play forwards then backwards.
    pub ping_pong: bool,
    /// Paused players keep their frame.
    pub paused: bool,
    /// Where playback is (reset it to restart).
    pub playhead: Playhead,
}

impl SpriteDxPlayer {
    /// Plays `animation` in a loop at normal speed.
    pub fn new(animation: Handle<SpriteDxAnimation>) -> Self {
        Self {
            animation,
            speed: 1.0,
            repeat: Repeat::Loop,
            ping_pong: false,
            paused: false,
            playhead: Playhead::default(),
        }
    }

    /// With this repeat mode.
    pub fn with_repeat(mut self, repeat: Repeat) -> Self {
        self.repeat = repeat;
        self
    }

    /// With ping-pong playback.
    pub fn with_ping_pong(mut self, ping_pong: bool) -> Self {
        self.ping_pong = ping_pong;
        self
    }

    /// With this speed.
    pub fn with_speed(mut self, speed: f32) -> Self {
        self.speed = speed;
        self
    }

    /// Pauses playback.
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Resumes playback.
    pub fn play(&mut self) {
        self.paused = false;
    }

    /// Starts again from the first frame.
    pub fn restart(&mut self) {
        self.playhead = Playhead::default();
    }

    /// Index of the frame shown, in playback order.
    pub fn frame(&self) -> usize {
        self.playhead.frame
    }

    /// Whether the last pass has ended.
    pub fn is_finished(&self) -> bool {
        self.playhead.finished
    }
}

/// Sent when a player shows another frame.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
pub struct FrameChanged {
    /// The entity with the [`SpriteDxPlayer`].
    pub entity: Entity,
    /// The frame now shown (index in playback order).
    pub frame: usize,
    /// Its index in the atlas layout.
    pub atlas_index: usize,
}

/// Sent once when a player's last pass ends.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
pub struct AnimationFinished {
    /// The entity with the [`SpriteDxPlayer`].
    pub entity: Entity,
}

/// Advances every playing [`SpriteDxPlayer`] by the frame's time and shows its frame.
pub fn advance_players(
    time: Res<Time>,
    animations: Res<Assets<SpriteDxAnimation>>,
    mut players: Query<(Entity, &mut SpriteDxPlayer, &mut Sprite)>,
    mut frame_changed: MessageWriter<FrameChanged>,
    mut finished: MessageWriter<AnimationFinished>,
) {
    for (entity, mut player, mut sprite) in &mut players {
        let Some(animation) = animations.get(&player.animation) else {
            continue;
        };
        let durations: Vec<Duration> = animation.frames.iter().map(|f| f.duration).collect();
        let dt = if player.paused || player.speed <= 0.0 {
            Duration::ZERO
        } else {
            time.delta().mul_f32(player.speed)
        };
        let (repeat, ping_pong) = (player.repeat, player.ping_pong);
        let before = player.playhead.frame;
        let advance = player.playhead.advance(&durations, dt, repeat, ping_pong);
        let frame = player.playhead.frame.min(animation.frames.len().saturating_sub(1));
        let Some(shown) = animation.frames.get(frame) else {
            continue;
        };
        let atlas_shown = sprite.texture_atlas.as_ref().map(|a| (a.layout.id(), a.index));
        if sprite.image.id() != animation.atlas.id() || atlas_shown != Some((animation.layout.id(), shown.index)) {
            sprite.image = animation.atlas.clone();
            sprite.texture_atlas = Some(TextureAtlas {
                layout: animation.layout.clone(),
                index: shown.index,
            });
        }
        if advance.steps > 0 && frame != before {
            frame_changed.write(FrameChanged {
                entity,
                frame,
                atlas_index: shown.index,
            });
        }
        if advance.finished {
            finished.write(AnimationFinished { entity });
        }
    }
}
