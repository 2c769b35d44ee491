//! Comparison sheets: rows of (input | output | original) panels, nearest-scaled.

use image::{imageops, Rgba, RgbaImage};

/// Side of one panel in pixels.
const PANEL: u32 = 96;
/// Gap between panels.
const GAP: u32 = 4;
/// Checkerboard shades behind transparent pixels.
const CHECKER: [[u8; 4]; 2] = [[60, 60, 68, 255], [80, 80, 90, 255]];

/// Scales an image to fit a panel (nearest, so pixels stay visible) on a checkerboard.
fn panel(image: &RgbaImage) -> RgbaImage {
    let mut out = RgbaImage::from_fn(PANEL, PANEL, |x, y| Rgba(CHECKER[((x / 8 + y / 8) % 2) as usize]));
    let (w, h) = image.dimensions();
    let k = (PANEL as f32 / w.max(h) as f32).min(PANEL as f32);
    let (nw, nh) = (
        ((w as f32 * k) as u32).clamp(1, PANEL),
        ((h as f32 * k) as u32).clamp(1, PANEL),
    );
    let filter = if k >= 1.0 {
        imageops::FilterType::Nearest
    } else {
        imageops::FilterType::Triangle
    };
    let scaled = imageops::resize(image, nw, nh, filter);
    imageops::overlay(&mut out, &scaled, ((PANEL - nw) / 2) as i64, ((PANEL - nh) / 2) as i64);
    out
}

/// Lays out rows of panels; each row is one case (e.g. input, output, original).
/// `None` panels (a failed restore) are drawn red.
pub fn comparison_sheet(rows: &[Vec<Option<RgbaImage>>]) -> RgbaImage {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0) as u32;
    let width = cols * (PANEL + GAP) + GAP;
    let height = rows.len() as u32 * (PANEL + GAP) + GAP;
    let mut sheet = RgbaImage::from_pixel(width.max(1), height.max(1), Rgba([24, 24, 28, 255]));
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let p = match cell {
                Some(img) => panel(img),
                None => RgbaImage::from_pixel(PANEL, PANEL, Rgba([150, 30, 30, 255])),
            };
            let x = GAP + c as u32 * (PANEL + GAP);
            let y = GAP + r as u32 * (PANEL + GAP);
            imageops::overlay(&mut sheet, &p, x as i64, y as i64);
        }
    }
    sheet
}
