//! The LayeredInterpolator with its shipped weights: cuts between layered shots made
//! from the shipped CC0 sprites, identical frames, odd sizes and bad input. (Quality
//! is measured by `spritedx eval interp`, not here.)

mod common;

use common::shipped_sprites;
use spritedx_model::interp::data::{cut, layered_shot, ShotOptions};
use spritedx_model::interp::inference::CpuBackend;
use spritedx_model::interp::interpolate_with_default_weights;
use spritedx_model::prelude::*;
use spritedx_model::weights::{interpolator_from_bytes, DEFAULT_RESTORER};

fn sprites() -> Vec<spritedx_model::image::RgbaImage> {
    shipped_sprites().into_iter().map(|(_, s)| s).collect()
}

fn shot(seed: u64) -> spritedx_model::interp::data::InterpExample {
    let options = ShotOptions {
        size: 64,
        ..ShotOptions::default()
    };
    layered_shot(&sprites(), &sprites(), &options, seed)
}

#[test]
fn a_cut_is_held_exactly() {
    let (first, second) = (shot(7), shot(8));
    let pair = cut(&first, &second);
    let (a, b) = (pair.frame0.to_image(), pair.frame1.to_image());
    let made = interpolate_with_default_weights(&a, &b, 0.5).unwrap();
    assert!(made.held, "cut probability {}", made.cut_probability);
    assert_eq!(made.image, a, "a hold, never a blend");
    let late = interpolate_with_default_weights(&a, &b, 0.75).unwrap();
    assert_eq!(late.image, b, "past the middle the second frame is held");
}

#[test]
fn identical_frames_and_odd_sizes_need_no_guess() {
    let sprite = &sprites()[0];
    let made = interpolate_with_default_weights(sprite, sprite, 0.5).unwrap();
    assert_eq!(&made.image, sprite);
    assert!(!made.held);
    // A second frame of another size is resized to the first; the output has the
    // first frame's size even where it is not a multiple of 16.
    let other = image::imageops::resize(&sprites()[1], 21, 13, image::imageops::FilterType::Nearest);
    let odd = image::imageops::crop_imm(sprite, 0, 0, 21.min(sprite.width()), 19.min(sprite.height())).to_image();
    let made = interpolate_with_default_weights(&odd, &other, 0.5).unwrap();
    assert_eq!(made.image.dimensions(), odd.dimensions());
}

#[test]
fn bad_input_gets_typed_errors() {
    let sprite = &sprites()[0];
    assert!(matches!(
        interpolate_with_default_weights(sprite, sprite, 1.5),
        Err(SpriteDxError::InvalidOption(_))
    ));
    let empty = spritedx_model::image::RgbaImage::new(0, 4);
    assert!(matches!(
        interpolate_with_default_weights(&empty, sprite, 0.5),
        Err(SpriteDxError::EmptyImage { .. })
    ));
    let device = Default::default();
    for (bytes, what) in [(&b""[..], "empty"), (DEFAULT_RESTORER, "restorer weights")] {
        let result = interpolator_from_bytes::<CpuBackend>(bytes, what, &device);
        assert!(matches!(result, Err(SpriteDxError::Model(_))), "{what}");
    }
}
