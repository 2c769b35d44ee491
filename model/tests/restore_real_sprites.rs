//! Restores real sprites after synthetic degradation and compares with the originals.

mod common;

use spritedx_model::degrade::{degrade, Degraded, Preset};
use spritedx_model::metrics::{accuracy, grid_found};
use spritedx_model::prelude::*;

/// Same size and every pixel equal (colour under transparent pixels aside; alpha
/// binarised at 128, as the evaluation protocol does).
fn assert_same_sprite(restored: &image::RgbaImage, clean: &image::RgbaImage) {
    assert_eq!(restored.dimensions(), clean.dimensions());
    let acc = accuracy(restored, clean);
    assert_eq!((acc.exact, acc.shift), (1.0, [0, 0]));
}

fn restore_preset(preset: Preset, seed: u64) -> Vec<(String, f32, f32)> {
    restore_sprites(common::shipped_sprites(), preset, seed)
}

fn restore_sprites(sprites: Vec<(String, image::RgbaImage)>, preset: Preset, seed: u64) -> Vec<(String, f32, f32)> {
    sprites
        .into_iter()
        .map(|(name, clean)| {
            let degraded = degrade(&clean, preset, seed);
            let restored = restore(&degraded.image, &RestoreOptions::default())
                .unwrap_or_else(|e| panic!("{name} ({preset:?}): {e}"));
            let acc = accuracy(&restored.image, &clean);
            (name, acc.exact, acc.snapped)
        })
        .collect()
}

#[test]
fn nearest_upscales_restore_to_the_exact_original() {
    for seed in 0..3 {
        for (name, exact, _) in restore_preset(Preset::Nearest, seed) {
            assert_eq!(exact, 1.0, "{name} seed {seed}");
        }
    }
}

#[test]
fn non_integer_nearest_upscales_restore_exactly() {
    for seed in 0..4 {
        for (name, exact, _) in restore_preset(Preset::NonInteger, seed) {
            assert_eq!(exact, 1.0, "{name} seed {seed}");
        }
    }
}

/// Textured tiles and a dragon whose spectra point the statistical search at 2/3 or
/// 1/2 of their non-integer pitch (seen on the dev split): the exact lattice of their
/// colour changes finds it.
#[test]
fn non_integer_upscales_with_misleading_spectra_restore_exactly() {
    for seed in 0..6 {
        for (name, exact, _) in restore_sprites(common::sprites_in("sprites/hard"), Preset::NonInteger, seed) {
            assert_eq!(exact, 1.0, "{name} seed {seed}");
        }
    }
}

#[test]
fn restored_output_has_the_original_size_on_easy_presets() {
    for (name, clean) in common::shipped_sprites() {
        let degraded = degrade(&clean, Preset::Nearest, 5);
        let restored = restore(&degraded.image, &RestoreOptions::default()).unwrap();
        assert_same_sprite(&restored.image, &clean);
        assert_eq!(restored.report.pixel_size, [degraded.scale; 2], "{name}");
        assert_eq!(restored.report.mode, "classical");
    }
}

/// Hard presets: thresholds a little under what `spritedx eval restore` measures, so
/// a regression fails the test (the eval command holds the real targets).
#[test]
fn hard_presets_stay_above_their_accuracy_floor() {
    for (preset, min_mean_snapped) in [
        (Preset::Jpeg, 0.75),
        (Preset::Large, 0.6),
        (Preset::GammaDither, 0.75),
        (Preset::Bicubic, 0.6),
    ] {
        let results = restore_preset(preset, 2);
        let mean = results.iter().map(|r| r.2).sum::<f32>() / results.len() as f32;
        assert!(
            mean >= min_mean_snapped,
            "{preset:?}: mean snapped accuracy {mean:.3} < {min_mean_snapped}: {results:?}"
        );
    }
}

