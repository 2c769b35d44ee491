//! What the hold chooser compares: each frame reduced to a small premultiplied
//! RGBA signature (box-filtered so that sub-pixel wobble and noise weigh little
//! against a change of drawing), and a coarse colour histogram for cuts.

use crate::image::RgbaImage;

/// Longest side of a signature, in samples.
const SIGNATURE_SIDE: u32 = 48;
/// Bins per channel of the cut histogram.
const HISTOGRAM_BINS: usize = 4;

/// A frame reduced for comparison.
#[derive(Clone, Debug)]
pub struct Signature {
    /// Premultiplied RGBA in 0..1, box-filtered; `[height * width * 4]`.
    pub values: Vec<f32>,
    /// Alpha-weighted colour histogram, normalised to sum 1 (all zero when empty);
    /// `[bins^3]`.
    pub histogram: Vec<f32>,
    /// Alpha-weighted centroid in input pixels (`None` when fully transparent).
    pub centroid: Option<[f32; 2]>,
    /// Larger side of the frame in pixels.
    pub extent: u32,
}

/// Alpha-weighted centroid of a frame in pixels (`None` when fully transparent).
pub fn centroid(frame: &RgbaImage) -> Option<[f32; 2]> {
    let (mut cx, mut cy, mut mass) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y, p) in frame.enumerate_pixels() {
        let a = p[3] as f64;
        cx += (x as f64 + 0.5) * a;
        cy += (y as f64 + 0.5) * a;
        mass += a;
    }
    (mass > 0.0).then(|| [(cx / mass) as f32, (cy / mass) as f32])
}

/// `frame` moved by `-shift` pixels (bilinear, premultiplied), so that content at
/// `p + shift` lands at `p`.
fn shifted(frame: &RgbaImage, shift: [f32; 2]) -> RgbaImage {
    if shift == [0.0, 0.0] {
        return frame.clone();
    }
    let (w, h) = frame.dimensions();
    let sample = |x: i64, y: i64| -> [f32; 4] {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            return [0.0; 4];
        }
        let p = frame.get_pixel(x as u32, y as u32);
        let a = p[3] as f32 / 255.0;
        [p[0] as f32 * a, p[1] as f32 * a, p[2] as f32 * a, p[3] as f32]
    };
    let (fx, fy) = (shift[0].floor(), shift[1].floor());
    let (tx, ty) = (shift[0] - fx, shift[1] - fy);
    RgbaImage::from_fn(w, h, |x, y| {
        let (sx, sy) = (x as i64 + fx as i64, y as i64 + fy as i64);
        let mut acc = [0.0f32; 4];
        for (dx, dy, weight) in [
            (0, 0, (1.0 - tx) * (1.0 - ty)),
            (1, 0, tx * (1.0 - ty)),
            (0, 1, (1.0 - tx) * ty),
            (1, 1, tx * ty),
        ] {
            let s = sample(sx + dx, sy + dy);
            acc.iter_mut().zip(s).for_each(|(a, v)| *a += v * weight);
        }
        let alpha = acc[3].clamp(0.0, 255.0);
        if alpha < 0.5 {
            return ::image::Rgba([0, 0, 0, 0]);
        }
        let k = 255.0 / alpha;
        let c = |v: f32| (v * k).round().clamp(0.0, 255.0) as u8;
        ::image::Rgba([c(acc[0]), c(acc[1]), c(acc[2]), alpha.round() as u8])
    })
}

impl Signature {
    /// The signature of one frame moved by `-shift` pixels (to cancel a drift).
    pub fn aligned(frame: &RgbaImage, shift: [f32; 2]) -> Self {
        let mut signature = Self::of(&shifted(frame, shift));
        signature.centroid = centroid(frame);
        signature
    }

    /// The signature of one frame.
    pub fn of(frame: &RgbaImage) -> Self {
        let (w, h) = frame.dimensions();
        let factor = w.max(h).div_ceil(SIGNATURE_SIDE).max(1);
        let (sw, sh) = (w.div_ceil(factor), h.div_ceil(factor));
        let mut values = vec![0.0f32; (sw * sh * 4) as usize];
        let mut counts = vec![0u32; (sw * sh) as usize];
        let mut histogram = vec![0.0f32; HISTOGRAM_BINS.pow(3)];
        for (x, y, p) in frame.enumerate_pixels() {
            let a = p[3] as f32 / 255.0;
            let cell = ((y / factor) * sw + x / factor) as usize;
            counts[cell] += 1;
            for c in 0..3 {
                values[cell * 4 + c] += p[c] as f32 / 255.0 * a;
            }
            values[cell * 4 + 3] += a;
            if a > 0.0 {
                let bin = |v: u8| v as usize * HISTOGRAM_BINS / 256;
                histogram[(bin(p[0]) * HISTOGRAM_BINS + bin(p[1])) * HISTOGRAM_BINS + bin(p[2])] += a;
            }
        }
        for (cell, &n) in counts.iter().enumerate() {
            for c in 0..4 {
                values[cell * 4 + c] /= n.max(1) as f32;
            }
        }
        let values = blur3(&values, sw as usize, sh as usize);
        let total: f32 = histogram.iter().sum();
        if total > 0.0 {
            histogram.iter_mut().for_each(|v| *v /= total);
        }
        Self {
            values,
            histogram,
            centroid: centroid(frame),
            extent: w.max(h),
        }
    }

    /// Squared distance between two signatures of frames of the same size.
    pub fn distance(&self, other: &Self) -> f32 {
        self.values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| (a - b) * (a - b))
            .sum()
    }

    /// L1 distance of the colour histograms, 0..2.
    pub fn histogram_distance(&self, other: &Self) -> f32 {
        self.histogram
            .iter()
            .zip(&other.histogram)
            .map(|(a, b)| (a - b).abs())
            .sum()
    }
}

/// A [1 2 1] x [1 2 1] blur of a `[h * w * 4]` grid (edges clamped): a sub-pixel
/// wobble then moves little weight between samples.
fn blur3(values: &[f32], w: usize, h: usize) -> Vec<f32> {
    let pass = |input: &[f32], step: usize, len: usize| -> Vec<f32> {
        let mut out = vec![0.0; input.len()];
        for i in 0..input.len() / 4 {
            let pos = (i / step) % len;
            let before = if pos > 0 { i - step } else { i };
            let after = if pos + 1 < len { i + step } else { i };
            for c in 0..4 {
                out[i * 4 + c] = 0.25 * input[before * 4 + c] + 0.5 * input[i * 4 + c] + 0.25 * input[after * 4 + c];
            }
        }
        out
    };
    let horizontal = pass(values, 1, w);
    pass(&horizontal, w, h)
}

#[cfg(test)]
mod tests {
    use ::image::Rgba;

    use super::*;

    #[test]
    fn identical_frames_are_at_distance_zero_and_a_colour_swap_is_far() {
        let red = RgbaImage::from_pixel(20, 10, Rgba([255, 0, 0, 255]));
        let blue = RgbaImage::from_pixel(20, 10, Rgba([0, 0, 255, 255]));
        let (r, b) = (Signature::of(&red), Signature::of(&blue));
        assert_eq!(r.distance(&Signature::of(&red)), 0.0);
        assert!(r.distance(&b) > 100.0);
        assert!((r.histogram_distance(&b) - 2.0).abs() < 1e-6);
        assert_eq!(r.centroid, Some([10.0, 5.0]));
    }
}
