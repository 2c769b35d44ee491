//! Frame holds: which drawings of a fluid clip to keep and how long to hold each,
//! as an animator times a sprite (on twos and threes, long holds on poses, a new
//! drawing only where the picture really changes).
//!
//! [`choose_holds`] reduces every frame to a small [`Signature`], finds cuts (the
//! colour histogram jumps), and splits the clip by dynamic programming over hold
//! lengths: the squared error of each hold's frames around their mean, plus a cost
//! per drawing, plus a cadence-change penalty. The cost per drawing is chosen
//! automatically from the clip's own frame-to-frame noise. Keys are then moved to
//! where the new drawing is fully there (a dissolve belongs to the hold before it),
//! and direction reversals of the sprite (extremes) get a key when the split missed
//! one; holds shorter than an animator would draw (a single frame at 60 fps) are
//! merged into the drawing they lead to. Each hold keeps the frame closest to its
//! mean as its drawing.

mod segment;
mod signature;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use segment::{hold_errors, split_into_holds, SegmentCosts};
pub use signature::Signature;

use crate::error::{Result, SpriteDxError};
use crate::image::RgbaImage;
use crate::temporal::check_clip;

/// How holds are chosen; the defaults are fully automatic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HoldOptions {
    /// Cost of one more drawing in signature units; `None` derives it from the
    /// clip's noise (`sensitivity` x the lower quartile of the frame-to-frame changes).
    pub drawing_cost: Option<f32>,
    /// Multiple of the clip's noise a drawing costs when `drawing_cost` is `None`
    /// (higher: fewer drawings).
    pub sensitivity: f32,
    /// Cost of changing the hold length, as a fraction of the drawing cost.
    pub cadence: f32,
    /// Longest hold in seconds (a longer one is split).
    pub max_hold_seconds: f32,
    /// Shortest hold in seconds but at cuts: a shorter one is the tail of a
    /// dissolve, not a drawing, and is merged into the drawing it leads to. The
    /// default, 1/30 s, merges single frames of a 60 fps clip and nothing at 30 fps
    /// or below.
    pub min_hold_seconds: f32,
    /// Colour-histogram change (L1, 0..2) between two frames that makes a cut.
    pub cut_threshold: f32,
    /// Give direction reversals of the sprite's centroid a key when no key is near.
    pub keep_extremes: bool,
}

impl Default for HoldOptions {
    fn default() -> Self {
        Self {
            drawing_cost: None,
            sensitivity: 8.0,
            cadence: 0.25,
            max_hold_seconds: 2.0,
            min_hold_seconds: 1.0 / 30.0,
            cut_threshold: 0.5,
            keep_extremes: true,
        }
    }
}

/// The chosen timing of a clip, in input frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Holds {
    /// Index of the input frame where each kept drawing starts (the first is 0).
    pub keys: Vec<usize>,
    /// How many input frames each drawing is held (they sum to the clip length).
    pub holds: Vec<usize>,
    /// The input frame kept as each drawing (inside its hold).
    pub drawings: Vec<usize>,
    /// Input frames that start a new shot (always keys).
    pub cuts: Vec<usize>,
    /// The cost per drawing that was used.
    pub drawing_cost: f32,
}

impl Holds {
    /// How long each drawing is shown at `fps` input frames per second.
    pub fn durations(&self, fps: f32) -> Vec<Duration> {
        self.holds
            .iter()
            .map(|&h| Duration::from_secs_f64(h as f64 / fps as f64))
            .collect()
    }
}

/// Share of the cut threshold a colour change needs when the picture jumps at once.
const WEAK_CUT: f32 = 0.5;
/// How many times larger than its neighbours a sudden change is.
const CUT_SPIKE: f32 = 3.0;
/// Frames on each side compared with a sudden change.
const CUT_WINDOW: usize = 6;
/// Noise per signature value assumed for a clip that does not change at all (the
/// floor of the noise level), low enough that a drawing one sprite pixel away from
/// its neighbours still gets a key.
const STILL_NOISE: f32 = 3e-6;
/// Frames a key may move to reach the end of a dissolve.
const DISSOLVE_REACH: usize = 3;
/// Share of the way from one drawing to the next at which the next one counts as there.
const ARRIVED: f32 = 0.85;
/// Largest distance from the line between two drawings, as a share of their
/// squared distance, of a frame that is a blend of them.
const BLEND_RESIDUAL: f32 = 0.1;
/// Share of the swing within which frames before an extreme are the same pose.
const PLATEAU: f32 = 0.3;
/// Frames within which an extreme counts as already keyed.
const EXTREME_TOLERANCE: usize = 2;