/// Smooth upscales (bilinear, and bicubic with soft alpha edges) are piecewise
/// linear or cubic between the true cell centres; cell means alone read half or a
/// third of their pitch, or no grid at all.
#[test]
fn smooth_upscales_find_the_true_grid() {
    let mut misses = Vec::new();
    for preset in [Preset::Bilinear, Preset::SoftAlpha] {
        for seed in 0..4 {
            for (name, clean) in common::shipped_sprites() {
                let d = degrade(&clean, preset, seed);
                let (w, h) = clean.dimensions();
                let extent = |n: u32| (n as f32 * d.scale) as u32;
                let found = detect_grid(&d.image, &GridHints::default()).is_ok_and(|g| {
                    grid_found(g.pixel_size[0], d.scale, extent(w)) && grid_found(g.pixel_size[1], d.scale, extent(h))
                });
                if !found {
                    misses.push(format!("{name} {preset:?} seed {seed} (scale {:.2})", d.scale));
                }
            }
        }
    }
    // 3 misses today; cell means alone miss 7.
    assert!(misses.len() <= 3, "grid missed on {} of 64: {misses:?}", misses.len());
}

/// The seed `spritedx eval restore --seed 0` degrades a file with (FNV-1a of its name).
fn eval_seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The clean sprite `assets/sprites/<dir>/<name>` and its degradation by `preset` as
/// `spritedx eval restore --seed 0` makes it.
fn eval_case(dir: &str, name: &str, preset: Preset) -> (image::RgbaImage, Degraded) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/sprites")
        .join(dir)
        .join(name);
    let clean = load_image(path).unwrap();
    let degraded = degrade(&clean, preset, eval_seed(name));
    (clean, degraded)
}

/// The `grid_search` tile `name` degraded with `preset` (the eval's seed) restores
/// on its true pitch.
fn assert_restored_at_true_pitch(name: &str, preset: Preset) {
    let (_, d) = eval_case("grid_search", name, preset);
    let restored = restore(&d.image, &RestoreOptions::default()).unwrap();
    assert_true_pitch(name, restored.grid.pixel_size, d.scale);
}

/// The `grid_search` tile `name` degraded with `preset` (the eval's seed) restores
/// on its true pitch to the original sprite.
fn assert_restored_exactly(name: &str, preset: Preset) {
    let (clean, d) = eval_case("grid_search", name, preset);
    let restored = restore(&d.image, &RestoreOptions::default()).unwrap();
    assert_true_pitch(name, restored.grid.pixel_size, d.scale);
    assert_same_sprite(&restored.image, &clean);
}

/// Both axes of `pixel_size` within 1% of the true `scale`.
fn assert_true_pitch(name: &str, pixel_size: [f32; 2], scale: f32) {
    for p in pixel_size {
        assert!((p / scale - 1.0).abs() < 0.01, "{name}: {pixel_size:?} for {scale}");
    }
}

/// Two dev-split cases where one axis read the true pitch and the other a wrong one
/// (7.26 for 3.70; 2.35 for 2.12): the axis whose redraw improves by taking the
/// other's pitch takes it.
#[test]
fn axes_that_disagree_settle_on_the_pitch_that_redraws_better() {
    for (name, preset) in [
        ("dngn__doors__gate_closed_right.png", Preset::Bicubic),
        ("gui__skills__air_magic.png", Preset::Bilinear),
    ] {
        let (_, d) = eval_case("axes", name, preset);
        let grid = detect_grid(&d.image, &GridHints::default()).unwrap();
        assert_true_pitch(name, grid.pixel_size, d.scale);
    }
    // The bilinear one restores exactly (94.8% before).
    let (clean, d) = eval_case("axes", "gui__skills__air_magic.png", Preset::Bilinear);
    let restored = restore(&d.image, &RestoreOptions::default()).unwrap();
    assert_same_sprite(&restored.image, &clean);
}

