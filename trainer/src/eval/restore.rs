//! `spritedx eval restore`: degrade clean sprites with every preset, restore them with
//! the default (fully automatic) options and compare with the originals (DESIGN §4).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;
use image::RgbaImage;
use spritedx_model::degrade::{degrade, Preset};
use spritedx_model::metrics::{accuracy, grid_found};
use spritedx_model::prelude::*;

use crate::dataset::{self, Split};
use crate::degrade_cmd::parse_presets;
use crate::restore_cmd::ModeArg;
use crate::{progress, sheet, CliError};

/// Arguments of `spritedx eval restore`.
#[derive(Args, Debug)]
pub struct EvalRestoreArgs {
    /// Directory of clean 1:1 sprites (searched recursively).
    #[arg(long)]
    pub data: PathBuf,
    /// Dataset split; report on `test`, tune on `dev`.
    #[arg(long, value_enum, default_value = "test")]
    pub split: Split,
    /// Presets (comma separated) or all.
    #[arg(long, default_value = "all", value_delimiter = ',')]
    pub presets: Vec<String>,
    /// Use at most this many sprites (evenly spread over the split); 0 = all.
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
    /// Restorer to score.
    #[arg(long, value_enum, default_value = "auto")]
    pub mode: ModeArg,
    /// Seed of the degradations.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory: results.csv, table.md and sheet.png.
    #[arg(long, default_value = "runs/eval-restore")]
    pub out: PathBuf,
    /// Worker threads (each restore itself runs on one thread).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print this many of the worst cases (for development on the dev split).
    #[arg(long, default_value_t = 0)]
    pub show_worst: usize,
    /// Also write every degraded input and a `truth.jsonl` here, so other tools can be
    /// run on exactly these cases and scored with `spritedx eval score`.
    #[arg(long)]
    pub save_degraded: Option<PathBuf>,
}

/// The outcome of one (sprite, preset) case.
#[derive(Clone, Debug)]
struct Case {
    file: PathBuf,
    preset: Preset,
    true_scale: f32,
    pitch: Option<[f32; 2]>,
    grid_ok: bool,
    exact: f32,
    within8: f32,
    snapped: f32,
    palette_error: f32,
    ms: f64,
    error: Option<String>,
    images: Option<[RgbaImage; 2]>,
}

