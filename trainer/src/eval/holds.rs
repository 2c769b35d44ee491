//! `spritedx eval holds`: turn hand-timed clips (real timings in `meta.json`) into
//! fluid 60 fps clips — every frame a new picture: sub-pixel wobble, eased dissolves
//! into the next drawing, optionally blur and noise, optionally two clips joined by a
//! cut — and recover the drawings (DESIGN §4): key precision / recall / F1 within 2
//! frames and the hold error of matched keys, for SpriteDX and three baselines.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use image::RgbaImage;
use spritedx_model::degrade::{fluid_clip, FluidClipOptions};
use spritedx_model::holds::{choose_holds, HoldOptions, Signature};
use spritedx_model::metrics::{score_keys, KeyScore};

use super::motion::{score_motion, MotionScore, Restorer};
use crate::clips::{timed_clip, TimedClip};
use crate::dataset::{self, Split};
use crate::{progress, CliError};

/// Arguments of `spritedx eval holds`.
#[derive(Args, Debug)]
pub struct EvalHoldsArgs {
    /// Folder of clip sources: `<source>/<sequence>/frame_XX.png` + `meta.json`.
    #[arg(long)]
    pub data: PathBuf,
    /// Sources (sub-folders of `--data`) with real timings.
    #[arg(long, default_value = "pixel_dungeon,pingus", value_delimiter = ',')]
    pub sources: Vec<String>,
    /// Dataset split (by sequence name); report on `test`, tune on `dev`.
    #[arg(long, value_enum, default_value = "test")]
    pub split: Split,
    /// Use at most this many clips per source (evenly spread); 0 = all.
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
    /// Only clips whose `<source>/<sequence>` name contains one of these (for
    /// looking at a few clips while developing).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Do not restore the kept drawings (leaves out the motion table, which takes
    /// most of the time).
    #[arg(long)]
    pub skip_motion: bool,
    /// Frames per second of the fluid clips.
    #[arg(long, default_value_t = 60.0)]
    pub fps: f32,
    /// Tolerance of a key match, in frames.
    #[arg(long, default_value_t = 2)]
    pub tolerance: usize,
    /// Seed of the fluid clips.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory: results.csv and table.md.
    #[arg(long, default_value = "runs/eval-holds")]
    pub out: PathBuf,
    /// SpriteDX's sensitivity (the default when not given).
    #[arg(long)]
    pub sensitivity: Option<f32>,
    /// Do not add keys at extremes of the motion.
    #[arg(long)]
    pub no_extremes: bool,
    /// Also write every fluid clip's frames here (`<clip>__<variant>/frame_XXX.png`), to
    /// look at them or run `spritedx holds` on them.
    #[arg(long)]
    pub save_clips: Option<PathBuf>,
    /// Print this many of SpriteDX's worst clips with their true and chosen keys
    /// (for development on the dev split).
    #[arg(long, default_value_t = 0)]
    pub show_worst: usize,
}

/// The ways of choosing keys that are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    SpriteDx,
    EveryFrame,
    FixedTwos,
    FrameDifference,
}

impl Method {
    const ALL: [Method; 4] = [
        Method::SpriteDx,
        Method::EveryFrame,
        Method::FixedTwos,
        Method::FrameDifference,
    ];

    fn name(self) -> &'static str {
        match self {
            Method::SpriteDx => "spritedx",
            Method::EveryFrame => "every frame",
            Method::FixedTwos => "fixed twos",
            Method::FrameDifference => "frame difference",
        }
    }
}

/// Versions of each clip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// Wobble and dissolves.
    Fluid,
    /// Wobble, dissolves, blur and noise.
    Degraded,
    /// Fluid, followed by the next clip of the split after a cut.
    Cut,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Fluid, Variant::Degraded, Variant::Cut];

    fn name(self) -> &'static str {
        match self {
            Variant::Fluid => "fluid",
            Variant::Degraded => "fluid + blur/noise",
            Variant::Cut => "two clips with a cut",
        }
    }
}

