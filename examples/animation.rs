//! Animation playback with holds: a walk cycle as a generator would draw it
//! (`anim/ninja_walk_ai.sdx.ron`: a 5.3x sheet restored while loading, one grid for
//! the clip) next to the clean cycle, played by `SpriteDxPlayer`s with holds
//! (contact poses shown twice as long), ping-pong and half speed. Space pauses,
//! `FrameChanged` messages are logged.
//!
//! `cargo run --release --features window --example animation`

#[path = "support/mod.rs"]
mod support;

use bevy::prelude::*;
use bevy_spritedx::prelude::*;
use support::{label, ScreenshotPlugin};

fn main() {
    App::new()
        .add_plugins((
            support::default_plugins("SpriteDX: animation"),
            SpriteDxPlugin::default(),
            ScreenshotPlugin,
        ))
        .insert_resource(ClearColor(Color::srgb(0.16, 0.17, 0.21)))
        .add_systems(Startup, setup)
        .add_systems(Update, (pause_on_space, log_frames.after(SpriteDxSystems::Playback)))
        .run();
}

fn setup(mut commands: Commands, server: Res<AssetServer>) {
    commands.spawn(Camera2d);
    let restored: Handle<SpriteDxAnimation> = server.load("anim/ninja_walk_ai.sdx.ron");
    let clean: Handle<SpriteDxAnimation> = server.load("anim/ninja_walk.sdx.ron");
    let raw_sheet = server.load("anim/ninja_walk_ai_sheet.png");
    commands.spawn((
        Sprite {
            image: raw_sheet,
            custom_size: Some(Vec2::new(364.0, 91.0) * 1.5),
            ..default()
        },
        Transform::from_xyz(0.0, 170.0, 0.0),
    ));
    commands.spawn(label("generated sheet (raw)", Vec2::new(0.0, 260.0)));
    let scale = Vec3::splat(8.0);
    let players = [
        ("restored, holds", SpriteDxPlayer::new(restored.clone()), -300.0),
        ("clean, holds", SpriteDxPlayer::new(clean.clone()), -100.0),
        (
            "ping-pong",
            SpriteDxPlayer::new(restored.clone()).with_ping_pong(true),
            100.0,
        ),
        ("half speed", SpriteDxPlayer::new(restored).with_speed(0.5), 300.0),
    ];
    for (name, player, x) in players {
        commands.spawn((
            player,
            Transform::from_xyz(x, -90.0, 0.0).with_scale(scale),
            Name::new(name),
        ));
        commands.spawn(label(name, Vec2::new(x, -200.0)));
    }
}

fn pause_on_space(keys: Res<ButtonInput<KeyCode>>, mut players: Query<&mut SpriteDxPlayer>) {
    if keys.just_pressed(KeyCode::Space) {
        for mut player in &mut players {
            if player.paused {
                player.play();
            } else {
                player.pause();
            }
        }
    }
}

fn log_frames(mut changed: MessageReader<FrameChanged>, names: Query<&Name>) {
    for message in changed.read() {
        if let Ok(name) = names.get(message.entity) {
            debug!("{name}: frame {}", message.frame);
        }
    }
}
