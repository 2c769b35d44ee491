//! The `spritedx` binary: see [`spritedx_trainer::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    spritedx_trainer::run(std::env::args_os())
}
