//! `spritedx interpolate` (DESIGN §3): the frame between two frames, for one pair or
//! a list of pairs. A scene cut gives a hold, never a blend.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use spritedx_model::interp::inference::CpuBackend;
use spritedx_model::interp::{interpolate, LayeredInterpolator};
use spritedx_model::prelude::load_image;
use spritedx_model::weights::{default_interpolator, load_interpolator};

use crate::{progress, CliError};

/// Arguments of `spritedx interpolate`.
#[derive(Args, Debug)]
pub struct InterpolateArgs {
    /// First frame (with the second frame; not with --pairs).
    #[arg(required_unless_present = "pairs", conflicts_with = "pairs")]
    pub a: Option<PathBuf>,
    /// Second frame.
    #[arg(required_unless_present = "pairs")]
    pub b: Option<PathBuf>,
    /// Output file (one pair) or directory (--pairs).
    #[arg(short, long)]
    pub output: PathBuf,
    /// A list of pairs, one "a.png b.png name" per line (paths relative to the list's
    /// folder); each result is `<OUT>/<name>.png`.
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    /// Time of the in-between frame (0 = first frame, 1 = second).
    #[arg(long, default_value_t = 0.5)]
    pub t: f32,
    /// Interpolator weights (written by `spritedx train interp`); the shipped ones by default.
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// One pair to interpolate.
struct Pair {
    a: PathBuf,
    b: PathBuf,
    output: PathBuf,
}

/// Runs `spritedx interpolate`.
pub fn run(args: InterpolateArgs) -> Result<ExitCode, CliError> {
    let device = Default::default();
    let model: LayeredInterpolator<CpuBackend> = match &args.model {
        Some(path) => load_interpolator(path, &device)?,
        None => default_interpolator(&device)?,
    };
    let pairs = match (&args.pairs, &args.a, &args.b) {
        (Some(list), _, _) => read_pairs(list, &args.output)?,
        (None, Some(a), Some(b)) => vec![Pair {
            a: a.clone(),
            b: b.clone(),
            output: args.output.clone(),
        }],
        _ => return Err(CliError::Usage("give two frames, or --pairs LIST".into())),
    };
    let bar = progress::bar(pairs.len() as u64, "interpolate");
    let mut failed = 0;
    for pair in &pairs {
        match interpolate_pair(&model, pair, args.t) {
            // println on a hidden bar (no terminal) would drop the line: suspend instead.
            Ok(line) => bar.suspend(|| println!("{line}")),
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("error: {e}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if failed > 0 {
        eprintln!("{failed} of {} pairs failed", pairs.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn interpolate_pair(model: &LayeredInterpolator<CpuBackend>, pair: &Pair, t: f32) -> Result<String, CliError> {
    let load = |p: &Path| {
        load_image(p).map_err(|e| CliError::Input {
            path: p.to_path_buf(),
            message: e.to_string(),
        })
    };
    let (a, b) = (load(&pair.a)?, load(&pair.b)?);
    let result = interpolate(model, &a, &b, t).map_err(|e| CliError::Input {
        path: pair.a.clone(),
        message: e.to_string(),
    })?;
    if let Some(dir) = pair.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CliError::output(dir, e))?;
    }
    result
        .image
        .save(&pair.output)
        .map_err(|e| CliError::output(&pair.output, e))?;
    Ok(format!(
        "{} + {} -> {}{} ({:.0} ms)",
        pair.a.display(),
        pair.b.display(),
        pair.output.display(),
        if result.held {
            format!(" held: scene cut (p = {:.2})", result.cut_probability)
        } else {
            String::new()
        },
        result.ms
    ))
}

/// Reads "a.png b.png name" lines (blank lines and `#` comments skipped).
fn read_pairs(list: &Path, out_dir: &Path) -> Result<Vec<Pair>, CliError> {
    let text = std::fs::read_to_string(list).map_err(|e| CliError::Input {
        path: list.to_path_buf(),
        message: e.to_string(),
    })?;
    let base = list.parent().unwrap_or(Path::new(""));
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [a, b, name] = fields[..] else {
            return Err(CliError::Input {
                path: list.to_path_buf(),
                message: format!("line {}: expected \"a.png b.png name\", got \"{line}\"", number + 1),
            });
        };
        pairs.push(Pair {
            a: base.join(a),
            b: base.join(b),
            output: out_dir.join(format!("{name}.png")),
        });
    }
    Ok(pairs)
}
