//! Upscaling with a scale and a phase, in premultiplied alpha.

use ::image::{Rgba, RgbaImage};

/// Interpolation kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Nearest neighbour.
    Nearest,
    /// Linear (tent).
    Bilinear,
    /// Catmull-Rom cubic (Keys, a = -0.5).
    Bicubic,
}

impl Kernel {
    /// Half-width of the kernel's support, in source pixels.
    pub(crate) fn radius(self) -> i32 {
        match self {
            Kernel::Nearest => 0,
            Kernel::Bilinear => 1,
            Kernel::Bicubic => 2,
        }
    }

    /// Weight of a source pixel `t` source pixels away.
    pub(crate) fn weight(self, t: f32) -> f32 {
        let t = t.abs();
        match self {
            Kernel::Nearest => 1.0,
            Kernel::Bilinear => (1.0 - t).max(0.0),
            Kernel::Bicubic => {
                let a = -0.5;
                if t < 1.0 {
                    (a + 2.0) * t * t * t - (a + 3.0) * t * t + 1.0
                } else if t < 2.0 {
                    a * t * t * t - 5.0 * a * t * t + 8.0 * a * t - 4.0 * a
                } else {
                    0.0
                }
            }
        }
    }
}

/// Taps (source index, weight) for every output position along one axis.
fn taps(src_len: u32, out_len: u32, scale: f32, phase: f32, kernel: Kernel) -> Vec<Vec<(u32, f32)>> {
    (0..out_len)
        .map(|x| {
            // Source coordinate of this output pixel's centre, in source pixels.
            let u = (x as f32 + 0.5 - phase) / scale;
            if kernel == Kernel::Nearest {
                let i = u.floor();
                return if i >= 0.0 && (i as u32) < src_len {
                    vec![(i as u32, 1.0)]
                } else {
                    vec![]
                };
            }
            let c = u - 0.5; // relative to source pixel centres
            let base = c.floor() as i32;
            let r = kernel.radius();
            ((base - r + 1)..=(base + r))
                .filter(|&i| i >= 0 && (i as u32) < src_len)
                .map(|i| (i as u32, kernel.weight(c - i as f32)))
                .filter(|&(_, w)| w != 0.0)
                .collect()
        })
        .collect()
}

/// Upscales by `scale` with the source's top-left corner at `phase` (output pixels).
/// The canvas is `ceil(size * scale + phase)`; outside the source is transparent.
pub fn resample(src: &RgbaImage, scale: f32, phase: [f32; 2], kernel: Kernel) -> RgbaImage {
    let (w, h) = src.dimensions();
    let out_w = (w as f32 * scale + phase[0]).ceil() as u32;
    let out_h = (h as f32 * scale + phase[1]).ceil() as u32;
    let tx = taps(w, out_w, scale, phase[0], kernel);
    let ty = taps(h, out_h, scale, phase[1], kernel);
    // [h * w] premultiplied
    let pm = premultiplied(src);
    // Horizontal pass: [h][out_w]
    let mut horizontal = vec![[0.0f32; 4]; (h * out_w) as usize];
    for y in 0..h as usize {
        for (x, t) in tx.iter().enumerate() {
            let mut acc = [0.0; 4];
            for &(i, wgt) in t {
                let s = pm[y * w as usize + i as usize];
                for c in 0..4 {
                    acc[c] += s[c] * wgt;
                }
            }
            horizontal[y * out_w as usize + x] = acc;
        }
    }
    let mut out = RgbaImage::new(out_w, out_h);
    for (y, t) in ty.iter().enumerate() {
        for x in 0..out_w as usize {
            let mut acc = [0.0; 4];
            for &(j, wgt) in t {
                let s = horizontal[j as usize * out_w as usize + x];
                for c in 0..4 {
                    acc[c] += s[c] * wgt;
                }
            }
            out.put_pixel(x as u32, y as u32, unpremultiply(acc));
        }
    }
    out
}

/// Straight 8-bit to premultiplied float (colour in 0..255 x alpha, alpha 0..255),
/// row-major `[height * width]`.
pub(crate) fn premultiplied(image: &RgbaImage) -> Vec<[f32; 4]> {
    image
        .pixels()
        .map(|p| {
            let a = p[3] as f32 / 255.0;
            [p[0] as f32 * a, p[1] as f32 * a, p[2] as f32 * a, p[3] as f32]
        })
        .collect()
}

/// Premultiplied float (colour in 0..255 x alpha, alpha 0..255) to straight 8-bit.
pub(crate) fn unpremultiply(p: [f32; 4]) -> Rgba<u8> {
    let a = p[3].clamp(0.0, 255.0);
    if a < 0.5 {
        return Rgba([0, 0, 0, 0]);
    }
    let k = 255.0 / a;
    let c = |v: f32| (v * k).round().clamp(0.0, 255.0) as u8;
    Rgba([c(p[0]), c(p[1]), c(p[2]), a.round() as u8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_integer_nearest_keeps_colours_and_size() {
        let src = RgbaImage::from_fn(4, 1, |x, _| Rgba([x as u8 * 60, 0, 0, 255]));
        let out = resample(&src, 2.5, [1.0, 0.0], Kernel::Nearest);
        assert_eq!(out.dimensions(), (11, 3));
        assert_eq!(out.get_pixel(0, 1)[3], 0); // left of the phase
        assert_eq!(out.get_pixel(1, 1).0, [0, 0, 0, 255]);
        assert_eq!(out.get_pixel(4, 1).0, [60, 0, 0, 255]);
    }

    #[test]
    fn bilinear_hits_source_values_at_cell_centres() {
        let src = RgbaImage::from_fn(3, 3, |x, _| Rgba([x as u8 * 100, 50, 50, 255]));
        let out = resample(&src, 4.0, [0.0, 0.0], Kernel::Bilinear);
        // Output pixels 5 and 6 straddle the centre of source pixel 1 (at 6.0).
        let v = (out.get_pixel(5, 6)[0] as i32 + out.get_pixel(6, 6)[0] as i32) / 2;
        assert!((v - 100).abs() <= 2, "{v}");
    }
}
