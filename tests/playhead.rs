//! Property tests of frame indexing ([`Playhead`]): any split of the same time gives
//! the same frame, every frame shows for exactly its hold, finite repeats end once.

use std::time::Duration;

use bevy_spritedx::animation::{Playhead, Repeat};
use proptest::prelude::*;

fn durations() -> impl Strategy<Value = Vec<Duration>> {
    prop::collection::vec((1u64..200).prop_map(Duration::from_millis), 1..8)
}

fn steps() -> impl Strategy<Value = Vec<Duration>> {
    prop::collection::vec((0u64..500).prop_map(Duration::from_millis), 1..40)
}

/// The frame shown after `t`, computed directly from the timeline.
fn frame_at(durations: &[Duration], t: Duration, ping_pong: bool) -> usize {
    let n = durations.len();
    let order: Vec<usize> = if ping_pong && n > 2 {
        (0..n).chain((1..n - 1).rev()).collect()
    } else {
        (0..n).collect()
    };
    let cycle: Duration = order.iter().map(|&i| durations[i]).sum();
    let mut left = Duration::from_nanos((t.as_nanos() % cycle.as_nanos()) as u64);
    for &i in &order {
        if left < durations[i] {
            return i;
        }
        left -= durations[i];
    }
    unreachable!()
}

proptest! {
    #[test]
    fn any_split_of_time_gives_the_timeline_frame(d in durations(), dts in steps(), ping_pong in any::<bool>()) {
        let mut playhead = Playhead::default();
        let mut t = Duration::ZERO;
        for dt in dts {
            playhead.advance(&d, dt, Repeat::Loop, ping_pong);
            t += dt;
            prop_assert!(playhead.frame < d.len());
            prop_assert_eq!(playhead.frame, frame_at(&d, t, ping_pong));
            prop_assert!(playhead.elapsed < d[playhead.frame]);
        }
    }

    #[test]
    fn finite_repeats_finish_once_on_the_last_frame(d in durations(), dts in steps(), times in 1u32..3, ping_pong in any::<bool>()) {
        let mut playhead = Playhead::default();
        let mut finished = 0;
        let mut t = Duration::ZERO;
        let order_len: Duration = if ping_pong && d.len() > 2 {
            d.iter().sum::<Duration>() + d[1..d.len() - 1].iter().sum::<Duration>()
        } else {
            d.iter().sum()
        };
        for dt in dts {
            finished += playhead.advance(&d, dt, Repeat::Times(times), ping_pong).finished as u32;
            t += dt;
            if t >= order_len * times {
                prop_assert!(playhead.finished);
            } else {
                prop_assert_eq!(playhead.frame, frame_at(&d, t, ping_pong));
            }
        }
        prop_assert_eq!(finished, playhead.finished as u32);
        if playhead.finished {
            let last = if ping_pong && d.len() > 1 { 1 } else { d.len() - 1 };
            prop_assert_eq!(playhead.frame, last);
        }
    }
}
