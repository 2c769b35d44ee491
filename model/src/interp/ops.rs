//! Tensor helpers shared by the interpolator's paths: backward warping, bilinear
//! resizing, the correlation volume and its soft arg-max.

use burn::prelude::*;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{GridSampleOptions, GridSamplePaddingMode, InterpolateMode, InterpolateOptions};
use burn::tensor::TensorData;

/// Samples `image` at every pixel's position moved by `displacement` (bilinear,
/// border clamped): `out(x) = image(x + displacement(x))`.
/// `image` `[batch, channels, height, width]`, `displacement` `[batch, 2 (x, y), height, width]`
/// in pixels of `image`.
pub fn warp<B: Backend>(image: Tensor<B, 4>, displacement: Tensor<B, 4>) -> Tensor<B, 4> {
    let [b, _, h, w] = image.dims();
    let device = image.device();
    let xs = Tensor::<B, 1, Int>::arange(0..w as i64, &device)
        .float()
        .reshape([1, 1, 1, w])
        .expand([b, 1, h, w]);
    let ys = Tensor::<B, 1, Int>::arange(0..h as i64, &device)
        .float()
        .reshape([1, 1, h, 1])
        .expand([b, 1, h, w]);
    let dx = displacement.clone().slice([0..b, 0..1, 0..h, 0..w]);
    let dy = displacement.slice([0..b, 1..2, 0..h, 0..w]);
    // Pixel centres to the [-1, 1] range of grid_sample (align_corners = false).
    let gx = (xs + dx + 0.5) * (2.0 / w as f64) - 1.0;
    let gy = (ys + dy + 0.5) * (2.0 / h as f64) - 1.0;
    let grid = Tensor::cat(vec![gx, gy], 1).permute([0, 2, 3, 1]); // [b, h, w, 2]
    image.grid_sample_2d(
        grid,
        GridSampleOptions::new(InterpolateMode::Bilinear)
            .with_padding_mode(GridSamplePaddingMode::Border)
            .with_align_corners(false),
    )
}

/// Bilinear resize to `[height, width]` (half-pixel centres).
pub fn resize<B: Backend>(x: Tensor<B, 4>, size: [usize; 2]) -> Tensor<B, 4> {
    let mut options = InterpolateOptions::new(InterpolateMode::Bilinear);
    options.align_corners = false;
    interpolate(x, size, options)
}

/// A displacement field resized to `[height, width]`, its values scaled with it.
/// `[batch, 2, h, w]` -> `[batch, 2, height, width]`
pub fn resize_flow<B: Backend>(flow: Tensor<B, 4>, size: [usize; 2]) -> Tensor<B, 4> {
    let [_, _, h, _] = flow.dims();
    let scale = size[0] as f64 / h as f64;
    resize(flow, size) * scale
}

/// A motion field at the finest pyramid level and resized to the frames, computed
/// once for the paths that need either.
#[derive(Debug, Clone)]
pub struct FlowScales<B: Backend> {
    /// In finest-level pixels. `[batch, 2, h/2, w/2]`
    pub half: Tensor<B, 4>,
    /// In input pixels. `[batch, 2, h, w]`
    pub full: Tensor<B, 4>,
}

/// Removes each channel's mean over the image, then scales every position's feature
/// vector to unit length: correlations become normalised cross-correlations, which
/// tell matching content from merely similar statistics (raw post-ReLU features are
/// all positive, and all their cosines near 1). `[batch, channels, h, w]` -> same
pub fn unit_features<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    let x = x.clone() - x.mean_dim(2).mean_dim(3);
    let norm = x.clone().powi_scalar(2).sum_dim(1).add_scalar(1e-6).sqrt();
    x / norm
}

/// Correlation volume: the mean product of `a`'s features with `b`'s at every
/// displacement within `radius` (a (2r+1) x (2r+1) window, rows then columns,
/// zero outside `b`). `[batch, c, h, w]` x 2 -> `[batch, (2r+1)^2, h, w]`
///
/// Without autodiff (inference) it is computed on the host in one pass, the same
/// products summed over the channels in the same order; with autodiff, burn's ops
/// make 81 shifted copies and products of the features.
pub fn correlation<B: Backend>(a: Tensor<B, 4>, b: Tensor<B, 4>, radius: usize) -> Tensor<B, 4> {
    if B::ad_enabled(&a.device()) {
        correlation_with_ops(a, b, radius)
    } else {
        correlation_on_host(a, b, radius)
    }
}

