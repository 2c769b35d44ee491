//! Fluid clips from hand-timed animations: what a video model makes of a sprite
//! animation. Every output frame is a new picture: each drawing wobbles by a
//! fraction of a pixel, and the end of each hold dissolves (eased) into the next
//! drawing; optionally blur and noise. The true keys and holds come back with it.

use ::image::RgbaImage;
use rand::{rngs::SmallRng, Rng, SeedableRng};

use super::filters::{add_noise, gaussian_blur};
use super::resample::{premultiplied, resample, unpremultiply, Kernel};

/// How the fluid clip is made.
#[derive(Clone, Debug, PartialEq)]
pub struct FluidClipOptions {
    /// Frames per second of the fluid clip.
    pub fps: f32,
    /// Screen pixels per sprite pixel.
    pub scale: f32,
    /// Largest wobble, in sprite pixels (a slow sub-pixel drift).
    pub wobble: f32,
    /// Longest dissolve into the next drawing, in output frames (at most a third
    /// of the hold).
    pub dissolve: u32,
    /// Blur and noise on every frame.
    pub degrade: bool,
    /// Seed of the wobble phases, dissolve lengths and noise.
    pub seed: u64,
}

impl Default for FluidClipOptions {
    fn default() -> Self {
        Self {
            fps: 60.0,
            scale: 4.0,
            wobble: 0.3,
            dissolve: 4,
            degrade: false,
            seed: 0,
        }
    }
}

/// A fluid clip and its true timing (in output frames).
#[derive(Clone, Debug)]
pub struct FluidClip {
    /// The frames.
    pub frames: Vec<RgbaImage>,
    /// Frame where each drawing is fully shown for the first time.
    pub keys: Vec<usize>,
    /// Frames each drawing is held (a dissolve counts to the drawing it leaves).
    pub holds: Vec<usize>,
}

/// Makes a fluid clip of `drawings` held `holds[i]` frames each at `source_fps`.
/// Consecutive identical drawings are one drawing. All drawings have one size.
pub fn fluid_clip(drawings: &[RgbaImage], holds: &[u32], source_fps: f32, options: &FluidClipOptions) -> FluidClip {
    // Merge repeated drawings into longer holds.
    let mut merged: Vec<(&RgbaImage, u32)> = Vec::new();
    for (drawing, &hold) in drawings.iter().zip(holds) {
        match merged.last_mut() {
            Some((last, h)) if *last == drawing => *h += hold,
            _ => merged.push((drawing, hold)),
        }
    }
    let mut rng = SmallRng::seed_from_u64(options.seed);
    let ratio = options.fps / source_fps;
    let mut starts = Vec::with_capacity(merged.len() + 1);
    let mut elapsed = 0u32;
    for (_, hold) in &merged {
        starts.push((elapsed as f32 * ratio).round() as usize);
        elapsed += hold;
    }
    let total = (elapsed as f32 * ratio).round() as usize;
    starts.push(total);
    // The bilinear reconstruction of a sprite reaches half a sprite pixel past its
    // edges; the canvas holds that fringe at every wobble phase, so a sprite whose
    // drawing touches its frame's edge is never cut by a moving canvas border.
    let pad = (options.wobble * options.scale + 0.5 * options.scale).ceil() + 1.0;
    let (w, h) = merged.first().map_or((0, 0), |(d, _)| d.dimensions());
    let size = (
        (w as f32 * options.scale + 2.0 * pad).ceil() as u32,
        (h as f32 * options.scale + 2.0 * pad).ceil() as u32,
    );
    let [px, py] = [rng.random_range(0.0..6.3f32), rng.random_range(0.0..6.3f32)];
    let [periods_x, periods_y] = [rng.random_range(40.0..90.0f32), rng.random_range(50.0..110.0f32)];
    let dissolves: Vec<u32> = (0..merged.len())
        .map(|_| rng.random_range(1..=options.dissolve.max(1)))
        .collect();
    // Each drawing with a transparent sprite pixel around it, so that the fringe
    // past its edge is drawn, not cut where the resampled image ends.
    let framed: Vec<RgbaImage> = merged.iter().map(|m| bordered(m.0)).collect();
    let mut frames = Vec::with_capacity(total);
    for t in 0..total {
        let i = starts.partition_point(|&s| s <= t) - 1;
        let (start, end) = (starts[i], starts[i + 1]);
        let wobble = [
            options.wobble * (std::f32::consts::TAU * t as f32 / periods_x + px).sin(),
            options.wobble * (std::f32::consts::TAU * t as f32 / periods_y + py).cos(),
        ];
        // Every frame on one canvas (the resampled size changes with the phase).
        let render = |framed: &RgbaImage| {
            let phase = wobble.map(|w| pad + w * options.scale - options.scale);
            let drawn = resample(framed, options.scale, phase, Kernel::Bilinear);
            let mut canvas = RgbaImage::new(size.0, size.1);
            ::image::imageops::replace(&mut canvas, &drawn, 0, 0);
            premultiplied(&canvas)
        };
        let mut pixels = render(&framed[i]);
        // The last frames of a hold dissolve into the next drawing (eased).
        let dissolve = (dissolves[i] as usize).min((end - start) / 3);
        if i + 1 < merged.len() && dissolve > 0 && t + dissolve >= end {
            let step = (t + dissolve + 1 - end) as f32 / (dissolve + 1) as f32;
            let weight = step * step * (3.0 - 2.0 * step);
            let next = render(&framed[i + 1]);
            for (p, q) in pixels.iter_mut().zip(&next) {
                for c in 0..4 {
                    p[c] += (q[c] - p[c]) * weight;
                }
            }
        }
        let mut frame = RgbaImage::new(size.0, size.1);
        for (pixel, p) in frame.pixels_mut().zip(&pixels) {
            *pixel = unpremultiply(*p);
        }
        if options.degrade {
            frame = gaussian_blur(&frame, 0.4 * options.scale);
            add_noise(&mut frame, 4.0, &mut rng);
        }
        frames.push(frame);
    }
    FluidClip {
        frames,
        keys: starts[..merged.len()].to_vec(),
        holds: starts.windows(2).map(|w| w[1] - w[0]).collect(),
    }
}

