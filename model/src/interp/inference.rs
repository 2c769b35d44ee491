//! In-between frames for image pairs: padding to the network's size multiple, the
//! scene gate's hold, conversion to and from 8-bit RGBA.

use std::time::Instant;

use ::image::{imageops, RgbaImage};
use burn::prelude::*;

use super::data::{crop_to, pad_to, planes_to_tensor, tensor_to_planes, Planes};
use super::model::{padded_side, LayeredInterpolator};
use crate::error::{Result, SpriteDxError};

/// The CPU backend the shipped interpolator runs on (burn's Flex backend).
pub type CpuBackend = burn::backend::Flex;

/// Largest frame side the interpolator takes, in pixels.
pub const MAX_SIDE: u32 = 4096;

/// An in-between frame and how it was made.
#[derive(Debug, Clone)]
pub struct Interpolated {
    /// The frame at `t`, the size of the first input (straight-alpha RGBA).
    pub image: RgbaImage,
    /// The pair was judged a scene cut and the nearer frame was held.
    pub held: bool,
    /// The scene gate's cut probability (0..1; 0 for identical frames).
    pub cut_probability: f32,
    /// Milliseconds it took.
    pub ms: f64,
}

thread_local! {
    static DEFAULT_MODEL: std::cell::OnceCell<std::result::Result<LayeredInterpolator<CpuBackend>, String>> =
        const { std::cell::OnceCell::new() };
}

/// [`interpolate`] with the shipped default weights on the CPU (loaded and validated
/// once per thread).
pub fn interpolate_with_default_weights(a: &RgbaImage, b: &RgbaImage, t: f32) -> Result<Interpolated> {
    DEFAULT_MODEL.with(|cell| {
        let model =
            cell.get_or_init(|| crate::weights::default_interpolator(&Default::default()).map_err(|e| e.to_string()));
        match model {
            Ok(model) => interpolate(model, a, b, t),
            Err(message) => Err(SpriteDxError::Model(message.clone())),
        }
    })
}

/// The frame at time `t` (0..1) between `a` and `b`. The result has the size of `a`
/// (`b` is resized to it, nearest, if it differs). A scene cut is held: the result is
/// then exactly `a` (t <= 0.5) or `b`, never a blend; identical frames give the frame.
pub fn interpolate<B: Backend>(
    model: &LayeredInterpolator<B>,
    a: &RgbaImage,
    b: &RgbaImage,
    t: f32,
) -> Result<Interpolated> {
    let start = Instant::now();
    if !(0.0..=1.0).contains(&t) {
        return Err(SpriteDxError::InvalidOption(format!("t must be within 0..1, got {t}")));
    }
    for image in [a, b] {
        let (width, height) = image.dimensions();
        if width == 0 || height == 0 {
            return Err(SpriteDxError::EmptyImage { width, height });
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(SpriteDxError::InvalidOption(format!(
                "frame is {width}x{height}, the interpolator takes at most {MAX_SIDE} px per side"
            )));
        }
    }
    let b = if b.dimensions() == a.dimensions() {
        b.clone()
    } else {
        imageops::resize(b, a.width(), a.height(), imageops::FilterType::Nearest)
    };
    let hold = |cut_probability: f32, held: bool| Interpolated {
        image: if t <= 0.5 { a.clone() } else { b.clone() },
        held,
        cut_probability,
        ms: start.elapsed().as_secs_f64() * 1000.0,
    };
    if *a == b {
        return Ok(hold(0.0, false));
    }
    let (w, h) = (a.width() as usize, a.height() as usize);
    let (pw, ph) = (padded_side(w), padded_side(h));
    let device = model.devices().into_iter().next().unwrap_or_default();
    let p0 = pad_to(&Planes::from_image(a), pw, ph);
    let p1 = pad_to(&Planes::from_image(&b), pw, ph);
    let frame0 = planes_to_tensor::<B>(&[&p0], &device);
    let frame1 = planes_to_tensor::<B>(&[&p1], &device);
    // The gate reads the frames alone: a held cut never pays for the network.
    let cut_logit = model.cut_logit(frame0.clone(), frame1.clone());
    let logit: f32 = cut_logit.clone().into_scalar().elem();
    if !logit.is_finite() {
        return Err(SpriteDxError::Model("the interpolator produced NaN".into()));
    }
    let cut_probability = 1.0 / (1.0 + (-logit).exp());
    if cut_probability > 0.5 {
        return Ok(hold(cut_probability, true));
    }
    let analysis = model.analyse(frame0.clone(), frame1.clone());
    let out = model.render(frame0, frame1, t, analysis, cut_logit);
    let planes = tensor_to_planes(out.frame).remove(0);
    let image = crop_to(&planes, w, h).to_image();
    Ok(Interpolated {
        image,
        held: false,
        cut_probability,
        ms: start.elapsed().as_secs_f64() * 1000.0,
    })
}
