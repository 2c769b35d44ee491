//! The GPU path (WGSL grid resample + palette snap) gives exactly the CPU path's
//! output on real degraded sprites. Runs on any Vulkan/Metal/DX12 adapter, lavapipe
//! (mesa-vulkan-drivers) included; where no adapter exists it says so and skips.
#![cfg(feature = "gpu")]

mod support;

use bevy_spritedx::gpu::GpuCells;
use bevy_spritedx::model::degrade::{degrade, Preset};
use bevy_spritedx::model::palette::Palette;
use bevy_spritedx::model::restore::restore_with;
use bevy_spritedx::prelude::*;
use support::shipped;

/// A device on the first adapter wgpu finds (WGPU_BACKEND etc. respected).
fn gpu() -> Option<GpuCells> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = match bevy::tasks::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default())) {
        Ok(adapter) => adapter,
        Err(e) => {
            eprintln!("SKIPPED: no GPU adapter on this machine ({e}); install mesa-vulkan-drivers for lavapipe");
            return None;
        }
    };
    eprintln!("GPU adapter: {:?}", adapter.get_info());
    let (device, queue) = bevy::tasks::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default()))
        .expect("the adapter gives a device");
    Some(GpuCells::new(device, queue))
}

#[test]
fn gpu_cells_equal_the_cpu_path_on_real_sprites() {
    let Some(gpu) = gpu() else { return };
    let sprites = [
        "medieval-fantasy__monsters__dragon.png",
        "medieval-fantasy__items__crate.png",
        "ninja-adventure__monsters__11.png",
        "mon__unique__serpent_of_hell-geh.png",
    ];
    let mut compared = 0;
    for (i, name) in sprites.iter().enumerate() {
        let clean = load_image(shipped(&format!("sprites/{name}"))).unwrap();
        for preset in [
            Preset::Nearest,
            Preset::Bicubic,
            Preset::NonInteger,
            Preset::Jpeg,
            Preset::SoftAlpha,
            Preset::Large,
        ] {
            let input = degrade(&clean, preset, i as u64).image;
            let options = RestoreOptions::default();
            let cpu = restore(&input, &options);
            let on_gpu = restore_with(&input, &options, &gpu);
            match (cpu, on_gpu) {
                (Ok(cpu), Ok(on_gpu)) => {
                    assert_eq!(on_gpu.image, cpu.image, "{name} {preset:?}");
                    assert_eq!(on_gpu.report.cells, cpu.report.cells);
                    compared += 1;
                }
                (Err(cpu), Err(on_gpu)) => assert_eq!(cpu.to_string(), on_gpu.to_string()),
                (cpu, on_gpu) => panic!("{name} {preset:?}: cpu {:?} gpu {:?}", cpu.err(), on_gpu.err()),
            }
        }
    }
    assert!(compared >= 20, "{compared} cases compared");
}

#[test]
fn gpu_snaps_to_a_palette_file_like_the_cpu() {
    let Some(gpu) = gpu() else { return };
    let clean = load_image(shipped("sprites/medieval-fantasy__monsters__dragon.png")).unwrap();
    let input = degrade(&clean, Preset::Bicubic, 3).image;
    let mut options = RestoreOptions::default();
    options.palette.fixed = Some(Palette::new(vec![
        [0, 0, 0],
        [255, 255, 255],
        [200, 40, 40],
        [40, 160, 60],
    ]));
    let cpu = restore(&input, &options).unwrap();
    let on_gpu = restore_with(&input, &options, &gpu).unwrap();
    assert_eq!(on_gpu.image, cpu.image);
}
