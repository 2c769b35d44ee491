//! The learned restorer: the shipped weights load and pass validation, bad weights
//! give typed errors, and `--mode learned` restores the shipped CC0 sprites.

mod common;

use burn::backend::Flex;
use burn::module::Module;
use spritedx_model::degrade::{resample, Kernel};
use spritedx_model::grid::Grid;
use spritedx_model::image::RgbaImage;
use spritedx_model::metrics::accuracy;
use spritedx_model::prelude::*;
use spritedx_model::restore::learned::data::sample_input;
use spritedx_model::restore::learned::RestorerConfig;
use spritedx_model::restore::sample_cells;
use spritedx_model::weights::{default_restorer, restorer_from_bytes, restorer_to_bytes, DEFAULT_RESTORER};

type B = Flex;

#[test]
fn shipped_weights_load_and_round_trip() {
    let device = Default::default();
    let model = default_restorer::<B>(&device).expect("the shipped weights are valid");
    let bytes = restorer_to_bytes(&model).unwrap();
    assert_eq!(
        bytes, DEFAULT_RESTORER,
        "encoding the loaded weights gives the shipped file back"
    );
    assert!(model.num_params() > 10_000);
}

#[test]
fn bad_weights_are_typed_errors() {
    let device = Default::default();
    let garbage = restorer_from_bytes::<B>(b"not a weights file", "garbage", &device);
    assert!(matches!(garbage, Err(SpriteDxError::Model(_))), "{garbage:?}");

    let truncated = restorer_from_bytes::<B>(&DEFAULT_RESTORER[..DEFAULT_RESTORER.len() / 2], "half", &device);
    assert!(matches!(truncated, Err(SpriteDxError::Model(_))), "{truncated:?}");

    let other_shape = RestorerConfig::new().with_width(16).init::<B>(&device);
    let bytes = restorer_to_bytes(&other_shape).unwrap();
    let mismatch = restorer_from_bytes::<B>(&bytes, "narrow", &device);
    match mismatch {
        Err(SpriteDxError::Model(m)) => assert!(m.contains("shapes"), "{m}"),
        other => panic!("expected a shape error, got {other:?}"),
    }

    let missing = spritedx_model::weights::load_restorer::<B>("no/such/weights.mpk".as_ref(), &device);
    assert!(matches!(missing, Err(SpriteDxError::Io { .. })), "{missing:?}");
}

#[test]
fn nan_weights_are_rejected() {
    let device = Default::default();
    let model = default_restorer::<B>(&device).unwrap();
    let mut bytes = restorer_to_bytes(&model).unwrap();
    // Half-precision NaN (0x7e00) over the last parameter values of the file.
    let n = bytes.len();
    for i in (n - 64..n).step_by(2) {
        bytes[i] = 0x00;
        bytes[i + 1] = 0x7e;
    }
    match restorer_from_bytes::<B>(&bytes, "poisoned", &device) {
        Err(SpriteDxError::Model(m)) => assert!(m.contains("NaN") || m.contains("not restorer"), "{m}"),
        other => panic!("expected NaN weights to be rejected, got {other:?}"),
    }
}

#[test]
fn input_samples_read_each_cell_inside_it() {
    // A 3x2 sprite at 4x: every sample of a cell is that cell's colour, premultiplied.
    let sprite = RgbaImage::from_fn(3, 2, |x, y| image::Rgba([x as u8 * 100, y as u8 * 200, 50, 255]));
    let big = resample(&sprite, 4.0, [0.0; 2], Kernel::Nearest);
    let grid = Grid {
        pixel_size: [4.0, 4.0],
        offset: [0.0, 0.0],
        cells: [3, 2],
        confidence: 1.0,
    };
    let measured = sample_cells(&big, &grid).samples;
    let input = sample_input(&big, &grid, &measured, 4, [0, 0], [3, 2]);
    assert_eq!(input.cells, [4, 2], "cell counts are rounded up to even");
    let (w, plane) = (16, 16 * 8);
    for y in 0..8 {
        for x in 0..16 {
            let red = input.data[y * w + x];
            let alpha = input.data[3 * plane + y * w + x];
            if x < 12 {
                assert!((red - (x / 4) as f32 * 100.0 / 255.0).abs() < 1e-3, "red at {x},{y}");
                assert_eq!(alpha, 1.0);
            } else {
                assert_eq!(alpha, 0.0, "padding cells are transparent");
            }
        }
    }
    // The classical measurements ride along at cell resolution: [4, 2, 4].
    assert_eq!(input.cell_data.len(), 4 * 2 * 4);
    assert!((input.cell_data[2] - 200.0 / 255.0).abs() < 1e-3, "red of cell (2, 0)");
    assert_eq!(input.cell_data[3 * 8 + 3], 0.0, "padding cell (3, 0) is transparent");
}

#[test]
fn learned_mode_restores_shipped_sprites() {
    let options = RestoreOptions {
        mode: RestoreMode::Learned,
        ..Default::default()
    };
    let mut learned_runs = 0;
    for (name, sprite) in common::shipped_sprites() {
        // Sharp upscales look clean and go to the classical pipeline, which is exact.
        let sharp = resample(&sprite, 4.0, [0.0; 2], Kernel::Nearest);
        let restored = restore(&sharp, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(restored.report.mode, "classical", "{name}");
        let exact = accuracy(&restored.image, &sprite).exact;
        assert_eq!(exact, 1.0, "{name}: nearest 4x comes back exactly (alpha binarised)");

        // Bilinear upscales are blurred: the network runs (unless the blur still
        // leaves at most 256 colours, as on a flat-shaded crate).
        let soft = resample(&sprite, 4.0, [1.0, 2.0], Kernel::Bilinear);
        let restored = restore(&soft, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        learned_runs += usize::from(restored.report.mode == "learned");
        let learned = accuracy(&restored.image, &sprite).snapped;
        let classical = accuracy(&restore(&soft, &RestoreOptions::default()).unwrap().image, &sprite).snapped;
        if restored.report.mode == "learned" {
            assert!(learned >= LEARNED_FLOOR, "{name}: snapped {learned:.3}");
        }
        assert!(
            learned >= classical - LEARNED_MAX_LOSS,
            "{name}: learned {learned:.3} vs classical {classical:.3}"
        );
    }
    assert!(learned_runs >= 4, "the network ran on {learned_runs} sprites only");
}

/// Snapped accuracy every shipped sprite keeps at bilinear 4x with the shipped weights.
const LEARNED_FLOOR: f32 = 0.7;
/// Most the learned restorer may lose against the classical one on any shipped sprite.
const LEARNED_MAX_LOSS: f32 = 0.05;
