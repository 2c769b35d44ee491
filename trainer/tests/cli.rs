//! The `spritedx` binary honours the CLI contract (DESIGN §3).

use std::path::{Path, PathBuf};
use std::process::Command;

use spritedx_model::degrade::{degrade, Preset};
use spritedx_model::metrics::accuracy;
use spritedx_model::prelude::load_image;

fn spritedx() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spritedx"))
}

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets").join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spritedx-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_degraded(dir: &Path, sprite: &str, preset: Preset) -> PathBuf {
    let clean = load_image(asset(&format!("sprites/{sprite}.png"))).unwrap();
    let path = dir.join(format!("{sprite}_ai.png"));
    degrade(&clean, preset, 11).image.save(&path).unwrap();
    path
}

#[test]
fn one_input_writes_one_file_equal_to_the_original() {
    let dir = scratch("one");
    let input = write_degraded(&dir, "ninja-adventure__monsters__11", Preset::Nearest);
    let out = dir.join("restored.png");
    let status = spritedx()
        .arg("restore")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let original = load_image(asset("sprites/ninja-adventure__monsters__11.png")).unwrap();
    let restored = load_image(&out).unwrap();
    assert_eq!(restored.dimensions(), original.dimensions());
    assert_eq!(accuracy(&restored, &original).exact, 1.0);
}

#[test]
fn a_batch_goes_on_after_a_bad_input_and_exits_1_with_a_report() {
    let dir = scratch("batch");
    let inputs = dir.join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    write_degraded(&inputs, "western-fps-2d__item__burger", Preset::NonInteger);
    write_degraded(&inputs, "medieval-fantasy__items__crate", Preset::Nearest);
    std::fs::write(inputs.join("broken.png"), b"\x89PNG\r\n\x1a\n truncated").unwrap();
    let out = dir.join("out");
    let report = dir.join("report.jsonl");
    let output = spritedx()
        .args(["restore"])
        .arg(&inputs)
        .arg("-o")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let failed: Vec<_> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["input"].as_str().unwrap().ends_with("broken.png"));
    for ok in lines.iter().filter(|l| l.get("error").is_none()) {
        for field in [
            "input",
            "output",
            "pixel_size",
            "offset",
            "cells",
            "colors",
            "confidence",
            "mode",
            "ms",
        ] {
            assert!(ok.get(field).is_some(), "missing {field} in {ok}");
        }
        assert!(Path::new(ok["output"].as_str().unwrap()).exists());
    }
    assert!(out.join("medieval-fantasy__items__crate_ai.png").exists());
}

#[test]
fn hints_palette_and_key_color_are_accepted() {
    let dir = scratch("opts");
    let input = write_degraded(&dir, "medieval-fantasy__items__crate", Preset::Jpeg);
    let palette = dir.join("p.hex");
    std::fs::write(&palette, "000000\nffffff\n8b5a2b\nc08040\n").unwrap();
    let out = dir.join("o.png");
    let status = spritedx()
        .arg("restore")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--palette"])
        .arg(&palette)
        .args(["--key-color", "#ff00ff", "--mode", "classical"])
        .status()
        .unwrap();
    assert!(status.success());
    let bad = spritedx()
        .arg("restore")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--cells", "axb"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("WxH"));
}

#[test]
fn degrade_then_eval_write_their_outputs() {
    let dir = scratch("eval");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for name in ["medieval-fantasy__items__crate", "western-fps-2d__item__burger"] {
        std::fs::copy(asset(&format!("sprites/{name}.png")), data.join(format!("{name}.png"))).unwrap();
    }
    let degraded = dir.join("degraded");
    let status = spritedx()
        .arg("degrade")
        .arg(&data)
        .arg("-o")
        .arg(&degraded)
        .args(["--preset", "nearest,jpeg"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_dir(&degraded).unwrap().count(), 4);
    let out = dir.join("run");
    let output = spritedx()
        .args(["eval", "restore", "--split", "all", "--presets", "nearest"])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("| nearest | 2 | 100.0 | 100.0 |"), "{table}");
    assert!(out.join("sheet.png").exists() && out.join("results.csv").exists());
}

#[test]
fn interpolate_writes_a_frame_and_a_batch_goes_on_after_a_bad_pair() {
    let dir = scratch("interpolate");
    let a = load_image(asset("anim/ninja_walk_right/frame_00.png")).unwrap();
    let out = dir.join("middle.png");
    let status = spritedx()
        .args(["interpolate"])
        .arg(asset("anim/ninja_walk_right/frame_00.png"))
        .arg(asset("anim/ninja_walk_right/frame_01.png"))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(load_image(&out).unwrap().dimensions(), a.dimensions());

    let frames = asset("anim/ninja_walk_right");
    std::fs::write(
        dir.join("pairs.txt"),
        format!(
            "# first, second, name\n{0}/frame_00.png {0}/frame_01.png one\n{0}/missing.png {0}/frame_02.png two\n{0}/frame_02.png {0}/frame_03.png three\n",
            frames.display()
        ),
    )
    .unwrap();
    let status = spritedx()
        .args(["interpolate", "--pairs"])
        .arg(dir.join("pairs.txt"))
        .arg("-o")
        .arg(dir.join("batch"))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1), "one pair failed");
    assert!(dir.join("batch/one.png").is_file() && dir.join("batch/three.png").is_file());
    assert!(!dir.join("batch/two.png").exists());
    assert_eq!(
        load_image(dir.join("batch/one.png")).unwrap(),
        load_image(&out).unwrap(),
        "the same pair gives the same frame"
    );
}

/// Reads a run directory's `metrics.csv` steps and `state.json` step.
fn run_progress(dir: &Path) -> (Vec<usize>, usize) {
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let steps = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap();
    (steps, state["step"].as_u64().unwrap() as usize)
}

#[test]
fn train_restore_resumes_where_it_stopped_and_exports_loadable_weights() {
    let dir = scratch("train");
    let run = dir.join("run");
    let train = |steps: &str, extra: &[&std::ffi::OsStr]| {
        spritedx()
            .args([
                "train", "restore", "--steps", steps, "--every", "1", "--batch", "1", "--crop", "8",
            ])
            .arg("--data")
            .arg(asset("sprites"))
            .arg("--out")
            .arg(&run)
            .args(extra)
            .output()
            .unwrap()
    };
    // Resuming a run that never checkpointed is a usage error, not a fresh start.
    let early = train("2", &["--resume".as_ref()]);
    assert_eq!(early.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&early.stderr).contains("cannot resume"));

    assert!(train("2", &[]).status.success());
    assert_eq!(run_progress(&run), (vec![1, 2], 2));
    assert!(run.join("curve.png").exists());
    let export = dir.join("restorer.mpk");
    let resumed = train("3", &["--resume".as_ref(), "--export".as_ref(), export.as_os_str()]);
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    assert_eq!(run_progress(&run), (vec![1, 2, 3], 3));
    let bytes = std::fs::read(&export).unwrap();
    let device = Default::default();
    spritedx_model::weights::restorer_from_bytes::<burn::backend::Flex>(&bytes, "restorer.mpk", &device).unwrap();
}
