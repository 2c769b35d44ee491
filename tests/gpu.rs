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

/// Messages of finished jobs.
#[derive(bevy::prelude::Resource, Default)]
struct Finished(Vec<RestoreFinished>);

fn record(mut seen: bevy::prelude::ResMut<Finished>, mut finished: bevy::prelude::MessageReader<RestoreFinished>) {
    seen.0.extend(finished.read().cloned());
}

/// A device for the render app, the way `RenderPlugin` would create one.
fn render_device() -> Option<(wgpu::Device, wgpu::Queue)> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = bevy::tasks::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default())).ok()?;
    bevy::tasks::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).ok()
}

/// The plugin finds the render app's `RenderDevice`/`RenderQueue` in `finish` and
/// its runtime jobs run on them. (The render app is set up by hand: the full
/// `RenderPlugin` needs the mesh, camera and window stacks of a game.)
#[test]
fn runtime_jobs_use_bevys_render_device() {
    use bevy::prelude::*;
    use bevy::render::renderer::{RenderDevice, RenderQueue, WgpuWrapper};
    use bevy::render::RenderApp;
    use bevy_spritedx::asset::convert::{image_to_rgba, rgba_to_image};
    use bevy_spritedx::gpu::SpriteDxGpu;
    use std::sync::Arc;

    let Some((device, queue)) = render_device() else {
        eprintln!("SKIPPED: no GPU adapter on this machine; install mesa-vulkan-drivers for lavapipe");
        return;
    };
    let mut app = App::new();
    let mut render_app = SubApp::new();
    render_app.insert_resource(RenderDevice::from(device));
    render_app.insert_resource(RenderQueue(Arc::new(WgpuWrapper::new(queue))));
    app.insert_sub_app(RenderApp, render_app);
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), SpriteDxPlugin::default()))
        .init_resource::<Finished>()
        .add_systems(Update, record.after(SpriteDxSystems::Jobs));
    app.finish();
    app.cleanup();
    assert!(
        app.world().get_resource::<SpriteDxGpu>().is_some(),
        "built from the render device"
    );

    let clean = load_image(shipped("sprites/medieval-fantasy__items__crate.png")).unwrap();
    let input = degrade(&clean, Preset::Bicubic, 4).image;
    let handle = app
        .world_mut()
        .resource_mut::<Assets<Image>>()
        .add(rgba_to_image(&input));
    app.world_mut().resource_mut::<SpriteDxJobs>().restore(&handle);
    for _ in 0..20_000 {
        app.update();
        if app.world().resource::<SpriteDxJobs>().pending() == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    app.update();
    let finished = &app.world().resource::<Finished>().0;
    assert_eq!(finished.len(), 1);
    assert!(finished[0].gpu, "the job ran on the GPU");
    let restored = image_to_rgba(app.world().resource::<Assets<Image>>().get(&handle).unwrap()).unwrap();
    assert_eq!(restored, restore(&input, &RestoreOptions::default()).unwrap().image);
}
