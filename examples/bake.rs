//! Build-time baking: with `AssetMode::Processed`, Bevy's asset processor restores
//! every `*.sdx.png` under `assets/` once and writes the small restored PNG (its
//! report in a `tEXt` chunk) to `imported_assets/Default/`; the game then loads the
//! baked sprites, which restore nothing at run time. Run it twice: the second run
//! finds the baked files up to date and skips the work.
//!
//! `cargo run --release --features window --example bake`

#[path = "support/mod.rs"]
mod support;

use bevy::asset::AssetMode;
use bevy::prelude::*;
use bevy_spritedx::prelude::*;
use support::{fit_sprites, label, FitHeight, ScreenshotPlugin};

fn main() {
    App::new()
        .add_plugins((
            support::default_plugins("SpriteDX: baked at build time").set(AssetPlugin {
                mode: AssetMode::Processed,
                ..default()
            }),
            SpriteDxPlugin::default(),
            ScreenshotPlugin,
        ))
        .insert_resource(ClearColor(Color::srgb(0.16, 0.17, 0.21)))
        .add_systems(Startup, setup)
        .add_systems(Update, (fit_sprites, log_baked))
        .run();
}

const SPRITES: [&str; 3] = ["serpent_ai", "burger_ai", "monster_ai"];

#[derive(Component)]
struct Baked(Handle<SpriteDxReport>, &'static str);

fn setup(mut commands: Commands, server: Res<AssetServer>) {
    commands.spawn(Camera2d);
    commands.spawn(label(
        "baked into imported_assets/ by the asset processor",
        Vec2::new(0.0, 200.0),
    ));
    for (i, name) in SPRITES.iter().enumerate() {
        let path = format!("scene/{name}.sdx.png");
        commands.spawn((
            Sprite::from_image(server.load(&path)),
            FitHeight(220.0),
            Transform::from_xyz(-300.0 + 300.0 * i as f32, 0.0, 0.0),
        ));
        commands.spawn(Baked(server.load(format!("{path}#report")), name));
    }
}

fn log_baked(mut commands: Commands, reports: Res<Assets<SpriteDxReport>>, pending: Query<(Entity, &Baked)>) {
    for (entity, Baked(handle, name)) in &pending {
        if let Some(report) = reports.get(handle) {
            let r = &report.report;
            info!(
                "{name}: baked {}x{} sprite from a {}x{} source ({} colours), restored in {:.1} ms at build time",
                r.cells[0], r.cells[1], report.source_size.x, report.source_size.y, r.colors, r.ms
            );
            commands.entity(entity).despawn();
        }
    }
}
