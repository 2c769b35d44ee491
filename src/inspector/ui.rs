//! The inspector window, drawn with egui from plain data (no Bevy access here), so a
//! test can draw it with a bare `egui::Context`.

use bevy::math::URect;
use bevy_egui::egui::{
    self, load::SizedTexture, Color32, ComboBox, DragValue, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2,
};
use spritedx_model::prelude::{KeyColor, RestoreMode};

use super::overlay::{grid_lines, timeline_spans};
use super::Inspected;
use crate::asset::{AnimationFrame, SpriteDxLoaderSettings, SpriteDxReport};

/// Largest side of the before / after pictures, in points.
const PICTURE_SIDE: f32 = 256.0;
/// Size of a palette swatch, in points.
const SWATCH: f32 = 14.0;
/// Most palette swatches shown (noisy input can restore to hundreds of colours).
const MAX_SWATCHES: usize = 96;
/// Height of the hold timeline, in points.
const TIMELINE_HEIGHT: f32 = 56.0;
/// Width of the hold timeline, in points.
const TIMELINE_WIDTH: f32 = 640.0;
/// Closest grid lines drawn, in points (denser grids ask for zoom).
const MIN_GRID_SPACING: f32 = 5.0;
/// Where the inspector window opens (right of the sprites a scene usually centres).
const WINDOW_POSITION: [f32; 2] = [340.0, 16.0];
/// Colour of the grid drawn over the source.
const GRID_COLOR: Color32 = Color32::from_rgba_premultiplied(0, 160, 160, 160);
/// Colour that marks the frame a player shows.
const PLAYING_COLOR: Color32 = Color32::from_rgb(255, 200, 40);

/// An image egui can draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextureView {
    /// egui's id of the texture.
    pub id: egui::TextureId,
    /// Its size in pixels.
    pub size: [u32; 2],
}

/// What the window shows for the selection.
pub enum Body<'a> {
    /// Nothing selected (or not loaded).
    Nothing,
    /// A restored image.
    Image(ImagePanel<'a>),
    /// An animation.
    Animation(AnimationPanel<'a>),
}

/// A restored image: before / after, report, palette, settings.
pub struct ImagePanel<'a> {
    /// The unrestored source (once read).
    pub source: Option<TextureView>,
    /// The restored image.
    pub restored: Option<TextureView>,
    /// Its report.
    pub report: Option<&'a SpriteDxReport>,
    /// The settings in the editor (once the source is read).
    pub settings: Option<&'a mut SpriteDxLoaderSettings>,
    /// The last thing that happened.
    pub status: &'a str,
    /// A restoration is running.
    pub pending: bool,
}

/// An animation: atlas, report and hold timeline.
pub struct AnimationPanel<'a> {
    /// The atlas image.
    pub atlas: Option<TextureView>,
    /// The frames in playback order.
    pub frames: &'a [AnimationFrame],
    /// Rectangle of each atlas index, in atlas pixels.
    pub rects: Vec<URect>,
    /// Frames (in playback order) that players show now.
    pub playing: &'a [usize],
    /// What restoration found.
    pub report: Option<&'a SpriteDxReport>,
}

/// How the before / after pictures are shown (edited in place).
pub struct PictureOptions<'a> {
    /// Do not draw the grid.
    pub hide_grid: &'a mut bool,
    /// Magnification.
    pub zoom: &'a mut f32,
}

/// What the user asked for in this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Actions {
    /// Show this instead.
    pub select: Option<Inspected>,
    /// Put the `.meta` settings back.
    pub revert: bool,
    /// Write the settings to the `.meta`.
    pub save: bool,
}

