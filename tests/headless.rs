//! The README's pattern: a headless app with the plugin restores an image made at
//! run time.

mod support;

use std::time::Duration;

use bevy::prelude::*;
use bevy_spritedx::asset::convert::{image_to_rgba, rgba_to_image};
use bevy_spritedx::prelude::*;
use support::*;

#[derive(Resource)]
struct Demo(Handle<Image>);

fn queue_demo(mut commands: Commands, mut images: ResMut<Assets<Image>>, mut jobs: ResMut<SpriteDxJobs>) {
    let pixels = load_image(shipped("demo/dragon_ai.png")).unwrap();
    let handle = images.add(rgba_to_image(&pixels));
    jobs.restore(&handle);
    commands.insert_resource(Demo(handle));
}

#[test]
fn readme_pattern_restores_the_demo() {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), SpriteDxPlugin::default()))
        .add_systems(Startup, queue_demo);
    app.update();
    while app.world().resource::<SpriteDxJobs>().pending() > 0 {
        std::thread::sleep(Duration::from_millis(1));
        app.update();
    }
    let handle = app.world().resource::<Demo>().0.clone();
    let restored = image_to_rgba(app.world().resource::<Assets<Image>>().get(&handle).unwrap()).unwrap();
    assert_eq!(restored.dimensions(), (38, 29));
    assert_eq!(app.world().resource::<SpriteDxSettings>(), &SpriteDxSettings::default());
}