fn run_case(
    file: &Path,
    clean: &RgbaImage,
    preset: Preset,
    mode: RestoreMode,
    seed: u64,
    keep_images: bool,
    save: Option<&Path>,
) -> Case {
    let d = degrade(clean, preset, seed ^ dataset::name_hash(file));
    if let Some(dir) = save {
        let path = dir.join(dataset::degraded_file_name(file, preset));
        if let Err(e) = d.image.save(&path) {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }
    let start = Instant::now();
    let options = RestoreOptions {
        mode,
        ..Default::default()
    };
    let result = restore(&d.image, &options);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let (w, h) = clean.dimensions();
    let mut case = Case {
        file: file.to_path_buf(),
        preset,
        true_scale: d.scale,
        pitch: None,
        grid_ok: false,
        exact: 0.0,
        within8: 0.0,
        snapped: 0.0,
        palette_error: 100.0,
        ms,
        error: None,
        images: None,
    };
    match result {
        Ok(r) => {
            let p = r.report.pixel_size;
            let a = accuracy(&r.image, clean);
            case.pitch = Some(p);
            case.grid_ok = grid_found(p[0], d.scale, (w as f32 * d.scale) as u32)
                && grid_found(p[1], d.scale, (h as f32 * d.scale) as u32);
            (case.exact, case.within8, case.snapped, case.palette_error) =
                (a.exact, a.within8, a.snapped, a.palette_error);
            if keep_images {
                case.images = Some([d.image, r.image]);
            }
        }
        Err(e) => {
            case.error = Some(e.to_string());
            if keep_images {
                case.images = Some([d.image, RgbaImage::new(1, 1)]);
            }
        }
    }
    case
}

/// Evenly spread subset of at most `limit` items (all when `limit` is 0).
fn spread<T: Clone>(items: &[T], limit: usize) -> Vec<T> {
    if limit == 0 || limit >= items.len() {
        return items.to_vec();
    }
    (0..limit).map(|i| items[i * items.len() / limit].clone()).collect()
}

/// Per-preset summary row.
struct Row {
    name: String,
    n: usize,
    grid: f32,
    exact: f32,
    within8: f32,
    snapped: f32,
    palette_error: f32,
    ms: f64,
}

fn summarise(name: &str, cases: &[&Case]) -> Row {
    let n = cases.len().max(1) as f32;
    let mean = |f: &dyn Fn(&Case) -> f32| cases.iter().map(|c| f(c)).sum::<f32>() / n;
    Row {
        name: name.into(),
        n: cases.len(),
        grid: 100.0 * mean(&|c| c.grid_ok as u8 as f32),
        exact: 100.0 * mean(&|c| c.exact),
        within8: 100.0 * mean(&|c| c.within8),
        snapped: 100.0 * mean(&|c| c.snapped),
        palette_error: mean(&|c| c.palette_error),
        ms: cases.iter().map(|c| c.ms).sum::<f64>() / n as f64,
    }
}

/// Runs the evaluation and prints the table; exit 0.
pub fn run(args: EvalRestoreArgs) -> Result<ExitCode, CliError> {
    let presets = parse_presets(&args.presets)?;
    let files = spread(&dataset::files(&args.data, args.split)?, args.limit);
    if files.is_empty() {
        return Err(CliError::Usage(format!(
            "no images in {} ({:?} split)",
            args.data.display(),
            args.split
        )));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| CliError::output(&args.out, e))?;
    if let Some(dir) = &args.save_degraded {
        std::fs::create_dir_all(dir).map_err(|e| CliError::output(dir, e))?;
    }

    const SHEET_SAMPLES: usize = 3;
    // Sprites spread over the split, so the sheet shows different kinds of art.
    let sheet_files: Vec<usize> = (0..SHEET_SAMPLES.min(files.len()))
        .map(|i| i * files.len() / SHEET_SAMPLES)
        .collect();
    let jobs: Vec<(usize, Preset)> = (0..files.len())
        .flat_map(|i| presets.iter().map(move |&p| (i, p)))
        .collect();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let bar = progress::bar(jobs.len() as u64, "eval");
    let next = AtomicUsize::new(0);
    let cases = Mutex::new(Vec::with_capacity(jobs.len()));
    let load_errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(f, preset)) = jobs.get(i) else { break };
                match load_image(&files[f]) {
                    Ok(clean) => {
                        let save = args.save_degraded.as_deref();
                        let on_sheet = sheet_files.contains(&f);
                        let case = run_case(&files[f], &clean, preset, args.mode.into(), args.seed, on_sheet, save);
                        cases.lock().unwrap().push(case);
                    }
                    Err(e) => load_errors.lock().unwrap().push(format!("{}: {e}", files[f].display())),
                }
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let mut cases = cases.into_inner().unwrap();
    for e in load_errors.into_inner().unwrap() {
        eprintln!("skipped {e}");
    }
    cases.sort_by(|a, b| a.file.cmp(&b.file).then((a.preset as u8).cmp(&(b.preset as u8))));

    let mut rows: Vec<Row> = presets
        .iter()
        .map(|&p| summarise(p.name(), &cases.iter().filter(|c| c.preset == p).collect::<Vec<_>>()))
        .collect();
    rows.push(summarise("overall", &cases.iter().collect::<Vec<_>>()));
    let mut table = format!(
        "{} sprites from {} ({:?} split), seed {}\n\n| preset | n | grid % | exact % | within-8 % | snapped % | palette err | ms/image |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
        files.len(),
        args.data.display(),
        args.split,
        args.seed
    );
    for r in &rows {
        let _ = writeln!(
            table,
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} |",
            r.name, r.n, r.grid, r.exact, r.within8, r.snapped, r.palette_error, r.ms
        );
    }
    println!("{table}");
    std::fs::write(args.out.join("table.md"), &table).map_err(|e| CliError::output(&args.out, e))?;

    let mut csv =
        String::from("file,preset,true_scale,pitch_x,pitch_y,grid_ok,exact,within8,snapped,palette_error,ms,error\n");
    for c in &cases {
        let [px, py] = c.pitch.unwrap_or([0.0, 0.0]);
        let _ = writeln!(
            csv,
            "{},{},{:.4},{:.4},{:.4},{},{:.4},{:.4},{:.4},{:.3},{:.3},{}",
            c.file.display(),
            c.preset.name(),
            c.true_scale,
            px,
            py,
            c.grid_ok,
            c.exact,
            c.within8,
            c.snapped,
            c.palette_error,
            c.ms,
            c.error.as_deref().unwrap_or("").replace(',', ";")
        );
    }
    std::fs::write(args.out.join("results.csv"), csv).map_err(|e| CliError::output(&args.out, e))?;

    if let Some(dir) = &args.save_degraded {
        let mut truth = String::new();
        for c in &cases {
            let line = serde_json::json!({
                "input": c.file, "output": dir.join(dataset::degraded_file_name(&c.file, c.preset)),
                "preset": c.preset.name(), "scale": c.true_scale,
            });
            let _ = writeln!(truth, "{line}");
        }
        std::fs::write(dir.join("truth.jsonl"), truth).map_err(|e| CliError::output(dir, e))?;
    }
    if args.show_worst > 0 {
        let mut worst: Vec<&Case> = cases.iter().collect();
        worst.sort_by(|a, b| a.exact.total_cmp(&b.exact));
        for c in worst.iter().take(args.show_worst) {
            println!(
                "{:<12} exact {:.2} grid {} true {:.3} found {:?} {} {}",
                c.preset.name(),
                c.exact,
                c.grid_ok,
                c.true_scale,
                c.pitch,
                c.file.display(),
                c.error.as_deref().unwrap_or("")
            );
        }
    }

    // Sheet: one row per preset, (input | output | original) for the first sprites.
    let mut sheet_rows = Vec::new();
    for &p in &presets {
        let mut row = Vec::new();
        for c in cases
            .iter()
            .filter(|c| c.preset == p && c.images.is_some())
            .take(SHEET_SAMPLES)
        {
            let [input, output] = c.images.clone().expect("filtered");
            let original = load_image(&c.file).ok();
            row.push(Some(input));
            row.push(c.error.is_none().then_some(output));
            row.push(original);
        }
        sheet_rows.push(row);
    }
    let sheet_path = args.out.join("sheet.png");
    sheet::comparison_sheet(&sheet_rows)
        .save(&sheet_path)
        .map_err(|e| CliError::output(&sheet_path, e))?;
    eprintln!("wrote table.md, results.csv and sheet.png in {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