/// Draws the inspector window; settings are edited in place.
pub fn show(
    ctx: &egui::Context,
    open: &mut bool,
    pictures: PictureOptions<'_>,
    entries: &[(String, Inspected)],
    selected: Option<Inspected>,
    body: Body<'_>,
) -> Actions {
    let mut actions = Actions::default();
    egui::Window::new("SpriteDX inspector")
        .open(open)
        .default_pos(WINDOW_POSITION)
        .default_size([720.0, 760.0])
        .show(ctx, |ui| {
            let current = entries
                .iter()
                .find(|(_, e)| Some(*e) == selected)
                .map_or("(nothing restored yet)", |(name, _)| name.as_str());
            ComboBox::from_id_salt("spritedx-inspected")
                .selected_text(current)
                .width(420.0)
                .show_ui(ui, |ui| {
                    for (name, entry) in entries {
                        if ui.selectable_label(Some(*entry) == selected, name).clicked() {
                            actions.select = Some(*entry);
                        }
                    }
                });
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| match body {
                Body::Nothing => {
                    ui.label("Restored images (with a #report) and animations appear here once loaded.");
                }
                Body::Image(panel) => image_panel(ui, panel, pictures, &mut actions),
                Body::Animation(panel) => animation_panel(ui, panel),
            });
        });
    actions
}

fn image_panel(ui: &mut egui::Ui, panel: ImagePanel<'_>, pictures: PictureOptions<'_>, actions: &mut Actions) {
    let zoom = pictures.zoom.clamp(1.0, 16.0);
    ui.horizontal(|ui| {
        ui.checkbox(pictures.hide_grid, "hide grid");
        ui.label("zoom");
        ui.add(
            DragValue::new(pictures.zoom)
                .range(1.0..=16.0)
                .speed(0.05)
                .fixed_decimals(1),
        );
    });
    egui::ScrollArea::horizontal()
        .id_salt("spritedx-pictures")
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.label("before (source file, found grid)");
                    match panel.source {
                        Some(source) => {
                            let rect = picture(ui, source, fit_scale(source.size) * zoom);
                            if let (false, Some(report)) = (*pictures.hide_grid, panel.report) {
                                if !draw_grid(ui, rect, report, source.size) {
                                    ui.weak("cells too small here: zoom in to see the grid");
                                }
                            }
                        }
                        None => {
                            ui.label("(reading the source file)");
                        }
                    }
                });
                ui.vertical(|ui| {
                    ui.label("after (restored)");
                    if let Some(restored) = panel.restored {
                        let largest = restored.size[0].max(restored.size[1]).max(1) as f32;
                        picture(ui, restored, (PICTURE_SIDE * zoom / largest).floor().max(1.0));
                    }
                });
            });
        });
    if let Some(report) = panel.report {
        report_grid(ui, report);
        palette_swatches(ui, &report.palette);
    }
    ui.separator();
    match panel.settings {
        Some(settings) => {
            settings_editor(ui, settings);
            ui.horizontal(|ui| {
                actions.revert = ui.button("Revert to .meta").clicked();
                actions.save = ui.button("Save .meta").clicked();
                if panel.pending {
                    ui.spinner();
                }
                ui.label(panel.status);
            });
        }
        None => {
            ui.label(panel.status);
        }
    }
}

/// Scale that fits a picture of `size` pixels in the picture box.
fn fit_scale(size: [u32; 2]) -> f32 {
    PICTURE_SIDE / size[0].max(size[1]).max(1) as f32
}

/// Draws a texture at `scale` points per pixel; returns where.
fn picture(ui: &mut egui::Ui, texture: TextureView, scale: f32) -> Rect {
    let size = Vec2::new(texture.size[0] as f32, texture.size[1] as f32) * scale;
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    egui::Image::from_texture(SizedTexture::new(texture.id, size)).paint_at(ui, rect);
    rect
}

/// The found grid over the source picture drawn in `rect`; `false` (and nothing
/// drawn) when the cells are too small on screen for lines to show anything.
fn draw_grid(ui: &egui::Ui, rect: Rect, report: &SpriteDxReport, source_size: [u32; 2]) -> bool {
    let painter = ui.painter_at(rect);
    let scale = rect.width() / source_size[0].max(1) as f32;
    let pitch = report.report.pixel_size[0].min(report.report.pixel_size[1]);
    if pitch * scale < MIN_GRID_SPACING {
        return false;
    }
    let [xs, ys] = grid_lines(&report.report, source_size);
    let stroke = Stroke::new(1.0, GRID_COLOR);
    for x in xs {
        let x = rect.min.x + x * scale;
        painter.line_segment([Pos2::new(x, rect.min.y), Pos2::new(x, rect.max.y)], stroke);
    }
    for y in ys {
        let y = rect.min.y + y * scale;
        painter.line_segment([Pos2::new(rect.min.x, y), Pos2::new(rect.max.x, y)], stroke);
    }
    true
}

