//! Restoring images made while the game runs: every press of Space "generates" a
//! new AI-looking sprite (a CC0 sprite redrawn with a random preset, scale and
//! phase), shows it raw, and restores a copy with `SpriteDxJobs` on the async
//! compute pool (on the GPU path when there is a render device). The restored
//! sprite appears when `RestoreFinished` arrives; nothing blocks a frame.
//!
//! `cargo run --release --features window --example runtime_restore`

#[path = "support/mod.rs"]
mod support;

use bevy::prelude::*;
use bevy_spritedx::asset::convert::rgba_to_image;
use bevy_spritedx::model::degrade::{degrade, Preset};
use bevy_spritedx::prelude::*;
use support::{fit_sprites, label, FitHeight, ScreenshotPlugin};

fn main() {
    App::new()
        .add_plugins((
            support::default_plugins("SpriteDX: runtime restore"),
            SpriteDxPlugin::default(),
            ScreenshotPlugin,
        ))
        .insert_resource(ClearColor(Color::srgb(0.16, 0.17, 0.21)))
        .init_resource::<Generation>()
        .add_systems(Startup, setup)
        .add_systems(Update, (generate_on_space, show_results, fit_sprites))
        .run();
}

#[derive(Resource, Default)]
struct Generation(u64);

/// The sprites of the current generation (raw and restored).
#[derive(Component)]
struct Shown;

#[derive(Component)]
struct Status;

fn setup(mut commands: Commands) {
    commands.spawn(Camera2d);
    commands.spawn(label("generated at run time (raw)", Vec2::new(-220.0, 200.0)));
    commands.spawn(label("restored by a job", Vec2::new(220.0, 200.0)));
    commands.spawn((label("press Space to generate", Vec2::new(0.0, -230.0)), Status));
    commands.queue(|world: &mut World| {
        world.run_system_cached(generate).unwrap();
    });
}

/// The CC0 sprites the "generator" draws from.
const SOURCES: [&str; 4] = [
    "medieval-fantasy__monsters__dragon.png",
    "ninja-adventure__monsters__11.png",
    "mon__unique__serpent_of_hell-geh.png",
    "western-fps-2d__item__burger.png",
];

fn generate_on_space(mut commands: Commands, keys: Res<ButtonInput<KeyCode>>) {
    if keys.just_pressed(KeyCode::Space) {
        commands.queue(|world: &mut World| {
            world.run_system_cached(generate).unwrap();
        });
    }
}

fn generate(
    mut commands: Commands,
    mut generation: ResMut<Generation>,
    mut images: ResMut<Assets<Image>>,
    mut jobs: ResMut<SpriteDxJobs>,
    old: Query<Entity, With<Shown>>,
) {
    old.iter().for_each(|e| commands.entity(e).despawn());
    let n = generation.0;
    generation.0 += 1;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sprites");
    let clean = load_image(root.join(SOURCES[n as usize % SOURCES.len()])).expect("shipped sprite");
    let preset = [Preset::Bicubic, Preset::NonInteger, Preset::Large, Preset::SoftAlpha][(n / 4) as usize % 4];
    let drawn = rgba_to_image(&degrade(&clean, preset, n).image);
    let raw = images.add(drawn.clone());
    let copy = images.add(drawn);
    jobs.restore(&copy);
    commands.spawn((
        Sprite::from_image(raw),
        FitHeight(300.0),
        Transform::from_xyz(-220.0, 0.0, 0.0),
        Shown,
    ));
    commands.spawn((
        Sprite::from_image(copy),
        FitHeight(300.0),
        Transform::from_xyz(220.0, 0.0, 0.0),
        Shown,
    ));
}

fn show_results(mut finished: MessageReader<RestoreFinished>, mut status: Query<&mut Text2d, With<Status>>) {
    for message in finished.read() {
        let text = match &message.result {
            Ok(r) => format!(
                "{}x{} cells, pixel size {:.2}, {} colours, {:.1} ms on the {} (Space: another)",
                r.report.cells[0],
                r.report.cells[1],
                r.report.pixel_size[0],
                r.report.colors,
                r.report.ms,
                if message.gpu { "GPU" } else { "CPU" }
            ),
            Err(e) => format!("not restored: {e}"),
        };
        for mut status in &mut status {
            status.0 = text.clone();
        }
    }
}
