//! The inspector: AI-looking sprites and a walk cycle restored at load, with the
//! SpriteDX inspector open beside them. Pick an image or animation at the top of the
//! window; images show the source with the grid that was found, the restored
//! sprite, the report and the palette, and their settings can be edited: every edit
//! restores the source again (on a job) and the sprite in the scene changes with it.
//! *Save .meta* writes the settings next to the image. Animations show their hold
//! timeline with the frame being played. Backquote (`) shows and hides the window.
//!
//! `cargo run --release --features window,inspector --example inspector`
//!
//! `SPRITEDX_INSPECT=anim/ninja_walk_ai.sdx.ron` selects something else at start.

#[path = "support/mod.rs"]
mod support;

use bevy::prelude::*;
use bevy_egui::EguiPlugin;
use bevy_spritedx::inspector::{inspectable, SpriteDxInspector, SpriteDxInspectorPlugin};
use bevy_spritedx::prelude::*;
use support::{fit_sprites, label, FitHeight, ScreenshotPlugin};

fn main() {
    App::new()
        .add_plugins((
            support::default_plugins("SpriteDX: inspector").set(WindowPlugin {
                primary_window: Some(Window {
                    title: "SpriteDX: inspector".into(),
                    resolution: (1280, 800).into(),
                    ..default()
                }),
                ..default()
            }),
            EguiPlugin::default(),
            SpriteDxPlugin::default(),
            SpriteDxInspectorPlugin {
                open: true,
                ..default()
            },
            ScreenshotPlugin,
        ))
        .insert_resource(ClearColor(Color::srgb(0.16, 0.17, 0.21)))
        .add_systems(Startup, setup)
        .add_systems(Update, (fit_sprites, select_at_start))
        .run();
}

const SPRITES: [&str; 3] = ["monster_ai", "serpent_ai", "burger_ai"];

/// Handles that keep the reports listed in the inspector.
#[derive(Component)]
struct Keep(#[allow(dead_code)] Handle<SpriteDxReport>);

fn setup(mut commands: Commands, server: Res<AssetServer>) {
    commands.spawn(Camera2d);
    commands.spawn(label("restored at load", Vec2::new(-470.0, 330.0)));
    for (i, name) in SPRITES.iter().enumerate() {
        let path = format!("scene/{name}.sdx.png");
        commands.spawn((
            Sprite::from_image(server.load(&path)),
            FitHeight(150.0),
            Transform::from_xyz(-470.0, 220.0 - 170.0 * i as f32, 0.0),
        ));
        commands.spawn(Keep(server.load(format!("{path}#report"))));
    }
    commands.spawn((
        SpriteDxPlayer::new(server.load("anim/ninja_walk_ai.sdx.ron")),
        // The walk cycle is 16 px: eight screen pixels per sprite pixel.
        Transform::from_xyz(-470.0, -300.0, 0.0).with_scale(Vec3::splat(8.0)),
    ));
}

/// Selects `SPRITEDX_INSPECT` (the burger by default) once it has loaded.
fn select_at_start(
    mut inspector: ResMut<SpriteDxInspector>,
    server: Res<AssetServer>,
    reports: Res<Assets<SpriteDxReport>>,
    animations: Res<Assets<SpriteDxAnimation>>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    let wanted = std::env::var("SPRITEDX_INSPECT").unwrap_or_else(|_| "scene/burger_ai.sdx.png".into());
    if let Some((_, entry)) = inspectable(&server, &reports, &animations)
        .into_iter()
        .find(|(path, _)| *path == wanted)
    {
        inspector.select(entry);
        *done = true;
    }
}
