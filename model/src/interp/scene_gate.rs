//! The scene gate: the probability that two frames are on either side of a cut. A
//! cut is never blended: the interpolator returns a hold instead.
//!
//! The gate reads [`cut_statistics`] of the frames themselves, not of the encoder's
//! features: block matching (a 9 x 9 correlation window of sums of squared
//! differences, 3 x 3 blocks) at 1/2, 1/4 and 1/8 of the frame, both ways, says how
//! much of the change between the frames no whole-block motion explains; a soft
//! colour histogram and the opaque area say whether the frames show the same things.
//! Every statistic is a ratio or a share, so the same gate serves 16 px sprites and
//! 256 px shots. (The first release read the statistics of the learned features'
//! correlation volumes at 1/16 and 1/8; after training those features had collapsed
//! there, with peak correlations of 1.00 on pans and cuts alike, and a gate fitted on
//! 48 px crops held every 128 px shot.)

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::module::avg_pool2d;
use burn::tensor::TensorData;

use super::ops::{correlation_planes, host_values};

/// Pooling factors of the levels the block matching runs at (1/2, 1/4 and 1/8).
const POOLS: [usize; 3] = [2, 4, 8];
/// Search radius of the block matching at every level: a 9 x 9 window.
const RADIUS: usize = 4;
/// Bin centres per colour channel of the soft histogram (64 bins in all).
const BINS: usize = 4;
/// Keeps the ratios finite where a frame is flat or the frames are the same.
const EPSILON: f32 = 1e-4;

/// Number of statistics per pair: two motion residuals per level, the histogram
/// distance and the change of opaque area.
pub const STATISTICS: usize = 2 * POOLS.len() + 2;

/// Logistic regression on the [`cut_statistics`].
#[derive(Module, Debug)]
pub struct SceneGate<B: Backend> {
    linear: Linear<B>,
}

impl<B: Backend> SceneGate<B> {
    /// A fresh gate.
    pub fn new(device: &B::Device) -> Self {
        Self {
            // Zeros: even odds before the fit, and a fit (a convex problem) that
            // starts from the same point on every run.
            linear: LinearConfig::new(STATISTICS, 1)
                .with_initializer(burn::nn::Initializer::Zeros)
                .init(device),
        }
    }

    /// The cut logit (a cut above 0). `[batch, STATISTICS]` -> `[batch, 1]`
    pub fn forward(&self, statistics: Tensor<B, 2>) -> Tensor<B, 2> {
        self.linear.forward(statistics)
    }
}

/// The statistics the gate reads, for frames `[batch, 4, h, w]` (premultiplied RGBA
/// in 0..1, h and w multiples of 8). Per level (1/2, 1/4, 1/8): the natural log of
/// the block-matching residual over the frames' structure (their variance) and over
/// the residual of no motion; then the soft colour histogram distance (0..1) and the
/// relative change of opaque area (0..1). `-> [batch, STATISTICS]`
pub fn cut_statistics<B: Backend>(frame0: Tensor<B, 4>, frame1: Tensor<B, 4>) -> Tensor<B, 2> {
    let mut columns = Vec::with_capacity(STATISTICS);
    for pool in POOLS {
        let shrink = |x: Tensor<B, 4>| avg_pool2d(x, [pool, pool], [pool, pool], [0, 0], true, false);
        let (a, b) = (shrink(frame0.clone()), shrink(frame1.clone()));
        let forward = block_matching(a.clone(), b.clone());
        let backward = block_matching(b.clone(), a.clone());
        let residual = spatial_mean(forward.best + backward.best); // [batch, 1]
        let still = spatial_mean(forward.still + backward.still);
        let structure = spatial_mean(centred_energy(a) + centred_energy(b));
        columns.push((residual.clone() / (structure + EPSILON)).add_scalar(EPSILON).log());
        columns.push((residual / (still + EPSILON)).add_scalar(EPSILON).log());
    }
    columns.push(histogram_distance(frame0.clone(), frame1.clone()));
    let area = |x: Tensor<B, 4>| {
        let [n, _, h, w] = x.dims();
        spatial_mean(x.slice([0..n, 3..4, 0..h, 0..w]))
    };
    let (area0, area1) = (area(frame0), area(frame1));
    let change = (area0.clone() - area1.clone()).abs() / (area0.max_pair(area1) + EPSILON);
    columns.push(change);
    Tensor::cat(columns, 1)
}

