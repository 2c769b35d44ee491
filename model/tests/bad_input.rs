//! Bad input gets a typed error, never a panic or a silently wrong result.

mod common;

use std::io::Cursor;

use image::{ImageFormat, Rgba, RgbaImage};
use spritedx_model::prelude::*;

fn png_bytes(image: &image::DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).unwrap();
    bytes
}

fn sprite() -> RgbaImage {
    common::shipped_sprites().remove(0).1
}

#[test]
fn truncated_and_corrupt_files_are_decode_errors() {
    let bytes = png_bytes(&image::DynamicImage::ImageRgba8(sprite()));
    let truncated = &bytes[..bytes.len() / 2];
    assert!(matches!(
        load_image_from_memory(truncated, ImageLimits::default()),
        Err(SpriteDxError::Decode(_))
    ));
    let mut corrupt = bytes.clone();
    for b in corrupt.iter_mut().skip(40).step_by(7) {
        *b ^= 0x5a;
    }
    assert!(matches!(
        load_image_from_memory(&corrupt, ImageLimits::default()),
        Err(SpriteDxError::Decode(_))
    ));
    assert!(matches!(
        load_image_from_memory(&[], ImageLimits::default()),
        Err(SpriteDxError::Decode(_))
    ));
}

#[test]
fn missing_files_are_io_errors() {
    assert!(matches!(
        load_image("/no/such/sprite.png"),
        Err(SpriteDxError::Io { .. })
    ));
}

#[test]
fn zero_size_images_are_refused() {
    let empty = RgbaImage::new(0, 0);
    assert!(matches!(
        restore(&empty, &RestoreOptions::default()),
        Err(SpriteDxError::EmptyImage { .. })
    ));
}

/// A PNG whose header claims a huge size is refused before any pixel is decoded.
#[test]
fn huge_images_are_refused_before_decoding() {
    // Signature, IHDR claiming 100000x100000, a token IDAT and IEND: decoding the
    // pixels would need 10 GB, so the size check must come first.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit grayscale
    push_chunk(&mut png, b"IHDR", &ihdr);
    push_chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    push_chunk(&mut png, b"IEND", &[]);
    let result = load_image_from_memory(&png, ImageLimits::default());
    assert!(
        matches!(result, Err(SpriteDxError::ImageTooLarge { width: 100_000, .. })),
        "{result:?}"
    );
    let big = RgbaImage::new(9000, 10);
    assert!(matches!(
        restore(&big, &RestoreOptions::default()),
        Err(SpriteDxError::ImageTooLarge { .. })
    ));
}

