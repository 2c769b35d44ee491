//! Editing a source image or its `.meta` while the app runs reloads the restored
//! sprite (Bevy's file watcher, feature `file_watcher`).

mod support;

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy_spritedx::prelude::*;
use support::*;

/// Updates until the image has size `size` (panics after 20 s).
fn wait_for_size(app: &mut App, image: &Handle<Image>, size: UVec2) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        app.update();
        if app.world().resource::<Assets<Image>>().get(image).map(|i| i.size()) == Some(size) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the image did not become {size}");
}

#[test]
fn editing_the_meta_or_the_image_reloads_the_sprite() {
    let dir = asset_dir("hot_reload");
    let demo = std::fs::read(shipped("demo/dragon_ai.png")).unwrap();
    write(&dir, "dragon.png", &demo);
    write(&dir, "dragon.png.meta", loader_meta("restore: true"));
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            file_path: dir.to_string_lossy().into_owned(),
            watch_for_changes_override: Some(true),
            ..default()
        },
        SpriteDxPlugin::default(),
    ))
    .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(16)));
    let image: Handle<Image> = app.world().resource::<AssetServer>().load("dragon.png");
    wait_for_size(&mut app, &image, UVec2::new(38, 29));

    // Turning restoration off in the .meta gives the raw image back.
    write(&dir, "dragon.png.meta", loader_meta("restore: false"));
    wait_for_size(&mut app, &image, UVec2::new(517, 392));

    // Replacing the image itself (restoration on again) restores the new pixels.
    write(&dir, "dragon.png.meta", loader_meta("restore: true"));
    let crate_sprite = load_image(shipped("sprites/medieval-fantasy__items__crate.png")).unwrap();
    let bigger =
        bevy_spritedx::model::degrade::degrade(&crate_sprite, bevy_spritedx::model::degrade::Preset::Nearest, 2);
    write(&dir, "dragon.png", png(&bigger.image));
    wait_for_size(
        &mut app,
        &image,
        UVec2::new(crate_sprite.width(), crate_sprite.height()),
    );
}
