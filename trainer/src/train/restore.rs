//! `spritedx train restore`: trains the learned restorer on degradations made on the
//! fly from clean sprites (every preset, random grids and crops), on the CPU
//! (burn-ndarray). Writes `metrics.csv`, `curve.png`, `checkpoint.mpk` and
//! `state.json` (for `--resume`) to the run directory, and the final weights to `--export`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use clap::Args;
use image::RgbaImage;
use serde::{Deserialize, Serialize};
use spritedx_model::prelude::load_image;
use spritedx_model::restore::learned::data::{batch, make_example, RestoreExample};
use spritedx_model::restore::learned::training::{restore_loss, LossConfig};
use spritedx_model::restore::learned::{Restorer, RestorerConfig};
use spritedx_model::weights::{restorer_from_bytes, restorer_to_bytes};

use super::run_dir::{RunArgs, RunDir};
use super::{learning_rate, scalar};
use crate::dataset::{self, Split};
use crate::{progress, CliError};

type TrainBackend = Autodiff<Flex>;

/// Arguments of `spritedx train restore`.
#[derive(Args, Debug)]
pub struct TrainRestoreArgs {
    /// Directory of clean 1:1 sprites (the dev split is used; one file in ten of it
    /// is held out for validation; the test split is never seen).
    #[arg(long)]
    pub data: PathBuf,
    /// Run directory: metrics.csv, curve.png, checkpoint.mpk, state.json.
    #[arg(long, default_value = "runs/train-restore")]
    pub out: PathBuf,
    /// Optimisation steps in all (a resumed run continues up to this count).
    #[arg(long, default_value_t = 2000)]
    pub steps: usize,
    /// Examples per batch.
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Crop size in cells (even).
    #[arg(long, default_value_t = 24)]
    pub crop: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 2e-3)]
    pub lr: f64,
    /// Seed, checkpoints, resume and export.
    #[command(flatten)]
    pub run: RunArgs,
}

/// What a run directory remembers between resumes.
#[derive(Debug, Serialize, Deserialize)]
struct RunState {
    step: usize,
    seed: u64,
}

/// One row of metrics.csv.
struct Metrics {
    step: usize,
    loss: f32,
    palette: f32,
    l1: f32,
    edge: f32,
    alpha: f32,
    accuracy: f32,
    val_loss: f32,
    val_accuracy: f32,
}

/// Runs `spritedx train restore`.
pub fn run(args: TrainRestoreArgs) -> Result<ExitCode, CliError> {
    if args.crop == 0 || !args.crop.is_multiple_of(2) || args.batch == 0 {
        return Err(CliError::Usage(
            "--crop must be even and positive, --batch positive".into(),
        ));
    }
    let (train, val) = sprites(&args.data)?;
    let run = &args.run;
    let (mut dir, resumed) = RunDir::open::<RunState>(
        &args.out,
        run.resume,
        "step,loss,palette,l1,edge,alpha,accuracy,val_loss,val_accuracy",
    )?;
    let device = Default::default();
    TrainBackend::seed(&device, run.seed);
    let (mut model, start): (Restorer<TrainBackend>, usize) = match resumed {
        Some(r) => (
            restorer_from_bytes(&r.checkpoint, "checkpoint.mpk", &device)?,
            r.state.step,
        ),
        None => (RestorerConfig::new().init(&device), 0),
    };
    let mut optim = AdamConfig::new().init::<TrainBackend, Restorer<TrainBackend>>();
    let weights = LossConfig::new();
    let val_examples: Vec<RestoreExample> = val
        .iter()
        .enumerate()
        .map(|(i, s)| make_example(s, args.crop, run.seed ^ 0xdead_beef ^ i as u64))
        .collect();
    let bar = progress::bar(args.steps.saturating_sub(start) as u64, "train");
    let mut window: Vec<[f32; 6]> = Vec::new();
    for step in start..args.steps {
        let examples: Vec<RestoreExample> = (0..args.batch)
            .map(|i| {
                let seed = run.case_seed(step, args.batch, i);
                make_example(
                    &train[(seed as usize).wrapping_mul(2_654_435_761) % train.len()],
                    args.crop,
                    seed,
                )
            })
            .collect();
        let b = batch::<TrainBackend>(&examples, &device);
        let loss = restore_loss(&model, &b, &weights);
        window.push(
            [
                &loss.total,
                &loss.palette,
                &loss.l1,
                &loss.edge,
                &loss.alpha,
                &loss.accuracy,
            ]
            .map(scalar),
        );
        let grads = GradientsParams::from_grads(loss.total.backward(), &model);
        let lr = learning_rate(args.lr, step, args.steps);
        model = optim.step(lr, model, grads);
        bar.inc(1);
        if run.checkpoints_after(step, args.steps) {
            let (val_loss, val_accuracy) = validate(&model.valid(), &val_examples, &weights);
            let mean = |k: usize| window.iter().map(|w| w[k]).sum::<f32>() / window.len().max(1) as f32;
            let m = Metrics {
                step: step + 1,
                loss: mean(0),
                palette: mean(1),
                l1: mean(2),
                edge: mean(3),
                alpha: mean(4),
                accuracy: mean(5),
                val_loss,
                val_accuracy,
            };
            window.clear();
            dir.log(&format!(
                "{},{:.5},{:.5},{:.5},{:.5},{:.5},{:.4},{:.5},{:.4}",
                m.step, m.loss, m.palette, m.l1, m.edge, m.alpha, m.accuracy, m.val_loss, m.val_accuracy
            ))?;
            bar.set_message(format!("loss {:.3} val acc {:.3}", m.loss, m.val_accuracy));
            let state = RunState {
                step: step + 1,
                seed: run.seed,
            };
            dir.checkpoint(
                &restorer_to_bytes(&model)?,
                &state,
                &["loss", "val_loss", "val_accuracy"],
            )?;
        }
    }
    bar.finish();
    dir.finish(args.steps, &restorer_to_bytes(&model)?, run.export.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn validate(model: &Restorer<Flex>, examples: &[RestoreExample], weights: &LossConfig) -> (f32, f32) {
    let device = Default::default();
    let (mut loss, mut accuracy) = (0.0, 0.0);
    for chunk in examples.chunks(8) {
        let b = batch::<Flex>(chunk, &device);
        let l = restore_loss(model, &b, weights);
        loss += scalar(&l.total) * chunk.len() as f32;
        accuracy += scalar(&l.accuracy) * chunk.len() as f32;
    }
    let n = examples.len().max(1) as f32;
    (loss / n, accuracy / n)
}

/// The dev split's sprites: (training, validation = one file in ten).
fn sprites(dir: &Path) -> Result<(Vec<RgbaImage>, Vec<RgbaImage>), CliError> {
    let files = dataset::files(dir, Split::Dev)?;
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (i, f) in files.iter().enumerate() {
        let image = load_image(f).map_err(CliError::Model)?;
        if i % 10 == 0 {
            val.push(image);
        } else {
            train.push(image);
        }
    }
    if train.is_empty() || val.is_empty() {
        return Err(CliError::Input {
            path: dir.to_path_buf(),
            message: "needs at least 2 sprites in the dev split".into(),
        });
    }
    Ok((train, val))
}
