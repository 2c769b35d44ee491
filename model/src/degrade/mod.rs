//! Synthetic corruption: how image generators draw pixel art off the grid.
//!
//! Each [`Preset`] follows the evaluation protocol (DESIGN §4). Parameters are drawn
//! from a seeded RNG, so `(image, preset, seed)` always gives the same result, and the
//! true scale and phase come back with the image for scoring.

mod clip;
mod filters;
mod resample;

use ::image::{Rgba, RgbaImage};
use rand::{rngs::SmallRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

pub use clip::{fluid_clip, FluidClip, FluidClipOptions};
pub use filters::{add_noise, dither_to_levels, gamma_exposure, gaussian_blur, jpeg_round_trip, over_background};
pub use resample::{resample, Kernel};

/// A family of degradations (DESIGN §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Nearest-neighbour upscale by an integer 2-8x, no phase.
    Nearest,
    /// Bicubic 2-5x with a random phase, Gaussian blur and noise.
    Bicubic,
    /// Nearest upscale by a non-integer 2.3-5.7x with a random phase offset.
    NonInteger,
    /// Bilinear 2-6x with a sub-pixel shift.
    Bilinear,
    /// Nearest 2-6x on a magenta background, saved as JPEG at quality 70-90.
    Jpeg,
    /// Nearest 2-6x, gamma 0.85-1.18 and exposure 0.92-1.08, then reduced to a
    /// 32-level-per-channel palette with Floyd-Steinberg dithering.
    GammaDither,
    /// Bicubic 2-6x with alpha edges blurred into soft ramps.
    SoftAlpha,
    /// Bicubic 8-16x with blur and noise.
    Large,
    /// No degradation: already-clean art, which must come back unchanged.
    Clean,
}

impl Preset {
    /// Every preset, in report order.
    pub const ALL: [Preset; 9] = [
        Preset::Nearest,
        Preset::Bicubic,
        Preset::NonInteger,
        Preset::Bilinear,
        Preset::Jpeg,
        Preset::GammaDither,
        Preset::SoftAlpha,
        Preset::Large,
        Preset::Clean,
    ];

    /// The preset's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Nearest => "nearest",
            Preset::Bicubic => "bicubic",
            Preset::NonInteger => "non-integer",
            Preset::Bilinear => "bilinear",
            Preset::Jpeg => "jpeg",
            Preset::GammaDither => "gamma-dither",
            Preset::SoftAlpha => "soft-alpha",
            Preset::Large => "large",
            Preset::Clean => "clean",
        }
    }

    /// Parses a command-line name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A degraded image with the ground truth of its grid.
#[derive(Clone, Debug)]
pub struct Degraded {
    /// The corrupted image.
    pub image: RgbaImage,
    /// True input pixels per source pixel.
    pub scale: f32,
    /// True position of the source's top-left corner, per axis.
    pub phase: [f32; 2],
}

/// Corrupts a clean sprite with one preset; the same seed gives the same result.
pub fn degrade(clean: &RgbaImage, preset: Preset, seed: u64) -> Degraded {
    let mut rng = SmallRng::seed_from_u64(seed ^ (preset as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let random_phase = |rng: &mut SmallRng, s: f32| [rng.random_range(0.0..s), rng.random_range(0.0..s)];
    let (image, scale, phase) = match preset {
        Preset::Nearest => {
            let s = rng.random_range(2..=8) as f32;
            (resample(clean, s, [0.0; 2], Kernel::Nearest), s, [0.0; 2])
        }
        Preset::Bicubic => {
            let s = rng.random_range(2.0..5.0);
            let ph = random_phase(&mut rng, s);
            let mut img = resample(clean, s, ph, Kernel::Bicubic);
            img = gaussian_blur(&img, rng.random_range(0.1..0.3) * s);
            add_noise(&mut img, rng.random_range(1.0..5.0), &mut rng);
            (img, s, ph)
        }
        Preset::NonInteger => {
            let s = rng.random_range(2.3..5.7);
            let ph = random_phase(&mut rng, s);
            (resample(clean, s, ph, Kernel::Nearest), s, ph)
        }
        Preset::Bilinear => {
            let s = rng.random_range(2.0..6.0);
            let ph = random_phase(&mut rng, s);
            (resample(clean, s, ph, Kernel::Bilinear), s, ph)
        }
        Preset::Jpeg => {
            let s = rng.random_range(2.0..6.0);
            let ph = random_phase(&mut rng, s);
            let img = over_background(&resample(clean, s, ph, Kernel::Nearest), [255, 0, 255]);
            (jpeg_round_trip(&img, rng.random_range(70..=90)), s, ph)
        }
        Preset::GammaDither => {
            let s = rng.random_range(2.0..6.0);
            let ph = random_phase(&mut rng, s);
            let mut img = resample(clean, s, ph, Kernel::Nearest);
            gamma_exposure(&mut img, rng.random_range(0.85..1.18), rng.random_range(0.92..1.08));
            dither_to_levels(&mut img, 32);
            (img, s, ph)
        }
        Preset::SoftAlpha => {
            let s = rng.random_range(2.0..6.0);
            let ph = random_phase(&mut rng, s);
            let mut img = resample(clean, s, ph, Kernel::Bicubic);
            soften_alpha(&mut img, rng.random_range(0.15..0.35) * s);
            (img, s, ph)
        }
        Preset::Large => {
            let s = rng.random_range(8.0..16.0);
            let ph = random_phase(&mut rng, s);
            let mut img = resample(clean, s, ph, Kernel::Bicubic);
            img = gaussian_blur(&img, rng.random_range(0.1..0.25) * s);
            add_noise(&mut img, rng.random_range(1.0..4.0), &mut rng);
            (img, s, ph)
        }
        Preset::Clean => (clean.clone(), 1.0, [0.0; 2]),
    };
    Degraded { image, scale, phase }
}

/// Blurs only the alpha channel, keeping colour where anything is visible.
fn soften_alpha(image: &mut RgbaImage, sigma: f32) {
    let blurred = gaussian_blur(image, sigma);
    for (p, b) in image.pixels_mut().zip(blurred.pixels()) {
        if p[3] == 0 && b[3] > 0 {
            *p = Rgba([b[0], b[1], b[2], b[3]]);
        } else {
            p[3] = b[3];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sprite() -> RgbaImage {
        RgbaImage::from_fn(10, 8, |x, y| {
            if (x + y) % 3 == 0 {
                Rgba([200, 40, 40, 255])
            } else {
                Rgba([20, 20, 90, 255])
            }
        })
    }

    #[test]
    fn same_seed_same_result_and_names_round_trip() {
        for p in Preset::ALL {
            let a = degrade(&sprite(), p, 7);
            let b = degrade(&sprite(), p, 7);
            assert_eq!(a.image, b.image, "{p:?}");
            assert!(a.image.width() as f32 >= 10.0 * a.scale);
            assert_eq!(p == Preset::Clean, a.image == sprite());
            assert_eq!(Preset::from_name(p.name()), Some(p));
        }
    }

    #[test]
    fn nearest_is_an_exact_upscale() {
        let d = degrade(&sprite(), Preset::Nearest, 1);
        let s = d.scale as u32;
        assert_eq!(d.image.dimensions(), (10 * s, 8 * s));
        assert_eq!(d.image.get_pixel(3 * s, 0), sprite().get_pixel(3, 0));
    }
}
