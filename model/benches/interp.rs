//! In-between speed (issue target: a 256x256 frame in <= 40 ms on 2 CPU cores), with
//! the shipped weights: a drawn in-between of a layered shot, and a held cut (the
//! scene gate alone).
//!
//! `cargo bench -p spritedx-model --bench interp`

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use spritedx_model::interp::data::{cut, layered_shot, ShotOptions};
use spritedx_model::interp::inference::CpuBackend;
use spritedx_model::interp::interpolate;
use spritedx_model::prelude::*;
use spritedx_model::weights::default_interpolator;

/// The shipped sprites (tiles and actors of the shots).
fn sprites() -> Vec<image::RgbaImage> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/sprites");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    files.sort();
    files.iter().map(|f| load_image(f).unwrap()).collect()
}

fn bench(c: &mut Criterion) {
    let model = default_interpolator::<CpuBackend>(&Default::default()).unwrap();
    let sprites = sprites();
    let options = ShotOptions {
        size: 256,
        ..ShotOptions::default()
    };
    let shot = layered_shot(&sprites, &sprites, &options, 7);
    let (a, b) = (shot.frame0.to_image(), shot.frame1.to_image());
    assert!(
        !interpolate(&model, &a, &b, 0.5).unwrap().held,
        "the shot must be drawn"
    );
    c.bench_function("in-between 256x256 (drawn)", |bench| {
        bench.iter(|| interpolate(&model, &a, &b, 0.5).unwrap())
    });
    let other = layered_shot(&sprites, &sprites, &options, 8);
    let held = cut(&shot, &other);
    let (a, b) = (held.frame0.to_image(), held.frame1.to_image());
    assert!(interpolate(&model, &a, &b, 0.5).unwrap().held, "the cut must be held");
    c.bench_function("in-between 256x256 (cut, held)", |bench| {
        bench.iter(|| interpolate(&model, &a, &b, 0.5).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
