//! Frame similarity for interpolation (DESIGN §4): PSNR and SSIM of premultiplied
//! RGBA, so a transparent pixel's hidden colour never counts.

use ::image::RgbaImage;

/// Premultiplied 0..255 values, channel planes.
fn premultiplied(image: &RgbaImage) -> [Vec<f32>; 4] {
    let mut planes: [Vec<f32>; 4] = Default::default();
    for p in image.pixels() {
        let a = p[3] as f32 / 255.0;
        for c in 0..3 {
            planes[c].push(p[c] as f32 * a);
        }
        planes[3].push(p[3] as f32);
    }
    planes
}

/// Peak signal-to-noise ratio in dB over the four premultiplied channels (100 for
/// identical images). Panics if the sizes differ.
pub fn psnr(a: &RgbaImage, b: &RgbaImage) -> f32 {
    assert_eq!(a.dimensions(), b.dimensions(), "psnr of images of different sizes");
    let (pa, pb) = (premultiplied(a), premultiplied(b));
    let n = (pa[0].len() * 4).max(1) as f64;
    let mse: f64 = pa
        .iter()
        .zip(&pb)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(u, v)| ((u - v) as f64).powi(2)))
        .sum::<f64>()
        / n;
    if mse <= 1e-10 {
        100.0
    } else {
        (10.0 * (255.0f64 * 255.0 / mse).log10()) as f32
    }
}

/// Structural similarity (Gaussian window, sigma 1.5, borders clamped), the mean over
/// the four premultiplied channels. Panics if the sizes differ.
pub fn ssim(a: &RgbaImage, b: &RgbaImage) -> f32 {
    assert_eq!(a.dimensions(), b.dimensions(), "ssim of images of different sizes");
    let (w, h) = (a.width() as usize, a.height() as usize);
    let (pa, pb) = (premultiplied(a), premultiplied(b));
    let (c1, c2) = ((0.01f32 * 255.0).powi(2), (0.03f32 * 255.0).powi(2));
    let mut total = 0.0;
    for (x, y) in pa.iter().zip(&pb) {
        let xx: Vec<f32> = x.iter().map(|v| v * v).collect();
        let yy: Vec<f32> = y.iter().map(|v| v * v).collect();
        let xy: Vec<f32> = x.iter().zip(y).map(|(u, v)| u * v).collect();
        let [mx, my, sxx, syy, sxy] = [x, y, &xx, &yy, &xy].map(|p| gaussian_blur(p, w, h));
        let mut sum = 0.0;
        for i in 0..w * h {
            let (vx, vy) = (sxx[i] - mx[i] * mx[i], syy[i] - my[i] * my[i]);
            let cov = sxy[i] - mx[i] * my[i];
            sum += ((2.0 * mx[i] * my[i] + c1) * (2.0 * cov + c2))
                / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
        }
        total += sum / (w * h).max(1) as f32;
    }
    total / 4.0
}

/// Separable Gaussian blur (sigma 1.5, radius 5) with clamped borders.
fn gaussian_blur(plane: &[f32], w: usize, h: usize) -> Vec<f32> {
    let kernel: Vec<f32> = (-5..=5)
        .map(|i: i32| (-(i * i) as f32 / (2.0 * 1.5 * 1.5)).exp())
        .collect();
    let norm: f32 = kernel.iter().sum();
    let taps: Vec<f32> = kernel.iter().map(|k| k / norm).collect();
    let rows = blur_pass(plane, w, h, &taps, |x, y, k| {
        y * w + (x as i64 + k - 5).clamp(0, w as i64 - 1) as usize
    });
    blur_pass(&rows, w, h, &taps, |x, y, k| {
        (y as i64 + k - 5).clamp(0, h as i64 - 1) as usize * w + x
    })
}

/// One 1-D pass of [`gaussian_blur`]: `source(x, y, k)` is the index of tap `k`'s
/// sample for output pixel (x, y).
fn blur_pass(plane: &[f32], w: usize, h: usize, taps: &[f32], source: impl Fn(usize, usize, i64) -> usize) -> Vec<f32> {
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        for x in 0..w {
            out[y * w + x] = taps
                .iter()
                .enumerate()
                .map(|(k, tap)| plane[source(x, y, k as i64)] * tap)
                .sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use ::image::Rgba;

    use super::*;

    #[test]
    fn identical_frames_score_perfectly_and_noise_lowers_both() {
        let a = RgbaImage::from_fn(20, 16, |x, y| Rgba([(x * 12) as u8, (y * 15) as u8, 90, 255]));
        assert_eq!(psnr(&a, &a), 100.0);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-4);
        let mut b = a.clone();
        for (i, p) in b.pixels_mut().enumerate() {
            p[0] = p[0].saturating_add((i % 7) as u8 * 4);
        }
        let (db, s) = (psnr(&a, &b), ssim(&a, &b));
        assert!(db > 20.0 && db < 60.0, "{db}");
        assert!(s < 0.999 && s > 0.5, "{s}");
    }

    #[test]
    fn hidden_colours_of_transparent_pixels_do_not_count() {
        let a = RgbaImage::from_pixel(8, 8, Rgba([255, 0, 0, 0]));
        let b = RgbaImage::from_pixel(8, 8, Rgba([0, 255, 0, 0]));
        assert_eq!(psnr(&a, &b), 100.0);
    }
}
