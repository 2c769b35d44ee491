//! `*.sdx.ron` animations load (files, folder, sheet), restore with one grid, and play
//! with their holds under manual time, sending messages.

mod support;

use std::time::Duration;

use bevy::image::TextureAtlasLayout;
use bevy::prelude::*;
use bevy_spritedx::asset::convert::image_to_rgba;
use bevy_spritedx::model::degrade::{resample, Kernel};
use bevy_spritedx::model::image::RgbaImage;
use bevy_spritedx::prelude::*;
use support::*;

/// The frames as a generator would draw them: 3.7x, off-grid phase, same for all.
fn ai_frames() -> Vec<RgbaImage> {
    walk_frames()
        .iter()
        .map(|f| resample(f, 3.7, [0.4, 0.9], Kernel::Nearest))
        .collect()
}

/// The non-transparent part of an image and where it starts.
fn content(image: &RgbaImage) -> (IVec2, RgbaImage) {
    let visible: Vec<(u32, u32)> = image
        .enumerate_pixels()
        .filter(|(_, _, p)| p[3] > 0)
        .map(|(x, y, _)| (x, y))
        .collect();
    let (x0, y0) = visible
        .iter()
        .fold((u32::MAX, u32::MAX), |(a, b), &(x, y)| (a.min(x), b.min(y)));
    let (x1, y1) = visible.iter().fold((0, 0), |(a, b), &(x, y)| (a.max(x), b.max(y)));
    let mut crop = image::imageops::crop_imm(image, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image();
    // Transparent is transparent, whatever colour it carries.
    crop.pixels_mut().filter(|p| p[3] == 0).for_each(|p| p.0 = [0; 4]);
    (IVec2::new(x0 as i32, y0 as i32), crop)
}

/// The frames of a loaded animation, cut from its atlas.
fn atlas_frames(app: &App, animation: &SpriteDxAnimation) -> Vec<RgbaImage> {
    let atlas = image_to_rgba(app.world().resource::<Assets<Image>>().get(&animation.atlas).unwrap()).unwrap();
    let layout = app
        .world()
        .resource::<Assets<TextureAtlasLayout>>()
        .get(&animation.layout)
        .unwrap();
    animation
        .frames
        .iter()
        .map(|f| {
            let r = layout.textures[f.index];
            image::imageops::crop_imm(&atlas, r.min.x, r.min.y, r.width(), r.height()).to_image()
        })
        .collect()
}

fn load_animation(app: &mut App, path: &str) -> Result<SpriteDxAnimation, String> {
    let handle: Handle<SpriteDxAnimation> = app.world().resource::<AssetServer>().load(path.to_string());
    let state = wait_for(app, handle.id());
    if state.is_failed() {
        return Err(load_error(state));
    }
    Ok(app
        .world()
        .resource::<Assets<SpriteDxAnimation>>()
        .get(&handle)
        .unwrap()
        .clone())
}

#[test]
fn files_restore_with_one_grid_into_an_aligned_atlas() {
    let dir = asset_dir("anim_files");
    for (i, frame) in ai_frames().iter().enumerate() {
        write(&dir, &format!("walk/{i}.png"), png(frame));
    }
    write(
        &dir,
        "walk.sdx.ron",
        r#"(frames: Files(["walk/0.png", "walk/1.png", "walk/2.png", "walk/3.png"]), fps: 10.0,
            holds: Some([2, 1, 1, 2]), steps: [Restore(())])"#,
    );
    let mut app = app(&dir, Duration::from_millis(16));
    let animation = load_animation(&mut app, "walk.sdx.ron").unwrap();

    let durations: Vec<u64> = animation.frames.iter().map(|f| f.duration.as_millis() as u64).collect();
    assert_eq!(durations, [200, 100, 100, 200]);
    let report = animation.report.as_ref().unwrap();
    assert!((report.report.pixel_size[0] - 3.7).abs() < 0.05, "{:?}", report.report);
    // Every frame comes back pixel for pixel, at the same place relative to the others.
    let originals = walk_frames();
    let restored = atlas_frames(&app, &animation);
    let shift = content(&restored[0]).0 - content(&originals[0]).0;
    for (original, restored) in originals.iter().zip(&restored) {
        let (at_original, original) = content(original);
        let (at_restored, restored) = content(restored);
        assert_eq!(restored, original);
        assert_eq!(at_restored - at_original, shift, "frames stay aligned");
    }
}

