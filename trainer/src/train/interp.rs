//! `spritedx train interp`: trains the LayeredInterpolator on real drawing triplets
//! (../shared/data/anim), synthetic layered shots (tiled backgrounds panned and zoomed
//! by a camera, sprites moving on their own, exact middle frames) and cuts, with
//! random crops and horizontal / vertical / temporal flips, on the CPU.
//!
//! Phase 1 trains the generator alone. Phase 2 (`--gan-start`) adds the LSGAN patch
//! discriminator: 500 batches of discriminator warm-up, then the discriminator
//! learns every other batch with label smoothing 0.1 and a learning rate that adapts
//! to its loss, and the generator gets the 0.005 adversarial term. Gradients are
//! clipped to norm 1. Writes `metrics.csv`, `curve.png`, `checkpoint.mpk`,
//! `discriminator.mpk` and `state.json` (for `--resume`) to the run directory.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use burn::backend::{Autodiff, Flex};
use burn::grad_clipping::GradientClippingConfig;
use burn::module::{AutodiffModule, Module};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::record::Recorder;
use clap::Args;
use serde::{Deserialize, Serialize};
use spritedx_model::interp::data::{
    augment, batch, cut, layered_shot, pad_to, sprite_triplet, triplet, InterpExample, ShotOptions,
};
use spritedx_model::interp::model::padded_side;
use spritedx_model::interp::scene_gate::{cut_statistics, SceneGate};
use spritedx_model::interp::training::{
    discriminator_loss, interp_loss, InterpLossConfig, PatchDiscriminator, PerceptualFeatures,
};
use spritedx_model::interp::{InterpolatorConfig, LayeredInterpolator};
use spritedx_model::weights::{
    interpolator_from_bytes, interpolator_network_from_bytes, interpolator_to_bytes, WeightsRecorder,
};

use super::run_dir::{RunArgs, RunDir};
use super::{learning_rate, scalar, write_file};
use crate::dataset::Split;
use crate::interp_data::{load_sources, InterpSources};
use crate::{progress, CliError};

type TrainBackend = Autodiff<Flex>;

