//! A headless Bevy app restores a real degraded sprite through the plugin.

use bevy::prelude::*;
use bevy_spritedx::model::degrade::{degrade, Preset};
use bevy_spritedx::prelude::*;

fn asset(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name)
}

#[test]
fn plugin_restores_rgba_requests_in_update() {
    let clean = load_image(asset("sprites/medieval-fantasy__items__crate.png")).unwrap();
    let degraded = degrade(&clean, Preset::NonInteger, 3).image;

    let mut app = App::new();
    app.add_plugins(SpriteDxPlugin::default());
    let good = app.world_mut().spawn(RestoreRgba(degraded)).id();
    let bad = app.world_mut().spawn(RestoreRgba(RgbaImageAlias::new(64, 64))).id();
    app.update();

    let world = app.world();
    assert!(world.get::<RestoreRgba>(good).is_none(), "the request is consumed");
    let (image, report) = world.get::<RestoredRgba>(good).unwrap().result.clone().unwrap();
    assert_eq!(image.dimensions(), clean.dimensions());
    assert_eq!(bevy_spritedx::model::metrics::accuracy(&image, &clean).exact, 1.0);
    assert_eq!(report.cells, [clean.width(), clean.height()]);
    let error = world.get::<RestoredRgba>(bad).unwrap().result.clone().unwrap_err();
    assert!(error.contains("fully transparent"), "{error}");
    assert_eq!(world.resource::<SpriteDxSettings>(), &SpriteDxSettings::default());
}

type RgbaImageAlias = bevy_spritedx::model::image::RgbaImage;

/// The README's pattern: MinimalPlugins, a Startup system that asks for a restore.
#[test]
fn readme_pattern_restores_the_demo() {
    fn request(mut commands: Commands) {
        let image = load_image(asset("demo/dragon_ai.png")).unwrap();
        commands.spawn(RestoreRgba(image));
    }
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SpriteDxPlugin::default()))
        .add_systems(Startup, request);
    app.update();
    let world = app.world_mut();
    let mut restored = world.query::<&RestoredRgba>();
    let results: Vec<_> = restored.iter(world).collect();
    assert_eq!(results.len(), 1);
    let (image, report) = results[0].result.clone().unwrap();
    assert_eq!(image.dimensions(), (38, 29));
    assert_eq!(report.cells, [38, 29]);
}