/// Two dev-split cases of the nearby-pitch check: a strongly blurred large upscale
/// whose axes both read 8.66 for 8.00 (the spectrum still shows 8.00, and its
/// redraw error is 2.5 times lower), and a JPEG of a nearest upscale, which a finer
/// nearby pitch (1.86 for 2.16) redraws far better but is not taken: the check is
/// for smooth upscales only.
#[test]
fn a_pitch_a_tenth_off_is_moved_to_the_nearby_one_that_redraws_a_smooth_upscale() {
    for (name, preset) in [
        ("gui__spells__conjuration__searing_ray.png", Preset::Large),
        ("player__body__dragonarm_gold.png", Preset::Jpeg),
    ] {
        assert_restored_at_true_pitch(name, preset);
    }
}

/// A dev-split bilinear upscale of a maze of one-cell lines read at half its pitch
/// (2.18 for 4.36): the half-pitch grid's cell centres lie on the true ones, so its
/// double is redrawn only from phases half a (half-pitch) cell on, which the check
/// of coarser pitches now tries. Restored exactly (7.8% exact before).
#[test]
fn a_bilinear_upscale_read_at_half_its_pitch_is_doubled() {
    assert_restored_exactly("dngn__wall__cobalt_stone11.png", Preset::Bilinear);
}

/// Two dev-split cases the sweep of the redraw error along the pitch fixed: a
/// bilinear upscale of a mesh floor read at 5.42 for 5.69 (5% exact before), now
/// restored exactly, and a soft-alpha upscale of an icon read at 1.50 for 2.23
/// (67% exact before).
#[test]
fn a_smooth_upscale_read_at_a_wrong_pitch_is_moved_to_its_own_by_the_sweep() {
    assert_restored_exactly("dngn__floor__mesh1.png", Preset::Bilinear);
    assert_restored_at_true_pitch("gui__skills__fighting.png", Preset::SoftAlpha);
}

/// Dev-split cases the whole step of the grid search fixed: the JPEG of a floor
/// tile read at 11.23 for 5.62 (4% exact before) and the bilinear upscale of another
/// read at 7.48 for 3.75 as a sharp grid (0% exact before), where the true pitch is
/// the clearest spectral peak and redraws them far better, and the bilinear upscale
/// of a belt read at half its pitch (2.26 for 4.52, 96% exact before), whose double
/// redraws it better once scanned.
#[test]
fn a_grid_read_at_twice_or_half_its_pitch_steps_to_its_own() {
    assert_restored_at_true_pitch("dngn__floor__cobble_blood12.png", Preset::Jpeg);
    assert_restored_exactly("dngn__floor__lair0b.png", Preset::Bilinear);
    assert_restored_exactly("player__legs__belt_gray.png", Preset::Bilinear);
}

/// Two dev-split tiles whose large upscales found no grid (confidence 0.02 and 0.12
/// on one axis): each axis had settled on a pitch two to three times finer that the
/// other did not share, while the true pitch was the clearest spectral peak of
/// both and fully coherent on both, and the last resort before "no grid" takes it.
#[test]
fn a_large_upscale_whose_axes_found_no_grid_takes_the_clearest_square_peak() {
    for name in ["dngn__statues__statue_iron.png", "dngn__wall__cobalt_stone11.png"] {
        assert_restored_at_true_pitch(name, Preset::Large);
    }
}

/// Two dev-split floor tiles read on a weak spectral peak (7.09 for 4.35 bicubic,
/// 1.51 for 3.86 bilinear; 0% exact before): the clearest peak of both spectra,
/// confident on both axes and redrawing them better, takes its place, and both
/// restore exactly.
#[test]
fn a_grid_on_a_weak_spectral_peak_gives_way_to_a_clearer_square_one() {
    assert_restored_exactly("dngn__floor__spider00.png", Preset::Bicubic);
    assert_restored_exactly("dngn__floor__spider04.png", Preset::Bilinear);
}

