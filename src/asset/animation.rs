//! [`SpriteDxAnimation`]: a sprite animation described by a `*.sdx.ron` file, restored
//! with one grid for the whole clip and packed into a texture atlas.
//!
//! ```ron
//! (
//!     frames: Sheet(path: "walk_ai.png", cell: (128, 128), count: Some(6)),
//!     fps: 12.0,
//!     holds: Some([2, 1, 1, 2, 1, 1]),
//!     steps: [Restore((max_colors: Some(16)))],
//! )
//! ```

use std::time::Duration;

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext};
use bevy::image::TextureAtlasLayout;
use bevy::prelude::*;
use serde::{Deserialize, Serialize};
use spritedx_model::holds::{choose_holds, HoldOptions};
use spritedx_model::image::RgbaImage;
use spritedx_model::prelude::*;
use spritedx_model::temporal::restore_clip;

use super::convert::rgba_to_image;
use super::dependency::read_relative;
use super::image_loader::SpriteDxLoaderSettings;
use super::report::SpriteDxReport;
use crate::animation::{add_in_betweens, InBetweenOptions};
use crate::error::SpriteDxLoadError;

/// Where the frames of an animation come from (paths relative to the `.sdx.ron` file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FrameSource {
    /// One image per frame, in this order.
    Files(Vec<String>),
    /// A folder of numbered frames `frame_00.png`, `frame_01.png`, ... (numbering
    /// may start at 0 or 1 and ends at the first missing number). Loaders cannot list
    /// folders on every asset source, so the names follow this convention.
    Folder(String),
    /// A sprite sheet cut into cells of `cell` input pixels, row by row; `count`
    /// frames (all cells when `None`).
    Sheet {
        /// The sheet image.
        path: String,
        /// Size of one frame in the sheet, in sheet pixels.
        cell: (u32, u32),
        /// Number of frames (all cells when `None`).
        #[serde(default)]
        count: Option<u32>,
    },
}

/// A processing step applied to the frames while loading, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProcessingStep {
    /// Restore the frames with one grid and one palette for the clip, the sprite
    /// moving in whole pixels (`spritedx_model::temporal::restore_clip`).
    Restore(SpriteDxLoaderSettings),
    /// Keep only the drawings of a fluid clip (generated video) and hold each for as
    /// many frames as the clip shows it (`Holds(())` for automatic choices); the
    /// animation's `holds` must then be left out.
    Holds(HoldOptions),
    /// Draw in-between frames between consecutive drawings with the shipped
    /// LayeredInterpolator, up to a target frame rate (after `Holds`, or with `holds`
    /// given); a scene cut is left as a hold.
    InBetweens(InBetweenOptions),
}

/// The contents of a `*.sdx.ron` file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnimationDescription {
    /// The frames.
    pub frames: FrameSource,
    /// Frames per second of the source frames.
    pub fps: f32,
    /// How many source frames each frame is shown for (1 each when `None`).
    #[serde(default)]
    pub holds: Option<Vec<u32>>,
    /// Processing steps, in order.
    #[serde(default)]
    pub steps: Vec<ProcessingStep>,
}

/// One frame of a [`SpriteDxAnimation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Reflect)]
pub struct AnimationFrame {
    /// Index of the frame in the atlas layout.
    pub index: usize,
    /// How long the frame is shown.
    pub duration: Duration,
    /// The frame was drawn by the interpolator (an `InBetweens` step).
    pub in_between: bool,
}

/// A loaded animation: the frames packed into one atlas image, and their durations.
#[derive(Asset, TypePath, Clone, Debug)]
pub struct SpriteDxAnimation {
    /// The atlas image (label `atlas`), nearest sampling.
    #[dependency]
    pub atlas: Handle<Image>,
    /// The atlas layout (label `layout`), one rectangle per frame.
    #[dependency]
    pub layout: Handle<TextureAtlasLayout>,
    /// The frames in playback order.
    pub frames: Vec<AnimationFrame>,
    /// What restoration found, when the animation was restored (label `report`).
    pub report: Option<SpriteDxReport>,
}

impl SpriteDxAnimation {
    /// Total duration of one pass through the frames.
    pub fn duration(&self) -> Duration {
        self.frames.iter().map(|f| f.duration).sum()
    }
}

/// Loads `*.sdx.ron` animation files into [`SpriteDxAnimation`]s.
#[derive(TypePath, Clone, Debug, Default)]
pub struct SpriteDxAnimationLoader {
    /// The plugin-wide options restore steps start from.
    pub defaults: RestoreOptions,
}