/// Arguments of `spritedx train interp`.
#[derive(Args, Debug)]
pub struct TrainInterpArgs {
    /// Animation folders (`<source>/<sequence>/frame_XX.png`); the dev split is used.
    #[arg(long)]
    pub data: PathBuf,
    /// Still sprites for the synthetic layered shots; the dev split is used.
    #[arg(long)]
    pub stills: PathBuf,
    /// Run directory.
    #[arg(long, default_value = "runs/train-interp")]
    pub out: PathBuf,
    /// Optimisation steps in all (a resumed run continues up to this count).
    #[arg(long, default_value_t = 3000)]
    pub steps: usize,
    /// Examples per batch.
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Crop side in pixels (a multiple of 16), or several separated by commas: the
    /// batches take them in turn (a network trained at one size draws well only near
    /// it), as do the validation cases.
    #[arg(long, value_delimiter = ',', default_value = "64")]
    pub crop: Vec<usize>,
    /// Adam learning rate of the generator.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Step at which phase 2 (the discriminator) starts; none by default.
    #[arg(long)]
    pub gan_start: Option<usize>,
    /// Do not train: fit a new scene gate to the trained weights in this file (their
    /// own gate, whatever statistics it read, is dropped) and write the result to
    /// the run directory and `--export`.
    #[arg(long, value_name = "WEIGHTS")]
    pub fit_gate: Option<PathBuf>,
    /// Seed, checkpoints, resume and export.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Batches of discriminator warm-up at the start of phase 2.
const DISCRIMINATOR_WARMUP: usize = 500;

/// What a run directory remembers between resumes.
#[derive(Debug, Serialize, Deserialize)]
struct RunState {
    step: usize,
    seed: u64,
    discriminator_lr: f64,
}

/// Runs `spritedx train interp`.
pub fn run(args: TrainInterpArgs) -> Result<ExitCode, CliError> {
    if args.crop.is_empty() || args.crop.iter().any(|&c| c == 0 || !c.is_multiple_of(16)) || args.batch == 0 {
        return Err(CliError::Usage(
            "--crop must be a positive multiple of 16, --batch positive".into(),
        ));
    }
    let sources = load_sources(&args.data, &args.stills, Split::Dev)?;
    if sources.triplets.is_empty() || sources.stills.is_empty() {
        return Err(CliError::Input {
            path: args.data.clone(),
            message: "needs drawing triplets and still sprites in the dev split".into(),
        });
    }
    let run = &args.run;
    if let Some(weights) = &args.fit_gate {
        let bytes = fs::read(weights).map_err(|e| CliError::Input {
            path: weights.clone(),
            message: e.to_string(),
        })?;
        let model =
            interpolator_network_from_bytes::<Flex>(&bytes, &weights.display().to_string(), &Default::default())
                .map_err(CliError::Model)?;
        fs::create_dir_all(&args.out).map_err(|e| CliError::output(&args.out, e))?;
        let model = fit_scene_gate(model, &sources, run.seed, &args.out)?;
        let bytes = interpolator_to_bytes(&model)?;
        write_file(&args.out.join("checkpoint.mpk"), &bytes)?;
        if let Some(path) = &run.export {
            write_file(path, &bytes)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (mut dir, resumed) = RunDir::open::<RunState>(
        &args.out,
        run.resume,
        "step,loss,l1,perceptual,edge,gate,motion,adversarial,d_loss,val_l1,val_psnr,val_gate_accuracy",
    )?;
    let device = Default::default();
    TrainBackend::seed(&device, run.seed);
    let perceptual = PerceptualFeatures::<TrainBackend>::shipped(&device)?;
    let mut discriminator = PatchDiscriminator::<TrainBackend>::new(&device);
    let (mut model, start, mut d_lr): (LayeredInterpolator<TrainBackend>, usize, f64) = match resumed {
        Some(r) => {
            // A run still in phase 1 has no discriminator yet.
            if let Ok(d) = fs::read(dir.path("discriminator.mpk")) {
                if let Ok(record) = WeightsRecorder::default().load(d, &device) {
                    discriminator = discriminator.load_record(record);
                }
            }
            (
                interpolator_from_bytes(&r.checkpoint, "checkpoint.mpk", &device)?,
                r.state.step,
                r.state.discriminator_lr,
            )
        }
        None => (InterpolatorConfig::new().init(&device), 0, args.lr),
    };
    let clip = || Some(GradientClippingConfig::Norm(1.0));
    let mut optim = AdamConfig::new()
        .with_grad_clipping(clip())
        .init::<TrainBackend, LayeredInterpolator<TrainBackend>>();
    let mut d_optim = AdamConfig::new()
        .with_grad_clipping(clip())
        .init::<TrainBackend, PatchDiscriminator<TrainBackend>>();
    let weights = InterpLossConfig::new();
    let shot = |i: usize| ShotOptions {
        size: args.crop[i % args.crop.len()],
        ..ShotOptions::default()
    };
    // One case of every kind at every crop size.
    let val: Vec<InterpExample> = (0..32)
        .map(|i| make_case(&sources, &shot(i / 8), run.seed ^ 0x5eed_0000 ^ i as u64, i % 8))
        .collect();
    let bar = progress::bar(args.steps.saturating_sub(start) as u64, "train");
    let mut window: Vec<[f32; 8]> = Vec::new();
    for step in start..args.steps {
        let examples: Vec<InterpExample> = (0..args.batch)
            .map(|i| {
                let seed = run.case_seed(step, args.batch, i);
                augment(make_case(&sources, &shot(step), seed, seed as usize), seed ^ 0xf1f1)
            })
            .collect();
        let b = batch::<TrainBackend>(&examples, &device);
        let phase2 = args.gan_start.map(|s| step >= s);
        let adversarial_on = args.gan_start.is_some_and(|s| step >= s + DISCRIMINATOR_WARMUP);
        let loss = interp_loss(
            &model,
            &perceptual,
            adversarial_on.then_some(&discriminator),
            &b,
            &weights,
        );
        let mut d_loss_value = 0.0;
        if phase2 == Some(true) {
            let in_warmup = !adversarial_on;
            if in_warmup || step % 2 == 0 {
                let d_loss = discriminator_loss(&discriminator, &b, loss.output.frame.clone(), weights.label_smoothing);
                d_loss_value = scalar(&d_loss);
                let grads = GradientsParams::from_grads(d_loss.backward(), &discriminator);
                discriminator = d_optim.step(d_lr, discriminator, grads);
                // Adaptive learning rate: slow a discriminator that wins, speed up one that loses.
                d_lr = if d_loss_value < 0.15 {
                    d_lr * 0.95
                } else if d_loss_value > 0.35 {
                    d_lr * 1.05
                } else {
                    d_lr
                }
                .clamp(args.lr / 20.0, args.lr * 2.0);
            }
        }
        window.push(
            [
                &loss.total,
                &loss.l1,
                &loss.perceptual,
                &loss.edge,
                &loss.gate,
                &loss.motion,
                &loss.adversarial,
            ]
            .map(scalar)
            .into_iter()
            .chain([d_loss_value])
            .collect::<Vec<_>>()
            .try_into()
            .unwrap_or([0.0; 8]),
        );
        let grads = GradientsParams::from_grads(loss.total.backward(), &model);
        model = optim.step(learning_rate(args.lr, step, args.steps), model, grads);
        bar.inc(1);
        if run.checkpoints_after(step, args.steps) {
            let (val_l1, val_psnr, val_gate) = validate(&model.valid(), &val);
            let means: [f32; 8] =
                std::array::from_fn(|k| window.iter().map(|w| w[k]).sum::<f32>() / window.len().max(1) as f32);
            let mean = |k: usize| means[k];
            dir.log(&format!(
                "{},{:.5},{:.5},{:.5},{:.5},{:.5},{:.4},{:.5},{:.5},{:.5},{:.3},{:.4}",
                step + 1,
                mean(0),
                mean(1),
                mean(2),
                mean(3),
                mean(4),
                mean(5),
                mean(6),
                mean(7),
                val_l1,
                val_psnr,
                val_gate
            ))?;
            window.clear();
            bar.set_message(format!("loss {:.4} val psnr {:.2}", mean(0), val_psnr));
            let d_bytes = WeightsRecorder::default()
                .record(discriminator.clone().into_record(), ())
                .map_err(|e| CliError::Usage(format!("cannot encode the discriminator: {e}")))?;
            write_file(&dir.path("discriminator.mpk"), &d_bytes)?;
            let state = RunState {
                step: step + 1,
                seed: run.seed,
                discriminator_lr: d_lr,
            };
            dir.checkpoint(&interpolator_to_bytes(&model)?, &state, &["loss", "val_l1", "l1"])?;
        }
    }
    bar.finish();
    let model = fit_scene_gate(model.valid(), &sources, run.seed, &args.out)?;
    dir.finish(args.steps, &interpolator_to_bytes(&model)?, run.export.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// A [`make_case`] kind that gives a layered shot.
const SHOT_CASE: usize = 0;
/// The [`make_case`] kind that gives a cut between two layered shots.
const CUT_CASE: usize = 7;

/// One training case: `kind` % 8 picks a layered shot (0-3), a real triplet (4-6) or a
/// cut between two shots (7).
fn make_case(sources: &InterpSources, shot: &ShotOptions, seed: u64, kind: usize) -> InterpExample {
    match kind % 8 {
        0..=3 => layered_shot(&sources.stills, &sources.stills, shot, seed),
        4..=6 => {
            let t = &sources.triplets[(seed as usize).wrapping_mul(2_654_435_761) % sources.triplets.len()];
            sprite_triplet([&t[0], &t[1], &t[2]], shot.size, seed)
        }
        _ => cut(
            &layered_shot(&sources.stills, &sources.stills, shot, seed),
            &layered_shot(&sources.stills, &sources.stills, shot, seed ^ 0xc07),
        ),
    }
}

/// Pairs the scene gate is fitted on, and as many held out to check it.
const GATE_PAIRS: usize = 384;

/// Sides of the layered shots and triplet canvases the gate is fitted on: the sizes
/// `interpolate` meets, from small sprites to whole frames (drawing triplets also
/// come at their own size).
const GATE_SIDES: [usize; 5] = [32, 48, 64, 128, 256];

/// The kinds of pair the gate is fitted on, and reported by.
const GATE_KINDS: [&str; 4] = [
    "layered shot",
    "drawing triplet",
    "cut between shots",
    "cut between drawings",
];

/// Gate case `index`: its kind (an index of [`GATE_KINDS`]; half of them cuts), side
/// and example, padded to the network's size multiple as `interpolate` pads.
fn gate_case(sources: &InterpSources, seed: u64, index: usize) -> (usize, InterpExample) {
    let kind = index % GATE_KINDS.len();
    let side = GATE_SIDES[(index / GATE_KINDS.len()) % GATE_SIDES.len()];
    let seed = seed ^ 0x6a7e_0000 ^ index as u64;
    let shot = ShotOptions {
        size: side,
        ..ShotOptions::default()
    };
    let drawing = |seed: u64| {
        let t = &sources.triplets[(seed as usize).wrapping_mul(2_654_435_761) % sources.triplets.len()];
        if seed.is_multiple_of(2) {
            sprite_triplet([&t[0], &t[1], &t[2]], side, seed)
        } else {
            triplet([&t[0], &t[1], &t[2]])
        }
    };
    let example = match kind {
        0 => make_case(sources, &shot, seed, SHOT_CASE),
        1 => drawing(seed),
        2 => make_case(sources, &shot, seed, CUT_CASE),
        _ => cut(&drawing(seed), &drawing(seed ^ 0xb)),
    };
    let (w, h) = (padded_side(example.frame0.width), padded_side(example.frame0.height));
    let padded = InterpExample {
        frame0: pad_to(&example.frame0, w, h),
        frame1: pad_to(&example.frame1, w, h),
        middle: pad_to(&example.middle, w, h),
        ..example
    };
    (kind, padded)
}

/// Fits the scene gate alone (logistic regression, full-batch Adam) on the
/// [`cut_statistics`] of fresh pairs of every kind and size, half of them cuts, and
/// reports its accuracy per kind on as many held-out pairs (also written, with
/// every held-out pair's statistics and cut probability, to `gate.csv` in `out`).
/// The statistics are those of the frames, not of the network's features, so the
/// gate can be fitted to any trained weights; in joint training its gradient is small
/// next to the image losses and it stays near the prior.
fn fit_scene_gate(
    model: LayeredInterpolator<Flex>,
    sources: &InterpSources,
    seed: u64,
    out: &std::path::Path,
) -> Result<LayeredInterpolator<Flex>, CliError> {
    let device = Default::default();
    let bar = progress::bar(2 * GATE_PAIRS as u64, "gate statistics");
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let mut kinds = Vec::new();
    let mut sides = Vec::new();
    for index in 0..2 * GATE_PAIRS {
        let (kind, example) = gate_case(sources, seed, index);
        let b = batch::<Flex>(std::slice::from_ref(&example), &device);
        rows.push(cut_statistics(b.frame0, b.frame1));
        labels.push(b.cut);
        kinds.push(kind);
        sides.push((example.frame0.width, example.frame0.height));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let stats = Tensor::cat(rows, 0); // [2 * pairs, STATISTICS]
    let labels = Tensor::cat(labels, 0); // [2 * pairs, 1]
    let n = GATE_PAIRS;
    let cols = stats.dims()[1];
    let (train_x, test_x) = (stats.clone().slice([0..n, 0..cols]), stats.slice([n..2 * n, 0..cols]));
    let (train_y, test_y) = (labels.clone().slice([0..n, 0..1]), labels.slice([n..2 * n, 0..1]));
    let mut gate = SceneGate::<TrainBackend>::new(&device);
    let mut optim = AdamConfig::new().init::<TrainBackend, SceneGate<TrainBackend>>();
    let x = Tensor::<TrainBackend, 2>::from_inner(train_x);
    let y = Tensor::<TrainBackend, 2>::from_inner(train_y);
    let weight = y.clone() * (CUT_WEIGHT - 1.0) + 1.0;
    for _ in 0..GATE_FIT_STEPS {
        let z = gate.forward(x.clone());
        let cross_entropy = burn::tensor::activation::softplus(z.clone(), 1.0) - z * y.clone();
        let loss = (cross_entropy * weight.clone()).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &gate);
        gate = optim.step(0.05, gate, grads);
    }
    let gate = gate.valid();
    let logits: Vec<f32> = gate
        .forward(test_x.clone())
        .into_data()
        .convert::<f32>()
        .to_vec()
        .unwrap_or_default();
    let truth: Vec<f32> = test_y.into_data().convert::<f32>().to_vec().unwrap_or_default();
    let values: Vec<f32> = test_x.into_data().convert::<f32>().to_vec().unwrap_or_default();
    let mut csv = String::from("kind,width,height,cut,cut_probability");
    (0..cols).for_each(|c| csv.push_str(&format!(",statistic_{c}")));
    csv.push('\n');
    let mut right = [[0usize; 2]; GATE_KINDS.len()];
    for i in 0..n {
        let kind = kinds[n + i];
        let (w, h) = sides[n + i];
        right[kind][0] += ((logits[i] > 0.0) == (truth[i] > 0.5)) as usize;
        right[kind][1] += 1;
        csv.push_str(&format!(
            "{},{w},{h},{},{:.4}",
            GATE_KINDS[kind],
            truth[i] as u8,
            1.0 / (1.0 + (-logits[i]).exp())
        ));
        values[i * cols..(i + 1) * cols]
            .iter()
            .for_each(|v| csv.push_str(&format!(",{v:.4}")));
        csv.push('\n');
    }
    write_file(&out.join("gate.csv"), csv.as_bytes())?;
    println!("scene gate fitted; held-out pairs right (sizes {GATE_SIDES:?} and drawings at their own):");
    for (kind, [ok, all]) in GATE_KINDS.iter().zip(right) {
        println!("  {kind}: {ok}/{all} ({:.1}%)", 100.0 * ok as f64 / all.max(1) as f64);
    }
    Ok(model.with_scene_gate(gate))
}

/// Full-batch Adam steps of the gate's fit.
const GATE_FIT_STEPS: usize = 1500;

/// Weight of a cut in the gate's loss against a pair to draw: a missed cut is a blend
/// across two scenes, which DESIGN §3 forbids, a held pair only a repeated frame.
const CUT_WEIGHT: f32 = 3.0;

/// Validation: L1 and PSNR of drawn (non-cut) cases, share of cases the gate gets right.
fn validate(model: &LayeredInterpolator<Flex>, examples: &[InterpExample]) -> (f32, f32, f32) {
    let device = Default::default();
    let (mut l1, mut psnr, mut drawn, mut gate_right) = (0.0, 0.0, 0usize, 0usize);
    for chunk in examples.chunks(8) {
        let b = batch::<Flex>(chunk, &device);
        let out = model.forward(b.frame0.clone(), b.frame1.clone(), b.t);
        let logits: Vec<f32> = out.cut_logit.into_data().convert::<f32>().to_vec().unwrap_or_default();
        let frames = spritedx_model::interp::data::tensor_to_planes(out.frame);
        for ((example, frame), logit) in chunk.iter().zip(frames).zip(logits) {
            gate_right += ((logit > 0.0) == example.cut) as usize;
            if example.cut {
                continue;
            }
            let n = (frame.width * frame.height * 4) as f32;
            let (mut abs, mut sq) = (0.0, 0.0);
            for (p, q) in frame.data.iter().zip(&example.middle.data) {
                for (a, b) in p.iter().zip(q) {
                    abs += (a - b).abs();
                    sq += (a - b) * (a - b);
                }
            }
            l1 += abs / n;
            psnr += 10.0 * (1.0 / (sq / n).max(1e-10)).log10();
            drawn += 1;
        }
    }
    let d = drawn.max(1) as f32;
    (l1 / d, psnr / d, gate_right as f32 / examples.len().max(1) as f32)
}
