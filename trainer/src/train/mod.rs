//! `spritedx train ...`: training runs of the learned models.

pub mod interp;
pub mod restore;
pub mod run_dir;

use std::fs;
use std::path::Path;

use burn::tensor::{backend::Backend, ElementConversion, Tensor};

use crate::CliError;

/// Cosine decay from `base` to a tenth of it over `steps`.
fn learning_rate(base: f64, step: usize, steps: usize) -> f64 {
    let t = step as f64 / steps.max(1) as f64;
    base * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

/// The value of a one-element tensor (a loss or a metric).
fn scalar<B: Backend>(t: &Tensor<B, 1>) -> f32 {
    t.clone().into_scalar().elem::<f32>()
}

/// Writes `bytes` (weights, a checkpoint) to `path`, creating its folder.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| CliError::output(dir, e))?;
    }
    fs::write(path, bytes).map_err(|e| CliError::output(path, e))
}