/// A dev-split icon whose smooth upscales the coherence statistics read at a pitch
/// that is no multiple of the true one (12.2 for 8.1 at large scale, 4.3 for 3.2
/// bilinear): the true pitch, among the ranked candidates, redraws the input 18 to
/// 32 times better, and the finer-pitch check takes it.
#[test]
fn a_smooth_upscale_read_at_a_non_multiple_of_its_pitch_takes_the_finer_one_that_redraws_it() {
    let name = "gui__skills__gods__beogh.png";
    for preset in [Preset::Large, Preset::Bilinear] {
        assert_restored_at_true_pitch(name, preset);
    }
}

/// A dev-split floor tile whose large and bilinear upscales the grid search read at
/// two and four times the pitch (32.1 for 15.1, 12.2 for 3.2), where no
/// smooth kernel fits and the grid redraws best as a sharp upscale: the true pitch,
/// redrawn as a bicubic upscale, leaves over four times less error, and the
/// finer-pitch check takes it.
#[test]
fn a_smooth_upscale_read_as_a_sharp_one_at_a_coarser_pitch_takes_the_finer_one_that_redraws_it() {
    let name = "dngn__floor__gauntlet1.png";
    for preset in [Preset::Large, Preset::Bilinear] {
        assert_restored_at_true_pitch(name, preset);
    }
}

/// A JPEG of a small sprite over magenta keeps few colours once the key is removed
/// (and a tiny image has few colours anyway): it must not pass for clean art and come
/// back unchanged, as it did before the key's noisy background counted against it.
#[test]
fn a_small_jpeg_over_magenta_is_restored_not_returned_unchanged() {
    let name = "rpg-battle-system__HUD__arrow-right.png";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/sprites/overlays")
        .join(name);
    let clean = load_image(path).unwrap();
    let (w, h) = clean.dimensions();
    let mut exact = 0.0;
    const SEEDS: u64 = 8;
    for seed in 0..SEEDS {
        let d = degrade(&clean, Preset::Jpeg, seed);
        let restored =
            restore(&d.image, &RestoreOptions::default()).unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
        let [px, py] = restored.report.pixel_size;
        assert_eq!(restored.report.mode, "classical", "{name} seed {seed}");
        assert!(
            grid_found(px, d.scale, (w as f32 * d.scale) as u32)
                && grid_found(py, d.scale, (h as f32 * d.scale) as u32),
            "{name} seed {seed}: {px}x{py} for {}",
            d.scale
        );
        exact += accuracy(&restored.image, &clean).exact;
    }
    let mean = exact / SEEDS as f32;
    assert!(mean >= 0.7, "{name}: mean exact {mean}");
}

