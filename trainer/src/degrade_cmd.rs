//! `spritedx degrade`: seeded synthetic corruption of clean sprites.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use spritedx_model::degrade::{degrade, Preset};
use spritedx_model::prelude::*;

use crate::{dataset, inputs, progress, CliError};

/// Arguments of `spritedx degrade`.
#[derive(Args, Debug)]
pub struct DegradeArgs {
    /// Clean sprites or directories.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output directory; each result is `<stem>__<preset>.png`.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Presets (comma separated): nearest, bicubic, non-integer, bilinear, jpeg,
    /// gamma-dither, soft-alpha, large, clean (unchanged), or all.
    #[arg(long, default_value = "all", value_delimiter = ',')]
    pub preset: Vec<String>,
    /// Seed; the same seed gives the same images.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the ground truth (scale, phase) as JSON lines here.
    #[arg(long)]
    pub truth: Option<PathBuf>,
}

/// Parses preset names ("all" expands to every preset).
pub fn parse_presets(names: &[String]) -> Result<Vec<Preset>, CliError> {
    if names.iter().any(|n| n == "all") {
        return Ok(Preset::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| {
            Preset::from_name(n).ok_or_else(|| {
                let known: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
                CliError::Usage(format!("unknown preset '{n}' (known: {})", known.join(", ")))
            })
        })
        .collect()
}

/// Runs the command.
pub fn run(args: DegradeArgs) -> Result<ExitCode, CliError> {
    let presets = parse_presets(&args.preset)?;
    let (files, _) = inputs::collect(&args.inputs)?;
    std::fs::create_dir_all(&args.output).map_err(|e| CliError::output(&args.output, e))?;
    let mut truth = match &args.truth {
        Some(p) => Some(std::fs::File::create(p).map_err(|e| CliError::output(p, e))?),
        None => None,
    };
    let bar = progress::bar((files.len() * presets.len()) as u64, "degrade");
    let mut failed = 0;
    for file in &files {
        let clean = match load_image(file) {
            Ok(i) => i,
            Err(e) => {
                bar.suspend(|| eprintln!("{}: {e}", file.display()));
                failed += 1;
                bar.inc(presets.len() as u64);
                continue;
            }
        };
        for &preset in &presets {
            let d = degrade(&clean, preset, args.seed ^ dataset::name_hash(file));
            let out = args.output.join(dataset::degraded_file_name(file, preset));
            d.image.save(&out).map_err(|e| CliError::output(&out, e))?;
            if let Some(t) = truth.as_mut() {
                let line =
                    json!({"input": file, "output": out, "preset": preset.name(), "scale": d.scale, "phase": d.phase});
                writeln!(t, "{line}").map_err(|e| CliError::output(&out, e))?;
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
