//! `spritedx holds` (DESIGN §3): choose the drawings of a fluid clip and how long to
//! hold each; optionally export the kept frames with a `.sdx.ron` the Bevy plugin
//! plays with those holds, restored with one grid and whole-pixel motion on request.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use image::RgbaImage;
use serde_json::json;
use spritedx_model::holds::{choose_holds, HoldOptions};
use spritedx_model::prelude::{load_image, RestoreOptions};
use spritedx_model::temporal::restore_clip;

use crate::clips::{cut_sheet, frame_files, load_frames};
use crate::restore_cmd::parse_cells;
use crate::CliError;

/// Arguments of `spritedx holds`.
#[derive(Args, Debug)]
pub struct HoldsArgs {
    /// A folder of frames (read in name order) or a sprite sheet (with `--cell`).
    pub input: PathBuf,
    /// Size of one frame of a sprite sheet, WxH pixels (frames row by row).
    #[arg(long, value_parser = parse_cells)]
    pub cell: Option<[u32; 2]>,
    /// Frames per second of the input.
    #[arg(long)]
    pub fps: f32,
    /// Where to write the timing: `keys`, `holds`, `cuts` (and `drawings`, the frame
    /// kept for each hold).
    #[arg(long)]
    pub json: PathBuf,
    /// Also write the kept frames (`frame_00.png`, ...) and `animation.sdx.ron` here.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Restore the exported frames to one pixel per cell: one grid and one palette
    /// for the clip, the sprite moving in whole pixels (sub-pixel drift removed).
    #[arg(long, requires = "export")]
    pub restore: bool,
    /// Multiple of the clip's noise one drawing costs (higher: fewer drawings);
    /// chosen automatically by default.
    #[arg(long)]
    pub sensitivity: Option<f32>,
}

/// Runs `spritedx holds`.
pub fn run(args: HoldsArgs) -> Result<ExitCode, CliError> {
    let frames = match args.cell {
        Some(cell) => {
            let sheet = load_image(&args.input).map_err(|e| CliError::Input {
                path: args.input.clone(),
                message: e.to_string(),
            })?;
            cut_sheet(&sheet, cell)
        }
        None if args.input.is_dir() => load_frames(&frame_files(&args.input)?)?,
        None => {
            return Err(CliError::Usage(format!(
                "{} is not a folder of frames; give --cell WxH for a sprite sheet",
                args.input.display()
            )))
        }
    };
    let mut options = HoldOptions::default();
    if let Some(sensitivity) = args.sensitivity {
        options.sensitivity = sensitivity;
    }
    let holds = choose_holds(&frames, args.fps, &options)?;
    let report = json!({
        "input": args.input,
        "frames": frames.len(),
        "fps": args.fps,
        "keys": holds.keys,
        "holds": holds.holds,
        "cuts": holds.cuts,
        "drawings": holds.drawings,
        "drawing_cost": holds.drawing_cost,
    });
    let text = serde_json::to_string_pretty(&report).map_err(|e| CliError::output(&args.json, e))?;
    std::fs::write(&args.json, text + "\n").map_err(|e| CliError::output(&args.json, e))?;
    if let Some(dir) = &args.export {
        let mut kept: Vec<RgbaImage> = holds.drawings.iter().map(|&d| frames[d].clone()).collect();
        if args.restore {
            let clip = restore_clip(&kept, &RestoreOptions::default()).map_err(|e| CliError::Input {
                path: args.input.clone(),
                message: e.to_string(),
            })?;
            eprintln!(
                "restored: pixel size {:.2}, {}x{} cells, {} colours",
                clip.report.pixel_size[0], clip.report.cells[0], clip.report.cells[1], clip.report.colors
            );
            kept = clip.frames;
        }
        export(dir, &kept, &holds.holds, args.fps)?;
    }
    eprintln!(
        "{} frames -> {} drawings, holds {:?}, {} cuts",
        frames.len(),
        holds.keys.len(),
        holds.holds,
        holds.cuts.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the kept frames and an `animation.sdx.ron` (frames, fps, holds) that the
/// Bevy plugin's `SpriteDxAnimation` loader reads.
fn export(dir: &Path, kept: &[RgbaImage], holds: &[usize], fps: f32) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::output(dir, e))?;
    let mut names = Vec::new();
    for (i, frame) in kept.iter().enumerate() {
        let name = format!("frame_{i:02}.png");
        let path = dir.join(&name);
        frame.save(&path).map_err(|e| CliError::output(&path, e))?;
        names.push(format!("{name:?}"));
    }
    let mut ron = String::new();
    let _ = writeln!(
        ron,
        "// Written by `spritedx holds`: the kept drawings and how many input"
    );
    let _ = writeln!(ron, "// frames (at fps) each is held.");
    let _ = writeln!(ron, "(\n    frames: Files([{}]),", names.join(", "));
    let _ = writeln!(ron, "    fps: {fps:?},");
    let holds: Vec<String> = holds.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(ron, "    holds: Some([{}]),\n)", holds.join(", "));
    let path = dir.join("animation.sdx.ron");
    std::fs::write(&path, ron).map_err(|e| CliError::output(&path, e))
}
