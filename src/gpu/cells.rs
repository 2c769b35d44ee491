//! [`GpuCells`]: [`CellBackend`] on a wgpu device.

use std::borrow::Cow;
use std::sync::mpsc;

use image::Rgba;
use spritedx_model::error::Result;
use spritedx_model::grid::Grid;
use spritedx_model::image::color::{srgb8_to_oklab, srgb_channel_to_linear};
use spritedx_model::image::RgbaImage;
use spritedx_model::palette::Palette;
use spritedx_model::restore::{interior_ranges, noise_level, CellBackend, CellSample, CellSamples};
use spritedx_model::SpriteDxError;
use wgpu::util::DeviceExt;

/// The WGSL source of the compute shaders.
pub const SHADER: &str = include_str!("../../shaders/restore_cells.wgsl");

/// Workgroup size of `sample_cells` (per axis) and of `snap`.
const SAMPLE_GROUP: u32 = 8;
const SNAP_GROUP: u32 = 64;

/// The per-cell work of a restoration on a GPU: build it from any wgpu device (the
/// plugin uses Bevy's render device) and pass it to
/// [`spritedx_model::restore::restore_with`].
pub struct GpuCells {
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: wgpu::BindGroupLayout,
    sample: wgpu::ComputePipeline,
    snap: wgpu::ComputePipeline,
    /// sRGB 8-bit to linear light, the CPU's values.
    srgb_to_linear: wgpu::Buffer,
}

/// Buffers of one dispatch.
struct Dispatch {
    bind_group: wgpu::BindGroup,
    colors: wgpu::Buffer,
    spreads: wgpu::Buffer,
}

impl GpuCells {
    /// Compiles the shaders on `device`.
    pub fn new(device: wgpu::Device, queue: wgpu::Queue) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("spritedx restore_cells"),
            source: wgpu::ShaderSource::Wgsl(Cow::Borrowed(SHADER)),
        });
        let storage = |binding, read_only| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let uniform = wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("spritedx restore_cells"),
            entries: &[
                uniform,
                storage(1, true),
                storage(2, true),
                storage(3, false),
                storage(4, false),
                storage(5, true),
                storage(6, true),
                storage(7, true),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("spritedx restore_cells"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let (sample, snap) = (pipeline("sample_cells"), pipeline("snap"));
        let table: Vec<f32> = (0..256).map(|i| srgb_channel_to_linear(i as f32 / 255.0)).collect();
        let srgb_to_linear = storage_buffer(&device, "srgb_to_linear", bytes_of_f32(&table));
        Self {
            device,
            queue,
            layout,
            sample,
            snap,
            srgb_to_linear,
        }
    }

    /// Creates the buffers and bind group of one dispatch; `params` is
    /// `[image width, cells x, cells y, palette length]`.
    fn prepare(&self, params: [u32; 4], pixels: &[u8], ranges: &[u32], colors: &[u32], palette: &Palette) -> Dispatch {
        let cells = params[1] * params[2];
        let device = &self.device;
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("params"),
            contents: &bytes_of_u32(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        // Storage bindings must not be empty: pad with one element.
        let pixels = storage_buffer(device, "pixels", padded(pixels.to_vec(), 4));
        let ranges = storage_buffer(device, "ranges", padded(bytes_of_u32(ranges), 8));
        let out = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
        let colors = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("colors"),
            // The cell colours to snap, or room for the sampled ones.
            contents: &padded(bytes_of_u32(colors), 4 * cells.max(1) as usize),
            usage: out,
        });
        let spreads = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("spreads"),
            size: 8 * cells.max(1) as u64,
            usage: out,
            mapped_at_creation: false,
        });
        let lab: Vec<f32> = palette
            .colors
            .iter()
            .flat_map(|&c| {
                let l = srgb8_to_oklab(c);
                [l.l, l.a, l.b, 0.0]
            })
            .collect();
        let rgb: Vec<u32> = palette
            .colors
            .iter()
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], 255]))
            .collect();
        let palette_lab = storage_buffer(device, "palette_lab", padded(bytes_of_f32(&lab), 16));
        let palette_rgb = storage_buffer(device, "palette_rgb", padded(bytes_of_u32(&rgb), 4));
        let buffers = [
            &params,
            &pixels,
            &ranges,
            &colors,
            &spreads,
            &palette_lab,
            &palette_rgb,
            &self.srgb_to_linear,
        ];
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("spritedx restore_cells"),
            layout: &self.layout,
            entries: &entries,
        });
        Dispatch {
            bind_group,
            colors,
            spreads,
        }
    }

    /// Runs `pipeline` over `groups` workgroups and reads `buffers` back.
    fn run(
        &self,
        pipeline: &wgpu::ComputePipeline,
        dispatch: &Dispatch,
        groups: [u32; 2],
        buffers: &[&wgpu::Buffer],
    ) -> Result<Vec<Vec<u8>>> {
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &dispatch.bind_group, &[]);
            pass.dispatch_workgroups(groups[0].max(1), groups[1].max(1), 1);
        }
        let staging: Vec<wgpu::Buffer> = buffers
            .iter()
            .map(|b| {
                let copy = self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: b.size(),
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                encoder.copy_buffer_to_buffer(b, 0, &copy, 0, b.size());
                copy
            })
            .collect();
        self.queue.submit([encoder.finish()]);
        let (sender, receiver) = mpsc::channel();
        for (i, buffer) in staging.iter().enumerate() {
            let sender = sender.clone();
            buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                let _ = sender.send((i, r));
            });
        }
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| SpriteDxError::Backend(e.to_string()))?;
        for _ in 0..staging.len() {
            let (_, mapped) = receiver
                .recv()
                .map_err(|e| SpriteDxError::Backend(format!("readback: {e}")))?;
            mapped.map_err(|e| SpriteDxError::Backend(format!("readback: {e}")))?;
        }
        let out = staging
            .iter()
            .map(|b| b.slice(..).get_mapped_range().to_vec())
            .collect();
        staging.iter().for_each(wgpu::Buffer::unmap);
        Ok(out)
    }
}

