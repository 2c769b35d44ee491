//! `spritedx eval interp` (DESIGN §4): PSNR / SSIM of the predicted middle frame
//! against the true one on real drawing triplets, synthetic layered shots (panned and
//! zoomed tiled backgrounds with sprites moving on their own) and cuts (which must be
//! held), for SpriteDX and the repeat, 50/50 blend and block-matching optical-flow
//! baselines; and the time of a 256 x 256 frame (the whole network, and through
//! `interpolate`, which stops early where the gate holds).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use image::RgbaImage;
use spritedx_model::interp::data::{cut, layered_shot, planes_to_tensor, triplet, InterpExample, Planes, ShotOptions};
use spritedx_model::interp::inference::CpuBackend;
use spritedx_model::interp::{interpolate, LayeredInterpolator};
use spritedx_model::metrics::{psnr, ssim};
use spritedx_model::weights::{default_interpolator, load_interpolator};

use super::flow_baseline::{blend, flow_interpolate};
use crate::dataset::Split;
use crate::interp_data::load_sources;
use crate::sheet::comparison_sheet;
use crate::{progress, CliError};

/// Arguments of `spritedx eval interp`.
#[derive(Args, Debug)]
pub struct EvalInterpArgs {
    /// Animation folders (`<source>/<sequence>/frame_XX.png`).
    #[arg(long)]
    pub data: PathBuf,
    /// Still sprites the layered shots are built from.
    #[arg(long)]
    pub stills: PathBuf,
    /// Dataset split (sequences and stills by name); report on `test`.
    #[arg(long, value_enum, default_value = "test")]
    pub split: Split,
    /// Cases per set (triplets evenly spread over the split).
    #[arg(long, default_value_t = 60)]
    pub limit: usize,
    /// Side of the layered shots in pixels.
    #[arg(long, default_value_t = 128)]
    pub shot_size: usize,
    /// Interpolator weights; the shipped ones by default.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Seed of the shots.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory: results.csv, table.md, sheet.png.
    #[arg(long, default_value = "runs/eval-interp")]
    pub out: PathBuf,
}

/// The ways of making the middle frame that are compared.
const METHODS: [&str; 4] = ["spritedx", "repeat", "blend", "optical flow"];

/// Scores of one method on one set.
#[derive(Default, Clone)]
struct Tally {
    psnr: f64,
    ssim: f64,
    held: usize,
    cases: usize,
    ms: f64,
}