/// Chooses keys and holds for a clip of `fps` frames per second.
///
/// Errors: an empty clip, frames of different sizes, or an fps that is not positive.
pub fn choose_holds(frames: &[RgbaImage], fps: f32, options: &HoldOptions) -> Result<Holds> {
    check_clip(frames)?;
    if !(fps.is_finite() && fps > 0.0) {
        return Err(SpriteDxError::InvalidOption(format!("fps must be positive, got {fps}")));
    }
    let signatures = aligned_signatures(frames);
    let min_len = ((options.min_hold_seconds * fps).round() as usize).max(1);
    let mut cuts = find_cuts(&signatures, options.cut_threshold);
    // A shot shorter than the shortest hold is a flash or the middle of a fast
    // dissolve: only its last cut starts something new.
    cuts.dedup_by(|later, earlier| {
        let short = *later - *earlier < min_len;
        if short {
            *earlier = *later;
        }
        short
    });
    let drawing_cost = options
        .drawing_cost
        .unwrap_or_else(|| options.sensitivity * noise_level(&signatures, &cuts));
    let max_len = ((options.max_hold_seconds * fps).round() as usize).clamp(1, frames.len());
    let errors = hold_errors(&signatures, max_len);
    let costs = SegmentCosts {
        per_drawing: drawing_cost,
        cadence_change: options.cadence * drawing_cost,
        max_len,
    };
    let mut keys = split_into_holds(&errors, &cuts, costs);
    // Dissolves are blends of the frames as drawn: aligning moves a blend differently
    // from the two drawings it blends, so these steps look at the frames unaligned.
    let drawn: Vec<Signature> = frames.iter().map(Signature::of).collect();
    merge_dissolves(&mut keys, &drawn, &cuts);
    settle_after_dissolves(&mut keys, &drawn, &cuts);
    if options.keep_extremes {
        add_extremes(&mut keys, &signatures, &cuts);
    }
    merge_short_holds(&mut keys, &cuts, frames.len(), min_len);
    let holds: Vec<usize> = keys
        .iter()
        .zip(keys.iter().skip(1).chain([&frames.len()]))
        .map(|(a, b)| b - a)
        .collect();
    let drawings = keys
        .iter()
        .zip(&holds)
        .map(|(&key, &hold)| closest_to_mean(&signatures[key..key + hold]) + key)
        .collect();
    Ok(Holds {
        keys,
        holds,
        drawings,
        cuts,
        drawing_cost,
    })
}