fn push_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend((data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend(kind);
    png.extend(data);
    let crc = crc32(&png[start..]);
    png.extend(crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_single_pixel_comes_back_unchanged() {
    let one = RgbaImage::from_pixel(1, 1, Rgba([10, 20, 30, 255]));
    let r = restore(&one, &RestoreOptions::default()).unwrap();
    assert_eq!(r.image, one);
    assert_eq!(r.report.pixel_size, [1.0, 1.0]);
}

#[test]
fn already_clean_art_comes_back_unchanged() {
    for (name, clean) in common::shipped_sprites() {
        let r = restore(&clean, &RestoreOptions::default()).unwrap();
        assert_eq!(r.image, clean, "{name}");
        assert_eq!(r.report.pixel_size, [1.0, 1.0], "{name}");
        assert_eq!(r.report.mode, "unchanged", "{name}");
    }
}

#[test]
fn fully_transparent_images_say_so() {
    let clear = RgbaImage::new(64, 64);
    assert!(matches!(
        restore(&clear, &RestoreOptions::default()),
        Err(SpriteDxError::FullyTransparent)
    ));
}

#[test]
fn noise_has_no_grid_and_says_how_sure() {
    // Smooth random colours: no grid, not clean pixel art either.
    let mut state = 12345u32;
    let noise = RgbaImage::from_fn(96, 96, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let v = state.to_le_bytes();
        Rgba([v[1], v[2], v[3], 255])
    });
    match restore(&noise, &RestoreOptions::default()) {
        Err(SpriteDxError::NoGridFound {
            confidence, threshold, ..
        }) => assert!(confidence < threshold),
        other => panic!("expected NoGridFound, got {other:?}"),
    }
}

#[test]
fn grayscale_16_bit_and_indexed_pngs_load() {
    let clean = sprite();
    let upscaled = image::imageops::resize(
        &clean,
        clean.width() * 3,
        clean.height() * 3,
        image::imageops::FilterType::Nearest,
    );
    // Grayscale with alpha.
    let gray = image::DynamicImage::ImageRgba8(upscaled.clone()).to_luma_alpha8();
    let loaded = load_image_from_memory(&png_bytes(&gray.into()), ImageLimits::default()).unwrap();
    let r = restore(&loaded, &RestoreOptions::default()).unwrap();
    assert_eq!(r.image.dimensions(), clean.dimensions());
    // 16 bits per channel.
    let deep = image::DynamicImage::ImageRgba8(upscaled.clone()).to_rgba16();
    let loaded = load_image_from_memory(&png_bytes(&deep.into()), ImageLimits::default()).unwrap();
    assert_eq!(loaded, upscaled);
    // Indexed (palette) PNG with a transparency chunk.
    let (w, h) = (16u32, 16u32);
    let mut png_data = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_data, w, h);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_palette(vec![0, 0, 0, 255, 0, 0, 0, 0, 255]);
        encoder.set_trns(vec![0, 255, 255]);
        let mut writer = encoder.write_header().unwrap();
        let pixels: Vec<u8> = (0..w * h)
            .map(|i| if (i / w) / 4 % 2 == (i % w) / 4 % 2 { 1 } else { 2 })
            .collect();
        writer.write_image_data(&pixels).unwrap();
    }
    let loaded = load_image_from_memory(&png_data, ImageLimits::default()).unwrap();
    assert_eq!(loaded.get_pixel(0, 0).0, [255, 0, 0, 255]);
    let r = restore(&loaded, &RestoreOptions::default()).unwrap();
    assert_eq!(r.image.dimensions(), (4, 4));
}

#[test]
fn bad_options_are_refused() {
    let img = sprite();
    let zero_colors = RestoreOptions {
        palette: PaletteOptions {
            fixed: None,
            max_colors: Some(0),
        },
        ..Default::default()
    };
    assert!(matches!(
        restore(&img, &zero_colors),
        Err(SpriteDxError::InvalidOption(_))
    ));
    let bad_size = RestoreOptions {
        hints: GridHints {
            pixel_size: Some(f32::NAN),
            cells: None,
        },
        ..Default::default()
    };
    assert!(matches!(restore(&img, &bad_size), Err(SpriteDxError::InvalidOption(_))));
}

#[test]
fn thin_tiny_and_flat_images_never_panic() {
    let mut state = 7u32;
    let mut noise = |_: u32, _: u32| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let v = state.to_le_bytes();
        Rgba([v[1], v[2], v[3], if v[0] > 40 { 255 } else { 0 }])
    };
    for (w, h) in [(1, 300), (300, 1), (2, 2), (3, 200), (200, 3), (5, 7), (64, 2)] {
        for image in [
            RgbaImage::from_fn(w, h, &mut noise),
            RgbaImage::from_pixel(w, h, Rgba([9, 99, 199, 255])),
        ] {
            match restore(&image, &RestoreOptions::default()) {
                Ok(r) => assert!(r.image.width() >= 1 && r.image.height() >= 1),
                Err(SpriteDxError::NoGridFound { .. } | SpriteDxError::FullyTransparent) => {}
                Err(e) => panic!("{w}x{h}: unexpected {e}"),
            }
        }
    }
}