/// Keys chosen by the frame-difference baseline: a new key wherever a frame differs
/// from the one before by more than 4x the clip's median change (the usual "drop
/// duplicate frames" tool).
fn frame_difference_keys(frames: &[RgbaImage]) -> Vec<usize> {
    let signatures: Vec<Signature> = frames.iter().map(Signature::of).collect();
    let changes: Vec<f32> = signatures.windows(2).map(|w| w[1].distance(&w[0])).collect();
    let mut sorted = changes.clone();
    sorted.sort_by(f32::total_cmp);
    let threshold = 4.0 * sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    std::iter::once(0)
        .chain((1..frames.len()).filter(|&t| changes[t - 1] > threshold))
        .collect()
}

/// One scored (clip, variant, method).
struct Row {
    clip: String,
    variant: Variant,
    method: Method,
    frames: usize,
    score: KeyScore,
    /// For cut cases: whether the cut was reported exactly (SpriteDX only).
    cut_found: Option<bool>,
    /// The chosen and the true keys.
    keys: [Vec<usize>; 2],
}

/// A clip made fluid, with its true keys and cuts.
struct Case {
    frames: Vec<RgbaImage>,
    keys: Vec<usize>,
    cut: Option<usize>,
}

fn fluid(clip: &TimedClip, fps: f32, degrade: bool, seed: u64) -> (Vec<RgbaImage>, Vec<usize>) {
    let options = FluidClipOptions {
        fps,
        degrade,
        seed,
        ..Default::default()
    };
    let made = fluid_clip(&clip.frames, &vec![1; clip.frames.len()], clip.fps, &options);
    (made.frames, made.keys)
}

/// Pads two frame sets to one size (top-left aligned) so they can share a clip.
fn pad_to(frames: Vec<RgbaImage>, size: (u32, u32)) -> Vec<RgbaImage> {
    frames
        .into_iter()
        .map(|f| {
            let mut canvas = RgbaImage::new(size.0, size.1);
            image::imageops::overlay(&mut canvas, &f, 0, 0);
            canvas
        })
        .collect()
}

fn make_case(clip: &TimedClip, next: &TimedClip, variant: Variant, args: &EvalHoldsArgs) -> Case {
    let seed = args.seed ^ dataset::name_hash(Path::new(&clip.name));
    match variant {
        Variant::Fluid | Variant::Degraded => {
            let (frames, keys) = fluid(clip, args.fps, variant == Variant::Degraded, seed);
            Case {
                frames,
                keys,
                cut: None,
            }
        }
        Variant::Cut => {
            let (a, keys_a) = fluid(clip, args.fps, false, seed);
            let (b, keys_b) = fluid(next, args.fps, false, seed ^ 1);
            let size = (a[0].width().max(b[0].width()), a[0].height().max(b[0].height()));
            let cut = a.len();
            let keys = keys_a.into_iter().chain(keys_b.into_iter().map(|k| k + cut)).collect();
            let mut frames = pad_to(a, size);
            frames.extend(pad_to(b, size));
            Case {
                frames,
                keys,
                cut: Some(cut),
            }
        }
    }
}

/// Keys a method chose, with SpriteDX's cuts and kept frames (one per drawing).
struct Chosen {
    keys: Vec<usize>,
    cuts: Option<Vec<usize>>,
    drawings: Option<Vec<usize>>,
}

fn run_method(method: Method, case: &Case, args: &EvalHoldsArgs) -> Chosen {
    let mut options = HoldOptions {
        keep_extremes: !args.no_extremes,
        ..Default::default()
    };
    if let Some(sensitivity) = args.sensitivity {
        options.sensitivity = sensitivity;
    }
    match method {
        Method::SpriteDx => match choose_holds(&case.frames, args.fps, &options) {
            Ok(holds) => Chosen {
                keys: holds.keys,
                cuts: Some(holds.cuts),
                drawings: Some(holds.drawings),
            },
            Err(e) => {
                eprintln!("holds failed: {e}");
                Chosen {
                    keys: vec![0],
                    cuts: Some(Vec::new()),
                    drawings: None,
                }
            }
        },
        Method::EveryFrame => baseline((0..case.frames.len()).collect()),
        Method::FixedTwos => baseline((0..case.frames.len()).step_by(2).collect()),
        Method::FrameDifference => baseline(frame_difference_keys(&case.frames)),
    }
}

