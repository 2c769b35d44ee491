//! Shared by the windowed examples: the window, and a screenshot mode for the README
//! (`SPRITEDX_SCREENSHOT=docs/shot.png cargo run --features window --example ...`
//! saves the window after a few frames and exits; run it under `xvfb-run` on a
//! machine without a display).
#![allow(dead_code)]

use bevy::prelude::*;
use bevy::render::view::screenshot::{save_to_disk, Screenshot};

/// Bevy's default plugins with nearest sampling (pixel art) and a titled window.
pub fn default_plugins(title: &str) -> impl PluginGroup {
    DefaultPlugins.set(ImagePlugin::default_nearest()).set(WindowPlugin {
        primary_window: Some(Window {
            title: title.into(),
            resolution: (960, 540).into(),
            ..default()
        }),
        ..default()
    })
}

/// Takes a screenshot after `SPRITEDX_SCREENSHOT_FRAMES` (default 90) frames when
/// `SPRITEDX_SCREENSHOT` names a file, then exits.
pub struct ScreenshotPlugin;

#[derive(Resource)]
struct ScreenshotRequest {
    path: String,
    at_frame: u32,
    frame: u32,
}

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        let Ok(path) = std::env::var("SPRITEDX_SCREENSHOT") else {
            return;
        };
        let at_frame = std::env::var("SPRITEDX_SCREENSHOT_FRAMES")
            .ok()
            .and_then(|f| f.parse().ok())
            .unwrap_or(90);
        app.insert_resource(ScreenshotRequest {
            path,
            at_frame,
            frame: 0,
        })
        .add_systems(Update, screenshot_then_exit);
    }
}

fn screenshot_then_exit(
    mut commands: Commands,
    mut request: ResMut<ScreenshotRequest>,
    mut exit: MessageWriter<AppExit>,
) {
    request.frame += 1;
    if request.frame == request.at_frame {
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(request.path.clone()));
    }
    // Saving happens a few frames later, off the main thread.
    if request.frame == request.at_frame + 30 {
        exit.write(AppExit::Success);
    }
}

/// Shows a sprite at `height` pixels on screen once its image has loaded, keeping
/// its aspect ratio (raw and restored images differ in size by 3-15x).
#[derive(Component)]
pub struct FitHeight(pub f32);

/// The system behind [`FitHeight`].
pub fn fit_sprites(images: Res<Assets<Image>>, mut sprites: Query<(&FitHeight, &mut Sprite)>) {
    for (fit, mut sprite) in &mut sprites {
        let Some(image) = images.get(&sprite.image) else {
            continue;
        };
        let size = match (&sprite.texture_atlas, sprite.rect) {
            (_, Some(rect)) => rect.size(),
            (Some(_), None) => continue,
            (None, None) => image.size().as_vec2(),
        };
        let wanted = Vec2::new(size.x * fit.0 / size.y, fit.0);
        if sprite.custom_size != Some(wanted) {
            sprite.custom_size = Some(wanted);
        }
    }
}

/// A label above or below a sprite.
pub fn label(text: &str, at: Vec2) -> impl Bundle {
    (
        Text2d::new(text),
        TextFont {
            font_size: FontSize::Px(20.0),
            ..default()
        },
        Transform::from_translation(at.extend(1.0)),
    )
}
