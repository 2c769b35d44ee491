//! The image loader restores `*.sdx.png` and `.meta`-configured images while loading.

mod support;

use std::time::Duration;

use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy_spritedx::asset::convert::image_to_rgba;
use bevy_spritedx::model::degrade::{degrade, Preset};
use bevy_spritedx::model::metrics::accuracy;
use bevy_spritedx::prelude::*;
use support::*;

const META_WITH_HINTS: &str = r#"(
    meta_format_version: "1.0",
    asset: Load(
        loader: "bevy_spritedx::asset::image_loader::SpriteDxImageLoader",
        settings: (pixel_size: Some(13.3), max_colors: Some(32), palette: None),
    ),
)"#;

#[test]
fn sdx_png_loads_restored_with_its_report() {
    let dir = asset_dir("sdx_png");
    let demo = std::fs::read(shipped("demo/dragon_ai.png")).unwrap();
    write(&dir, "dragon_ai.sdx.png", &demo);
    let mut app = app(&dir, Duration::from_millis(16));
    let server = app.world().resource::<AssetServer>().clone();
    let image: Handle<Image> = server.load("dragon_ai.sdx.png");
    let report: Handle<SpriteDxReport> = server.load("dragon_ai.sdx.png#report");
    assert!(wait_for(&mut app, image.id()).is_loaded());
    wait_for(&mut app, report.id());

    // The same pixels as the model (and the CLI, which calls it) on the same file.
    let expected = restore(
        &load_image_from_memory(&demo, ImageLimits::default()).unwrap(),
        &RestoreOptions::default(),
    )
    .unwrap();
    let images = app.world().resource::<Assets<Image>>();
    let loaded = images.get(&image).unwrap();
    assert_eq!(image_to_rgba(loaded).unwrap(), expected.image);
    assert_eq!(loaded.sampler, ImageSampler::nearest());
    let reports = app.world().resource::<Assets<SpriteDxReport>>();
    let report = reports.get(&report).unwrap();
    assert_eq!(report.report.cells, [38, 29]);
    assert_eq!(report.source_size, UVec2::new(517, 392));
    assert_eq!(report.palette, expected.palette.colors);
}

#[test]
fn meta_settings_choose_the_loader_and_its_options() {
    let dir = asset_dir("meta_settings");
    // The demo: the dragon drawn at 13.3x with blur and noise.
    let clean = load_image(shipped("sprites/medieval-fantasy__monsters__dragon.png")).unwrap();
    let degraded = load_image(shipped("demo/dragon_ai.png")).unwrap();
    write(&dir, "dragon.png", png(&degraded));
    write(&dir, "dragon.png.meta", META_WITH_HINTS);
    write(&dir, "plain.png", png(&degraded));
    write(
        &dir,
        "plain.png.meta",
        META_WITH_HINTS.replace("pixel_size: Some(13.3)", "restore: false"),
    );
    let mut app = app(&dir, Duration::from_millis(16));
    let server = app.world().resource::<AssetServer>().clone();
    let restored: Handle<Image> = server.load("dragon.png");
    let plain: Handle<Image> = server.load("plain.png");
    assert!(wait_for(&mut app, restored.id()).is_loaded());
    assert!(wait_for(&mut app, plain.id()).is_loaded());

    let images = app.world().resource::<Assets<Image>>();
    let restored = image_to_rgba(images.get(&restored).unwrap()).unwrap();
    assert_eq!(restored.dimensions(), clean.dimensions());
    assert!(accuracy(&restored, &clean).snapped > 0.95);
    let plain = image_to_rgba(images.get(&plain).unwrap()).unwrap();
    assert_eq!(plain, degraded, "restore: false loads the image as it is");
}