/// Runs `spritedx eval interp`.
pub fn run(args: EvalInterpArgs) -> Result<ExitCode, CliError> {
    let device = Default::default();
    let model: LayeredInterpolator<CpuBackend> = match &args.model {
        Some(path) => load_interpolator(path, &device)?,
        None => default_interpolator(&device)?,
    };
    let sources = load_sources(&args.data, &args.stills, args.split)?;
    if sources.triplets.is_empty() || sources.stills.is_empty() {
        return Err(CliError::Input {
            path: args.data.clone(),
            message: "no drawing triplets or still sprites in this split".into(),
        });
    }
    let step = sources.triplets.len().div_ceil(args.limit.max(1)).max(1);
    let triplets: Vec<InterpExample> = sources
        .triplets
        .iter()
        .step_by(step)
        .map(|t| triplet([&t[0], &t[1], &t[2]]))
        .collect();
    let options = ShotOptions {
        size: args.shot_size,
        ..ShotOptions::default()
    };
    let shots: Vec<InterpExample> = (0..args.limit as u64)
        .map(|i| layered_shot(&sources.stills, &sources.stills, &options, args.seed ^ (0x5407 + i)))
        .collect();
    let cuts: Vec<InterpExample> = (0..args.limit as u64)
        .map(|i| {
            if i % 2 == 0 {
                cut(&shots[i as usize], &shots[(i as usize + 1) % shots.len()])
            } else {
                let a = &triplets[i as usize % triplets.len()];
                let b = &triplets[(i as usize * 7 + 3) % triplets.len()];
                cut(a, b)
            }
        })
        .collect();
    let sets = [
        ("sprite triplets", &triplets),
        ("layered shots", &shots),
        ("cuts", &cuts),
    ];
    std::fs::create_dir_all(&args.out).map_err(|e| CliError::output(&args.out, e))?;
    let mut csv = String::from("set,case,method,psnr,ssim,held,ms\n");
    let mut table: Vec<(String, Vec<Tally>)> = Vec::new();
    let mut sheet_rows = Vec::new();
    let total: usize = sets.iter().map(|(_, s)| s.len()).sum();
    let bar = progress::bar(total as u64, "eval");
    for (name, cases) in sets {
        let mut tallies = vec![Tally::default(); METHODS.len()];
        for (index, case) in cases.iter().enumerate() {
            let (a, b, truth) = (case.frame0.to_image(), case.frame1.to_image(), case.middle.to_image());
            let mut outputs: Vec<RgbaImage> = Vec::new();
            for (m, method) in METHODS.iter().enumerate() {
                let start = Instant::now();
                let (image, held) = match *method {
                    "spritedx" => {
                        let r = interpolate(&model, &a, &b, case.t).map_err(CliError::Model)?;
                        (r.image, r.held)
                    }
                    "repeat" => (a.clone(), true),
                    "blend" => (blend(&a, &b, case.t), false),
                    _ => (flow_interpolate(&a, &b, case.t), false),
                };
                let ms = start.elapsed().as_secs_f64() * 1000.0;
                let (p, s) = (psnr(&image, &truth), ssim(&image, &truth));
                let held = held || image == a;
                let tally = &mut tallies[m];
                tally.psnr += p as f64;
                tally.ssim += s as f64;
                tally.held += held as usize;
                tally.cases += 1;
                tally.ms += ms;
                writeln!(csv, "{name},{index},{method},{p:.3},{s:.4},{},{ms:.1}", held as u8).ok();
                outputs.push(image);
            }
            if index < 4 {
                sheet_rows.push(vec![
                    Some(a.clone()),
                    Some(outputs[2].clone()),
                    Some(outputs[3].clone()),
                    Some(outputs[0].clone()),
                    Some(truth.clone()),
                    Some(b.clone()),
                ]);
            }
            bar.inc(1);
        }
        table.push((name.to_string(), tallies));
    }
    bar.finish_and_clear();

    // Speed: a 256 x 256 layered shot, mean of 5 runs after one warm-up.
    let big = layered_shot(
        &sources.stills,
        &sources.stills,
        &ShotOptions {
            size: 256,
            ..ShotOptions::default()
        },
        args.seed ^ 0x256,
    );
    let (a, b) = (big.frame0.to_image(), big.frame1.to_image());
    let held = interpolate(&model, &a, &b, 0.5).map_err(CliError::Model)?.held;
    let start = Instant::now();
    for _ in 0..5 {
        interpolate(&model, &a, &b, 0.5).map_err(CliError::Model)?;
    }
    let ms_256 = start.elapsed().as_secs_f64() * 1000.0 / 5.0;
    // A held pair stops after the gate: time the whole network too (what a drawn
    // in-between costs), whatever the gate says about this shot.
    let device = Default::default();
    let frame = |image: &RgbaImage| planes_to_tensor::<CpuBackend>(&[&Planes::from_image(image)], &device);
    let (frame0, frame1) = (frame(&a), frame(&b));
    model.forward(frame0.clone(), frame1.clone(), 0.5).frame.into_data();
    let start = Instant::now();
    for _ in 0..5 {
        model.forward(frame0.clone(), frame1.clone(), 0.5).frame.into_data();
    }
    let ms_rendered = start.elapsed().as_secs_f64() * 1000.0 / 5.0;

    let mut md = format!(
        "split {:?}, {} cases per set, layered shots {}x{} px; PSNR (dB) and SSIM of premultiplied RGBA against the true middle frame; held = output equals the first frame\n\n| set | method | PSNR | SSIM | held % | ms / frame |\n|---|---|---:|---:|---:|---:|\n",
        args.split, args.limit, args.shot_size, args.shot_size
    );
    for (name, tallies) in &table {
        for (m, t) in tallies.iter().enumerate() {
            let n = t.cases.max(1) as f64;
            writeln!(
                md,
                "| {name} | {} | {:.2} | {:.4} | {:.0} | {:.1} |",
                METHODS[m],
                t.psnr / n,
                t.ssim / n,
                100.0 * t.held as f64 / n,
                t.ms / n
            )
            .ok();
        }
    }
    writeln!(
        md,
        "\nspritedx, one 256x256 layered shot (mean of 5, {} threads available): {ms_rendered:.1} ms for the whole network (a drawn in-between), {ms_256:.1} ms through interpolate() ({})",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        if held { "held by the gate" } else { "drawn" }
    )
    .ok();
    std::fs::write(args.out.join("results.csv"), csv).map_err(|e| CliError::output(&args.out, e))?;
    std::fs::write(args.out.join("table.md"), &md).map_err(|e| CliError::output(&args.out, e))?;
    comparison_sheet(&sheet_rows)
        .save(args.out.join("sheet.png"))
        .map_err(|e| CliError::output(&args.out, e))?;
    println!(
        "{md}\nsheet (first frame | blend | optical flow | spritedx | truth | second frame): {}",
        args.out.join("sheet.png").display()
    );
    Ok(ExitCode::SUCCESS)
}
