//! Restoration speed on one thread (issue target: 256x256 in < 5 ms, 1024x1024 in < 50 ms).
//!
//! `cargo bench -p spritedx-model --bench restore`

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use spritedx_model::degrade::{add_noise, gaussian_blur, resample, Kernel};
use spritedx_model::prelude::*;

fn sprite() -> image::RgbaImage {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/sprites/medieval-fantasy__monsters__dragon.png");
    load_image(path).unwrap()
}

/// The dragon upscaled (bicubic, random phase, blur and noise) to fill `side` pixels.
fn input(side: u32) -> image::RgbaImage {
    let clean = sprite();
    let scale = side as f32 / clean.width().max(clean.height()) as f32;
    let img = resample(&clean, scale, [0.37 * scale, 0.61 * scale], Kernel::Bicubic);
    let mut img = gaussian_blur(&img, 0.2 * scale);
    add_noise(&mut img, 3.0, &mut rand::rngs::SmallRng::seed_from_u64(1));
    img
}

fn bench(c: &mut Criterion) {
    let options = RestoreOptions::default();
    for side in [128, 256, 1024] {
        let img = input(side);
        c.bench_function(&format!("restore {}x{}", img.width(), img.height()), |b| {
            b.iter(|| restore(&img, &options).unwrap())
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
