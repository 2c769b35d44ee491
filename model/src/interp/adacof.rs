//! The foreground path's AdaCoF gather: for every output pixel and each frame, the
//! taps' weights times the frame sampled at the taps' places, summed.
//!
//! Training computes it with burn's ops (bilinear `resize` of the half-resolution
//! maps to full size, then `deform_conv2d` with unit weights and the tap weights as
//! its mask), which have gradients. Inference fuses it on the host: every output
//! pixel upsamples its maps on the spot and samples its taps, with the same
//! upsampling formula, tap positions and zero-padded bilinear samples, so the two
//! agree to float rounding (the sums run in another order). burn's ops build a
//! full-size copy of all 486 map channels and a 81-row column buffer per frame
//! channel, and run the convolution on one thread per batch item: in a `perf`
//! profile of a 256 x 256 in-between (2.2 s before the fused gather) the
//! convolution took 53% of the samples and the resize 14%.

use burn::prelude::*;
use burn::tensor::module::deform_conv2d;
use burn::tensor::ops::DeformConvOptions;
use burn::tensor::TensorData;

use super::ops::{host_values, resize};

/// Image channels (premultiplied RGBA).
const CHANNELS: usize = 4;

/// One axis of a bilinear upsampling from `input` to `output` samples with
/// half-pixel centres, as burn's `interpolate` (align_corners = false) computes it:
/// the lower source index, the upper one and the upper one's weight, per output index.
fn upsampling_axis(input: usize, output: usize) -> Vec<(usize, usize, f32)> {
    let ratio = input as f64 / output as f64;
    (0..output)
        .map(|o| {
            let at = (o as f64 + 0.5) * ratio - 0.5;
            let low = at.floor().max(0.0) as usize;
            let high = (low + 1).min(input - 1);
            (low, high, (at - low as f64).max(0.0) as f32)
        })
        .collect()
}

/// A frame as the gather reads it: interleaved RGBA with a border of one transparent
/// pixel all round, so every bilinear sample reads four in-bounds pixels and the
/// ones outside the frame count as zero, as in burn's deformable convolution.
struct PaddedFrame {
    /// `[height + 2][width + 2][4]`
    pixels: Vec<f32>,
    /// Frame height (without the border).
    height: usize,
    /// Frame width (without the border).
    width: usize,
}

impl PaddedFrame {
    /// Pads the planar frame `planar` (`[4][height * width]`).
    fn new(planar: &[f32], height: usize, width: usize) -> Self {
        let stride = width + 2;
        let mut pixels = vec![0.0; (height + 2) * stride * CHANNELS];
        for c in 0..CHANNELS {
            for y in 0..height {
                for x in 0..width {
                    pixels[((y + 1) * stride + x + 1) * CHANNELS + c] = planar[(c * height + y) * width + x];
                }
            }
        }
        Self { pixels, height, width }
    }

    /// Adds `weight` times the bilinear sample at (`h`, `w`) (pixel centres at
    /// integers; zero beyond a pixel outside the frame) to `sum`.
    #[inline]
    fn add_sample(&self, h: f32, w: f32, weight: f32, sum: &mut [f32; CHANNELS]) {
        if h <= -1.0 || h >= self.height as f32 || w <= -1.0 || w >= self.width as f32 {
            return;
        }
        // The floor (-1 or truncation, as -1 < h, w) and the padded row and column.
        let floor = |v: f32| {
            if v < 0.0 {
                (-1.0, 0)
            } else {
                (v as usize as f32, v as usize + 1)
            }
        };
        let ((h_low, row), (w_low, col)) = (floor(h), floor(w));
        let lh = h - h_low;
        let lw = w - w_low;
        let hh = 1.0 - lh;
        let hw = 1.0 - lw;
        let stride = (self.width + 2) * CHANNELS;
        let top = &self.pixels[row * stride + col * CHANNELS..][..2 * CHANNELS];
        let bottom = &self.pixels[(row + 1) * stride + col * CHANNELS..][..2 * CHANNELS];
        for c in 0..CHANNELS {
            let value =
                hh * hw * top[c] + hh * lw * top[CHANNELS + c] + lh * hw * bottom[c] + lh * lw * bottom[CHANNELS + c];
            sum[c] += value * weight;
        }
    }
}

