//! What every training run shares: its seed / checkpoint / resume / export
//! arguments and its run directory (`checkpoint.mpk`, `state.json`, `metrics.csv`,
//! `curve.png`).

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::write_file;
use crate::{plot, CliError};

/// Arguments every trainer takes (flattened into its own).
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Seed of the initial weights and of the training cases.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Validate (and checkpoint) every this many steps.
    #[arg(long, default_value_t = 100)]
    pub every: usize,
    /// Continue from the run directory's checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Also write the final weights here (e.g. assets/models/restorer.mpk).
    #[arg(long)]
    pub export: Option<PathBuf>,
}

impl RunArgs {
    /// The seed of example `index` of the batch at `step`: every example of a run
    /// differs, and a resumed run draws the same ones an unbroken run would.
    pub fn case_seed(&self, step: usize, batch: usize, index: usize) -> u64 {
        self.seed
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add((step * batch + index) as u64)
    }

    /// Whether the run validates and checkpoints after `step` (0-based) of `steps`.
    pub fn checkpoints_after(&self, step: usize, steps: usize) -> bool {
        (step + 1).is_multiple_of(self.every.max(1)) || step + 1 == steps
    }
}

/// What a resumed run starts from.
pub struct Resumed<S> {
    /// The encoded weights of the last checkpoint.
    pub checkpoint: Vec<u8>,
    /// The state saved with it.
    pub state: S,
}

/// An open run directory with its metrics log.
pub struct RunDir {
    dir: PathBuf,
    metrics_path: PathBuf,
    metrics: File,
}

impl RunDir {
    /// Creates or opens `dir`. A fresh run starts `metrics.csv` over with `header`;
    /// a resumed one (`resume`) appends to it and gets the checkpoint and the state
    /// saved last.
    pub fn open<S: DeserializeOwned>(
        dir: &Path,
        resume: bool,
        header: &str,
    ) -> Result<(Self, Option<Resumed<S>>), CliError> {
        fs::create_dir_all(dir).map_err(|e| CliError::output(dir, e))?;
        let resumed = if resume {
            let cannot = |what: &str, e: &dyn std::fmt::Display| CliError::Usage(format!("cannot resume: {what}: {e}"));
            let checkpoint = fs::read(dir.join("checkpoint.mpk")).map_err(|e| cannot("checkpoint.mpk", &e))?;
            let text = fs::read_to_string(dir.join("state.json")).map_err(|e| cannot("state.json", &e))?;
            let state = serde_json::from_str(&text).map_err(|e| cannot("state.json", &e))?;
            Some(Resumed { checkpoint, state })
        } else {
            None
        };
        let metrics_path = dir.join("metrics.csv");
        let mut metrics = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&metrics_path)
            .map_err(|e| CliError::output(&metrics_path, e))?;
        if !resume {
            metrics.set_len(0).map_err(|e| CliError::output(&metrics_path, e))?;
            writeln!(metrics, "{header}").map_err(|e| CliError::output(&metrics_path, e))?;
        }
        let run = Self {
            dir: dir.to_path_buf(),
            metrics_path,
            metrics,
        };
        Ok((run, resumed))
    }

    /// A file of the run directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Appends one row to `metrics.csv`.
    pub fn log(&mut self, row: &str) -> Result<(), CliError> {
        writeln!(self.metrics, "{row}").map_err(|e| CliError::output(&self.metrics_path, e))
    }

    /// Saves `checkpoint.mpk` and the `state` to resume from, and redraws
    /// `curve.png` from the metrics columns `curves`.
    pub fn checkpoint<S: Serialize>(&self, weights: &[u8], state: &S, curves: &[&str]) -> Result<(), CliError> {
        write_file(&self.path("checkpoint.mpk"), weights)?;
        let state = serde_json::to_string(state).map_err(|e| CliError::output(&self.path("state.json"), e))?;
        write_file(&self.path("state.json"), state.as_bytes())?;
        plot::curves_from_csv(&self.metrics_path, &self.path("curve.png"), curves)
    }

    /// Saves the final weights as the checkpoint and to `export`, and says where.
    pub fn finish(&self, steps: usize, weights: &[u8], export: Option<&Path>) -> Result<(), CliError> {
        write_file(&self.path("checkpoint.mpk"), weights)?;
        if let Some(path) = export {
            write_file(path, weights)?;
        }
        println!(
            "trained {steps} steps; weights in {}{}",
            self.path("checkpoint.mpk").display(),
            export.map(|p| format!(" and {}", p.display())).unwrap_or_default()
        );
        Ok(())
    }
}
