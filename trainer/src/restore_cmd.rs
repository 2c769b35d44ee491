//! `spritedx restore` (DESIGN §3).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;
use spritedx_model::image::color::parse_hex_color;
use spritedx_model::palette::load_palette_file;
use spritedx_model::prelude::*;

use crate::{inputs, progress, CliError};

/// Restorer choice on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModeArg {
    /// The best available restorer.
    Auto,
    /// The classical pipeline.
    Classical,
    /// The learned restorer.
    Learned,
}

impl From<ModeArg> for RestoreMode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Auto => RestoreMode::Auto,
            ModeArg::Classical => RestoreMode::Classical,
            ModeArg::Learned => RestoreMode::Learned,
        }
    }
}

/// Arguments of `spritedx restore`.
#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// Input images or directories (png, jpg, webp).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output file (one input) or directory (several inputs or a directory).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Write one JSON line per input here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Known pixel size (input pixels per cell).
    #[arg(long, conflicts_with = "cells")]
    pub pixel_size: Option<f32>,
    /// Known size of the clean sprite, WxH cells.
    #[arg(long, value_parser = parse_cells)]
    pub cells: Option<[u32; 2]>,
    /// Snap to this palette (.hex, .gpl, .pal).
    #[arg(long, conflicts_with = "max_colors")]
    pub palette: Option<PathBuf>,
    /// Use at most this many colours.
    #[arg(long)]
    pub max_colors: Option<usize>,
    /// Restorer.
    #[arg(long, value_enum, default_value = "auto")]
    pub mode: ModeArg,
    /// Colour to turn transparent, #rrggbb (magenta backgrounds are keyed automatically).
    #[arg(long, value_parser = parse_key)]
    pub key_color: Option<[u8; 3]>,
}

pub fn parse_cells(s: &str) -> Result<[u32; 2], String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or("expected WxH, e.g. 32x32")?;
    let p = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("expected WxH, e.g. 32x32 ('{v}' is not a whole number)"))
    };
    Ok([p(w)?, p(h)?])
}

fn parse_key(s: &str) -> Result<[u8; 3], String> {
    parse_hex_color(s).ok_or_else(|| format!("'{s}' is not a #rrggbb colour"))
}

impl RestoreArgs {
    fn options(&self) -> Result<RestoreOptions, CliError> {
        let fixed = self.palette.as_ref().map(load_palette_file).transpose()?;
        Ok(RestoreOptions {
            hints: GridHints {
                pixel_size: self.pixel_size,
                cells: self.cells,
            },
            palette: PaletteOptions {
                fixed,
                max_colors: self.max_colors,
            },
            key_color: self.key_color.map_or(KeyColor::Auto, KeyColor::Color),
            mode: self.mode.into(),
            ..Default::default()
        })
    }
}

/// Runs the command: exit 0 when every input was restored, 1 when any failed.
pub fn run(args: RestoreArgs) -> Result<ExitCode, CliError> {
    let options = args.options()?;
    let (files, many) = inputs::collect(&args.inputs)?;
    if many {
        std::fs::create_dir_all(&args.output).map_err(|e| CliError::output(&args.output, e))?;
    }
    let mut report = args
        .report
        .as_ref()
        .map(|p| File::create(p).map(BufWriter::new).map_err(|e| CliError::output(p, e)))
        .transpose()?;
    let bar = progress::bar(files.len() as u64, "restore");
    let mut failed = 0usize;
    for input in &files {
        let output = if many {
            args.output.join(format!(
                "{}.png",
                input.file_stem().unwrap_or_default().to_string_lossy()
            ))
        } else {
            args.output.clone()
        };
        let line = match restore_one(input, &output, &options) {
            Ok(r) => json!({
                "input": input, "output": output, "pixel_size": r.pixel_size, "offset": r.offset,
                "cells": r.cells, "colors": r.colors, "confidence": r.confidence, "mode": r.mode, "ms": r.ms,
            }),
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("{}: {e}", input.display()));
                json!({ "input": input, "error": e.to_string() })
            }
        };
        if let Some(w) = report.as_mut() {
            writeln!(w, "{line}").map_err(|e| CliError::output(&args.report.clone().unwrap_or_default(), e))?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(mut w) = report {
        w.flush()
            .map_err(|e| CliError::output(&args.report.clone().unwrap_or_default(), e))?;
    }
    eprintln!("restored {} of {} image(s)", files.len() - failed, files.len());
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn restore_one(input: &Path, output: &Path, options: &RestoreOptions) -> Result<RestoreReport, CliError> {
    let image = load_image(input)?;
    let restored = restore(&image, options)?;
    restored.image.save(output).map_err(|e| CliError::output(output, e))?;
    Ok(restored.report)
}