/// Signatures of the frames, each moved so that its centroid sits on the clip's
/// median centroid: a drift of the whole sprite (the sub-pixel wobble of generated
/// video) then costs nothing, a change of the drawing still does.
fn aligned_signatures(frames: &[RgbaImage]) -> Vec<Signature> {
    let centroids: Vec<Option<[f32; 2]>> = frames.iter().map(signature::centroid).collect();
    let median = |axis: usize| {
        let mut values: Vec<f32> = centroids.iter().flatten().map(|c| c[axis]).collect();
        values.sort_by(f32::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(0.0)
    };
    let reference = [median(0), median(1)];
    frames
        .iter()
        .zip(&centroids)
        .map(|(frame, c)| match c {
            Some(c) => Signature::aligned(frame, [c[0] - reference[0], c[1] - reference[1]]),
            None => Signature::of(frame),
        })
        .collect()
}

/// Frames whose colour histogram differs from the previous frame's by more than
/// `threshold`: a new shot starts there.
/// A smaller colour change (down to `threshold` x [`WEAK_CUT`]) is a cut too when the
/// picture jumps at once: the change is [`CUT_SPIKE`] times every other change within
/// [`CUT_WINDOW`] frames (drawing changes of generated video are eased over frames).
fn find_cuts(signatures: &[Signature], threshold: f32) -> Vec<usize> {
    let n = signatures.len();
    let changes: Vec<f32> = (1..n).map(|t| signatures[t].distance(&signatures[t - 1])).collect();
    (1..n)
        .filter(|&t| {
            let colour = signatures[t].histogram_distance(&signatures[t - 1]);
            if colour > threshold {
                return true;
            }
            let (lo, hi) = (t.saturating_sub(CUT_WINDOW).max(1), (t + CUT_WINDOW).min(n - 1));
            let others = (lo..=hi)
                .filter(|&u| u != t)
                .map(|u| changes[u - 1])
                .fold(0.0, f32::max);
            colour > WEAK_CUT * threshold && changes[t - 1] > CUT_SPIKE * others
        })
        .collect()
}

/// The clip's noise: the lower quartile of the change between consecutive frames of
/// one shot (a fluid clip shows the same drawing in most consecutive frames; the
/// quartile still holds for clips on ones and twos), with a floor for still clips.
fn noise_level(signatures: &[Signature], cuts: &[usize]) -> f32 {
    let mut changes: Vec<f32> = (1..signatures.len())
        .filter(|t| !cuts.contains(t))
        .map(|t| signatures[t].distance(&signatures[t - 1]))
        .collect();
    let floor = STILL_NOISE * signatures.first().map_or(1, |s| s.values.len()) as f32;
    if changes.is_empty() {
        return floor;
    }
    changes.sort_by(f32::total_cmp);
    changes[(changes.len() - 1) / 4].max(floor)
}

/// The mean signature values of some frames.
fn mean(signatures: &[Signature]) -> Vec<f32> {
    let mut sum = vec![0.0f32; signatures[0].values.len()];
    for s in signatures {
        sum.iter_mut().zip(&s.values).for_each(|(a, v)| *a += v);
    }
    sum.iter_mut().for_each(|a| *a /= signatures.len() as f32);
    sum
}

/// Index of the frame closest to the frames' mean.
fn closest_to_mean(signatures: &[Signature]) -> usize {
    let m = mean(signatures);
    let distance = |s: &Signature| s.values.iter().zip(&m).map(|(a, b)| (a - b) * (a - b)).sum::<f32>();
    (0..signatures.len())
        .min_by(|&a, &b| distance(&signatures[a]).total_cmp(&distance(&signatures[b])))
        .unwrap_or(0)
}

/// Removes the keys of short holds that are only a dissolve: every frame of the hold
/// lies on the way from the drawing before to the drawing after (a blend of the two,
/// within [`BLEND_RESIDUAL`] of the line between them).
fn merge_dissolves(keys: &mut Vec<usize>, signatures: &[Signature], cuts: &[usize]) {
    let n = signatures.len();
    let mut i = 1;
    while i + 1 < keys.len() {
        let (previous, key, next) = (keys[i - 1], keys[i], keys[i + 1]);
        let after = keys.get(i + 2).copied().unwrap_or(n);
        let short = next - key <= DISSOLVE_REACH;
        if !short || cuts.contains(&key) || cuts.contains(&next) {
            i += 1;
            continue;
        }
        let (from, to) = (mean(&signatures[previous..key]), mean(&signatures[next..after]));
        let direction: Vec<f32> = to.iter().zip(&from).map(|(b, a)| b - a).collect();
        let length: f32 = direction.iter().map(|d| d * d).sum();
        let is_blend = length > 0.0
            && signatures[key..next].iter().all(|s| {
                let offset: Vec<f32> = s.values.iter().zip(&from).map(|(v, a)| v - a).collect();
                let along = offset.iter().zip(&direction).map(|(o, d)| o * d).sum::<f32>() / length;
                let residual: f32 = offset
                    .iter()
                    .zip(&direction)
                    .map(|(o, d)| (o - along * d) * (o - along * d))
                    .sum();
                (0.0..=1.0).contains(&along) && residual <= BLEND_RESIDUAL * length
            });
        if is_blend {
            keys.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Moves each key (but cuts) forward to the first frame, within [`DISSOLVE_REACH`],
/// that has [`ARRIVED`] at the next drawing: frames of a dissolve belong to the hold
/// before. Keys only move forward: a frame before the key that seems to have arrived
/// is the wobble of a small change, not the new drawing.
fn settle_after_dissolves(keys: &mut [usize], signatures: &[Signature], cuts: &[usize]) {
    let n = signatures.len();
    for i in 1..keys.len() {
        let (previous, key) = (keys[i - 1], keys[i]);
        let next = keys.get(i + 1).copied().unwrap_or(n);
        if cuts.contains(&key) {
            continue;
        }
        let (from, to) = (mean(&signatures[previous..key]), mean(&signatures[key..next]));
        let direction: Vec<f32> = to.iter().zip(&from).map(|(b, a)| b - a).collect();
        let length: f32 = direction.iter().map(|d| d * d).sum();
        if length <= 0.0 {
            continue;
        }
        let progress = |t: usize| {
            let s = &signatures[t].values;
            s.iter()
                .zip(&from)
                .zip(&direction)
                .map(|((v, a), d)| (v - a) * d)
                .sum::<f32>()
                / length
        };
        let highest = (key + DISSOLVE_REACH).min(next - 1);
        if let Some(arrived) = (key..=highest).find(|&t| progress(t) >= ARRIVED) {
            keys[i] = arrived;
        }
    }
}

/// Removes the keys of holds shorter than `min_len` frames (a clip has `n`): the
/// drawing there is the tail of a dissolve, and the key of the drawing it leads to
/// stays. Cuts and the first frame always stay keys; a short hold that starts at one
/// loses the key after it instead.
fn merge_short_holds(keys: &mut Vec<usize>, cuts: &[usize], n: usize, min_len: usize) {
    let fixed = |k: usize| k == 0 || cuts.contains(&k);
    let mut i = 0;
    while i < keys.len() {
        let end = keys.get(i + 1).copied().unwrap_or(n);
        if end - keys[i] >= min_len {
            i += 1;
        } else if !fixed(keys[i]) {
            keys.remove(i);
        } else if i + 1 < keys.len() && !fixed(keys[i + 1]) {
            keys.remove(i + 1);
        } else {
            i += 1;
        }
    }
}

/// Adds a key at each direction reversal of the sprite's centroid (an extreme of
/// the motion) with no key within [`EXTREME_TOLERANCE`] frames. Reversals count only
/// when the sprite travelled at least one pixel to and from them, so wobble does not.
fn add_extremes(keys: &mut Vec<usize>, signatures: &[Signature], cuts: &[usize]) {
    let centroids: Vec<Option<[f32; 2]>> = signatures.iter().map(|s| s.centroid).collect();
    // Generated video wobbles the whole sprite by a pixel or two: count only swings
    // of 5 % of the frame.
    let side = signatures.first().map_or(0.0, |s| s.extent.max(1) as f32);
    for extreme in motion_extremes(&centroids, (0.05 * side).max(1.0)) {
        let near = keys.iter().any(|&k| k.abs_diff(extreme) <= EXTREME_TOLERANCE);
        let across_cut = cuts.iter().any(|&c| c.abs_diff(extreme) <= EXTREME_TOLERANCE);
        if !near && !across_cut {
            keys.push(extreme);
        }
    }
    keys.sort_unstable();
    keys.dedup();
}

/// The first index of the run of `track` values before `end` that stay within
/// `tolerance` of `track[end]`: a held drawing keeps its position for its whole
/// hold, and its extreme is where it arrived, not where the wobble peaked.
fn plateau_start(track: &[(usize, f32)], end: usize, tolerance: f32) -> usize {
    let value = track[end].1;
    let mut start = end;
    while start > 0 && (track[start - 1].1 - value).abs() <= tolerance {
        start -= 1;
    }
    start
}

/// Frames where the centroid track reverses direction on an axis after travelling
/// at least `swing` pixels, and travels `swing` pixels back. Each is the first frame
/// of the pose at the reversal (frames within 0.3 x `swing` of the extreme).
pub fn motion_extremes(centroids: &[Option<[f32; 2]>], swing: f32) -> Vec<usize> {
    let mut extremes = Vec::new();
    for axis in 0..2 {
        let track: Vec<(usize, f32)> = centroids
            .iter()
            .enumerate()
            .filter_map(|(t, c)| c.map(|c| (t, c[axis])))
            .collect();
        // Turning points of the track with hysteresis `swing`.
        let Some(&(_, first)) = track.first() else {
            continue;
        };
        let mut direction = 0.0f32;
        // Index into `track` of the most extreme value since the last reversal.
        let mut candidate = 0;
        for (i, &(_, v)) in track.iter().enumerate().skip(1) {
            if direction == 0.0 {
                if (v - first).abs() >= swing {
                    direction = (v - first).signum();
                    candidate = i;
                }
                continue;
            }
            let extreme = track[candidate].1;
            if (v - extreme) * direction > 0.0 {
                candidate = i;
            } else if (extreme - v) * direction >= swing {
                extremes.push(track[plateau_start(&track, candidate, PLATEAU * swing)].0);
                direction = -direction;
                candidate = i;
            }
        }
    }
    extremes.sort_unstable();
    extremes.dedup();
    extremes
}

#[cfg(test)]
mod tests {
    use ::image::Rgba;

    use super::*;

    /// A bar of `width` pixels on an empty 32x16 frame.
    fn bar(width: u32) -> RgbaImage {
        RgbaImage::from_fn(32, 16, |px, py| {
            if (4..4 + width).contains(&px) && (5..11).contains(&py) {
                Rgba([200, 60, 40, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        })
    }

    #[test]
    fn a_clip_on_threes_gives_holds_of_three() {
        let drawings = [4, 8, 12, 16, 12, 8];
        let frames: Vec<RgbaImage> = drawings.iter().flat_map(|&w| std::iter::repeat_n(bar(w), 3)).collect();
        let holds = choose_holds(&frames, 24.0, &HoldOptions::default()).unwrap();
        assert_eq!(holds.keys, vec![0, 3, 6, 9, 12, 15]);
        assert_eq!(holds.holds, vec![3; 6]);
        assert!(holds.cuts.is_empty());
        assert!(holds
            .drawings
            .iter()
            .zip(&holds.keys)
            .all(|(d, k)| (k..&(k + 3)).contains(&d)));
    }

    #[test]
    fn single_frame_holds_merge_into_the_next_drawing_but_cuts_stay() {
        let mut keys = vec![0, 58, 59, 90, 93, 94];
        merge_short_holds(&mut keys, &[90], 100, 2);
        assert_eq!(keys, vec![0, 59, 90, 94]);
        let mut keys = vec![0, 1, 10, 99];
        merge_short_holds(&mut keys, &[], 100, 2);
        assert_eq!(keys, vec![0, 10]);
        let mut keys = vec![0, 3, 4];
        merge_short_holds(&mut keys, &[], 8, 1);
        assert_eq!(keys, vec![0, 3, 4], "every hold is long enough at one frame");
    }

    #[test]
    fn a_one_frame_flash_is_not_a_shot_of_its_own() {
        let flash = RgbaImage::from_pixel(32, 16, Rgba([40, 90, 230, 255]));
        let mut frames: Vec<RgbaImage> = std::iter::repeat_n(bar(8), 10).collect();
        frames.push(flash);
        frames.extend(std::iter::repeat_n(bar(8), 10));
        let holds = choose_holds(&frames, 60.0, &HoldOptions::default()).unwrap();
        assert_eq!(holds.cuts, vec![11], "the flash's two cuts keep only the later one");
        assert!(holds.holds.iter().all(|&h| h >= 2), "holds {:?}", holds.holds);
    }

    #[test]
    fn bad_clips_are_typed_errors() {
        assert!(matches!(
            choose_holds(&[], 24.0, &HoldOptions::default()),
            Err(SpriteDxError::EmptyClip)
        ));
        let mixed = [bar(4), RgbaImage::new(8, 8)];
        assert!(matches!(
            choose_holds(&mixed, 24.0, &HoldOptions::default()),
            Err(SpriteDxError::FrameSizeMismatch { index: 1, .. })
        ));
        assert!(choose_holds(&[bar(4)], f32::NAN, &HoldOptions::default()).is_err());
    }

    #[test]
    fn reversals_of_real_motion_are_extremes_and_wobble_is_not() {
        let track: Vec<Option<[f32; 2]>> = [0.0, 2.0, 4.0, 6.0, 4.0, 2.0, 2.3, 2.0, 2.3]
            .iter()
            .map(|&x| Some([x, 0.0]))
            .collect();
        assert_eq!(motion_extremes(&track, 1.0), vec![3]);
        // A pose held at the reversal (wobbling a little): its first frame.
        let held: Vec<Option<[f32; 2]>> = [0.0, 0.0, 3.0, 3.1, 3.2, 3.0, 0.0, 0.0]
            .iter()
            .map(|&x| Some([x, 0.0]))
            .collect();
        assert_eq!(motion_extremes(&held, 1.0), vec![2]);
    }
}