/// Planar maps side by side per pixel: `sources` each `[channels_s][pixels]`, out
/// `[pixels][sum of channels_s]`, walking the pixels in blocks so that both the
/// reads and the writes stay in cache.
fn interleave(sources: &[&[f32]], pixels: usize) -> Vec<f32> {
    const BLOCK: usize = 64;
    if pixels == 0 {
        return Vec::new();
    }
    let record: usize = sources.iter().map(|s| s.len() / pixels).sum();
    let mut out = vec![0.0; pixels * record];
    for start in (0..pixels).step_by(BLOCK) {
        let end = (start + BLOCK).min(pixels);
        let mut first = 0;
        for source in sources {
            let channels = source.len() / pixels;
            for c in 0..channels {
                for (i, &v) in source[c * pixels + start..c * pixels + end].iter().enumerate() {
                    out[(start + i) * record + first + c] = v;
                }
            }
            first += channels;
        }
    }
    out
}

/// Item `b` of a host copy of a `batch`-item tensor.
fn batch_item(data: &[f32], b: usize, batch: usize) -> &[f32] {
    let size = data.len() / batch.max(1);
    &data[b * size..(b + 1) * size]
}

/// The AdaCoF gather of both frames, summed: for every pixel of the output and each
/// frame f, the sum over the `kernel_size`^2 taps of the tap's weight times the
/// frame sampled at the pixel + the tap's place in the kernel + the tap's offset,
/// with the weights and offsets upsampled bilinearly from half resolution.
///
/// `moved`: both frames, `[batch, 4, h, w]`; `weights`: both frames' tap weights,
/// frame 0's taps first, `[batch, 2 k, h2, w2]`; `offsets`: each frame's (y, x) tap
/// offsets, `[batch, 2 k, h2, w2]`; k = `kernel_size`^2. `-> [batch, 4, h, w]`
///
/// Without autodiff (inference) the gather is fused on the host; with it, burn's
/// `resize` and `deform_conv2d` compute it with gradients.
pub fn gather<B: Backend>(
    moved: [Tensor<B, 4>; 2],
    weights: Tensor<B, 4>,
    offsets: [Tensor<B, 4>; 2],
    kernel_size: usize,
) -> Tensor<B, 4> {
    if B::ad_enabled(&moved[0].device()) {
        gather_with_ops(moved, weights, offsets, kernel_size)
    } else {
        gather_on_host(moved, weights, offsets, kernel_size)
    }
}

/// [`gather`] with burn's ops: every map resized to full size, then a deformable
/// convolution per frame with unit weights and the tap weights as its mask.
fn gather_with_ops<B: Backend>(
    moved: [Tensor<B, 4>; 2],
    weights: Tensor<B, 4>,
    offsets: [Tensor<B, 4>; 2],
    kernel_size: usize,
) -> Tensor<B, 4> {
    let [b, _, h, w] = moved[0].dims();
    let [_, _, h2, w2] = weights.dims();
    let k = kernel_size * kernel_size;
    let ones = Tensor::<B, 4>::ones([CHANNELS, 1, kernel_size, kernel_size], &moved[0].device());
    let pad = kernel_size / 2;
    let options = || DeformConvOptions::new([1, 1], [pad, pad], [1, 1], CHANNELS, 1);
    let [moved0, moved1] = moved;
    let [offsets0, offsets1] = offsets.map(|o| resize(o, [h, w])); // [b, 2k, h, w]
    let weights0 = resize(weights.clone().slice([0..b, 0..k, 0..h2, 0..w2]), [h, w]); // [b, k, h, w]
    let weights1 = resize(weights.slice([0..b, k..2 * k, 0..h2, 0..w2]), [h, w]);
    deform_conv2d(moved0, offsets0, ones.clone(), Some(weights0), None, options())
        + deform_conv2d(moved1, offsets1, ones, Some(weights1), None, options())
}

