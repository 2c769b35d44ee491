//! Frame holds in the plugin: a `Holds` step keeps the drawings of a fluid clip with
//! their hold lengths, and the `.sdx.ron` exported by `spritedx holds` loads with the
//! holds the CLI chose.

mod support;

use std::time::Duration;

use bevy::prelude::*;
use bevy_spritedx::model::degrade::{fluid_clip, FluidClip, FluidClipOptions};
use bevy_spritedx::model::image::RgbaImage;
use bevy_spritedx::prelude::*;
use support::*;

/// The shipped CC0 walk cycle made fluid at 60 fps: held 2, 1, 3, 1 frames at 10 fps,
/// every output frame a new picture (wobble, dissolves).
fn fluid_walk() -> FluidClip {
    fluid_clip(&walk_frames(), &[2, 1, 3, 1], 10.0, &FluidClipOptions::default())
}

/// Runs `spritedx holds <dir>/fluid --fps 60 --json <dir>/holds.json --export
/// <dir>/export` plus `extra` in-process; returns the path of the JSON.
fn run_holds_cli(dir: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    let json = dir.join("holds.json");
    let mut args: Vec<std::ffi::OsString> = vec![
        "spritedx".into(),
        "holds".into(),
        dir.join("fluid").into_os_string(),
        "--fps".into(),
        "60".into(),
        "--json".into(),
        json.clone().into_os_string(),
        "--export".into(),
        dir.join("export").into_os_string(),
    ];
    args.extend(extra.iter().map(Into::into));
    assert_eq!(spritedx_trainer::run(args), std::process::ExitCode::SUCCESS);
    json
}

/// Writes the clip's frames as `fluid/frame_XXX.png`; returns their names.
fn write_frames(dir: &std::path::Path, clip: &FluidClip) -> Vec<String> {
    clip.frames
        .iter()
        .enumerate()
        .map(|(t, frame)| {
            let name = format!("fluid/frame_{t:03}.png");
            write(dir, &name, png(frame));
            name
        })
        .collect()
}

/// Loads `path` as an animation and returns its frame durations.
fn load_durations(app: &mut App, path: &str) -> Vec<Duration> {
    let server = app.world().resource::<AssetServer>().clone();
    let handle: Handle<SpriteDxAnimation> = server.load(path.to_string());
    let state = wait_for(app, handle.id());
    assert!(state.is_loaded(), "{state:?}");
    let animations = app.world().resource::<Assets<SpriteDxAnimation>>();
    animations
        .get(&handle)
        .unwrap()
        .frames
        .iter()
        .map(|f| f.duration)
        .collect()
}

#[test]
fn a_holds_step_keeps_the_drawings_with_their_holds() {
    let dir = asset_dir("holds_step");
    let clip = fluid_walk();
    assert_eq!(clip.holds, vec![12, 6, 18, 6]);
    let files = write_frames(&dir, &clip);
    let list = files.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", ");
    write(
        &dir,
        "walk.sdx.ron",
        format!("(frames: Files([{list}]), fps: 60.0, steps: [Holds(())])"),
    );
    let mut app = app(&dir, Duration::from_millis(16));
    let durations = load_durations(&mut app, "walk.sdx.ron");
    // Four drawings, each held as drawn (60 fps frames, within the 2-frame tolerance
    // of the evaluation; the total is the clip's length).
    assert_eq!(durations.len(), 4, "{durations:?}");
    for (got, want) in durations.iter().zip(&clip.holds) {
        let frames = got.as_secs_f64() * 60.0;
        assert!(
            (frames - *want as f64).abs() <= 2.0 + 1e-6,
            "{durations:?} vs {:?}",
            clip.holds
        );
    }
    let total: f64 = durations.iter().map(|d| d.as_secs_f64()).sum();
    assert!((total * 60.0 - clip.frames.len() as f64).abs() < 1e-6);

    // Holds given and chosen at once is an error, not a silent choice.
    write(
        &dir,
        "both.sdx.ron",
        format!(
            "(frames: Files([{list}]), fps: 60.0, holds: Some([{}]), steps: [Holds(())])",
            vec!["1"; files.len()].join(", ")
        ),
    );
    let server = app.world().resource::<AssetServer>().clone();
    let both: Handle<SpriteDxAnimation> = server.load("both.sdx.ron");
    let error = load_error(wait_for(&mut app, both.id()));
    assert!(error.contains("both given and chosen"), "{error}");
}

#[test]
fn the_cli_export_loads_with_the_holds_it_chose() {
    let dir = asset_dir("holds_export");
    let clip = fluid_walk();
    write_frames(&dir, &clip);
    let json = run_holds_cli(&dir, &[]);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let holds: Vec<u64> = serde_json::from_value(report["holds"].clone()).unwrap();
    let keys: Vec<u64> = serde_json::from_value(report["keys"].clone()).unwrap();
    assert_eq!(keys.len(), holds.len());
    assert_eq!(holds.iter().sum::<u64>(), clip.frames.len() as u64);

    let mut app = app(&dir, Duration::from_millis(16));
    let durations = load_durations(&mut app, "export/animation.sdx.ron");
    let expected: Vec<Duration> = holds
        .iter()
        .map(|&h| Duration::from_secs_f64(h as f64 / 60.0))
        .collect();
    assert_eq!(durations, expected);
}

#[test]
fn the_restored_export_is_the_walk_cycle_on_whole_pixels() {
    let dir = asset_dir("holds_export_restored");
    let clip = fluid_walk();
    write_frames(&dir, &clip);
    run_holds_cli(&dir, &["--restore"]);
    // Frames 0 and 3 of the walk are one drawing apart from its neighbours, so the
    // fluid clip has four drawings: a, b, c, d as drawn.
    let exported: Vec<RgbaImage> = (0..4)
        .map(|i| load_image(dir.join(format!("export/frame_{i:02}.png"))).unwrap())
        .collect();
    let mut shifts = Vec::new();
    for (restored, original) in exported.iter().zip(&walk_frames()) {
        assert_eq!(restored.dimensions(), exported[0].dimensions());
        let score = bevy_spritedx::model::metrics::accuracy(restored, original);
        assert!(score.snapped >= 0.9, "{score:?}");
        shifts.push(score.shift);
    }
    // Whole-pixel positions, at most one pixel apart: the drawings wobble by 0.6 px
    // in all, and the phase measured on a blurred frame leans a little towards its
    // drawing, so a drawing at the far end of the wobble may still round one pixel
    // off (`spritedx eval holds` counts these "spurious moves").
    for s in &shifts {
        assert!(
            (s[0] - shifts[0][0]).abs() <= 1 && (s[1] - shifts[0][1]).abs() <= 1,
            "{shifts:?}"
        );
    }
    assert!(!dir.join("export/frame_04.png").exists());
}