impl CellBackend for GpuCells {
    fn sample(&self, image: &RgbaImage, grid: &Grid) -> Result<CellSamples> {
        let (w, h) = image.dimensions();
        let (xs, ys) = interior_ranges(grid, w, h);
        let [cw, ch] = grid.cells;
        let ranges: Vec<u32> = xs.iter().chain(&ys).flat_map(|&(a, b)| [a, b]).collect();
        let empty = Palette::new(Vec::new());
        let dispatch = self.prepare([w, cw, ch, 0], image.as_raw(), &ranges, &[], &empty);
        let groups = [cw.div_ceil(SAMPLE_GROUP), ch.div_ceil(SAMPLE_GROUP)];
        let out = self.run(&self.sample, &dispatch, groups, &[&dispatch.colors, &dispatch.spreads])?;
        let cells = (cw * ch) as usize;
        let colors = u32s(&out[0]);
        let spreads = u32s(&out[1]);
        let samples: Vec<CellSample> = colors[..cells]
            .iter()
            .map(|&c| {
                let [r, g, b, a] = c.to_le_bytes();
                CellSample {
                    color: [r, g, b],
                    opaque: a == 255,
                }
            })
            .collect();
        let noise = noise_level(
            samples
                .iter()
                .zip(spreads.chunks_exact(2))
                .filter(|(s, _)| s.opaque)
                .map(|(_, d)| (d[0], d[1])),
        );
        Ok(CellSamples { samples, noise })
    }

    fn snap(&self, samples: &[CellSample], palette: &Palette) -> Result<Vec<Rgba<u8>>> {
        let colors: Vec<u32> = samples
            .iter()
            .map(|s| u32::from_le_bytes([s.color[0], s.color[1], s.color[2], if s.opaque { 255 } else { 0 }]))
            .collect();
        let cells = samples.len() as u32;
        let dispatch = self.prepare([0, cells, 1, palette.len() as u32], &[], &[], &colors, palette);
        let out = self.run(
            &self.snap,
            &dispatch,
            [cells.div_ceil(SNAP_GROUP), 1],
            &[&dispatch.colors],
        )?;
        Ok(u32s(&out[0])[..samples.len()]
            .iter()
            .map(|c| Rgba(c.to_le_bytes()))
            .collect())
    }
}

fn storage_buffer(device: &wgpu::Device, label: &str, contents: Vec<u8>) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: &contents,
        usage: wgpu::BufferUsages::STORAGE,
    })
}

/// `bytes`, or `minimum` zero bytes when empty (bindings must not be empty).
fn padded(mut bytes: Vec<u8>, minimum: usize) -> Vec<u8> {
    if bytes.len() < minimum {
        bytes.resize(minimum, 0);
    }
    bytes
}

fn bytes_of_u32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn bytes_of_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}