/// Per position of `a`: the smallest and the zero-displacement block difference to
/// `b` (outside `b` counts as transparent black).
struct BlockMatch<B: Backend> {
    /// `[batch, 1, h, w]`
    best: Tensor<B, 4>,
    /// `[batch, 1, h, w]`
    still: Tensor<B, 4>,
}

/// Sums of squared differences between 3 x 3 blocks of `a` and `b` at every
/// displacement of the search window, divided by 9 (zero padding).
/// `[batch, c, h, w]` x 2 -> [`BlockMatch`]
///
/// Computed on the host: the statistics read only the frames, so nothing needs a
/// gradient, and burn's ops would build and pool an 81-channel volume.
fn block_matching<B: Backend>(a: Tensor<B, 4>, b: Tensor<B, 4>) -> BlockMatch<B> {
    let [n, c, h, w] = a.dims();
    let device = a.device();
    let (a, b) = (host_values(a), host_values(b));
    let plane = h * w;
    let window = (2 * RADIUS + 1) * (2 * RADIUS + 1);
    let centre = window / 2;
    let squared = |x: &[f32]| -> Vec<f32> {
        (0..n * plane)
            .map(|i| {
                let (batch, p) = (i / plane, i % plane);
                (0..c).map(|ch| x[(batch * c + ch) * plane + p].powi(2)).sum()
            })
            .collect()
    };
    let (a_squared, b_squared) = (squared(&a), squared(&b));
    // |a - b|^2 = |a|^2 + |b|^2 - 2 a.b at every displacement (`b` zero outside).
    let products = correlation_planes(&a, &b, [n, c, h, w], RADIUS); // [n][window][h * w]
    let b_squared_moved = correlation_planes(&vec![1.0; n * plane], &b_squared, [n, 1, h, w], RADIUS);
    let mut best = vec![f32::INFINITY; n * plane];
    let mut still = vec![0.0f32; n * plane];
    let (mut difference, mut rows, mut blocks) = (vec![0.0f32; plane], vec![0.0f32; plane], vec![0.0f32; plane]);
    for batch in 0..n {
        let a_squared = &a_squared[batch * plane..][..plane];
        for k in 0..window {
            let at = (batch * window + k) * plane;
            let (product, moved) = (&products[at..][..plane], &b_squared_moved[at..][..plane]);
            for (((d, &m), &a2), &p) in difference.iter_mut().zip(moved).zip(a_squared).zip(product) {
                *d = (m + a2 - p * 2.0).max(0.0);
            }
            box_mean_3x3(&difference, &mut rows, &mut blocks, h, w);
            for (m, v) in best[batch * plane..][..plane].iter_mut().zip(&blocks) {
                *m = m.min(*v);
            }
            if k == centre {
                still[batch * plane..][..plane].copy_from_slice(&blocks);
            }
        }
    }
    let tensor = |data: Vec<f32>| Tensor::from_data(TensorData::new(data, [n, 1, h, w]), &device);
    BlockMatch {
        best: tensor(best),
        still: tensor(still),
    }
}

/// The 3 x 3 box mean of `x` (`h` x `w`, zero outside, always divided by 9) into
/// `out`, through the row sums in `rows`.
fn box_mean_3x3(x: &[f32], rows: &mut [f32], out: &mut [f32], h: usize, w: usize) {
    for y in 0..h {
        let row = &x[y * w..][..w];
        for xx in 0..w {
            let left = if xx > 0 { row[xx - 1] } else { 0.0 };
            let right = if xx + 1 < w { row[xx + 1] } else { 0.0 };
            rows[y * w + xx] = left + row[xx] + right;
        }
    }
    for y in 0..h {
        for xx in 0..w {
            let up = if y > 0 { rows[(y - 1) * w + xx] } else { 0.0 };
            let down = if y + 1 < h { rows[(y + 1) * w + xx] } else { 0.0 };
            out[y * w + xx] = (up + rows[y * w + xx] + down) / 9.0;
        }
    }
}

