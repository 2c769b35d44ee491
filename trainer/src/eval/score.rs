//! `spritedx eval score`: scores the outputs of any restorer (ours or another tool)
//! on cases written by `spritedx eval restore --save-degraded`.
//!
//! A case counts as "grid found" when the output has the original's size within one
//! cell per axis, the criterion every tool can be held to from its output alone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use spritedx_model::metrics::accuracy;
use spritedx_model::prelude::load_image;

use crate::CliError;

/// Arguments of `spritedx eval score`.
#[derive(Args, Debug)]
pub struct EvalScoreArgs {
    /// `truth.jsonl` written by `spritedx eval restore --save-degraded`.
    #[arg(long)]
    pub truth: PathBuf,
    /// Directory of the tool's outputs, named like the degraded inputs.
    #[arg(long)]
    pub outputs: PathBuf,
    /// Name of the tool, for the table.
    #[arg(long, default_value = "tool")]
    pub name: String,
}

#[derive(Default)]
struct Tally {
    n: usize,
    grid: usize,
    exact: f32,
    within8: f32,
    snapped: f32,
}

impl Tally {
    fn row(&self, name: &str, preset: &str) -> String {
        let n = self.n.max(1) as f32;
        format!(
            "| {name} | {preset} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            self.n,
            100.0 * self.grid as f32 / n,
            100.0 * self.exact / n,
            100.0 * self.within8 / n,
            100.0 * self.snapped / n
        )
    }
}

/// Scores the outputs and prints a per-preset table; exit 0.
pub fn run(args: EvalScoreArgs) -> Result<ExitCode, CliError> {
    let text = std::fs::read_to_string(&args.truth).map_err(|e| CliError::Input {
        path: args.truth.clone(),
        message: e.to_string(),
    })?;
    let mut presets: Vec<(String, Tally)> = Vec::new();
    let mut overall = Tally::default();
    for (n, line) in text.lines().enumerate() {
        let bad = |m: &str| CliError::Input {
            path: args.truth.clone(),
            message: format!("line {}: {m}", n + 1),
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
        let field = |k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad(&format!("missing '{k}'")))
        };
        let (clean_path, degraded, preset) = (field("input")?, field("output")?, field("preset")?);
        let clean = load_image(&clean_path).map_err(|e| bad(&e.to_string()))?;
        let name = Path::new(&degraded).file_name().unwrap_or_default();
        let slot = match presets.iter().position(|(p, _)| *p == preset) {
            Some(i) => i,
            None => {
                presets.push((preset.clone(), Tally::default()));
                presets.len() - 1
            }
        };
        let mut add = |f: &dyn Fn(&mut Tally)| {
            f(&mut presets[slot].1);
            f(&mut overall);
        };
        add(&|t| t.n += 1);
        if let Ok(out) = load_image(args.outputs.join(name)) {
            let size_ok = out.width().abs_diff(clean.width()) <= 1 && out.height().abs_diff(clean.height()) <= 1;
            let a = accuracy(&out, &clean);
            add(&|t| {
                t.grid += size_ok as usize;
                t.exact += a.exact;
                t.within8 += a.within8;
                t.snapped += a.snapped;
            });
        }
    }
    let mut table = String::from(
        "| tool | preset | n | grid % | exact % | within-8 % | snapped % |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    for (p, t) in &presets {
        let _ = writeln!(table, "{}", t.row(&args.name, p));
    }
    let _ = writeln!(table, "{}", overall.row(&args.name, "overall"));
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}