#[test]
fn palette_file_is_read_relative_to_the_image() {
    let dir = asset_dir("palette_file");
    let clean = load_image(shipped("sprites/medieval-fantasy__items__crate.png")).unwrap();
    write(&dir, "crate.sdx.png", png(&degrade(&clean, Preset::Nearest, 1).image));
    write(
        &dir,
        "crate.sdx.png.meta",
        loader_meta("palette: Some(\"palettes/two.hex\")"),
    );
    write(&dir, "palettes/two.hex", "000000\nffffff\n");
    let mut app = app(&dir, Duration::from_millis(16));
    let image: Handle<Image> = app.world().resource::<AssetServer>().load("crate.sdx.png");
    assert!(wait_for(&mut app, image.id()).is_loaded());
    let restored = image_to_rgba(app.world().resource::<Assets<Image>>().get(&image).unwrap()).unwrap();
    assert!(restored
        .pixels()
        .filter(|p| p[3] > 0)
        .all(|p| p.0 == [0, 0, 0, 255] || p.0 == [255, 255, 255, 255]));
}

#[test]
fn bad_input_fails_the_load_with_a_clear_error() {
    let dir = asset_dir("bad_input");
    let demo = std::fs::read(shipped("demo/dragon_ai.png")).unwrap();
    write(&dir, "truncated.sdx.png", &demo[..demo.len() / 3]);
    write(&dir, "corrupt_meta.sdx.png", &demo);
    write(
        &dir,
        "corrupt_meta.sdx.png.meta",
        "(meta_format_version: \"1.0\", asset: Load(loader: ",
    );
    write(&dir, "missing_palette.sdx.png", &demo);
    write(
        &dir,
        "missing_palette.sdx.png.meta",
        loader_meta("palette: Some(\"nowhere.gpl\")"),
    );
    write(&dir, "bad_palette.sdx.png", &demo);
    write(
        &dir,
        "bad_palette.sdx.png.meta",
        loader_meta("palette: Some(\"bad.hex\")"),
    );
    write(&dir, "bad.hex", "not a colour\n");
    write(&dir, "bad_hint.sdx.png", &demo);
    write(&dir, "bad_hint.sdx.png.meta", loader_meta("pixel_size: Some(-2.0)"));
    write(&dir, "transparent.sdx.png", png(&image::RgbaImage::new(32, 32)));
    let mut app = app(&dir, Duration::from_millis(16));
    let server = app.world().resource::<AssetServer>().clone();
    for (file, expected) in [
        ("truncated.sdx.png", "decode"),
        ("corrupt_meta.sdx.png", "meta"),
        ("missing_palette.sdx.png", "nowhere.gpl"),
        ("bad_palette.sdx.png", "bad.hex"),
        ("bad_hint.sdx.png", "pixel size"),
        ("transparent.sdx.png", "transparent"),
    ] {
        let handle: Handle<Image> = server.load(file);
        let error = load_error(wait_for(&mut app, handle.id()));
        assert!(error.to_lowercase().contains(expected), "{file}: {error}");
    }
}

#[test]
fn meta_mode_learned_runs_the_shipped_network() {
    let dir = asset_dir("meta_learned");
    let demo = std::fs::read(shipped("demo/dragon_ai.png")).unwrap();
    write(&dir, "dragon_ai.sdx.png", &demo);
    write(&dir, "dragon_ai.sdx.png.meta", loader_meta("mode: Some(Learned)"));
    let mut app = app(&dir, Duration::from_millis(16));
    let server = app.world().resource::<AssetServer>().clone();
    let image: Handle<Image> = server.load("dragon_ai.sdx.png");
    let report: Handle<SpriteDxReport> = server.load("dragon_ai.sdx.png#report");
    assert!(wait_for(&mut app, image.id()).is_loaded());
    wait_for(&mut app, report.id());

    let options = RestoreOptions {
        mode: RestoreMode::Learned,
        ..Default::default()
    };
    let expected = restore(
        &load_image_from_memory(&demo, ImageLimits::default()).unwrap(),
        &options,
    )
    .unwrap();
    assert_eq!(expected.report.mode, "learned");
    let loaded = image_to_rgba(app.world().resource::<Assets<Image>>().get(&image).unwrap()).unwrap();
    assert_eq!(loaded, expected.image, "the loader gives the model's learned result");
    let reports = app.world().resource::<Assets<SpriteDxReport>>();
    assert_eq!(reports.get(&report).unwrap().report.mode, "learned");
}
