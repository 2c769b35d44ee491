//! Training-curve plots: one panel per metrics.csv column, stacked top to bottom in
//! the order asked, each scaled to its own range (light grid lines at quarters).
//! Drawn with the `image` crate already in use, so no plotting dependency is added.

use std::path::Path;

use image::{Rgb, RgbImage};

use crate::CliError;

const PANEL_W: u32 = 640;
const PANEL_H: u32 = 140;
const MARGIN: u32 = 10;
const COLORS: [[u8; 3]; 4] = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189]];

/// Plots the columns `names` of the CSV at `csv` (x = its first column) into `png`.
pub fn curves_from_csv(csv: &Path, png: &Path, names: &[&str]) -> Result<(), CliError> {
    let text = std::fs::read_to_string(csv).map_err(|e| CliError::Input {
        path: csv.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let rows: Vec<Vec<f32>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap_or(f32::NAN)).collect())
        .collect();
    let mut image = RgbImage::from_pixel(PANEL_W, PANEL_H * names.len() as u32, Rgb([255, 255, 255]));
    for (panel, name) in names.iter().enumerate() {
        let Some(column) = header.iter().position(|h| h == name) else {
            continue;
        };
        let points: Vec<(f32, f32)> = rows
            .iter()
            .filter_map(|r| Some((*r.first()?, *r.get(column)?)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        draw_panel(
            &mut image,
            panel as u32 * PANEL_H,
            &points,
            Rgb(COLORS[panel % COLORS.len()]),
        );
    }
    image.save(png).map_err(|e| CliError::output(png, e))
}

fn draw_panel(image: &mut RgbImage, top: u32, points: &[(f32, f32)], color: Rgb<u8>) {
    let (x0, x1) = (MARGIN, PANEL_W - MARGIN);
    let (y0, y1) = (top + MARGIN, top + PANEL_H - MARGIN);
    for q in 0..=4 {
        let y = y0 + (y1 - y0) * q / 4;
        for x in x0..x1 {
            image.put_pixel(x, y, Rgb([225, 225, 225]));
        }
    }
    if points.len() < 2 {
        return;
    }
    let (xmin, xmax) = (points[0].0, points[points.len() - 1].0.max(points[0].0 + 1.0));
    let ymin = points.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
    let ymax = points
        .iter()
        .map(|p| p.1)
        .fold(f32::NEG_INFINITY, f32::max)
        .max(ymin + 1e-6);
    let to_px = |(x, y): (f32, f32)| {
        let px = x0 as f32 + (x - xmin) / (xmax - xmin) * (x1 - x0) as f32;
        let py = y1 as f32 - (y - ymin) / (ymax - ymin) * (y1 - y0) as f32;
        (px, py)
    };
    for pair in points.windows(2) {
        let (a, b) = (to_px(pair[0]), to_px(pair[1]));
        let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) as usize).max(1);
        for i in 0..=n {
            let t = i as f32 / n as f32;
            let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            for dy in 0..2 {
                let (px, py) = (x as u32, y as u32 + dy);
                if px < image.width() && py < image.height() {
                    image.put_pixel(px, py, color);
                }
            }
        }
    }
}
