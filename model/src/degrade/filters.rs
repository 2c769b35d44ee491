//! Pixel filters for the degradations: blur, noise, JPEG, gamma, dithering.

use std::io::Cursor;

use ::image::{codecs::jpeg::JpegEncoder, Rgba, RgbaImage};
use rand::Rng;

use super::resample::{premultiplied, unpremultiply};

/// Separable Gaussian blur in premultiplied alpha (`sigma` in pixels; <= 0 copies).
pub fn gaussian_blur(image: &RgbaImage, sigma: f32) -> RgbaImage {
    if sigma <= 0.05 {
        return image.clone();
    }
    let radius = (sigma * 3.0).ceil() as i32;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let norm: f32 = kernel.iter().sum();
    let (w, h) = (image.width() as i32, image.height() as i32);
    let pm = premultiplied(image);
    let pass = |src: &[[f32; 4]], horizontal: bool| -> Vec<[f32; 4]> {
        let mut dst = vec![[0.0f32; 4]; src.len()];
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 4];
                for (k, wgt) in kernel.iter().enumerate() {
                    let d = k as i32 - radius;
                    let (sx, sy) = if horizontal {
                        ((x + d).clamp(0, w - 1), y)
                    } else {
                        (x, (y + d).clamp(0, h - 1))
                    };
                    let s = src[(sy * w + sx) as usize];
                    for c in 0..4 {
                        acc[c] += s[c] * wgt;
                    }
                }
                dst[(y * w + x) as usize] = acc.map(|v| v / norm);
            }
        }
        dst
    };
    let blurred = pass(&pass(&pm, true), false);
    RgbaImage::from_fn(w as u32, h as u32, |x, y| {
        unpremultiply(blurred[(y as i32 * w + x as i32) as usize])
    })
}

/// Adds Gaussian noise of standard deviation `sigma` (8-bit units) to visible colour.
pub fn add_noise(image: &mut RgbaImage, sigma: f32, rng: &mut impl Rng) {
    for p in image.pixels_mut() {
        if p[3] == 0 {
            continue;
        }
        for c in 0..3 {
            // Box-Muller
            let (u1, u2): (f32, f32) = (rng.random_range(f32::EPSILON..1.0), rng.random());
            let n = (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos();
            p[c] = (p[c] as f32 + n * sigma).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Composites over an opaque background colour.
pub fn over_background(image: &RgbaImage, bg: [u8; 3]) -> RgbaImage {
    RgbaImage::from_fn(image.width(), image.height(), |x, y| {
        let p = image.get_pixel(x, y);
        let a = p[3] as f32 / 255.0;
        let mix = |c: usize| (p[c] as f32 * a + bg[c] as f32 * (1.0 - a)).round() as u8;
        Rgba([mix(0), mix(1), mix(2), 255])
    })
}

/// Encodes as JPEG at `quality` and decodes again (alpha is dropped: opaque result).
pub fn jpeg_round_trip(image: &RgbaImage, quality: u8) -> RgbaImage {
    let rgb = ::image::DynamicImage::ImageRgba8(image.clone()).to_rgb8();
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&rgb)
        .expect("encoding an in-memory RGB image cannot fail");
    ::image::load(Cursor::new(bytes), ::image::ImageFormat::Jpeg)
        .expect("decoding our own JPEG cannot fail")
        .to_rgba8()
}

/// Applies `out = exposure * in^gamma` to colour (in 0..1).
pub fn gamma_exposure(image: &mut RgbaImage, gamma: f32, exposure: f32) {
    let table: Vec<u8> = (0..256)
        .map(|v| {
            ((v as f32 / 255.0).powf(gamma) * exposure * 255.0)
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect();
    for p in image.pixels_mut() {
        for c in 0..3 {
            p[c] = table[p[c] as usize];
        }
    }
}

/// Reduces colour to `levels` values per channel with Floyd-Steinberg error diffusion.
pub fn dither_to_levels(image: &mut RgbaImage, levels: u32) {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let step = 255.0 / (levels - 1) as f32;
    let mut buf: Vec<[f32; 3]> = image
        .pixels()
        .map(|p| [p[0] as f32, p[1] as f32, p[2] as f32])
        .collect();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if image.as_raw()[i * 4 + 3] == 0 {
                continue;
            }
            let old = buf[i];
            let new = old.map(|v| ((v / step).round() * step).clamp(0.0, 255.0));
            buf[i] = new;
            let err = [old[0] - new[0], old[1] - new[1], old[2] - new[2]];
            let mut spread = |dx: isize, dy: usize, k: f32| {
                let (nx, ny) = (x as isize + dx, y + dy);
                if nx >= 0 && (nx as usize) < w && ny < h {
                    let j = ny * w + nx as usize;
                    for c in 0..3 {
                        buf[j][c] += err[c] * k;
                    }
                }
            };
            spread(1, 0, 7.0 / 16.0);
            spread(-1, 1, 3.0 / 16.0);
            spread(0, 1, 5.0 / 16.0);
            spread(1, 1, 1.0 / 16.0);
        }
    }
    for (p, v) in image.pixels_mut().zip(buf) {
        if p[3] > 0 {
            for c in 0..3 {
                p[c] = v[c].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}