fn baseline(keys: Vec<usize>) -> Chosen {
    Chosen {
        keys,
        cuts: None,
        drawings: None,
    }
}

/// Loads the clips of the split with at least two drawings.
fn load_clips(args: &EvalHoldsArgs) -> Result<Vec<TimedClip>, CliError> {
    let mut clips = Vec::new();
    for source in &args.sources {
        let root = args.data.join(source);
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
            .map_err(|e| CliError::Input {
                path: root.clone(),
                message: e.to_string(),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && dataset::in_split(p, args.split))
            .collect();
        dirs.sort();
        let mut found = Vec::new();
        for dir in dirs {
            let name = format!("{source}/{}", dir.file_name().unwrap_or_default().to_string_lossy());
            if !args.only.is_empty() && !args.only.iter().any(|o| name.contains(o.as_str())) {
                continue;
            }
            if let Some(clip) = timed_clip(&dir, name)? {
                let drawings = clip.frames.windows(2).filter(|w| w[0] != w[1]).count() + 1;
                if drawings >= 2 {
                    found.push(clip);
                }
            }
        }
        if args.limit > 0 && found.len() > args.limit {
            // Evenly spread over the source.
            let step = found.len() as f32 / args.limit as f32;
            let chosen: Vec<usize> = (0..args.limit).map(|i| (i as f32 * step) as usize).collect();
            found = found
                .into_iter()
                .enumerate()
                .filter_map(|(i, clip)| chosen.contains(&i).then_some(clip))
                .collect();
        }
        clips.extend(found);
    }
    Ok(clips)
}

/// Writes a case's frames for inspection.
fn save_case(dir: &Path, clip: &TimedClip, variant: Variant, case: &Case) -> Result<(), CliError> {
    let folder = dir.join(format!("{}__{variant:?}", clip.name.replace('/', "__")));
    std::fs::create_dir_all(&folder).map_err(|e| CliError::output(&folder, e))?;
    for (t, frame) in case.frames.iter().enumerate() {
        let path = folder.join(format!("frame_{t:03}.png"));
        frame.save(&path).map_err(|e| CliError::output(&path, e))?;
    }
    Ok(())
}

/// Runs the evaluation and writes `results.csv` and `table.md`.
pub fn run(args: EvalHoldsArgs) -> Result<ExitCode, CliError> {
    let clips = load_clips(&args)?;
    if clips.len() < 2 {
        return Err(CliError::Usage(format!(
            "found {} timed clips with two drawings or more in {}",
            clips.len(),
            args.data.display()
        )));
    }
    let bar = progress::bar((clips.len() * Variant::ALL.len()) as u64, "holds");
    let mut rows = Vec::new();
    let mut motion = Vec::new();
    for (i, clip) in clips.iter().enumerate() {
        let next = &clips[(i + 1) % clips.len()];
        for variant in Variant::ALL {
            let case = make_case(clip, next, variant, &args);
            if let Some(dir) = &args.save_clips {
                save_case(dir, clip, variant, &case)?;
            }
            for method in Method::ALL {
                let Chosen { keys, cuts, drawings } = run_method(method, &case, &args);
                let score = score_keys(&keys, &case.keys, case.frames.len(), args.tolerance);
                let cut_found = case.cut.zip(cuts).map(|(cut, cuts)| cuts.contains(&cut));
                if let (Some(drawings), None, false) = (drawings, case.cut, args.skip_motion) {
                    let kept: Vec<RgbaImage> = drawings.iter().map(|&d| case.frames[d].clone()).collect();
                    let truth = true_drawings(clip, &case.keys, &drawings);
                    for restorer in Restorer::ALL {
                        motion.push((variant, restorer, score_motion(restorer, &kept, &truth)));
                    }
                }
                rows.push(Row {
                    clip: clip.name.clone(),
                    variant,
                    method,
                    frames: case.frames.len(),
                    score,
                    cut_found,
                    keys: [keys, case.keys.clone()],
                });
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    std::fs::create_dir_all(&args.out).map_err(|e| CliError::output(&args.out, e))?;
    let mut csv = String::from("clip,variant,method,frames,matched,predicted,actual,hold_error,cut_found\n");
    for r in &rows {
        let cut = r.cut_found.map_or(String::new(), |c| c.to_string());
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{cut}",
            r.clip,
            r.variant.name(),
            r.method.name(),
            r.frames,
            r.score.matched,
            r.score.predicted,
            r.score.actual,
            r.score.hold_error
        );
    }
    let table = table(&rows, &args, clips.len()) + &motion_table(&motion);
    for (name, text) in [("results.csv", csv), ("table.md", table.clone())] {
        let path = args.out.join(name);
        std::fs::write(&path, text).map_err(|e| CliError::output(&path, e))?;
    }
    print!("{table}");
    let mut ours: Vec<&Row> = rows.iter().filter(|r| r.method == Method::SpriteDx).collect();
    ours.sort_by(|a, b| a.score.f1().total_cmp(&b.score.f1()));
    for r in ours.iter().take(args.show_worst) {
        println!(
            "{} ({}, {} frames) F1 {:.2}\n  chosen {:?}\n  true   {:?}",
            r.clip,
            r.variant.name(),
            r.frames,
            r.score.f1(),
            r.keys[0],
            r.keys[1]
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The drawing shown at each of `frames` of a fluid clip of `clip` whose drawings
/// start at `keys` (repeated source frames are one drawing, as in the fluid clip).
fn true_drawings<'a>(clip: &'a TimedClip, keys: &[usize], frames: &[usize]) -> Vec<&'a RgbaImage> {
    let mut drawings: Vec<&RgbaImage> = clip.frames.iter().collect();
    drawings.dedup_by(|a, b| a == b);
    frames
        .iter()
        .map(|&frame| {
            let index = keys.partition_point(|&k| k <= frame).saturating_sub(1);
            drawings[index.min(drawings.len() - 1)]
        })
        .collect()
}

fn motion_table(motion: &[(Variant, Restorer, MotionScore)]) -> String {
    if motion.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "
Kept drawings restored (the drawings do not move: every move is the fluid clip's sub-pixel wobble)

| clips | restored | frames | exact % | snapped % | spurious moves % | failed |
|---|---|---:|---:|---:|---:|---:|
",
    );
    for variant in [Variant::Fluid, Variant::Degraded] {
        for restorer in Restorer::ALL {
            let mut total = MotionScore::default();
            motion
                .iter()
                .filter(|(v, r, _)| *v == variant && *r == restorer)
                .for_each(|(_, _, s)| total += *s);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {} |",
                variant.name(),
                restorer.name(),
                total.frames,
                total.exact_percent(),
                total.snapped_percent(),
                total.jump_percent(),
                total.failed
            );
        }
    }
    out
}

fn table(rows: &[Row], args: &EvalHoldsArgs, clips: usize) -> String {
    let mut out = format!(
        "{clips} clips ({}), split {:?}, {} fps, keys within {} frames\n\n| clips | method | precision | recall | F1 | hold error (frames) |\n|---|---|---:|---:|---:|---:|\n",
        args.sources.join(", "),
        args.split,
        args.fps,
        args.tolerance
    );
    for variant in Variant::ALL {
        for method in Method::ALL {
            let mut total = KeyScore::default();
            rows.iter()
                .filter(|r| r.variant == variant && r.method == method)
                .for_each(|r| total += r.score);
            let _ = writeln!(
                out,
                "| {} | {} | {:.3} | {:.3} | {:.3} | {:.2} |",
                variant.name(),
                method.name(),
                total.precision(),
                total.recall(),
                total.f1(),
                total.mean_hold_error()
            );
        }
    }
    let cuts: Vec<bool> = rows.iter().filter_map(|r| r.cut_found).collect();
    let found = cuts.iter().filter(|&&c| c).count();
    let _ = writeln!(
        out,
        "\nCuts found exactly by spritedx: {found} of {} ({:.1}%); each cut found starts a hold.",
        cuts.len(),
        100.0 * found as f32 / cuts.len().max(1) as f32
    );
    out
}