/// Squared distance of every position to the frame's mean colour. `[batch, c, h, w]`
/// -> `[batch, 1, h, w]`
fn centred_energy<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    (x.clone() - x.mean_dim(2).mean_dim(3)).powi_scalar(2).sum_dim(1)
}

/// Mean over the positions. `[batch, 1, h, w]` -> `[batch, 1]`
fn spatial_mean<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 2> {
    let [n, _, _, _] = x.dims();
    x.mean_dim(2).mean_dim(3).reshape([n, 1])
}

/// Half the L1 distance between the frames' alpha-weighted soft colour histograms
/// (tent-shaped bins, [`BINS`] per channel): 0 for the same colours in the same
/// amounts, 1 for no colour in common; 0 where either frame is fully transparent.
/// `[batch, 4, h, w]` x 2 -> `[batch, 1]`
fn histogram_distance<B: Backend>(frame0: Tensor<B, 4>, frame1: Tensor<B, 4>) -> Tensor<B, 2> {
    let h0 = colour_histogram(frame0);
    let h1 = colour_histogram(frame1);
    let mass0 = h0.clone().sum_dim(1); // [batch, 1]
    let mass1 = h1.clone().sum_dim(1);
    let present = (mass0.clone() * mass1.clone()).greater_elem(0.0).float();
    let distance = (h0 / (mass0 + EPSILON) - h1 / (mass1 + EPSILON)).abs().sum_dim(1) * 0.5;
    distance * present
}

