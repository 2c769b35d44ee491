//! In-betweens in the plugin: an `InBetweens` step adds the shipped interpolator's
//! frames between the drawings (none where it judges a cut), splitting each drawing's
//! time with them, and the player shows them.

mod support;

use std::time::Duration;

use bevy::image::TextureAtlasLayout;
use bevy::prelude::*;
use bevy_spritedx::asset::convert::image_to_rgba;
use bevy_spritedx::model::interp::interpolate_with_default_weights;
use bevy_spritedx::prelude::*;
use support::*;

/// Frame changes seen by the test.
#[derive(Resource, Default)]
struct Seen(Vec<usize>);

fn record(mut seen: ResMut<Seen>, mut changed: MessageReader<FrameChanged>) {
    seen.0.extend(changed.read().map(|m| m.frame));
}

#[test]
fn an_in_betweens_step_adds_the_interpolators_frames_and_the_player_shows_them() {
    let dir = asset_dir("in_betweens");
    let drawings = walk_frames();
    for (i, frame) in drawings.iter().enumerate() {
        write(&dir, &format!("frame_{i:02}.png"), png(frame));
    }
    // Held 2, 1, 1, 2 frames at 10 fps; filled up to 20 fps: one in-between after each
    // drawing but the last (no loop), unless the interpolator judges the pair a cut.
    write(
        &dir,
        "walk.sdx.ron",
        r#"(frames: Folder("."), fps: 10.0, holds: Some([2, 1, 1, 2]), steps: [InBetweens((fps: 20.0))])"#,
    );
    let mut app = app(&dir, Duration::from_millis(25));
    app.init_resource::<Seen>()
        .add_systems(Update, record.after(SpriteDxSystems::Playback));
    let handle: Handle<SpriteDxAnimation> = app.world().resource::<AssetServer>().load("walk.sdx.ron");
    let state = wait_for(&mut app, handle.id());
    assert!(state.is_loaded(), "{state:?}");
    let animation = app
        .world()
        .resource::<Assets<SpriteDxAnimation>>()
        .get(&handle)
        .unwrap()
        .clone();
    // What the interpolator itself makes of each pair decides the frames: a pair it
    // judges a cut keeps its hold, any other gets exactly the interpolator's frame.
    let made: Vec<_> = (0..3)
        .map(|d| interpolate_with_default_weights(&drawings[d], &drawings[d + 1], 0.5).unwrap())
        .collect();
    // Steps of one walk are no cuts: the shipped gate draws all three.
    assert!(made.iter().all(|m| !m.held), "a walk step judged a cut");
    let mut expected_flags = Vec::new();
    let mut expected_ms = Vec::new();
    for (d, hold_ms) in [200u128, 100, 100, 200].into_iter().enumerate() {
        let drawn = d < 3 && !made[d].held;
        expected_flags.push(false);
        expected_ms.push(if drawn { hold_ms / 2 } else { hold_ms });
        if drawn {
            expected_flags.push(true);
            expected_ms.push(hold_ms / 2);
        }
    }
    let flags: Vec<bool> = animation.frames.iter().map(|f| f.in_between).collect();
    assert_eq!(flags, expected_flags);
    let ms: Vec<u128> = animation.frames.iter().map(|f| f.duration.as_millis()).collect();
    assert_eq!(ms, expected_ms, "each drawing shares its time with its in-between");
    assert_eq!(animation.duration(), Duration::from_millis(600));

    // The atlas holds the drawings and exactly the interpolator's frames.
    let atlas = image_to_rgba(app.world().resource::<Assets<Image>>().get(&animation.atlas).unwrap()).unwrap();
    let layout = app
        .world()
        .resource::<Assets<TextureAtlasLayout>>()
        .get(&animation.layout)
        .unwrap();
    let frame = |i: usize| {
        let r = layout.textures[animation.frames[i].index];
        image::imageops::crop_imm(&atlas, r.min.x, r.min.y, r.width(), r.height()).to_image()
    };
    let mut i = 0;
    for (d, drawing) in drawings.iter().enumerate() {
        assert_eq!(&frame(i), drawing, "drawing {d}");
        i += 1;
        if d < 3 && !made[d].held {
            assert_eq!(frame(i), made[d].image, "in-between after drawing {d}");
            i += 1;
        }
    }
    let count = animation.frames.len();

    app.world_mut()
        .spawn(SpriteDxPlayer::new(handle).with_repeat(Repeat::Times(1)));
    for _ in 0..40 {
        app.update();
    }
    let shown: Vec<usize> = (1..count).collect();
    assert_eq!(
        app.world().resource::<Seen>().0,
        shown,
        "the player shows every frame once"
    );
}

#[test]
fn in_betweens_with_a_bad_rate_fail_with_a_typed_error() {
    let dir = asset_dir("in_betweens_bad");
    for (i, frame) in walk_frames().iter().enumerate() {
        write(&dir, &format!("frame_{i:02}.png"), png(frame));
    }
    write(
        &dir,
        "walk.sdx.ron",
        r#"(frames: Folder("."), fps: 10.0, steps: [InBetweens((fps: 0.0))])"#,
    );
    let mut app = app(&dir, Duration::from_millis(25));
    let handle: Handle<SpriteDxAnimation> = app.world().resource::<AssetServer>().load("walk.sdx.ron");
    let state = wait_for(&mut app, handle.id());
    assert!(state.is_failed(), "{state:?}");
    assert!(load_error(state).contains("fps must be positive"));
}
