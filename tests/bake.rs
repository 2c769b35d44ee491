//! Under `AssetMode::Processed` the asset processor bakes `*.sdx.png` into a restored
//! PNG whose pixels equal the `spritedx restore` command line's output, and the game
//! loads the baked sprite with its report.

mod support;

use std::time::Duration;

use bevy::asset::processor::{AssetProcessor, FileTransactionLogFactory};
use bevy::asset::AssetMode;
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy_spritedx::asset::convert::image_to_rgba;
use bevy_spritedx::prelude::*;
use support::*;

#[test]
fn baked_sprite_equals_the_cli_output() {
    let dir = asset_dir("bake");
    let source = dir.join("assets");
    write(
        &source,
        "sprites/dragon_ai.sdx.png",
        std::fs::read(shipped("demo/dragon_ai.png")).unwrap(),
    );

    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            mode: AssetMode::Processed,
            file_path: source.to_string_lossy().into_owned(),
            processed_file_path: dir.join("imported_assets").to_string_lossy().into_owned(),
            watch_for_changes_override: Some(false),
            ..default()
        },
        SpriteDxPlugin::default(),
    ))
    .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(16)));
    // Each test keeps its own transaction log (the default is under the manifest dir).
    app.world()
        .resource::<AssetProcessor>()
        .data()
        .set_log_factory(Box::new(FileTransactionLogFactory {
            file_path: dir.join("log"),
        }))
        .unwrap();
    let server = app.world().resource::<AssetServer>().clone();
    let image: Handle<Image> = server.load("sprites/dragon_ai.sdx.png");
    let report: Handle<SpriteDxReport> = server.load("sprites/dragon_ai.sdx.png#report");
    assert!(wait_for(&mut app, image.id()).is_loaded());
    assert!(wait_for(&mut app, report.id()).is_loaded());

    // The CLI on the same source file.
    let cli_output = dir.join("cli.png");
    let code = spritedx_trainer::run([
        "spritedx".as_ref(),
        "restore".as_ref(),
        source.join("sprites/dragon_ai.sdx.png").as_os_str(),
        "-o".as_ref(),
        cli_output.as_os_str(),
    ]);
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    let cli = load_image(&cli_output).unwrap();

    let baked_file = dir.join("imported_assets/sprites/dragon_ai.sdx.png");
    let baked = load_image(&baked_file).unwrap();
    assert_eq!(baked, cli, "the baked file holds the CLI's pixels");
    assert_eq!(baked.dimensions(), (38, 29));
    let loaded = image_to_rgba(app.world().resource::<Assets<Image>>().get(&image).unwrap()).unwrap();
    assert_eq!(loaded, cli, "the game loads the baked pixels");
    let report = app.world().resource::<Assets<SpriteDxReport>>().get(&report).unwrap();
    assert_eq!(report.report.cells, [38, 29]);
    assert_eq!(report.source_size, UVec2::new(517, 392));
    let meta = std::fs::read_to_string(dir.join("imported_assets/sprites/dragon_ai.sdx.png.meta")).unwrap();
    assert!(
        meta.contains("restore: false"),
        "the baked asset loads without restoring:\n{meta}"
    );
}
