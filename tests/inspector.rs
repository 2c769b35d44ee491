//! The inspector (feature `inspector`): selecting a restored image reads its source
//! and `.meta`; editing the settings restores it again from the source and updates
//! the image and its report; saving writes the `.meta`.

mod support;

use std::time::Duration;

use bevy::prelude::*;
use bevy_spritedx::asset::convert::image_to_rgba;
use bevy_spritedx::inspector::{parse_meta, Inspected, MetaKind, SpriteDxInspector, SpriteDxInspectorPlugin};
use bevy_spritedx::prelude::*;
use support::*;

/// Updates until `done` holds (panics after 30 s).
fn update_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) {
    for _ in 0..30_000 {
        app.update();
        if done(app) {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("timed out waiting for {what}");
}

fn inspector(app: &mut App) -> Mut<'_, SpriteDxInspector> {
    app.world_mut().resource_mut::<SpriteDxInspector>()
}

#[test]
fn edited_settings_restore_the_source_again_and_save_to_meta() {
    let dir = asset_dir("inspector_edit");
    let demo = std::fs::read(shipped("demo/dragon_ai.png")).unwrap();
    write(&dir, "dragon_ai.sdx.png", &demo);
    let mut app = app(&dir, Duration::from_millis(16));
    app.add_plugins(SpriteDxInspectorPlugin::default());
    let server = app.world().resource::<AssetServer>().clone();
    let image: Handle<Image> = server.load("dragon_ai.sdx.png");
    let report: Handle<SpriteDxReport> = server.load("dragon_ai.sdx.png#report");
    assert!(wait_for(&mut app, image.id()).is_loaded());
    wait_for(&mut app, report.id());
    let loaded_colors = app
        .world()
        .resource::<Assets<SpriteDxReport>>()
        .get(&report)
        .unwrap()
        .report
        .colors;
    assert!(loaded_colors > 4, "the demo restores to {loaded_colors} colours");

    // The image is listed, and selecting it reads its file (no .meta: defaults).
    let listed = bevy_spritedx::inspector::inspectable(
        &server,
        app.world().resource::<Assets<SpriteDxReport>>(),
        app.world().resource::<Assets<SpriteDxAnimation>>(),
    );
    let entry = Inspected::Image {
        image: image.id(),
        report: report.id(),
    };
    assert_eq!(listed, vec![("dragon_ai.sdx.png".to_string(), entry)]);
    inspector(&mut app).select(entry);
    update_until(&mut app, "the source file", |app| inspector(app).source().is_some());
    let source = inspector(&mut app).source().unwrap().clone();
    let source_pixels = load_image_from_memory(&demo, ImageLimits::default()).unwrap();
    assert_eq!(source.pixels, source_pixels);
    assert_eq!(source.meta, MetaKind::Missing);
    assert_eq!(source.settings, SpriteDxLoaderSettings::default());

    // Editing the settings (as the window's "max colours" field does) restores the
    // source again: the image and its report become the model's result.
    inspector(&mut app).settings_mut().unwrap().max_colors = Some(4);
    update_until(&mut app, "the restoration", |app| {
        let reports = app.world().resource::<Assets<SpriteDxReport>>();
        reports.get(&report).unwrap().report.colors <= 4
    });
    let edited = SpriteDxLoaderSettings {
        max_colors: Some(4),
        ..default()
    };
    let expected = restore(&source_pixels, &edited.options(&RestoreOptions::default(), None)).unwrap();
    let images = app.world().resource::<Assets<Image>>();
    assert_eq!(image_to_rgba(images.get(&image).unwrap()).unwrap(), expected.image);
    let reports = app.world().resource::<Assets<SpriteDxReport>>();
    let updated = reports.get(&report).unwrap();
    assert_eq!(updated.report.colors, expected.report.colors);
    assert_eq!(updated.palette, expected.palette.colors);
    assert!(inspector(&mut app).status().starts_with("restored in"));

    // Saving writes a .meta that loads the image with the edited settings.
    inspector(&mut app).save_meta();
    update_until(&mut app, "the saved .meta", |app| {
        inspector(app).status() == "saved .meta"
    });
    let meta = std::fs::read(dir.join("dragon_ai.sdx.png.meta")).unwrap();
    assert_eq!(parse_meta(&meta).unwrap(), (edited, MetaKind::Load));
}

#[test]
fn an_image_made_at_run_time_has_no_source_to_edit() {
    let dir = asset_dir("inspector_runtime");
    let mut app = app(&dir, Duration::from_millis(16));
    app.add_plugins(SpriteDxInspectorPlugin::default());
    let image = app.world_mut().resource_mut::<Assets<Image>>().add(Image::default());
    let report = app
        .world_mut()
        .resource_mut::<Assets<SpriteDxReport>>()
        .reserve_handle();
    inspector(&mut app).select(Inspected::Image {
        image: image.id(),
        report: report.id(),
    });
    update_until(&mut app, "the status", |app| !inspector(app).status().is_empty());
    assert!(inspector(&mut app).status().contains("no file"));
    assert!(inspector(&mut app).settings_mut().is_none());
}
