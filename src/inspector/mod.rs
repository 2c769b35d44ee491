//! The inspector (feature `inspector`): a bevy_egui window that shows what SpriteDX
//! did to each restored image and animation, and lets you tune it while the game runs.
//!
//! - **Before / after**: the source file with the grid the restorer found drawn over
//!   it, beside the restored sprite.
//! - **Report and palette**: pixel size, offset, cells, colours, confidence, time,
//!   and the palette swatches.
//! - **Settings**: the image's [`SpriteDxLoaderSettings`] (from its `.meta`), editable;
//!   every edit re-restores the source on [`SpriteDxJobs`] and updates the image and
//!   its `#report` in place. *Save .meta* writes them back (hot reload then loads the
//!   image with them).
//! - **Hold timeline** of animations, with the frame each [`SpriteDxPlayer`] shows.
//!
//! ```no_run
//! # use bevy::prelude::*;
//! # use bevy_spritedx::prelude::*;
//! use bevy_egui::EguiPlugin;
//! use bevy_spritedx::inspector::SpriteDxInspectorPlugin;
//!
//! App::new()
//!     .add_plugins((DefaultPlugins, EguiPlugin::default()))
//!     .add_plugins((SpriteDxPlugin::default(), SpriteDxInspectorPlugin::default()))
//!     .run();
//! ```
//!
//! The window toggles with [`SpriteDxInspectorPlugin::toggle_key`] (backquote by
//! default). Without bevy_egui's `EguiPlugin` the window is not drawn, but the
//! selection and re-restoration work the same (the tests drive them that way).

mod overlay;
mod source;
mod ui;

pub use overlay::{axis_lines, grid_lines, timeline_spans, TimelineSpan};
pub use source::{parse_meta, write_meta, MetaKind, SourceFiles};

use bevy::asset::AssetEvent;
use bevy::image::TextureAtlasLayout;
use bevy::prelude::*;
use bevy::tasks::{block_on, futures_lite::future, IoTaskPool, Task};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, EguiTextureHandle};

use crate::animation::SpriteDxPlayer;
use crate::asset::convert::rgba_to_image;
use crate::asset::{SpriteDxAnimation, SpriteDxLoaderSettings, SpriteDxReport, REPORT_LABEL};
use crate::jobs::{RestoreFinished, SpriteDxJobs};
use crate::plugin::SpriteDxSystems;
use crate::settings::SpriteDxSettings;

/// Adds the inspector; needs [`crate::plugin::SpriteDxPlugin`], and bevy_egui's
/// `EguiPlugin` for the window.
#[derive(Clone, Debug)]
pub struct SpriteDxInspectorPlugin {
    /// Opens the window at start-up.
    pub open: bool,
    /// Key that shows and hides the window (`None`: only [`SpriteDxInspector::open`]).
    pub toggle_key: Option<KeyCode>,
}

impl Default for SpriteDxInspectorPlugin {
    fn default() -> Self {
        Self {
            open: false,
            toggle_key: Some(KeyCode::Backquote),
        }
    }
}

impl Plugin for SpriteDxInspectorPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(SpriteDxInspector {
            open: self.open,
            toggle_key: self.toggle_key,
            zoom: 1.0,
            ..default()
        })
        .add_systems(
            Update,
            (
                toggle_inspector,
                (
                    reread_reloaded_source,
                    read_selected_source,
                    save_requested_meta,
                    rerun_edited,
                )
                    .chain(),
            )
                .before(SpriteDxSystems::Jobs),
        )
        .add_systems(Update, apply_finished_jobs.after(SpriteDxSystems::Jobs))
        .add_systems(EguiPrimaryContextPass, draw_inspector);
    }
}

/// Something the inspector can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inspected {
    /// An image loaded by [`crate::asset::SpriteDxImageLoader`], with its report.
    Image {
        /// The restored image.
        image: AssetId<Image>,
        /// Its `#report` sub-asset.
        report: AssetId<SpriteDxReport>,
    },
    /// An animation.
    Animation(AssetId<SpriteDxAnimation>),
}