/// [`correlation`] with burn's ops (differentiable).
fn correlation_with_ops<B: Backend>(a: Tensor<B, 4>, b: Tensor<B, 4>, radius: usize) -> Tensor<B, 4> {
    let [n, c, h, w] = a.dims();
    let r = radius;
    let padded = Tensor::<B, 4>::zeros([n, c, h + 2 * r, w + 2 * r], &a.device())
        .slice_assign([0..n, 0..c, r..r + h, r..r + w], b);
    let mut planes = Vec::with_capacity((2 * r + 1) * (2 * r + 1));
    for dy in 0..=2 * r {
        for dx in 0..=2 * r {
            let shifted = padded.clone().slice([0..n, 0..c, dy..dy + h, dx..dx + w]);
            planes.push((a.clone() * shifted).sum_dim(1));
        }
    }
    Tensor::cat(planes, 1)
}

/// [`correlation`] on host copies of the features. `[batch, c, h, w]` x 2 ->
/// `[batch, (2r+1)^2, h, w]`
fn correlation_on_host<B: Backend>(a: Tensor<B, 4>, b: Tensor<B, 4>, radius: usize) -> Tensor<B, 4> {
    let [n, c, h, w] = a.dims();
    let device = a.device();
    let out = correlation_planes(&host_values(a), &host_values(b), [n, c, h, w], radius);
    let side = 2 * radius + 1;
    Tensor::from_data(TensorData::new(out, [n, side * side, h, w]), &device)
}

/// A tensor's values on the host, row-major (for the host kernels of inference).
pub(crate) fn host_values<B: Backend, const D: usize>(x: Tensor<B, D>) -> Vec<f32> {
    // Converted to f32 first, so taking the buffer cannot fail on its type.
    x.into_data().convert::<f32>().into_vec().unwrap_or_default()
}

/// The correlation volume of row-major planes `a` and `b` (`dims` = [batch,
/// channels, h, w] each) in plain loops, vectorised along the rows: for every
/// displacement (rows, then columns of the window), the sum over the channels of
/// `a` times `b` moved by it (zero outside `b`). `-> [batch][(2r+1)^2][h * w]`
pub(crate) fn correlation_planes(a: &[f32], b: &[f32], dims: [usize; 4], radius: usize) -> Vec<f32> {
    let [n, c, h, w] = dims;
    let side = 2 * radius + 1;
    let plane = h * w;
    let mut out = vec![0.0f32; n * side * side * plane];
    for batch in 0..n {
        for dy in 0..side {
            for dx in 0..side {
                let k = dy * side + dx;
                let target = &mut out[(batch * side * side + k) * plane..][..plane];
                // Rows and columns of `a` whose partner (y + dy - r, x + dx - r) lies in `b`.
                let ys = radius.saturating_sub(dy)..(h + radius).saturating_sub(dy).min(h);
                let xs = radius.saturating_sub(dx)..(w + radius).saturating_sub(dx).min(w);
                if ys.is_empty() || xs.is_empty() {
                    continue; // the shift moves `b` off `a` entirely: zero
                }
                for channel in 0..c {
                    let a_plane = &a[(batch * c + channel) * plane..][..plane];
                    let b_plane = &b[(batch * c + channel) * plane..][..plane];
                    for y in ys.clone() {
                        let by = y + dy - radius;
                        let row = &mut target[y * w + xs.start..y * w + xs.end];
                        let a_row = &a_plane[y * w + xs.start..y * w + xs.end];
                        let b_start = by * w + xs.start + dx - radius;
                        let b_row = &b_plane[b_start..b_start + xs.len()];
                        for ((t, &u), &v) in row.iter_mut().zip(a_row).zip(b_row) {
                            *t += u * v;
                        }
                    }
                }
            }
        }
    }
    out
}