impl AssetLoader for SpriteDxAnimationLoader {
    type Asset = SpriteDxAnimation;
    type Settings = ();
    type Error = SpriteDxLoadError;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        context: &mut LoadContext<'_>,
    ) -> Result<SpriteDxAnimation, SpriteDxLoadError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await?;
        let description: AnimationDescription = ron::de::from_bytes(&bytes)?;
        let built = build_animation(&description, &self.defaults, context).await?;
        let atlas = context.add_labeled_asset("atlas".to_string(), rgba_to_image(&built.atlas));
        let layout = context.add_labeled_asset("layout".to_string(), built.layout);
        if let Some(report) = &built.report {
            context.add_labeled_asset("report".to_string(), report.clone());
        }
        Ok(SpriteDxAnimation {
            atlas,
            layout,
            frames: built.frames,
            report: built.report,
        })
    }

    fn extensions(&self) -> &[&str] {
        &["sdx.ron"]
    }
}

/// An animation before its images become assets.
pub struct BuiltAnimation {
    /// All frames packed in a grid, row by row.
    pub atlas: RgbaImage,
    /// One rectangle per frame.
    pub layout: TextureAtlasLayout,
    /// Playback order and durations.
    pub frames: Vec<AnimationFrame>,
    /// The report of the first frame's restoration, with the shared grid.
    pub report: Option<SpriteDxReport>,
}

/// Reads, restores and packs the frames of `description`.
pub async fn build_animation(
    description: &AnimationDescription,
    defaults: &RestoreOptions,
    context: &mut LoadContext<'_>,
) -> Result<BuiltAnimation, SpriteDxLoadError> {
    if !(description.fps.is_finite() && description.fps > 0.0) {
        return Err(SpriteDxLoadError::InvalidAnimation(format!(
            "fps must be positive, got {}",
            description.fps
        )));
    }
    let mut frames = read_frames(&description.frames, defaults.limits, context).await?;
    let mut report = None;
    let mut chosen_holds = None;
    // Per-frame durations once an InBetweens step has set them (and which frames it drew).
    let mut timing: Option<Vec<(Duration, bool)>> = None;
    for step in &description.steps {
        match step {
            ProcessingStep::Restore(settings) => {
                let palette = settings.load_palette(context).await?;
                let options = settings.options(defaults, palette);
                // One grid and palette for the clip, whole-pixel motion.
                let restored = restore_clip(&frames, &options)?;
                let source_size = UVec2::new(frames[0].width(), frames[0].height());
                report = Some(SpriteDxReport {
                    report: restored.report,
                    palette: restored.palette.colors,
                    source_size,
                });
                frames = restored.frames;
            }
            ProcessingStep::Holds(options) => {
                if description.holds.is_some() || chosen_holds.is_some() || timing.is_some() {
                    return Err(SpriteDxLoadError::InvalidAnimation(
                        "holds are both given and chosen by a Holds step (or chosen after in-betweens): keep one"
                            .into(),
                    ));
                }
                let holds = choose_holds(&frames, description.fps, options)?;
                frames = holds.drawings.iter().map(|&d| frames[d].clone()).collect();
                chosen_holds = Some(holds.holds.iter().map(|&h| h as u32).collect::<Vec<u32>>());
            }
            ProcessingStep::InBetweens(options) => {
                let durations: Vec<Duration> = match &timing {
                    Some(timing) => timing.iter().map(|&(d, _)| d).collect(),
                    None => frame_durations(description, chosen_holds.as_ref(), frames.len())?,
                };
                let timed = add_in_betweens(&frames, &durations, options)?;
                timing = Some(timed.iter().map(|f| (f.duration, f.in_between)).collect());
                frames = timed.into_iter().map(|f| f.image).collect();
            }
        }
    }
    let timing = match timing {
        Some(timing) => timing,
        None => frame_durations(description, chosen_holds.as_ref(), frames.len())?
            .into_iter()
            .map(|d| (d, false))
            .collect(),
    };
    let (atlas, layout) = pack(&frames);
    let frames = timing
        .into_iter()
        .enumerate()
        .map(|(index, (duration, in_between))| AnimationFrame {
            index,
            duration,
            in_between,
        })
        .collect();
    Ok(BuiltAnimation {
        atlas,
        layout,
        frames,
        report,
    })
}