/// Both frames' half-resolution kernel maps of one batch item, interleaved per pixel
/// (both frames' tap weights, then frame 0's (y, x) offsets, then frame 1's), and
/// how they upsample to the output.
struct KernelMaps<'a> {
    /// `[h2 * w2][record]`
    records: &'a [f32],
    /// Values per half-resolution pixel (6 taps).
    record: usize,
    /// Width of the maps.
    w2: usize,
    /// Upsampling of the output rows from the maps' rows.
    rows: &'a [(usize, usize, f32)],
    /// Upsampling of the output columns from the maps' columns.
    cols: &'a [(usize, usize, f32)],
    /// Kernel side.
    kernel_size: usize,
}

impl KernelMaps<'_> {
    /// The gathered value of output pixel (`x`, `y`): the maps upsampled into
    /// `scratch` (`record` long), then both frames' taps sampled and summed.
    fn pixel(&self, frames: &[PaddedFrame; 2], y: usize, x: usize, scratch: &mut [f32]) -> [f32; CHANNELS] {
        let (y_low, y_high, yw) = self.rows[y];
        let (x_low, x_high, xw) = self.cols[x];
        let corner = |yy: usize, xx: usize| &self.records[(yy * self.w2 + xx) * self.record..][..self.record];
        let (pa, pb, pc, pd) = (
            corner(y_low, x_low),
            corner(y_low, x_high),
            corner(y_high, x_low),
            corner(y_high, x_high),
        );
        let (ca, cb) = ((1.0 - xw) * (1.0 - yw), xw * (1.0 - yw));
        let (cc, cd) = ((1.0 - xw) * yw, xw * yw);
        for (j, r) in scratch.iter_mut().enumerate() {
            *r = pa[j] * ca + pb[j] * cb + pc[j] * cc + pd[j] * cd;
        }
        let side = self.kernel_size;
        let taps = side * side;
        let pad = (side / 2) as f32;
        let mut total = [0.0f32; CHANNELS];
        for (f, frame) in frames.iter().enumerate() {
            let mut sum = [0.0f32; CHANNELS];
            let weights = &scratch[f * taps..][..taps];
            let offsets = &scratch[2 * taps + f * 2 * taps..][..2 * taps];
            for kh in 0..side {
                for kw in 0..side {
                    let k = kh * side + kw;
                    let base_h = (y + kh) as f32 - pad;
                    let base_w = (x + kw) as f32 - pad;
                    frame.add_sample(
                        base_h + offsets[2 * k],
                        base_w + offsets[2 * k + 1],
                        weights[k],
                        &mut sum,
                    );
                }
            }
            for c in 0..CHANNELS {
                total[c] += sum[c];
            }
        }
        total
    }
}

/// [`gather`] fused on the host, one chunk of rows per thread.
fn gather_on_host<B: Backend>(
    moved: [Tensor<B, 4>; 2],
    weights: Tensor<B, 4>,
    offsets: [Tensor<B, 4>; 2],
    kernel_size: usize,
) -> Tensor<B, 4> {
    let [batch, _, h, w] = moved[0].dims();
    let [_, _, h2, w2] = weights.dims();
    let device = moved[0].device();
    if [batch, h, w, h2, w2].contains(&0) {
        return Tensor::zeros([batch, CHANNELS, h, w], &device);
    }
    let [offsets0, offsets1] = offsets;
    let maps = [host_values(weights), host_values(offsets0), host_values(offsets1)];
    let [moved0, moved1] = moved;
    let frames = [host_values(moved0), host_values(moved1)];
    let (rows, cols) = (upsampling_axis(h2, h), upsampling_axis(w2, w));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(h);
    let rows_per_thread = h.div_ceil(threads);
    let mut out = vec![0.0f32; batch * CHANNELS * h * w];
    for b in 0..batch {
        let records = interleave(&maps.each_ref().map(|m| batch_item(m, b, batch)), h2 * w2);
        let kernels = KernelMaps {
            records: &records,
            record: 6 * kernel_size * kernel_size,
            w2,
            rows: &rows,
            cols: &cols,
            kernel_size,
        };
        let images = frames
            .each_ref()
            .map(|f| PaddedFrame::new(batch_item(f, b, batch), h, w));
        // [h * w][4], interleaved: one chunk of rows per thread.
        let mut pixels = vec![0.0f32; h * w * CHANNELS];
        std::thread::scope(|scope| {
            for (chunk, block) in pixels.chunks_mut(rows_per_thread * w * CHANNELS).enumerate() {
                let (kernels, images) = (&kernels, &images);
                scope.spawn(move || {
                    let mut scratch = vec![0.0f32; kernels.record];
                    for (i, px) in block.chunks_exact_mut(CHANNELS).enumerate() {
                        let (y, x) = (chunk * rows_per_thread + i / w, i % w);
                        px.copy_from_slice(&kernels.pixel(images, y, x, &mut scratch));
                    }
                });
            }
        });
        for (i, px) in pixels.chunks_exact(CHANNELS).enumerate() {
            for c in 0..CHANNELS {
                out[(b * CHANNELS + c) * h * w + i] = px[c];
            }
        }
    }
    Tensor::from_data(TensorData::new(out, [batch, CHANNELS, h, w]), &device)
}