/// The inspector's state: what is selected and the settings being edited.
#[derive(Resource, Default)]
pub struct SpriteDxInspector {
    /// The window is shown.
    pub open: bool,
    /// Do not draw the found grid over the source image.
    pub hide_grid: bool,
    /// Magnification of the before / after pictures (1 fits them in 320 points).
    pub zoom: f32,
    toggle_key: Option<KeyCode>,
    selected: Option<Inspected>,
    source: SourceState,
    /// The settings in the editor.
    edit: Option<SpriteDxLoaderSettings>,
    /// The settings of the latest restoration started from the editor.
    applied: Option<SpriteDxLoaderSettings>,
    save_requested: bool,
    saving: Option<Task<Result<(), String>>>,
    status: String,
}

/// Where the selected image's source files are.
#[derive(Default)]
enum SourceState {
    /// Not read yet.
    #[default]
    Unread,
    /// Being read on the IO pool.
    Reading(Task<Result<SourceFiles, String>>),
    /// Read; `display` shows the unrestored pixels.
    Ready {
        files: Box<SourceFiles>,
        display: Handle<Image>,
    },
    /// Could not be read (a runtime image has no file, for instance); the status
    /// says why.
    Failed,
}

impl SpriteDxInspector {
    /// Shows `inspected` (its source files are then read in the background).
    pub fn select(&mut self, inspected: Inspected) {
        if self.selected != Some(inspected) {
            self.selected = Some(inspected);
            self.forget_source();
        }
    }

    /// What is shown.
    pub fn selected(&self) -> Option<Inspected> {
        self.selected
    }

    /// The settings in the editor, once the source files are read. Changing them
    /// re-restores the image, as editing them in the window does.
    pub fn settings_mut(&mut self) -> Option<&mut SpriteDxLoaderSettings> {
        self.edit.as_mut()
    }

    /// The source files of the selected image, once read.
    pub fn source(&self) -> Option<&SourceFiles> {
        match &self.source {
            SourceState::Ready { files, .. } => Some(files),
            _ => None,
        }
    }

    /// The last thing that happened (read, restored, saved, or an error).
    pub fn status(&self) -> &str {
        &self.status
    }

    /// Puts the settings of the `.meta` back in the editor.
    pub fn revert(&mut self) {
        if let SourceState::Ready { files, .. } = &self.source {
            self.edit = Some(files.settings.clone());
        }
    }

    /// Writes the editor's settings to the selected image's `.meta`.
    pub fn save_meta(&mut self) {
        self.save_requested = true;
    }

    fn forget_source(&mut self) {
        self.source = SourceState::Unread;
        self.edit = None;
        self.applied = None;
        self.status.clear();
    }

    fn selected_image(&self) -> Option<(AssetId<Image>, AssetId<SpriteDxReport>)> {
        match self.selected {
            Some(Inspected::Image { image, report }) => Some((image, report)),
            _ => None,
        }
    }
}

fn toggle_inspector(mut inspector: ResMut<SpriteDxInspector>, keys: Option<Res<ButtonInput<KeyCode>>>) {
    if let (Some(key), Some(keys)) = (inspector.toggle_key, keys) {
        if keys.just_pressed(key) {
            inspector.open = !inspector.open;
        }
    }
}

/// A selected image that (re)loaded from its file is read again (hot reload, a saved
/// `.meta`).
fn reread_reloaded_source(mut inspector: ResMut<SpriteDxInspector>, mut events: MessageReader<AssetEvent<Image>>) {
    let Some((image, _)) = inspector.selected_image() else {
        events.clear();
        return;
    };
    let reloaded = events
        .read()
        .any(|e| matches!(e, AssetEvent::LoadedWithDependencies { id } if *id == image));
    if reloaded && matches!(inspector.source, SourceState::Ready { .. } | SourceState::Failed) {
        inspector.forget_source();
    }
}

