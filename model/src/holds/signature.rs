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

/// How the pixels of one axis fall into the signature's cells when the cell
/// lattice is moved by `shift` pixels: for each pixel, the (up to two) cells it
/// overlaps and the overlap lengths (cells outside `0..cells` are left out).
fn axis_overlaps(pixels: u32, factor: u32, cells: u32, shift: f32) -> Vec<[(usize, f32); 2]> {
    let f = factor as f32;
    (0..pixels)
        .map(|x| {
            // The pixel covers [u, u + 1) in lattice coordinates.
            let u = x as f32 - shift;
            let cell = (u / f).floor();
            let boundary = (cell + 1.0) * f;
            let inside = |c: f32, w: f32| {
                if c >= 0.0 && c < cells as f32 && w > 0.0 {
                    (c as usize, w)
                } else {
                    (0, 0.0)
                }
            };
            if u + 1.0 <= boundary {
                [inside(cell, 1.0), (0, 0.0)]
            } else {
                [inside(cell, boundary - u), inside(cell + 1.0, u + 1.0 - boundary)]
            }
        })
        .collect()
}

impl Signature {
    /// The signature of one frame moved by `-shift` pixels (to cancel a drift):
    /// content at `p + shift` lands at `p`. The cells are box filters on a lattice
    /// moved by `shift`, pixels cut by a cell border counted by the area inside, so a
    /// sprite moved by a fraction of a pixel is not blurred on the way back.
    pub fn aligned(frame: &RgbaImage, shift: [f32; 2]) -> Self {
        let (w, h) = frame.dimensions();
        let factor = w.max(h).div_ceil(SIGNATURE_SIDE).max(1);
        let (sw, sh) = (w.div_ceil(factor), h.div_ceil(factor));
        let columns = axis_overlaps(w, factor, sw, shift[0]);
        let rows = axis_overlaps(h, factor, sh, shift[1]);
        let mut values = vec![0.0f32; (sw * sh * 4) as usize];
        let mut areas = vec![0.0f32; (sw * sh) as usize];
        let mut histogram = vec![0.0f32; HISTOGRAM_BINS.pow(3)];
        for (x, y, p) in frame.enumerate_pixels() {
            let a = p[3] as f32 / 255.0;
            let premultiplied = [
                p[0] as f32 / 255.0 * a,
                p[1] as f32 / 255.0 * a,
                p[2] as f32 / 255.0 * a,
                a,
            ];
            for &(row, wy) in &rows[y as usize] {
                for &(column, wx) in &columns[x as usize] {
                    let weight = wx * wy;
                    if weight > 0.0 {
                        let cell = row * sw as usize + column;
                        areas[cell] += weight;
                        values[cell * 4..cell * 4 + 4]
                            .iter_mut()
                            .zip(premultiplied)
                            .for_each(|(v, q)| *v += q * weight);
                    }
                }
            }
            if a > 0.0 {
                let bin = |v: u8| v as usize * HISTOGRAM_BINS / 256;
                histogram[(bin(p[0]) * HISTOGRAM_BINS + bin(p[1])) * HISTOGRAM_BINS + bin(p[2])] += a;
            }
        }
        for (cell, &area) in areas.iter().enumerate() {
            if area > 0.0 {
                values[cell * 4..cell * 4 + 4].iter_mut().for_each(|v| *v /= area);
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

    /// The signature of one frame.
    pub fn of(frame: &RgbaImage) -> Self {
        Self::aligned(frame, [0.0, 0.0])
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

    #[test]
    fn a_sprite_moved_by_a_fraction_of_a_pixel_aligns_back() {
        use crate::degrade::{resample, Kernel};
        let sprite = RgbaImage::from_fn(12, 10, |x, y| {
            if (2..9).contains(&x) && (1..8).contains(&y) {
                Rgba([40 + 20 * x as u8, 200 - 15 * y as u8, 90, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let render = |dx: f32| resample(&sprite, 4.0, [3.0 + dx, 3.0], Kernel::Bilinear);
        let (still, moved) = (render(0.0), render(0.4));
        let moved = ::image::imageops::crop_imm(&moved, 0, 0, still.width(), still.height()).to_image();
        let reference = Signature::of(&still);
        let unaligned = Signature::of(&moved).distance(&reference);
        let aligned = Signature::aligned(&moved, [0.4, 0.0]).distance(&reference);
        assert!(aligned < 0.02 * unaligned, "aligned {aligned}, unaligned {unaligned}");
    }
}