fn report_grid(ui: &mut egui::Ui, report: &SpriteDxReport) {
    let r = &report.report;
    egui::Grid::new("spritedx-report").num_columns(2).show(ui, |ui| {
        let mut row = |name: &str, value: String| {
            ui.label(name);
            ui.monospace(value);
            ui.end_row();
        };
        row(
            "source",
            format!("{} x {} px", report.source_size.x, report.source_size.y),
        );
        row("pixel size", format!("{:.3} x {:.3}", r.pixel_size[0], r.pixel_size[1]));
        row("offset", format!("{:.2}, {:.2}", r.offset[0], r.offset[1]));
        row("cells", format!("{} x {}", r.cells[0], r.cells[1]));
        row("colours", r.colors.to_string());
        row("confidence", format!("{:.2}", r.confidence));
        row("restorer", r.mode.clone());
        row("time", format!("{:.1} ms", r.ms));
    });
}

fn palette_swatches(ui: &mut egui::Ui, palette: &[[u8; 3]]) {
    ui.label(format!("palette ({} colours)", palette.len()));
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing = Vec2::splat(2.0);
        for [r, g, b] in palette.iter().take(MAX_SWATCHES).copied() {
            let (rect, response) = ui.allocate_exact_size(Vec2::splat(SWATCH), Sense::hover());
            ui.painter().rect_filled(rect, 2.0, Color32::from_rgb(r, g, b));
            response.on_hover_text(format!("#{r:02x}{g:02x}{b:02x}"));
        }
        if palette.len() > MAX_SWATCHES {
            ui.weak(format!("and {} more", palette.len() - MAX_SWATCHES));
        }
    });
}

/// An optional value: a checkbox, and the editor when checked.
fn optional<T: Clone>(
    ui: &mut egui::Ui,
    name: &str,
    value: &mut Option<T>,
    default: T,
    edit: impl FnOnce(&mut egui::Ui, &mut T),
) {
    ui.horizontal(|ui| {
        let mut on = value.is_some();
        if ui.checkbox(&mut on, name).changed() {
            *value = on.then_some(default);
        }
        match value {
            Some(v) => edit(ui, v),
            None => {
                ui.weak("automatic");
            }
        }
    });
}

