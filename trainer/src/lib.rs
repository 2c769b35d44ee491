//! `spritedx`: the headless SpriteDX tool (DESIGN §3), as a library so that other
//! crates' tests can run the exact command line in-process ([`run`]).
//!
//! `restore` is the product; `degrade` and `eval` are the developers' tools that
//! produce and score synthetic test cases.

mod clips;
mod dataset;
mod degrade_cmd;
mod eval;
mod holds_cmd;
mod inputs;
mod interp_data;
mod interpolate_cmd;
mod plot;
mod progress;
mod restore_cmd;
mod sheet;
mod train;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Turn AI-generated pseudo pixel art into clean sprites.
#[derive(Parser, Debug)]
#[command(name = "spritedx", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Restore pixel alignment: one pixel per cell, a small palette, transparency kept.
    Restore(restore_cmd::RestoreArgs),
    /// Choose the drawings of a fluid clip and how long to hold each.
    Holds(holds_cmd::HoldsArgs),
    /// The frame between two frames (a scene cut gives a hold, never a blend).
    Interpolate(interpolate_cmd::InterpolateArgs),
    /// Corrupt clean sprites with a degradation preset (seeded), for tests and evaluation.
    Degrade(degrade_cmd::DegradeArgs),
    /// Score a model on a dataset.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Train a learned model.
    #[command(subcommand)]
    Train(TrainCommand),
}

#[derive(Subcommand, Debug)]
enum TrainCommand {
    /// Train the learned restorer on degradations made on the fly.
    Restore(train::restore::TrainRestoreArgs),
    /// Train the LayeredInterpolator on drawing triplets, layered shots and cuts.
    Interp(train::interp::TrainInterpArgs),
}

#[derive(Subcommand, Debug)]
enum EvalCommand {
    /// Degrade clean sprites with every preset, restore them and compare.
    Restore(eval::restore::EvalRestoreArgs),
    /// Score another restorer's outputs on cases saved by `eval restore --save-degraded`.
    Score(eval::score::EvalScoreArgs),
    /// Make fluid clips from hand-timed ones and recover their keys and holds.
    Holds(eval::holds::EvalHoldsArgs),
    /// In-between frames against the true ones: triplets, layered shots, cuts.
    Interp(eval::interp::EvalInterpArgs),
}

/// Runs the command line `args` (the first item is the program name), printing
/// what the binary prints; returns its exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are "errors" that print to stdout and succeed.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Restore(args) => restore_cmd::run(args),
        Command::Degrade(args) => degrade_cmd::run(args),
        Command::Holds(args) => holds_cmd::run(args),
        Command::Interpolate(args) => interpolate_cmd::run(args),
        Command::Eval(EvalCommand::Restore(args)) => eval::restore::run(args),
        Command::Eval(EvalCommand::Score(args)) => eval::score::run(args),
        Command::Eval(EvalCommand::Holds(args)) => eval::holds::run(args),
        Command::Eval(EvalCommand::Interp(args)) => eval::interp::run(args),
        Command::Train(TrainCommand::Restore(args)) => train::restore::run(args),
        Command::Train(TrainCommand::Interp(args)) => train::interp::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Errors of the command-line tool itself (per-input errors are reported and counted).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An input path does not exist or cannot be listed.
    #[error("{path}: {message}")]
    Input {
        /// The path given.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Writing an output failed.
    #[error("cannot write {path}: {message}")]
    Output {
        /// The path written.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A model error outside a per-input loop.
    #[error(transparent)]
    Model(#[from] spritedx_model::SpriteDxError),
    /// A bad argument value.
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    /// Writing `path` failed with `error`.
    pub fn output(path: &Path, error: impl std::fmt::Display) -> Self {
        Self::Output {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    }
}