/// The displacement (x, y) each position's correlation peak points to, as the
/// softmax-weighted mean of the window's offsets (`sharpness` scales the logits).
/// `[batch, (2r+1)^2, h, w]` -> `[batch, 2, h, w]`
pub fn soft_argmax<B: Backend>(corr: Tensor<B, 4>, radius: usize, sharpness: Tensor<B, 1>) -> Tensor<B, 4> {
    let [_, k, _, _] = corr.dims();
    let device = corr.device();
    let side = 2 * radius + 1;
    let offsets_x: Vec<f32> = (0..k).map(|i| (i % side) as f32 - radius as f32).collect();
    let offsets_y: Vec<f32> = (0..k).map(|i| (i / side) as f32 - radius as f32).collect();
    let ox = Tensor::<B, 1>::from_floats(offsets_x.as_slice(), &device).reshape([1, k, 1, 1]);
    let oy = Tensor::<B, 1>::from_floats(offsets_y.as_slice(), &device).reshape([1, k, 1, 1]);
    let p = burn::tensor::activation::softmax(corr * sharpness.reshape([1, 1, 1, 1]), 1);
    let x = (p.clone() * ox).sum_dim(1);
    let y = (p * oy).sum_dim(1);
    Tensor::cat(vec![x, y], 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    fn ramp(h: usize, w: usize) -> Tensor<B, 4> {
        // Pseudo-random values: no shift of the pattern matches it elsewhere.
        let data: Vec<f32> = (0..h * w)
            .map(|i| ((i as u64 * 2_654_435_761) % 97) as f32 / 9.7)
            .collect();
        Tensor::<B, 1>::from_floats(data.as_slice(), &Default::default()).reshape([1, 1, h, w])
    }

    #[test]
    fn warp_by_whole_pixels_shifts_the_image() {
        let image = ramp(6, 8);
        let device = Default::default();
        let disp = Tensor::<B, 1>::from_floats([2.0, 1.0], &device)
            .reshape([1, 2, 1, 1])
            .expand([1, 2, 6, 8]);
        let out = warp(image.clone(), disp);
        let expected = image.slice([0..1, 0..1, 1..6, 2..8]);
        let got = out.slice([0..1, 0..1, 0..5, 0..6]);
        got.into_data()
            .assert_approx_eq::<f32>(&expected.into_data(), Default::default());
    }

    #[test]
    fn the_host_correlation_equals_burns_ops() {
        let device = Default::default();
        for (radius, [h, w]) in [(4, [12, 10]), (1, [3, 7]), (2, [1, 1])] {
            let features = |seed: usize| {
                let data: Vec<f32> = (0..2 * 5 * h * w)
                    .map(|i| (((i + seed) as u64 * 2_654_435_761) % 101) as f32 / 50.0 - 1.0)
                    .collect();
                data
            };
            let tensor = |data: &[f32]| Tensor::<B, 1>::from_floats(data, &device).reshape([2, 5, h, w]);
            let (a, b) = (features(0), features(17));
            let host = correlation_on_host(tensor(&a), tensor(&b), radius);
            let ops = correlation_with_ops(tensor(&a), tensor(&b), radius);
            assert_eq!(host.dims(), ops.dims());
            let difference: f32 = (host - ops).abs().max().into_scalar();
            assert!(difference < 1e-5, "radius {radius}: {difference}");
        }
    }

    #[test]
    fn correlation_peaks_at_the_true_shift() {
        let device = Default::default();
        let a = ramp(9, 9);
        // b(x) = a(x - (1, -2)): content of a at x is found in b at x + (1, -2).
        let disp = Tensor::<B, 1>::from_floats([-1.0, 2.0], &device)
            .reshape([1, 2, 1, 1])
            .expand([1, 2, 9, 9]);
        let b = warp(a.clone(), disp);
        let features =
            |x: Tensor<B, 4>| unit_features(Tensor::cat(vec![x.clone().sin(), (x.clone() * 1.7).cos(), x * 0.1], 1));
        let corr = correlation(features(a), features(b), 3);
        let flow = soft_argmax(corr, 3, Tensor::from_floats([200.0], &device));
        let centre: Vec<f32> = flow.slice([0..1, 0..2, 4..5, 4..5]).into_data().to_vec().unwrap();
        assert!(
            (centre[0] - 1.0).abs() < 0.2 && (centre[1] + 2.0).abs() < 0.2,
            "{centre:?}"
        );
    }
}