/// Durations of `count` frames from the holds (chosen by a step, else given, else 1
/// each) at the animation's frame rate.
fn frame_durations(
    description: &AnimationDescription,
    chosen_holds: Option<&Vec<u32>>,
    count: usize,
) -> Result<Vec<Duration>, SpriteDxLoadError> {
    let holds = match chosen_holds.or(description.holds.as_ref()) {
        Some(holds) if holds.len() != count => {
            return Err(SpriteDxLoadError::InvalidAnimation(format!(
                "{} holds for {} frames",
                holds.len(),
                count
            )))
        }
        Some(holds) if holds.contains(&0) => {
            return Err(SpriteDxLoadError::InvalidAnimation("a hold of 0 frames".into()))
        }
        Some(holds) => holds.clone(),
        None => vec![1; count],
    };
    let frame_time = 1.0 / description.fps as f64;
    Ok(holds
        .iter()
        .map(|&hold| Duration::from_secs_f64(frame_time * hold as f64))
        .collect())
}

/// Reads and decodes one image the animation refers to.
async fn read_image(
    context: &mut LoadContext<'_>,
    written: &str,
    limits: ImageLimits,
) -> Result<RgbaImage, SpriteDxLoadError> {
    let (bytes, _) = read_relative(context, written).await?;
    Ok(load_image_from_memory(&bytes, limits)?)
}

/// The source frames, in order.
async fn read_frames(
    source: &FrameSource,
    limits: ImageLimits,
    context: &mut LoadContext<'_>,
) -> Result<Vec<RgbaImage>, SpriteDxLoadError> {
    let frames = match source {
        FrameSource::Files(files) => {
            let mut frames = Vec::with_capacity(files.len());
            for file in files {
                frames.push(read_image(context, file, limits).await?);
            }
            frames
        }
        FrameSource::Folder(folder) => {
            let folder = folder.trim_end_matches('/');
            let mut frames = Vec::new();
            for number in 0.. {
                let written = format!("{folder}/frame_{number:02}.png");
                match read_image(context, &written, limits).await {
                    Ok(frame) => frames.push(frame),
                    Err(SpriteDxLoadError::Dependency { .. }) if number == 0 => continue,
                    Err(SpriteDxLoadError::Dependency { .. }) => break,
                    Err(e) => return Err(e),
                }
            }
            frames
        }
        FrameSource::Sheet { path, cell, count } => {
            let sheet = read_image(context, path, limits).await?;
            cut_sheet(&sheet, *cell, *count)?
        }
    };
    if frames.is_empty() {
        return Err(SpriteDxLoadError::InvalidAnimation("no frames".into()));
    }
    Ok(frames)
}

/// Cuts a sheet into cells of `cell` pixels, row by row.
fn cut_sheet(sheet: &RgbaImage, cell: (u32, u32), count: Option<u32>) -> Result<Vec<RgbaImage>, SpriteDxLoadError> {
    let (cw, ch) = cell;
    if cw == 0 || ch == 0 || cw > sheet.width() || ch > sheet.height() {
        return Err(SpriteDxLoadError::InvalidAnimation(format!(
            "cell {cw}x{ch} does not fit the {}x{} sheet",
            sheet.width(),
            sheet.height()
        )));
    }
    let (columns, rows) = (sheet.width() / cw, sheet.height() / ch);
    let available = columns * rows;
    let count = count.unwrap_or(available);
    if count > available {
        return Err(SpriteDxLoadError::InvalidAnimation(format!(
            "{count} frames asked, the sheet has {available} cells of {cw}x{ch}"
        )));
    }
    Ok((0..count)
        .map(|i| image::imageops::crop_imm(sheet, (i % columns) * cw, (i / columns) * ch, cw, ch).to_image())
        .collect())
}

/// Packs the frames (of one size) into a grid of equal cells and the matching layout.
fn pack(frames: &[RgbaImage]) -> (RgbaImage, TextureAtlasLayout) {
    let cell = frames
        .iter()
        .map(|f| UVec2::new(f.width(), f.height()))
        .fold(UVec2::ONE, UVec2::max);
    let columns = (frames.len() as f32).sqrt().ceil() as u32;
    let rows = (frames.len() as u32).div_ceil(columns);
    let mut atlas = RgbaImage::new(cell.x * columns, cell.y * rows);
    let mut layout = TextureAtlasLayout::new_empty(UVec2::new(atlas.width(), atlas.height()));
    for (i, frame) in frames.iter().enumerate() {
        let corner = UVec2::new(i as u32 % columns, i as u32 / columns) * cell;
        image::imageops::replace(&mut atlas, frame, corner.x as i64, corner.y as i64);
        layout.add_texture(URect::from_corners(corner, corner + cell));
    }
    (atlas, layout)
}
