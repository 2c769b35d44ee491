// SpriteDX GPU path: per-cell work of a restoration, the same as the CPU path
// (spritedx_model::restore::{sample_cells, CpuCells}).
//
// `sample_cells`: one invocation per cell. The cell's interior (ranges computed on
// the CPU) gives: coverage (alpha >= 128), the per-channel upper median of the
// covered pixels (the element at index covered / 2 once sorted, found by binary
// search over 0..255), and the summed absolute deviation from that median (the
// noise estimate).
// `snap`: one invocation per cell: the nearest palette colour in OKLab.

struct Params {
    width: u32,
    cells_x: u32,
    cells_y: u32,
    palette_len: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Input pixels, RGBA8 packed little-endian (r in the low byte). [height * width]
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
// Interior range [start, end) of each column, then of each row. [cells_x + cells_y]
@group(0) @binding(2) var<storage, read> ranges: array<vec2<u32>>;
// Per cell: colour RGB + 255 alpha when opaque (packed like `pixels`). [cells_y * cells_x]
@group(0) @binding(3) var<storage, read_write> colors: array<u32>;
// Per cell: (summed absolute deviation, covered pixels). [cells_y * cells_x]
@group(0) @binding(4) var<storage, read_write> spreads: array<vec2<u32>>;
// Palette in OKLab (xyz), computed on the CPU. [palette_len]
@group(0) @binding(5) var<storage, read> palette_lab: array<vec4<f32>>;
// Palette as packed RGBA8. [palette_len]
@group(0) @binding(6) var<storage, read> palette_rgb: array<u32>;
// sRGB 8-bit to linear light, computed on the CPU. [256]
@group(0) @binding(7) var<storage, read> srgb_to_linear: array<f32>;

fn channel(p: u32, c: u32) -> u32 {
    return (p >> (8u * c)) & 0xffu;
}

// Number of covered pixels of the interior whose channel `c` is at most `v`.
fn count_at_most(xr: vec2<u32>, yr: vec2<u32>, c: u32, v: u32) -> u32 {
    var n = 0u;
    for (var y = yr.x; y < yr.y; y++) {
        for (var x = xr.x; x < xr.y; x++) {
            let p = pixels[y * params.width + x];
            if (channel(p, 3u) >= 128u && channel(p, c) <= v) {
                n++;
            }
        }
    }
    return n;
}

@compute @workgroup_size(8, 8, 1)
fn sample_cells(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= params.cells_x || id.y >= params.cells_y) {
        return;
    }
    let xr = ranges[id.x];
    let yr = ranges[params.cells_x + id.y];
    var covered = 0u;
    for (var y = yr.x; y < yr.y; y++) {
        for (var x = xr.x; x < xr.y; x++) {
            if (channel(pixels[y * params.width + x], 3u) >= 128u) {
                covered++;
            }
        }
    }
    let total = (xr.y - xr.x) * (yr.y - yr.x);
    let cell = id.y * params.cells_x + id.x;
    var color = 0u;
    var deviation = 0u;
    if (covered > 0u) {
        let mid = covered / 2u;
        for (var c = 0u; c < 3u; c++) {
            // Smallest v with more than `mid` covered values <= v.
            var lo = 0u;
            var hi = 255u;
            while (lo < hi) {
                let m = (lo + hi) / 2u;
                if (count_at_most(xr, yr, c, m) > mid) {
                    hi = m;
                } else {
                    lo = m + 1u;
                }
            }
            color |= lo << (8u * c);
            for (var y = yr.x; y < yr.y; y++) {
                for (var x = xr.x; x < xr.y; x++) {
                    let p = pixels[y * params.width + x];
                    if (channel(p, 3u) >= 128u) {
                        let v = channel(p, c);
                        deviation += select(lo - v, v - lo, v >= lo);
                    }
                }
            }
        }
    }
    if (covered * 2u >= total && covered > 0u) {
        color |= 0xff000000u;
    }
    colors[cell] = color;
    spreads[cell] = vec2<u32>(deviation, covered);
}

fn cbrt(x: f32) -> f32 {
    return select(-pow(-x, 1.0 / 3.0), pow(x, 1.0 / 3.0), x >= 0.0);
}

fn oklab(p: u32) -> vec3<f32> {
    let r = srgb_to_linear[channel(p, 0u)];
    let g = srgb_to_linear[channel(p, 1u)];
    let b = srgb_to_linear[channel(p, 2u)];
    let l = cbrt(0.41222146 * r + 0.53633255 * g + 0.051445995 * b);
    let m = cbrt(0.2119035 * r + 0.6806995 * g + 0.10739696 * b);
    let s = cbrt(0.08830246 * r + 0.28171885 * g + 0.6299787 * b);
    return vec3<f32>(
        0.21045426 * l + 0.7936178 * m - 0.004072047 * s,
        1.9779985 * l - 2.4285922 * m + 0.4505937 * s,
        0.025904037 * l + 0.78277177 * m - 0.80867577 * s,
    );
}

@compute @workgroup_size(64, 1, 1)
fn snap(@builtin(global_invocation_id) id: vec3<u32>) {
    let cell = id.x;
    if (cell >= params.cells_x * params.cells_y) {
        return;
    }
    let p = colors[cell];
    if (channel(p, 3u) == 0u) {
        colors[cell] = 0u;
        return;
    }
    let lab = oklab(p);
    var best = 0u;
    var best_d = 3.4e38;
    for (var i = 0u; i < params.palette_len; i++) {
        let d3 = palette_lab[i].xyz - lab;
        let d = d3.x * d3.x + d3.y * d3.y + d3.z * d3.z;
        if (d < best_d) {
            best = i;
            best_d = d;
        }
    }
    colors[cell] = (palette_rgb[best] & 0x00ffffffu) | 0xff000000u;
}
