//! Whole-pixel motion of the kept drawings (part of `spritedx eval holds`).
//!
//! The fluid clips' drawings never move: every change of position in them is the
//! video model's sub-pixel wobble. Restored, each kept drawing should therefore sit
//! on the same whole pixel as the others and equal its true drawing. This scores
//! two ways of restoring the kept frames: the clip restorer (one grid, one palette,
//! cells that follow the drift) and frames restored one by one, placed by where
//! each one's own grid starts (what stitching single restorations together gives).

use image::RgbaImage;
use spritedx_model::metrics::accuracy;
use spritedx_model::prelude::{restore, RestoreOptions};
use spritedx_model::temporal::restore_clip;

/// How the kept frames are restored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restorer {
    /// [`restore_clip`]: one grid and palette, whole-pixel motion.
    Clip,
    /// [`restore`] on each frame.
    FrameByFrame,
}

impl Restorer {
    /// Both, in table order.
    pub const ALL: [Self; 2] = [Self::Clip, Self::FrameByFrame];

    /// Name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Clip => "clip (one grid, whole-pixel motion)",
            Self::FrameByFrame => "frame by frame",
        }
    }
}

/// Motion scores summed over clips.
#[derive(Clone, Copy, Debug, Default)]
pub struct MotionScore {
    /// Kept frames scored.
    pub frames: usize,
    /// Kept frames whose restoration failed (counted as wrong everywhere).
    pub failed: usize,
    /// Sum of exact pixel accuracy against the true drawing.
    pub exact: f32,
    /// Sum of accuracy after snapping to the true drawing's palette.
    pub snapped: f32,
    /// Consecutive kept frames compared.
    pub pairs: usize,
    /// Pairs whose drawings sit on different whole pixels (a spurious move).
    pub jumps: usize,
}

impl std::ops::AddAssign for MotionScore {
    fn add_assign(&mut self, o: Self) {
        self.frames += o.frames;
        self.failed += o.failed;
        self.exact += o.exact;
        self.snapped += o.snapped;
        self.pairs += o.pairs;
        self.jumps += o.jumps;
    }
}

impl MotionScore {
    /// Mean exact accuracy, in percent.
    pub fn exact_percent(&self) -> f32 {
        100.0 * self.exact / self.frames.max(1) as f32
    }

    /// Mean snapped accuracy, in percent.
    pub fn snapped_percent(&self) -> f32 {
        100.0 * self.snapped / self.frames.max(1) as f32
    }

    /// Share of consecutive kept frames with a spurious move, in percent.
    pub fn jump_percent(&self) -> f32 {
        100.0 * self.jumps as f32 / self.pairs.max(1) as f32
    }
}

/// Restores `kept` (frames of one clip, in order) with `restorer` and compares each
/// with its true drawing `truth[k]`.
pub fn score_motion(restorer: Restorer, kept: &[RgbaImage], truth: &[&RgbaImage]) -> MotionScore {
    // Per kept frame: (restored, where its first cell sits in whole sprite pixels).
    let restored: Vec<Option<(RgbaImage, [i32; 2])>> = match restorer {
        Restorer::Clip => match restore_clip(kept, &RestoreOptions::default()) {
            Ok(clip) => clip.frames.into_iter().map(|f| Some((f, [0, 0]))).collect(),
            Err(_) => vec![None; kept.len()],
        },
        Restorer::FrameByFrame => kept
            .iter()
            .map(|frame| {
                restore(frame, &RestoreOptions::default()).ok().map(|r| {
                    let origin = std::array::from_fn(|a| (r.grid.offset[a] / r.grid.pixel_size[a]).round() as i32);
                    (r.image, origin)
                })
            })
            .collect(),
    };
    let mut score = MotionScore::default();
    let mut previous: Option<[i32; 2]> = None;
    for (result, original) in restored.iter().zip(truth) {
        score.frames += 1;
        let Some((image, origin)) = result else {
            score.failed += 1;
            previous = None;
            continue;
        };
        let acc = accuracy(image, original);
        score.exact += acc.exact;
        score.snapped += acc.snapped;
        // The drawing's position on the canvas: the frame's origin plus where the
        // true drawing lies in the frame (the shift, output minus original).
        let position = [origin[0] + acc.shift[0], origin[1] + acc.shift[1]];
        if let Some(p) = previous {
            score.pairs += 1;
            score.jumps += usize::from(p != position);
        }
        previous = Some(position);
    }
    score
}
