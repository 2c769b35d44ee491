//! A small scene of AI-looking sprites restored at load time, side by side with the
//! raw files: the top row is what the generator drew (Bevy's own loader, `*.png`),
//! the bottom row is the same file restored by SpriteDX while loading (`*.sdx.png`).
//!
//! `cargo run --release --features window --example restore_scene`

#[path = "support/mod.rs"]
mod support;

use bevy::prelude::*;
use bevy_spritedx::prelude::*;
use support::{fit_sprites, label, FitHeight, ScreenshotPlugin};

fn main() {
    App::new()
        .add_plugins((
            support::default_plugins("SpriteDX: restore at load"),
            SpriteDxPlugin::default(),
            ScreenshotPlugin,
        ))
        .insert_resource(ClearColor(Color::srgb(0.16, 0.17, 0.21)))
        .add_systems(Startup, setup)
        .add_systems(Update, (fit_sprites, log_reports))
        .run();
}

const SPRITES: [&str; 3] = ["serpent_ai", "burger_ai", "monster_ai"];

fn setup(mut commands: Commands, server: Res<AssetServer>) {
    commands.spawn(Camera2d);
    commands.spawn(label("generated (raw)", Vec2::new(0.0, 225.0)));
    commands.spawn(label("restored by SpriteDX while loading", Vec2::new(0.0, -15.0)));
    for (i, name) in SPRITES.iter().enumerate() {
        let x = -300.0 + 300.0 * i as f32;
        commands.spawn((
            Sprite::from_image(server.load(format!("scene/{name}.png"))),
            FitHeight(170.0),
            Transform::from_xyz(x, 110.0, 0.0),
        ));
        commands.spawn((
            Sprite::from_image(server.load(format!("scene/{name}.sdx.png"))),
            FitHeight(170.0),
            Transform::from_xyz(x, -130.0, 0.0),
        ));
        // Keep the reports alive so they can be logged.
        commands.spawn(ReportOf(server.load(format!("scene/{name}.sdx.png#report")), name));
    }
}

#[derive(Component)]
struct ReportOf(Handle<SpriteDxReport>, &'static str);

fn log_reports(mut commands: Commands, reports: Res<Assets<SpriteDxReport>>, pending: Query<(Entity, &ReportOf)>) {
    for (entity, ReportOf(handle, name)) in &pending {
        if let Some(report) = reports.get(handle) {
            let (r, source) = (&report.report, report.source_size);
            info!(
                "{name}: {}x{} px -> {}x{} cells, pixel size {:.2}x{:.2}, {} colours, confidence {:.2}",
                source.x, source.y, r.cells[0], r.cells[1], r.pixel_size[0], r.pixel_size[1], r.colors, r.confidence
            );
            commands.entity(entity).despawn();
        }
    }
}