#[test]
fn folder_and_sheet_sources_give_the_frames_in_order() {
    let dir = asset_dir("anim_sources");
    let frames = walk_frames();
    let mut sheet = RgbaImage::new(16 * 3, 16 * 2);
    for (i, frame) in frames.iter().enumerate() {
        write(&dir, &format!("folder/frame_{:02}.png", i + 1), png(frame));
        image::imageops::replace(&mut sheet, frame, (i as i64 % 3) * 16, (i as i64 / 3) * 16);
    }
    write(&dir, "sheet.png", png(&sheet));
    write(&dir, "folder.sdx.ron", r#"(frames: Folder("folder"), fps: 8.0)"#);
    write(
        &dir,
        "sheet.sdx.ron",
        r#"(frames: Sheet(path: "sheet.png", cell: (16, 16), count: Some(4)), fps: 8.0)"#,
    );
    let mut app = app(&dir, Duration::from_millis(16));
    for file in ["folder.sdx.ron", "sheet.sdx.ron"] {
        let animation = load_animation(&mut app, file).unwrap();
        assert_eq!(atlas_frames(&app, &animation), frames, "{file}");
        assert!(animation
            .frames
            .iter()
            .all(|f| f.duration == Duration::from_millis(125)));
    }
}

#[test]
fn bad_animation_files_fail_with_typed_errors() {
    let dir = asset_dir("anim_bad");
    write(&dir, "f.png", png(&walk_frames()[0]));
    let cases = [
        (
            "syntax.sdx.ron",
            "(frames: Files([\"f.png\"]), fps: ",
            "invalid animation file",
        ),
        (
            "variant.sdx.ron",
            "(frames: Video(\"f.mp4\"), fps: 8.0)",
            "invalid animation file",
        ),
        (
            "fps.sdx.ron",
            "(frames: Files([\"f.png\"]), fps: 0.0)",
            "fps must be positive",
        ),
        (
            "holds.sdx.ron",
            "(frames: Files([\"f.png\"]), fps: 8.0, holds: Some([1, 2]))",
            "2 holds for 1 frames",
        ),
        (
            "zero.sdx.ron",
            "(frames: Files([\"f.png\"]), fps: 8.0, holds: Some([0]))",
            "hold of 0",
        ),
        (
            "missing.sdx.ron",
            "(frames: Files([\"nope.png\"]), fps: 8.0)",
            "nope.png",
        ),
        (
            "cell.sdx.ron",
            "(frames: Sheet(path: \"f.png\", cell: (32, 16)), fps: 8.0)",
            "does not fit",
        ),
        ("empty.sdx.ron", "(frames: Files([]), fps: 8.0)", "no frames"),
    ];
    for (file, text, _) in &cases {
        write(&dir, file, text);
    }
    let mut app = app(&dir, Duration::from_millis(16));
    for (file, _, expected) in cases {
        let error = load_animation(&mut app, file).unwrap_err();
        assert!(error.contains(expected), "{file}: {error}");
    }
}

/// Messages seen, with the update they arrived in.
#[derive(Resource, Default)]
struct Seen {
    update: u32,
    changes: Vec<(u32, usize)>,
    finished: Vec<u32>,
}

fn record(
    mut seen: ResMut<Seen>,
    mut changed: MessageReader<FrameChanged>,
    mut finished: MessageReader<AnimationFinished>,
) {
    seen.update += 1;
    let update = seen.update;
    for m in changed.read() {
        seen.changes.push((update, m.frame));
    }
    for _ in finished.read() {
        seen.finished.push(update);
    }
}

#[test]
fn player_honours_holds_and_finishes_once() {
    let dir = asset_dir("anim_player");
    for (i, frame) in walk_frames().iter().enumerate() {
        write(&dir, &format!("frame_{i:02}.png"), png(frame));
    }
    write(
        &dir,
        "walk.sdx.ron",
        r#"(frames: Folder("."), fps: 10.0, holds: Some([2, 1, 1, 2]))"#,
    );
    // 50 ms per update: holds of 200/100/100/200 ms last 4/2/2/4 updates.
    let mut app = app(&dir, Duration::from_millis(50));
    app.init_resource::<Seen>()
        .add_systems(Update, record.after(SpriteDxSystems::Playback));
    let handle: Handle<SpriteDxAnimation> = app.world().resource::<AssetServer>().load("walk.sdx.ron");
    wait_for(&mut app, handle.id());
    let player = app
        .world_mut()
        .spawn(SpriteDxPlayer::new(handle.clone()).with_repeat(Repeat::Times(1)))
        .id();
    app.world_mut().resource_mut::<Seen>().update = 0;
    for _ in 0..20 {
        app.update();
    }
    let seen = app.world().resource::<Seen>();
    let frames: Vec<usize> = seen.changes.iter().map(|c| c.1).collect();
    assert_eq!(frames, [1, 2, 3]);
    let gaps: Vec<u32> = seen.changes.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert_eq!(gaps, [2, 2], "frames 1 and 2 are each held 100 ms");
    assert_eq!(seen.finished.len(), 1);
    assert_eq!(seen.finished[0] - seen.changes[2].0, 4, "the last frame is held 200 ms");
    let player_state = app.world().get::<SpriteDxPlayer>(player).unwrap();
    assert!(player_state.is_finished());
    let sprite = app.world().get::<Sprite>(player).unwrap();
    let animation = app
        .world()
        .resource::<Assets<SpriteDxAnimation>>()
        .get(&handle)
        .unwrap();
    assert_eq!(sprite.image, animation.atlas);
    assert_eq!(
        sprite.texture_atlas.as_ref().unwrap().index,
        3,
        "stops on the last frame"
    );
}

#[test]
fn paused_and_fast_players() {
    let dir = asset_dir("anim_speed");
    for (i, frame) in walk_frames().iter().enumerate() {
        write(&dir, &format!("frame_{i:02}.png"), png(frame));
    }
    write(&dir, "walk.sdx.ron", r#"(frames: Folder("."), fps: 10.0)"#);
    let mut app = app(&dir, Duration::from_millis(50));
    let handle: Handle<SpriteDxAnimation> = app.world().resource::<AssetServer>().load("walk.sdx.ron");
    wait_for(&mut app, handle.id());
    let mut paused = SpriteDxPlayer::new(handle.clone());
    paused.pause();
    let paused = app.world_mut().spawn(paused).id();
    let fast = app
        .world_mut()
        .spawn(SpriteDxPlayer::new(handle.clone()).with_speed(2.0))
        .id();
    let pong = app
        .world_mut()
        .spawn(SpriteDxPlayer::new(handle).with_speed(2.0).with_ping_pong(true))
        .id();
    let mut fast_frames = Vec::new();
    let mut pong_frames = Vec::new();
    for _ in 0..12 {
        app.update();
        fast_frames.push(app.world().get::<SpriteDxPlayer>(fast).unwrap().frame());
        pong_frames.push(app.world().get::<SpriteDxPlayer>(pong).unwrap().frame());
    }
    assert_eq!(app.world().get::<SpriteDxPlayer>(paused).unwrap().frame(), 0);
    // At twice the speed each 100 ms frame lasts one 50 ms update.
    assert_eq!(fast_frames[..8], [1, 2, 3, 0, 1, 2, 3, 0]);
    assert_eq!(pong_frames[..8], [1, 2, 3, 2, 1, 0, 1, 2]);
}

#[test]
fn shipped_ai_sheet_restores_to_the_walk_cycle() {
    let mut app = app(&shipped("anim"), Duration::from_millis(16));
    let animation = load_animation(&mut app, "ninja_walk_ai.sdx.ron").unwrap();
    let report = &animation.report.as_ref().unwrap().report;
    // 16 px frames drawn 85 px wide: 5.31 input pixels per cell.
    assert_eq!(report.cells, [16, 16], "{report:?}");
    let restored = atlas_frames(&app, &animation);
    let mut snapped = Vec::new();
    for (original, restored) in walk_frames().iter().zip(&restored) {
        let (_, original) = content(original);
        let (_, restored) = content(restored);
        assert_eq!(restored.dimensions(), original.dimensions());
        let score = bevy_spritedx::model::metrics::accuracy(&restored, &original);
        // A frame has about 200 visible pixels: each one off costs 0.005.
        assert!(score.snapped >= 0.97, "{score:?}");
        snapped.push(score.snapped);
    }
    let mean = snapped.iter().sum::<f32>() / snapped.len() as f32;
    assert!(mean >= 0.98, "{snapped:?}");
    let clean = load_animation(&mut app, "ninja_walk.sdx.ron").unwrap();
    assert_eq!(atlas_frames(&app, &clean), walk_frames());
}