/// Alpha-weighted soft colour histogram, as shares of the frame's area, of the frame
/// averaged over 2 x 2 blocks; tent weights per channel (1 at a bin's centre, 0 at
/// its neighbours'). Computed on the host (no gradient is needed), where each pixel
/// adds to at most 8 bins. `[batch, 4, h, w]` -> `[batch, BINS^3]`
fn colour_histogram<B: Backend>(frame: Tensor<B, 4>) -> Tensor<B, 2> {
    let frame = avg_pool2d(frame, [2, 2], [2, 2], [0, 0], true, false);
    let [n, _, h, w] = frame.dims();
    let device = frame.device();
    let data = host_values(frame);
    let plane = h * w;
    let scale = (BINS - 1) as f32;
    let mut histogram = vec![0.0f32; n * BINS * BINS * BINS];
    for batch in 0..n {
        let planes = &data[batch * 4 * plane..][..4 * plane];
        let bins = &mut histogram[batch * BINS * BINS * BINS..][..BINS * BINS * BINS];
        for i in 0..plane {
            let alpha = planes[3 * plane + i];
            // Straight colour, and its (bin, weight) pairs per channel.
            let tents = |channel: usize| {
                let v = planes[channel * plane + i] / alpha.max(1e-3) * scale;
                let low = (v.floor().max(0.0) as usize).min(BINS - 1);
                let weight = |k: usize| (1.0 - (v - k as f32).abs()).max(0.0);
                let high = (low + 1).min(BINS - 1);
                [(low, weight(low)), (high, if high == low { 0.0 } else { weight(high) })]
            };
            let (r, g, b) = (tents(0), tents(1), tents(2));
            for (ri, rw) in r {
                for (gi, gw) in g {
                    for (bi, bw) in b {
                        bins[(ri * BINS + gi) * BINS + bi] += rw * gw * bw * alpha;
                    }
                }
            }
        }
    }
    let pixels = plane.max(1) as f32;
    histogram.iter_mut().for_each(|v| *v /= pixels);
    Tensor::from_data(TensorData::new(histogram, [n, BINS * BINS * BINS]), &device)
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    /// A frame of pseudo-random opaque colours, shifted right by `shift` pixels.
    fn texture(side: usize, shift: usize, seed: u64) -> Tensor<B, 4> {
        let mut data = vec![0.0f32; 4 * side * side];
        for y in 0..side {
            for x in 0..side {
                let source = ((x + side - shift) % side) / 2 + (y / 2) * side;
                for c in 0..3 {
                    data[c * side * side + y * side + x] = noise((source * 3 + c) as u64 ^ (seed << 32));
                }
                data[3 * side * side + y * side + x] = 1.0;
            }
        }
        Tensor::<B, 1>::from_floats(data.as_slice(), &Default::default()).reshape([1, 4, side, side])
    }

    /// A well-mixed hash of `n` (SplitMix64's finaliser) in 0..1: a texture with no
    /// pattern block matching could find.
    fn noise(n: u64) -> f32 {
        let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    }

    fn statistics(a: Tensor<B, 4>, b: Tensor<B, 4>) -> Vec<f32> {
        cut_statistics(a, b).into_data().to_vec().unwrap()
    }

    #[test]
    fn block_matching_finds_a_shift_within_its_window() {
        let (a, b) = (texture(24, 0, 5), texture(24, 3, 5));
        let found = block_matching(a.clone(), b);
        let values = |t: Tensor<B, 4>| -> Vec<f32> { t.into_data().to_vec().unwrap() };
        let (best, still) = (values(found.best), values(found.still));
        // Away from the borders (and the wrap-around seam of the shifted texture) a
        // 3 px shift is matched exactly, and no motion is far worse.
        for y in 2..22 {
            for x in 5..20 {
                let i = y * 24 + x;
                assert!(
                    best[i] < 1e-5 && still[i] > 0.01,
                    "({x}, {y}): {} {}",
                    best[i],
                    still[i]
                );
            }
        }
        // Against itself: no difference anywhere.
        let same = block_matching(a.clone(), a);
        assert!(values(same.still).iter().all(|v| v.abs() < 1e-5));
    }

    #[test]
    fn the_histogram_puts_a_colour_in_its_bins_in_proportion_to_alpha() {
        // Straight colour (1/3, 0.5, 1) at alpha 0.5 over the whole 4 x 4 frame.
        let (w, h) = (4, 4);
        let premultiplied = [1.0 / 3.0, 0.5, 1.0].map(|v| v * 0.5);
        let data: Vec<f32> = premultiplied
            .into_iter()
            .chain([0.5])
            .flat_map(|v| std::iter::repeat_n(v, w * h))
            .collect();
        let frame = Tensor::<B, 1>::from_floats(data.as_slice(), &Default::default()).reshape([1, 4, h, w]);
        let histogram: Vec<f32> = colour_histogram(frame).into_data().to_vec().unwrap();
        let bin = |r: usize, g: usize, b: usize| histogram[(r * BINS + g) * BINS + b];
        // Red on bin 1, green halfway between bins 1 and 2, blue on bin 3.
        assert!(
            (bin(1, 1, 3) - 0.25).abs() < 1e-5 && (bin(1, 2, 3) - 0.25).abs() < 1e-5,
            "{histogram:?}"
        );
        assert!((histogram.iter().sum::<f32>() - 0.5).abs() < 1e-5);
    }

    #[test]
    fn a_pan_is_explained_by_motion_and_a_cut_is_not() {
        let pan = statistics(texture(64, 0, 1), texture(64, 4, 1));
        let cut = statistics(texture(64, 0, 1), texture(64, 0, 2));
        assert_eq!(pan.len(), STATISTICS);
        // The 1/2 level's residual against no motion: a 4 px pan is 2 px there.
        assert!(pan[1] < cut[1] - 1.0, "pan {pan:?} cut {cut:?}");
    }

    #[test]
    fn identical_frames_leave_no_residual_and_the_same_histogram() {
        let s = statistics(texture(32, 0, 3), texture(32, 0, 3));
        assert!(s[..2 * POOLS.len()].iter().all(|v| *v < -8.0), "{s:?}");
        assert!(
            s[2 * POOLS.len()].abs() < 1e-5 && s[2 * POOLS.len() + 1].abs() < 1e-5,
            "{s:?}"
        );
    }

    #[test]
    fn transparent_frames_give_finite_statistics() {
        let empty = Tensor::<B, 4>::zeros([2, 4, 16, 16], &Default::default());
        let s = statistics(empty.clone(), empty);
        assert_eq!(s.len(), 2 * STATISTICS);
        assert!(s.iter().all(|v| v.is_finite()), "{s:?}");
    }
}
