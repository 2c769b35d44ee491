//! In-between frames for an animation's drawings (the `InBetweens` step of a
//! `*.sdx.ron` file): the LayeredInterpolator draws frames between consecutive
//! drawings so playback reaches a target frame rate, and a scene cut is left as a
//! hold.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use spritedx_model::image::RgbaImage;
use spritedx_model::interp::interpolate_with_default_weights;
use spritedx_model::SpriteDxError;

/// Options of the `InBetweens` step.
///
/// ```ron
/// InBetweens((fps: 24.0, max_per_drawing: 1, looping: true))
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InBetweenOptions {
    /// Playback rate to fill up to: a drawing shown for `d` seconds gets
    /// `round(d * fps) - 1` in-betweens towards the next drawing (at most
    /// `max_per_drawing`), and shares its time with them equally.
    pub fps: f32,
    /// Most in-betweens after one drawing (1 by default: holds stay readable).
    #[serde(default = "one")]
    pub max_per_drawing: u32,
    /// Also draw in-betweens from the last drawing back to the first.
    #[serde(default)]
    pub looping: bool,
}

fn one() -> u32 {
    1
}

/// A frame of an animation with in-betweens.
#[derive(Clone, Debug)]
pub struct TimedFrame {
    /// The picture.
    pub image: RgbaImage,
    /// How long it is shown.
    pub duration: Duration,
    /// It was drawn by the interpolator (not one of the source drawings).
    pub in_between: bool,
}

/// Adds in-betweens after every drawing of `drawings` (each shown for the matching
/// `durations`) as `options` asks. Pairs the interpolator judges a scene cut get none.
pub fn add_in_betweens(
    drawings: &[RgbaImage],
    durations: &[Duration],
    options: &InBetweenOptions,
) -> Result<Vec<TimedFrame>, SpriteDxError> {
    if !(options.fps.is_finite() && options.fps > 0.0) {
        return Err(SpriteDxError::InvalidOption(format!(
            "in-between fps must be positive, got {}",
            options.fps
        )));
    }
    let mut out = Vec::with_capacity(drawings.len() * (1 + options.max_per_drawing as usize));
    for (i, (drawing, &duration)) in drawings.iter().zip(durations).enumerate() {
        let next = match drawings.get(i + 1) {
            Some(next) => Some(next),
            None if options.looping && drawings.len() > 1 => Some(&drawings[0]),
            None => None,
        };
        let wanted = ((duration.as_secs_f32() * options.fps).round() as u32).saturating_sub(1);
        let count = wanted.min(options.max_per_drawing) as usize;
        let mut between = Vec::new();
        if let Some(next) = next.filter(|_| count > 0) {
            for k in 1..=count {
                let t = k as f32 / (count + 1) as f32;
                let made = interpolate_with_default_weights(drawing, next, t)?;
                if made.held {
                    between.clear();
                    break;
                }
                between.push(made.image);
            }
        }
        let share = duration / (between.len() as u32 + 1);
        out.push(TimedFrame {
            image: drawing.clone(),
            duration: share,
            in_between: false,
        });
        out.extend(between.into_iter().map(|image| TimedFrame {
            image,
            duration: share,
            in_between: true,
        }));
    }
    Ok(out)
}
