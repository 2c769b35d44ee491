//! Shared helpers for the model's integration tests.

use std::path::PathBuf;

use spritedx_model::image::RgbaImage;
use spritedx_model::prelude::load_image;

/// The clean CC0 sprites shipped in `assets/sprites`, with their names.
pub fn shipped_sprites() -> Vec<(String, RgbaImage)> {
    sprites_in("sprites")
}

/// The clean sprites (`*.png`) of one folder under `assets/`, sorted, with their names.
pub fn sprites_in(folder: &str) -> Vec<(String, RgbaImage)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "expected the shipped sprites in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                load_image(&p).unwrap(),
            )
        })
        .collect()
}