fn settings_editor(ui: &mut egui::Ui, settings: &mut SpriteDxLoaderSettings) {
    ui.strong("settings (each change restores again)");
    optional(ui, "pixel size", &mut settings.pixel_size, 4.0, |ui, v| {
        ui.add(DragValue::new(v).range(1.0..=64.0).speed(0.01).fixed_decimals(2));
    });
    optional(ui, "cells", &mut settings.cells, (32, 32), |ui, (w, h)| {
        ui.add(DragValue::new(w).range(1..=4096));
        ui.label("x");
        ui.add(DragValue::new(h).range(1..=4096));
    });
    optional(ui, "max colours", &mut settings.max_colors, 16, |ui, v| {
        ui.add(DragValue::new(v).range(2..=256));
    });
    ui.horizontal(|ui| {
        ui.label("key colour");
        let key = settings.key_color.unwrap_or_default();
        let name = match key {
            KeyColor::Auto => "auto (magenta border)".to_string(),
            KeyColor::None => "none".to_string(),
            KeyColor::Color([r, g, b]) => format!("#{r:02x}{g:02x}{b:02x}"),
        };
        ComboBox::from_id_salt("spritedx-key")
            .selected_text(name)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(key == KeyColor::Auto, "auto (magenta border)")
                    .clicked()
                {
                    settings.key_color = Some(KeyColor::Auto);
                }
                if ui.selectable_label(key == KeyColor::None, "none").clicked() {
                    settings.key_color = Some(KeyColor::None);
                }
                if ui
                    .selectable_label(matches!(key, KeyColor::Color(_)), "colour")
                    .clicked()
                {
                    settings.key_color = Some(KeyColor::Color([255, 0, 255]));
                }
            });
        if let Some(KeyColor::Color(rgb)) = &mut settings.key_color {
            ui.color_edit_button_srgb(rgb);
        }
    });
    ui.horizontal(|ui| {
        ui.label("restorer");
        let mode = settings.mode.unwrap_or_default();
        ComboBox::from_id_salt("spritedx-mode")
            .selected_text(mode.as_str())
            .show_ui(ui, |ui| {
                for choice in [RestoreMode::Auto, RestoreMode::Classical, RestoreMode::Learned] {
                    if ui.selectable_label(mode == choice, choice.as_str()).clicked() {
                        settings.mode = Some(choice);
                    }
                }
            });
    });
    let mut snap = !settings.no_snap.unwrap_or(false);
    if ui.checkbox(&mut snap, "snap to the palette").changed() {
        settings.no_snap = Some(!snap);
    }
    if let Some(palette) = &settings.palette {
        ui.label(format!("palette file: {palette}"));
    }
}