#[cfg(test)]
mod tests {
    use burn::tensor::Distribution;

    use super::*;

    type B = burn::backend::Flex;

    #[test]
    fn samples_just_inside_the_frame_read_its_edge_pixels() {
        // Powers of two: the float below one plus 1 rounds up to the next integer.
        let (h, w) = (4, 8);
        let planar: Vec<f32> = (0..CHANNELS * h * w).map(|i| 1.0 + i as f32).collect();
        let frame = PaddedFrame::new(&planar, h, w);
        let below = |v: usize| f32::from_bits((v as f32).to_bits() - 1);
        let last = h * w - 1;
        // On the last pixel's centre: that pixel.
        let mut sum = [0.0; CHANNELS];
        frame.add_sample((h - 1) as f32, (w - 1) as f32, 1.0, &mut sum);
        assert_eq!(sum, [0, 1, 2, 3].map(|c| planar[c * h * w + last]));
        // The last float before the far edges (reads the border): almost nothing.
        let mut sum = [0.0; CHANNELS];
        frame.add_sample(below(h), below(w), 1.0, &mut sum);
        assert!(sum.iter().all(|v| *v > 0.0 && *v < 1e-3), "{sum:?}");
        // Just inside the near edges: almost nothing of the top-left pixel.
        let mut sum = [0.0; CHANNELS];
        frame.add_sample(-0.999, -0.999, 1.0, &mut sum);
        assert!(sum.iter().all(|v| *v > 0.0 && *v < 1e-3 * 50.0), "{sum:?}");
        // At or beyond a pixel outside: nothing.
        let mut sum = [0.0; CHANNELS];
        frame.add_sample(h as f32, 0.0, 1.0, &mut sum);
        frame.add_sample(0.0, -1.0, 1.0, &mut sum);
        assert_eq!(sum, [0.0; CHANNELS]);
    }

    #[test]
    fn the_fused_gather_equals_burns_resize_and_deformable_convolution() {
        let device = Default::default();
        for (side, [h, w], spread) in [(3, [8, 12], 1.5), (9, [16, 16], 6.0), (5, [12, 20], 0.3)] {
            let (h2, w2, k) = (h / 2, w / 2, side * side);
            let frame = || Tensor::<B, 4>::random([2, CHANNELS, h, w], Distribution::Uniform(0.0, 1.0), &device);
            // Offsets large enough that taps fall off the frame on every side.
            let offsets =
                || Tensor::<B, 4>::random([2, 2 * k, h2, w2], Distribution::Uniform(-spread, spread), &device);
            let weights = burn::tensor::activation::softmax(
                Tensor::<B, 4>::random([2, 2 * k, h2, w2], Distribution::Normal(0.0, 2.0), &device),
                1,
            );
            let moved = [frame(), frame()];
            let offsets = [offsets(), offsets()];
            let expected = gather_with_ops(moved.clone(), weights.clone(), offsets.clone(), side);
            let fused = gather_on_host(moved, weights, offsets, side);
            assert_eq!(fused.dims(), [2, CHANNELS, h, w]);
            let difference: f32 = (fused - expected).abs().max().into_scalar();
            assert!(difference < 1e-5, "kernel {side}: largest difference {difference}");
        }
    }
}