/// `drawing` with one transparent pixel added on every side.
fn bordered(drawing: &RgbaImage) -> RgbaImage {
    let mut out = RgbaImage::new(drawing.width() + 2, drawing.height() + 2);
    ::image::imageops::replace(&mut out, drawing, 1, 1);
    out
}

#[cfg(test)]
mod tests {
    use ::image::Rgba;

    use super::*;

    #[test]
    fn a_sprite_touching_its_frame_edges_wobbles_without_jumps() {
        // Opaque to every edge: a canvas border that cut the resampled fringe would
        // make its centroid jump whenever the phase crosses a whole pixel.
        let block = RgbaImage::from_pixel(6, 5, Rgba([200, 80, 40, 255]));
        let clip = fluid_clip(&[block], &[1], 1.0, &FluidClipOptions::default());
        let centroid = |frame: &RgbaImage| {
            let c = crate::holds::Signature::of(frame).centroid.expect("a visible sprite");
            c.map(f64::from)
        };
        let track: Vec<[f64; 2]> = clip.frames.iter().map(centroid).collect();
        // The fastest wobble (0.3 sprite px, period 40 frames, 4x) moves 0.19 px a frame.
        let largest_step = track
            .windows(2)
            .flat_map(|w| [(w[1][0] - w[0][0]).abs(), (w[1][1] - w[0][1]).abs()])
            .fold(0.0, f64::max);
        assert!(largest_step < 0.2, "a jump of {largest_step} px");
    }

    #[test]
    fn timing_follows_the_source_and_frames_keep_one_size() {
        let a = RgbaImage::from_pixel(6, 5, Rgba([255, 0, 0, 255]));
        let b = RgbaImage::from_pixel(6, 5, Rgba([0, 0, 255, 255]));
        // a a b a at 15 fps -> drawings a (2), b (1), a (1) -> 60 fps keys 0, 8, 12.
        let clip = fluid_clip(
            &[a.clone(), a.clone(), b, a],
            &[1, 1, 1, 1],
            15.0,
            &FluidClipOptions::default(),
        );
        assert_eq!(clip.keys, vec![0, 8, 12]);
        assert_eq!(clip.holds, vec![8, 4, 4]);
        assert_eq!(clip.frames.len(), 16);
        assert!(clip
            .frames
            .iter()
            .all(|f| f.dimensions() == clip.frames[0].dimensions()));
        // The frame at a key shows the new drawing fully (blue), the one before is mixed.
        let centre = |t: usize| *clip.frames[t].get_pixel(12, 10);
        assert_eq!(centre(8)[0], 0);
        assert!(centre(7)[2] > 0 && centre(7)[0] > 0);
    }
}