fn animation_panel(ui: &mut egui::Ui, panel: AnimationPanel<'_>) {
    ui.label(format!(
        "hold timeline: {} frames, {} ms per pass",
        panel.frames.len(),
        panel.frames.iter().map(|f| f.duration.as_millis()).sum::<u128>()
    ));
    let (timeline, _) = ui.allocate_exact_size(Vec2::new(TIMELINE_WIDTH, TIMELINE_HEIGHT), Sense::hover());
    let spans = timeline_spans(panel.frames.iter().map(|f| f.duration));
    for (i, (frame, span)) in panel.frames.iter().zip(spans).enumerate() {
        let rect = Rect::from_min_size(
            Pos2::new(timeline.min.x + span.start * timeline.width(), timeline.min.y),
            Vec2::new(span.length * timeline.width(), timeline.height()),
        )
        .shrink(1.0);
        ui.painter().rect_filled(rect, 2.0, Color32::from_gray(40));
        if let (Some(atlas), Some(cell)) = (panel.atlas, panel.rects.get(frame.index)) {
            let [w, h] = atlas.size.map(|side| side.max(1) as f32);
            let uv = Rect::from_min_max(
                Pos2::new(cell.min.x as f32 / w, cell.min.y as f32 / h),
                Pos2::new(cell.max.x as f32 / w, cell.max.y as f32 / h),
            );
            let thumb = Rect::from_center_size(rect.center(), Vec2::splat(rect.height().min(rect.width()) - 4.0));
            egui::Image::from_texture(SizedTexture::new(atlas.id, thumb.size()))
                .uv(uv)
                .paint_at(ui, thumb);
        }
        let playing = panel.playing.contains(&i);
        let stroke = if playing {
            Stroke::new(2.0, PLAYING_COLOR)
        } else {
            Stroke::new(1.0, Color32::from_gray(110))
        };
        ui.painter().rect_stroke(rect, 2.0, stroke, StrokeKind::Inside);
        ui.interact(rect, ui.id().with(("spritedx-frame", i)), Sense::hover())
            .on_hover_text(format!("frame {i}: {} ms", frame.duration.as_millis()));
    }
    if let Some(atlas) = panel.atlas {
        ui.label("atlas");
        let largest = atlas.size[0].max(atlas.size[1]).max(1) as f32;
        picture(ui, atlas, (PICTURE_SIDE / largest).floor().max(1.0));
    }
    if let Some(report) = panel.report {
        report_grid(ui, report);
        palette_swatches(ui, &report.palette);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bevy::math::UVec2;
    use bevy_egui::egui::epaint::Shape;
    use spritedx_model::degrade::{degrade, Preset};
    use spritedx_model::prelude::{load_image, restore, RestoreOptions};

    use super::*;

    /// Draws the window for a few frames a second apart (egui sizes a new window on
    /// its first pass and fades it in) and returns the shapes of the last.
    fn draw(mut body: impl FnMut() -> Body<'static>) -> Vec<Shape> {
        let ctx = egui::Context::default();
        let input = |second: f64| egui::RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1600.0, 1600.0))),
            time: Some(second),
            ..Default::default()
        };
        let mut shapes = Vec::new();
        for second in 0..3 {
            let mut output = ctx.run_ui(input(second as f64), |ui| {
                let (mut open, mut hide_grid, mut zoom) = (true, false, 1.0);
                let pictures = PictureOptions {
                    hide_grid: &mut hide_grid,
                    zoom: &mut zoom,
                };
                show(ui.ctx(), &mut open, pictures, &[], None, body());
            });
            output.textures_delta.clear();
            shapes = output.shapes.into_iter().map(|s| s.shape).collect();
        }
        shapes
    }

    fn flatten(shapes: Vec<Shape>) -> Vec<Shape> {
        shapes
            .into_iter()
            .flat_map(|s| match s {
                Shape::Vec(inner) => flatten(inner),
                other => vec![other],
            })
            .collect()
    }

    #[test]
    fn the_found_grid_is_drawn_over_the_source() {
        let clean = load_image(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/sprites/western-fps-2d__item__burger.png"
        ))
        .unwrap();
        let input = degrade(&clean, Preset::NonInteger, 3).image;
        let restored = restore(&input, &RestoreOptions::default()).unwrap();
        let report: &'static SpriteDxReport = Box::leak(Box::new(SpriteDxReport::new(
            &restored,
            UVec2::new(input.width(), input.height()),
        )));
        let size = [input.width(), input.height()];
        let [xs, ys] = grid_lines(&report.report, size);
        assert!(xs.len() as u32 >= report.report.cells[0] && ys.len() as u32 >= report.report.cells[1]);
        let shapes = flatten(draw(|| {
            Body::Image(ImagePanel {
                source: Some(TextureView {
                    id: egui::TextureId::User(1),
                    size,
                }),
                restored: Some(TextureView {
                    id: egui::TextureId::User(2),
                    size: report.report.cells,
                }),
                report: Some(report),
                settings: None,
                status: "",
                pending: false,
            })
        }));
        let grid = shapes
            .iter()
            .filter(|s| matches!(s, Shape::LineSegment { stroke, .. } if stroke.color == GRID_COLOR))
            .count();
        assert_eq!(grid, xs.len() + ys.len());
        let swatches = shapes
            .iter()
            .filter(|s| {
                matches!(s, Shape::Rect(r) if report.palette.iter().any(|&[r8, g, b]| r.fill == Color32::from_rgb(r8, g, b)) && r.rect.width() == SWATCH)
            })
            .count();
        assert_eq!(swatches, report.palette.len().min(MAX_SWATCHES));
    }

    #[test]
    fn the_timeline_marks_the_frame_being_played() {
        let frames: &'static [AnimationFrame] = Box::leak(
            [100, 300, 100]
                .iter()
                .enumerate()
                .map(|(index, ms)| AnimationFrame {
                    index,
                    duration: Duration::from_millis(*ms),
                    in_between: false,
                })
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        let shapes = flatten(draw(|| {
            Body::Animation(AnimationPanel {
                atlas: None,
                frames,
                rects: Vec::new(),
                playing: &[1],
                report: None,
            })
        }));
        let marked: Vec<f32> = shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Rect(r) if r.stroke.color == PLAYING_COLOR => Some(r.rect.width()),
                _ => None,
            })
            .collect();
        // One marked frame, the long one: 3/5 of the timeline.
        assert_eq!(marked.len(), 1);
        assert!((marked[0] - (TIMELINE_WIDTH * 0.6 - 2.0)).abs() < 1.0, "{marked:?}");
    }
}
