//! Shared helpers of the headless Bevy tests: an app over a private asset folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use bevy::asset::{LoadState, UntypedAssetId};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy_spritedx::prelude::*;

/// A file shipped in `assets/`.
pub fn shipped(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join(name)
}

/// The shipped CC0 walk cycle: its four drawings (16x16 each).
pub fn walk_frames() -> Vec<bevy_spritedx::model::image::RgbaImage> {
    (0..4)
        .map(|i| {
            bevy_spritedx::model::prelude::load_image(shipped(&format!("anim/ninja_walk_right/frame_{i:02}.png")))
                .unwrap()
        })
        .collect()
}

/// An empty asset folder for one test.
pub fn asset_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("bevy-assets")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to `dir/name`, creating folders.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// PNG bytes of an image.
pub fn png(image: &bevy_spritedx::model::image::RgbaImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// A headless app reading assets from `dir`, with the plugin, advancing time by
/// `frame` per update.
pub fn app(dir: &Path, frame: Duration) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            file_path: dir.to_string_lossy().into_owned(),
            ..default()
        },
        SpriteDxPlugin::default(),
    ))
    .insert_resource(TimeUpdateStrategy::ManualDuration(frame));
    app
}

/// Updates until `handle` has loaded or failed (panics after 30 s).
pub fn wait_for(app: &mut App, handle: impl Into<UntypedAssetId> + Copy) -> LoadState {
    for _ in 0..30_000 {
        app.update();
        let state = app.world().resource::<AssetServer>().load_state(handle);
        if state.is_loaded() || state.is_failed() {
            return state;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("asset did not load in time");
}

/// The error message of a failed load.
pub fn load_error(state: LoadState) -> String {
    match state {
        LoadState::Failed(error) => error.to_string(),
        other => panic!("expected a failed load, got {other:?}"),
    }
}

/// A `.meta` file that loads an image with SpriteDX's loader and these settings.
pub fn loader_meta(settings: &str) -> String {
    format!(
        r#"(meta_format_version: "1.0", asset: Load(loader: "bevy_spritedx::asset::image_loader::SpriteDxImageLoader", settings: ({settings})))"#
    )
}
