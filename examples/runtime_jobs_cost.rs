//! Main-thread cost of runtime restoration jobs in a headless app: 100 sprites of
//! 64x64 (16x16 CC0 sprites drawn at 4x with a sub-pixel offset and blur) are created
//! while the app runs and restored by [`SpriteDxJobs`] on the async compute pool.
//! Prints the time `App::update` spends on the main thread against restoring the
//! same images synchronously.
//!
//! `cargo run --release --example runtime_jobs_cost`

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_spritedx::asset::convert::rgba_to_image;
use bevy_spritedx::model::degrade::{gaussian_blur, resample, Kernel};
use bevy_spritedx::model::image::RgbaImage;
use bevy_spritedx::prelude::*;

const SPRITES: usize = 100;

/// 64x64 inputs: the walk cycle frames and a shipped sprite, resized to 16x16 cells
/// and drawn at 4x off the grid.
fn inputs() -> Vec<RgbaImage> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut clean: Vec<RgbaImage> = (0..4)
        .map(|i| load_image(root.join(format!("anim/ninja_walk_right/frame_{i:02}.png"))).unwrap())
        .collect();
    clean.push(load_image(root.join("sprites/ninja-adventure__monsters__11.png")).unwrap());
    (0..SPRITES)
        .map(|i| {
            let sprite = &clean[i % clean.len()];
            let phase = 0.1 * (i % 7) as f32;
            let big = resample(sprite, 64.0 / sprite.width() as f32, [phase, phase], Kernel::Bicubic);
            gaussian_blur(&big, 0.6)
        })
        .collect()
}

fn main() {
    let inputs = inputs();

    // Synchronous reference: everything on the main thread.
    let start = Instant::now();
    for input in &inputs {
        let _ = restore(input, &RestoreOptions::default());
    }
    let synchronous = start.elapsed();

    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), SpriteDxPlugin::default()));
    app.update();
    let mut images = app.world_mut().resource_mut::<Assets<Image>>();
    let handles: Vec<Handle<Image>> = inputs.iter().map(|i| images.add(rgba_to_image(i))).collect();
    let mut jobs = app.world_mut().resource_mut::<SpriteDxJobs>();
    for handle in &handles {
        jobs.restore(handle);
    }
    let start = Instant::now();
    let mut frames: Vec<Duration> = Vec::new();
    while app.world().resource::<SpriteDxJobs>().pending() > 0 {
        let frame = Instant::now();
        app.update();
        frames.push(frame.elapsed());
        // A 60 fps game leaves the rest of the frame to rendering.
        std::thread::sleep(Duration::from_micros(16_667).saturating_sub(frame.elapsed()));
    }
    let wall = start.elapsed();
    let main_thread: Duration = frames.iter().sum();
    let worst = frames.iter().max().copied().unwrap_or_default();
    let threads = bevy::tasks::AsyncComputeTaskPool::get().thread_num();

    println!("{SPRITES} runtime sprites of 64x64, {threads} async compute thread(s)");
    println!("| | time |");
    println!("|---|---:|");
    println!("| synchronous restore on the main thread | {:.1} ms |", ms(synchronous));
    println!(
        "| jobs: wall time until all are applied | {:.1} ms ({} frames at 60 fps) |",
        ms(wall),
        frames.len()
    );
    println!(
        "| jobs: main-thread time in App::update, total | {:.2} ms |",
        ms(main_thread)
    );
    println!(
        "| jobs: main-thread time per frame, mean | {:.3} ms |",
        ms(main_thread) / frames.len() as f64
    );
    println!("| jobs: main-thread time per frame, worst | {:.3} ms |", ms(worst));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