/// Starts reading the selected image's files, and takes them when read.
fn read_selected_source(
    mut inspector: ResMut<SpriteDxInspector>,
    server: Res<AssetServer>,
    mut images: ResMut<Assets<Image>>,
) {
    let Some((image, _)) = inspector.selected_image() else {
        return;
    };
    let inspector = &mut *inspector;
    match &mut inspector.source {
        SourceState::Unread => {
            inspector.source = match server.get_path(image) {
                Some(path) => {
                    let path = path.into_owned();
                    inspector.status = format!("reading {path}");
                    let task = IoTaskPool::get().spawn(source::read_source(server.clone(), path));
                    SourceState::Reading(task)
                }
                None => {
                    let reason = "this image has no file (made at run time): nothing to restore again from";
                    inspector.status = reason.into();
                    SourceState::Failed
                }
            };
        }
        SourceState::Reading(task) => {
            let Some(read) = block_on(future::poll_once(task)) else {
                return;
            };
            inspector.source = match read {
                Ok(files) => {
                    inspector.edit = Some(files.settings.clone());
                    inspector.applied = inspector.edit.clone();
                    inspector.status = "source read".into();
                    let display = images.add(rgba_to_image(&files.pixels));
                    SourceState::Ready {
                        files: Box::new(files),
                        display,
                    }
                }
                Err(e) => {
                    inspector.status = e;
                    SourceState::Failed
                }
            };
        }
        SourceState::Ready { .. } | SourceState::Failed => {}
    }
}

/// Re-restores the selected image from its source when the editor's settings changed.
fn rerun_edited(
    mut inspector: ResMut<SpriteDxInspector>,
    mut jobs: ResMut<SpriteDxJobs>,
    settings: Res<SpriteDxSettings>,
) {
    let Some((image, _)) = inspector.selected_image() else {
        return;
    };
    let SourceState::Ready { files, .. } = &inspector.source else {
        return;
    };
    let Some(edit) = inspector.edit.clone() else {
        return;
    };
    if inspector.applied.as_ref() == Some(&edit) {
        return;
    }
    let palette = edit.palette.as_ref().and(files.palette.clone());
    jobs.restore_pixels(image, files.pixels.clone(), edit.options(&settings.restore, palette));
    inspector.applied = Some(edit);
    inspector.status = "restoring".into();
}

/// Puts the reports of finished re-restorations into the image's `#report`.
fn apply_finished_jobs(
    mut inspector: ResMut<SpriteDxInspector>,
    mut finished: MessageReader<RestoreFinished>,
    mut reports: ResMut<Assets<SpriteDxReport>>,
) {
    let selected = inspector.selected_image();
    for message in finished.read() {
        let Some((image, report_id)) = selected.filter(|(image, _)| *image == message.image) else {
            continue;
        };
        debug_assert_eq!(image, message.image);
        inspector.status = match &message.result {
            Ok(report) => {
                if let Some(mut stored) = reports.get_mut(report_id) {
                    *stored = report.clone();
                }
                let on = if message.gpu { "GPU" } else { "CPU" };
                format!("restored in {:.1} ms ({on})", report.report.ms)
            }
            Err(e) => format!("restoration failed: {e}"),
        };
    }
}

/// Saves the editor's settings to the `.meta` when asked to.
fn save_requested_meta(mut inspector: ResMut<SpriteDxInspector>, server: Res<AssetServer>) {
    if let Some(task) = &mut inspector.saving {
        if let Some(saved) = block_on(future::poll_once(task)) {
            inspector.saving = None;
            inspector.status = match saved {
                Ok(()) => "saved .meta".into(),
                Err(e) => e,
            };
        }
    }
    if !std::mem::take(&mut inspector.save_requested) {
        return;
    }
    let (Some((image, _)), Some(edit), SourceState::Ready { files, .. }) =
        (inspector.selected_image(), &inspector.edit, &inspector.source)
    else {
        inspector.status = "nothing to save: no image with a file is selected".into();
        return;
    };
    let (Some(path), Ok(text)) = (server.get_path(image), write_meta(edit, files.meta)) else {
        inspector.status = "cannot save: the image has no path".into();
        return;
    };
    let task = IoTaskPool::get().spawn(source::save_meta(server.clone(), path.into_owned(), text));
    inspector.saving = Some(task);
    inspector.status = "saving .meta".into();
}

