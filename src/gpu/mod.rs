//! The GPU path: the per-cell work of a restoration (grid resample, palette snap) as
//! WGSL compute shaders (`shaders/restore_cells.wgsl`) on Bevy's render device.
//! Grid detection and palette extraction stay on the CPU; the output equals the CPU
//! path's. Without a render device (headless apps, no adapter) jobs use the CPU.
//!
//! [`GpuCells`] blocks its thread while the GPU works, so the plugin only calls it
//! from runtime jobs on the async compute pool, never inside a frame.

mod cells;

pub use cells::{GpuCells, SHADER};

use std::sync::Arc;

use bevy::prelude::*;
use bevy::render::renderer::{RenderDevice, RenderQueue};
use bevy::render::RenderApp;

/// The GPU path when the app has a render device (see [`crate::settings::SpriteDxSettings::use_gpu`]).
#[derive(Resource, Clone)]
pub struct SpriteDxGpu(pub Arc<GpuCells>);

/// Builds [`SpriteDxGpu`] from the render app's device, if there is one; called from
/// the plugin's `finish` (the render device exists only then).
pub fn init_gpu(app: &mut App) {
    let Some(render_app) = app.get_sub_app(RenderApp) else {
        info!("SpriteDX: no render app, runtime jobs restore on the CPU");
        return;
    };
    let (Some(device), Some(queue)) = (
        render_app.world().get_resource::<RenderDevice>(),
        render_app.world().get_resource::<RenderQueue>(),
    ) else {
        info!("SpriteDX: no render device, runtime jobs restore on the CPU");
        return;
    };
    let gpu = GpuCells::new(device.wgpu_device().clone(), (**queue.0).clone());
    app.insert_resource(SpriteDxGpu(Arc::new(gpu)));
}
