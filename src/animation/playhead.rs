//! [`Playhead`]: which frame of an animation shows after some time; pure and
//! deterministic (no ECS), so frame indexing can be tested on its own.

use std::time::Duration;

use bevy::prelude::*;

/// How often an animation plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Reflect)]
pub enum Repeat {
    /// Forever.
    #[default]
    Loop,
    /// This many passes, then it stops on the last frame shown (`Times(1)` plays once).
    Times(u32),
}

/// What one [`Playhead::advance`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Advance {
    /// Frame changes that happened (several when the step spans several frames).
    pub steps: u32,
    /// The last pass ended during this step.
    pub finished: bool,
}

/// Position in an animation: the frame shown, the time it has been shown, the
/// direction (ping-pong) and the passes completed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Reflect)]
pub struct Playhead {
    /// Index of the frame shown, in playback order.
    pub frame: usize,
    /// How long the frame has been shown.
    pub elapsed: Duration,
    /// Playing backwards (the return half of a ping-pong).
    pub backwards: bool,
    /// Passes completed (a ping-pong pass goes there and back).
    pub passes: u32,
    /// The last pass has ended; the playhead no longer moves.
    pub finished: bool,
}

impl Playhead {
    /// Moves the playhead by `dt` through frames shown for `durations` each.
    ///
    /// A pass is the frames in order (`0, 1, .., n-1`), or there and back for
    /// ping-pong (`0, 1, .., n-1, .., 1` and then `0` starts the next pass); every
    /// frame shows for exactly its duration. Frames of zero duration are skipped.
    pub fn advance(&mut self, durations: &[Duration], dt: Duration, repeat: Repeat, ping_pong: bool) -> Advance {
        let mut result = Advance::default();
        let n = durations.len();
        if n == 0 || self.finished || durations.iter().all(Duration::is_zero) {
            return result;
        }
        self.frame = self.frame.min(n - 1);
        self.elapsed += dt;
        // Whole looping cycles change nothing: skip them so a long pause costs no time.
        if repeat == Repeat::Loop {
            let cycle = cycle_length(durations, ping_pong);
            if self.elapsed > cycle * 2 {
                let whole = (self.elapsed.as_nanos() / cycle.as_nanos()) as u32 - 1;
                self.elapsed -= cycle * whole;
                self.passes = self.passes.saturating_add(whole);
            }
        }
        while self.elapsed >= durations[self.frame] {
            self.elapsed -= durations[self.frame];
            let (next, backwards, pass_ended) = next_frame(self.frame, self.backwards, n, ping_pong);
            if pass_ended {
                self.passes = self.passes.saturating_add(1);
                if let Repeat::Times(times) = repeat {
                    if self.passes >= times {
                        self.finished = true;
                        self.elapsed = Duration::ZERO;
                        result.finished = true;
                        return result;
                    }
                }
            }
            (self.frame, self.backwards) = (next, backwards);
            result.steps += 1;
        }
        result
    }
}

/// Duration of one pass.
fn cycle_length(durations: &[Duration], ping_pong: bool) -> Duration {
    let forward: Duration = durations.iter().sum();
    if ping_pong && durations.len() > 2 {
        forward + durations[1..durations.len() - 1].iter().sum::<Duration>()
    } else {
        forward
    }
}

/// The frame after `frame`: `(frame, backwards, a pass ended on the way)`.
fn next_frame(frame: usize, backwards: bool, n: usize, ping_pong: bool) -> (usize, bool, bool) {
    if n == 1 {
        return (0, false, true);
    }
    match (ping_pong, backwards) {
        (false, _) if frame + 1 == n => (0, false, true),
        (false, _) => (frame + 1, false, false),
        (true, false) if frame + 1 == n && n == 2 => (0, false, true),
        (true, false) if frame + 1 == n => (frame - 1, true, false),
        (true, false) => (frame + 1, false, false),
        (true, true) if frame <= 1 => (0, false, true),
        (true, true) => (frame - 1, true, false),
    }
}