/// Everything the inspector can show: restored images (those with a `#report`) and
/// animations, by path.
pub fn inspectable(
    server: &AssetServer,
    reports: &Assets<SpriteDxReport>,
    animations: &Assets<SpriteDxAnimation>,
) -> Vec<(String, Inspected)> {
    let mut entries: Vec<(String, Inspected)> = reports
        .ids()
        .filter_map(|report| {
            let path = server.get_path(report)?;
            if path.label() != Some(REPORT_LABEL) {
                return None;
            }
            let image = server.get_path_id(path.without_label())?.try_typed::<Image>().ok()?;
            Some((path.without_label().to_string(), Inspected::Image { image, report }))
        })
        .chain(animations.ids().filter_map(|animation| {
            let path = server.get_path(animation)?;
            Some((path.to_string(), Inspected::Animation(animation)))
        }))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// Draws the window (in bevy_egui's pass).
#[allow(clippy::too_many_arguments)]
fn draw_inspector(
    mut contexts: EguiContexts,
    mut inspector: ResMut<SpriteDxInspector>,
    server: Res<AssetServer>,
    reports: Res<Assets<SpriteDxReport>>,
    animations: Res<Assets<SpriteDxAnimation>>,
    images: Res<Assets<Image>>,
    layouts: Res<Assets<TextureAtlasLayout>>,
    players: Query<&SpriteDxPlayer>,
    jobs: Res<SpriteDxJobs>,
) -> Result {
    if !inspector.open {
        return Ok(());
    }
    let entries = inspectable(&server, &reports, &animations);
    if inspector.selected.is_none() {
        if let Some((_, first)) = entries.first() {
            inspector.select(*first);
        }
    }
    let mut texture = |id: AssetId<Image>| {
        let size = images.get(id)?.size();
        Some(ui::TextureView {
            id: contexts.add_image(EguiTextureHandle::Weak(id)),
            size: [size.x, size.y],
        })
    };
    let inspector = &mut *inspector;
    let playing: Vec<usize> = match inspector.selected {
        Some(Inspected::Animation(id)) => players
            .iter()
            .filter(|p| p.animation.id() == id)
            .map(|p| p.frame())
            .collect(),
        _ => Vec::new(),
    };
    let body;
    match inspector.selected {
        Some(Inspected::Image { image, report }) => {
            let source = match &inspector.source {
                SourceState::Ready { display, .. } => texture(display.id()),
                _ => None,
            };
            body = ui::Body::Image(ui::ImagePanel {
                source,
                restored: texture(image),
                report: reports.get(report),
                settings: inspector.edit.as_mut(),
                status: &inspector.status,
                pending: jobs.is_pending(image),
            });
        }
        Some(Inspected::Animation(id)) => match animations.get(id) {
            Some(animation) => {
                let rects = layouts
                    .get(&animation.layout)
                    .map(|l| l.textures.clone())
                    .unwrap_or_default();
                body = ui::Body::Animation(ui::AnimationPanel {
                    atlas: texture(animation.atlas.id()),
                    frames: &animation.frames,
                    rects,
                    playing: &playing,
                    report: animation.report.as_ref(),
                });
            }
            None => body = ui::Body::Nothing,
        },
        None => body = ui::Body::Nothing,
    }
    let actions = ui::show(
        contexts.ctx_mut()?,
        &mut inspector.open,
        ui::PictureOptions {
            hide_grid: &mut inspector.hide_grid,
            zoom: &mut inspector.zoom,
        },
        &entries,
        inspector.selected,
        body,
    );
    if let Some(selected) = actions.select {
        inspector.select(selected);
    }
    if actions.revert {
        inspector.revert();
    }
    if actions.save {
        inspector.save_meta();
    }
    Ok(())
}