/// Black outlines of the shipped sprites, upscaled with bicubic, blurred and noised:
/// the noise is clipped at 0 in straight colour, mostly where the outline's edge is
/// soft, and read as what it hid there too. With opaque pixels corrected only, 17%
/// of these black pixels came back exactly black (a few levels high otherwise), and
/// 34% with semi-transparent ones too; the bias is not gone, so the bound is a
/// share, not all of them.
#[test]
fn black_outlines_on_a_soft_edge_come_back_black_more_often() {
    let (mut black, mut exact) = (0usize, 0usize);
    for (name, clean) in common::shipped_sprites() {
        let is_black = |p: &image::Rgba<u8>| p[3] >= 128 && p.0[..3] == [0, 0, 0];
        if !clean.pixels().any(is_black) {
            continue;
        }
        for seed in 0..6 {
            let d = degrade(&clean, Preset::Bicubic, seed);
            let restored = restore(&d.image, &RestoreOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let shift = accuracy(&restored.image, &clean).shift;
            for (x, y, _) in clean.enumerate_pixels().filter(|(_, _, p)| is_black(p)) {
                black += 1;
                let (rx, ry) = (x as i32 + shift[0], y as i32 + shift[1]);
                let (w, h) = restored.image.dimensions();
                if rx >= 0 && ry >= 0 && (rx as u32) < w && (ry as u32) < h {
                    exact += is_black(restored.image.get_pixel(rx as u32, ry as u32)) as usize;
                }
            }
        }
    }
    let share = exact as f32 / black.max(1) as f32;
    println!("black pixels restored black: {exact} of {black} ({share:.3})");
    assert!(share >= 0.25, "{exact} of {black} black pixels restored black");
}

#[test]
fn a_fixed_palette_is_respected() {
    let (_, clean) = common::shipped_sprites().remove(0);
    let degraded = degrade(&clean, Preset::Jpeg, 3);
    let palette = Palette::new(vec![[0, 0, 0], [255, 255, 255], [200, 40, 40], [60, 120, 60]]);
    let options = RestoreOptions {
        palette: PaletteOptions {
            fixed: Some(palette.clone()),
            max_colors: None,
        },
        ..Default::default()
    };
    let restored = restore(&degraded.image, &options).unwrap();
    for p in restored.image.pixels().filter(|p| p[3] > 0) {
        assert!(
            palette.colors.contains(&[p[0], p[1], p[2]]),
            "{p:?} is not in the palette"
        );
    }
}

#[test]
fn max_colors_limits_the_output() {
    let (_, clean) = common::shipped_sprites().remove(3);
    let degraded = degrade(&clean, Preset::Nearest, 3);
    let options = RestoreOptions {
        palette: PaletteOptions {
            fixed: None,
            max_colors: Some(4),
        },
        ..Default::default()
    };
    let restored = restore(&degraded.image, &options).unwrap();
    assert!(restored.report.colors <= 4, "{} colours", restored.report.colors);
}

#[test]
fn pixel_size_and_cells_hints_are_used() {
    let (_, clean) = common::shipped_sprites().remove(1);
    let degraded = degrade(&clean, Preset::Nearest, 4);
    let by_size = RestoreOptions {
        hints: GridHints {
            pixel_size: Some(degraded.scale),
            cells: None,
        },
        ..Default::default()
    };
    assert_same_sprite(&restore(&degraded.image, &by_size).unwrap().image, &clean);
    let by_cells = RestoreOptions {
        hints: GridHints {
            pixel_size: None,
            cells: Some([clean.width(), clean.height()]),
        },
        ..Default::default()
    };
    assert_same_sprite(&restore(&degraded.image, &by_cells).unwrap().image, &clean);
}

#[test]
fn a_sprite_sheet_shares_one_grid() {
    // Two sprites side by side in one sheet, upscaled together.
    let sprites = common::shipped_sprites();
    let (a, b) = (&sprites[0].1, &sprites[2].1);
    let mut sheet = image::RgbaImage::new(a.width() + b.width(), a.height().max(b.height()));
    image::imageops::overlay(&mut sheet, a, 0, 0);
    image::imageops::overlay(&mut sheet, b, a.width() as i64, 0);
    let degraded = degrade(&sheet, Preset::NonInteger, 9);
    let restored = restore(&degraded.image, &RestoreOptions::default()).unwrap();
    assert_eq!(accuracy(&restored.image, &sheet).exact, 1.0);
}

/// The README's first command restores `assets/demo/dragon_ai.png` (the dragon drawn at
/// 13.3x with blur and noise, made with `spritedx degrade --preset large --seed 7`):
/// all but 3 of its 1102 pixels exact since the upscaling model is chosen on 12 cells
/// drawn as part of the image (84.1% before, on a 96 px crop that misjudged the blur).
#[test]
fn the_shipped_demo_restores_to_its_original() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let demo = load_image(root.join("assets/demo/dragon_ai.png")).unwrap();
    let clean = load_image(root.join("assets/sprites/medieval-fantasy__monsters__dragon.png")).unwrap();
    let restored = restore(&demo, &RestoreOptions::default()).unwrap();
    assert_eq!(restored.image.dimensions(), clean.dimensions());
    let acc = accuracy(&restored.image, &clean);
    eprintln!("demo accuracy {acc:?}");
    assert!(acc.exact >= 0.99 && acc.within8 == 1.0 && acc.snapped == 1.0, "{acc:?}");
}
