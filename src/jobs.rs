//! Runtime restoration jobs: images created while the game runs (generated,
//! downloaded, drawn by players) are restored on the [`AsyncComputeTaskPool`] and
//! written back into their [`Image`] asset, without stalling frames.
//!
//! ```no_run
//! # use bevy::prelude::*;
//! # use bevy_spritedx::prelude::*;
//! fn restore_new_sprite(mut jobs: ResMut<SpriteDxJobs>, mut images: ResMut<Assets<Image>>) {
//!     # let image = Image::default();
//!     let handle = images.add(image);
//!     jobs.restore(&handle);
//! }
//! ```

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task};
use crossbeam_channel::{Receiver, Sender};
use spritedx_model::image::RgbaImage;
use spritedx_model::prelude::{restore, RestoreOptions, Restored};
use spritedx_model::SpriteDxError;

use crate::asset::convert::{image_to_rgba, rgba_to_image};
use crate::asset::SpriteDxReport;
use crate::settings::SpriteDxSettings;

/// The restoration jobs of the app: queue images with [`SpriteDxJobs::restore`].
///
/// Jobs refer to images weakly: dropping every handle to an image cancels its job
/// (a job already running finishes in the background and its result is dropped).
#[derive(Resource)]
pub struct SpriteDxJobs {
    queued: Vec<QueuedJob>,
    /// The running job of each image: its number and its task.
    running: HashMap<AssetId<Image>, (u64, Task<()>)>,
    /// Number of the next job started.
    next_job: u64,
    sender: Sender<JobResult>,
    receiver: Receiver<JobResult>,
    total: usize,
    done: usize,
}

impl Default for SpriteDxJobs {
    fn default() -> Self {
        let (sender, receiver) = crossbeam_channel::unbounded();
        Self {
            queued: Vec::new(),
            running: HashMap::default(),
            next_job: 0,
            sender,
            receiver,
            total: 0,
            done: 0,
        }
    }
}

impl SpriteDxJobs {
    /// Restores `image` with the plugin's [`SpriteDxSettings`]; its pixels are replaced
    /// when the job finishes ([`RestoreFinished`] says so).
    pub fn restore(&mut self, image: impl Into<AssetId<Image>>) {
        self.queue(image.into(), None);
    }

    /// Restores `image` with these options.
    pub fn restore_with(&mut self, image: impl Into<AssetId<Image>>, options: RestoreOptions) {
        self.queue(image.into(), Some(options));
    }

    /// Restores `source` with these options and writes the result into `target`
    /// (re-restoring an image from its original pixels, as the inspector does when
    /// its settings are edited).
    pub fn restore_pixels(&mut self, target: impl Into<AssetId<Image>>, source: RgbaImage, options: RestoreOptions) {
        self.queued.push(QueuedJob {
            target: target.into(),
            options: Some(options),
            source: Some(source),
        });
        self.total += 1;
    }

    fn queue(&mut self, target: AssetId<Image>, options: Option<RestoreOptions>) {
        self.queued.push(QueuedJob {
            target,
            options,
            source: None,
        });
        self.total += 1;
    }

    /// Jobs queued or running.
    pub fn pending(&self) -> usize {
        self.queued.len() + self.running.len()
    }

    /// Whether `image` has a job queued or running.
    pub fn is_pending(&self, image: impl Into<AssetId<Image>>) -> bool {
        let id = image.into();
        self.running.contains_key(&id) || self.queued.iter().any(|job| job.target == id)
    }
}

/// A job waiting to start.
struct QueuedJob {
    /// The image that receives the result.
    target: AssetId<Image>,
    /// The plugin's settings when `None`.
    options: Option<RestoreOptions>,
    /// The pixels to restore; the target's own pixels when `None`.
    source: Option<RgbaImage>,
}

/// What a finished job sends back over the channel.
struct JobResult {
    /// The job's number: a result of a job replaced since is stale.
    job: u64,
    image: AssetId<Image>,
    result: Result<(RgbaImage, SpriteDxReport), String>,
    gpu: bool,
}

/// Sent when a job has finished: the image now holds the restored pixels, or it is
/// unchanged and `result` says why.
#[derive(Message, Clone, Debug)]
pub struct RestoreFinished {
    /// The restored image.
    pub image: AssetId<Image>,
    /// The report, or the error.
    pub result: Result<SpriteDxReport, String>,
    /// The per-cell work ran on the GPU.
    pub gpu: bool,
}

/// Sent when a job was dropped because its image was.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
pub struct RestoreCancelled {
    /// The image that no longer exists.
    pub image: AssetId<Image>,
}

/// Sent whenever jobs start or finish: how many of the jobs queued so far are done.
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestoreProgress {
    /// Jobs finished (or cancelled) so far.
    pub done: usize,
    /// Jobs queued so far.
    pub total: usize,
}

/// Where jobs do their per-cell work: the GPU path when there is one.
#[derive(bevy::ecs::system::SystemParam)]
pub struct JobBackend<'w> {
    #[cfg(feature = "gpu")]
    gpu: Option<Res<'w, crate::gpu::SpriteDxGpu>>,
    #[cfg(not(feature = "gpu"))]
    _unused: std::marker::PhantomData<&'w ()>,
}

/// A GPU backend shared with a job.
#[cfg(feature = "gpu")]
type GpuHandle = Option<std::sync::Arc<crate::gpu::GpuCells>>;
#[cfg(not(feature = "gpu"))]
type GpuHandle = Option<()>;

impl JobBackend<'_> {
    fn gpu(&self, settings: &SpriteDxSettings) -> GpuHandle {
        #[cfg(feature = "gpu")]
        {
            self.gpu.as_ref().filter(|_| settings.use_gpu).map(|g| g.0.clone())
        }
        #[cfg(not(feature = "gpu"))]
        {
            let _ = settings;
            None
        }
    }
}

/// Restores on the GPU when given one, on the CPU otherwise or when the GPU fails;
/// says whether the GPU did the work.
fn restore_on(input: &RgbaImage, options: &RestoreOptions, gpu: GpuHandle) -> (Result<Restored, SpriteDxError>, bool) {
    #[cfg(feature = "gpu")]
    if let Some(gpu) = gpu {
        match spritedx_model::restore::restore_with(input, options, &*gpu) {
            Err(SpriteDxError::Backend(e)) => warn!("SpriteDX: GPU path failed ({e}); restoring on the CPU"),
            result => return (result, true),
        }
    }
    #[cfg(not(feature = "gpu"))]
    let _ = gpu;
    (restore(input, options), false)
}

/// Starts queued jobs on the async compute pool (copying the image's pixels).
pub fn start_jobs(
    mut jobs: ResMut<SpriteDxJobs>,
    images: Res<Assets<Image>>,
    settings: Res<SpriteDxSettings>,
    backend: JobBackend,
    mut finished: MessageWriter<RestoreFinished>,
    mut cancelled: MessageWriter<RestoreCancelled>,
    mut progress: MessageWriter<RestoreProgress>,
) {
    if jobs.queued.is_empty() {
        return;
    }
    let pool = AsyncComputeTaskPool::get();
    let queued = std::mem::take(&mut jobs.queued);
    for QueuedJob {
        target: id,
        options,
        source,
    } in queued
    {
        let Some(image) = images.get(id) else {
            jobs.done += 1;
            cancelled.write(RestoreCancelled { image: id });
            continue;
        };
        let Some(rgba) = source.or_else(|| image_to_rgba(image)) else {
            jobs.done += 1;
            finished.write(RestoreFinished {
                image: id,
                result: Err(format!(
                    "only RGBA8 images with CPU data can be restored (this one is {:?})",
                    image.texture_descriptor.format
                )),
                gpu: false,
            });
            continue;
        };
        let options = options.unwrap_or_else(|| settings.restore.clone());
        let sender = jobs.sender.clone();
        let gpu = backend.gpu(&settings);
        let job = jobs.next_job;
        jobs.next_job += 1;
        let task = pool.spawn(async move {
            let source_size = UVec2::new(rgba.width(), rgba.height());
            let (restored, gpu) = restore_on(&rgba, &options, gpu);
            let result = restored
                .map(|r| {
                    let report = SpriteDxReport::new(&r, source_size);
                    (r.image, report)
                })
                .map_err(|e| e.to_string());
            // The receiver lives as long as the app; a send can only fail at exit.
            let _ = sender.send(JobResult {
                job,
                image: id,
                result,
                gpu,
            });
        });
        // A second job for the same image replaces (and cancels) the first, which
        // then counts as done.
        if jobs.running.insert(id, (job, task)).is_some() {
            jobs.done += 1;
        }
    }
    let (done, total) = (jobs.done, jobs.total);
    progress.write(RestoreProgress { done, total });
}

/// Applies finished jobs to their images and cancels the jobs of dropped images.
pub fn finish_jobs(
    mut jobs: ResMut<SpriteDxJobs>,
    mut images: ResMut<Assets<Image>>,
    mut finished: MessageWriter<RestoreFinished>,
    mut cancelled: MessageWriter<RestoreCancelled>,
    mut progress: MessageWriter<RestoreProgress>,
) {
    let before = jobs.done;
    let dropped: Vec<AssetId<Image>> = jobs
        .running
        .keys()
        .filter(|id| !images.contains(**id))
        .copied()
        .collect();
    for id in dropped {
        jobs.running.remove(&id);
        jobs.done += 1;
        cancelled.write(RestoreCancelled { image: id });
    }
    let results: Vec<JobResult> = jobs.receiver.try_iter().collect();
    for JobResult {
        job,
        image: id,
        result,
        gpu,
    } in results
    {
        // Only the latest job of an image counts (a replaced one may still send).
        if jobs.running.get(&id).is_none_or(|(latest, _)| *latest != job) {
            continue;
        }
        jobs.running.remove(&id);
        jobs.done += 1;
        let result = match (result, images.get_mut(id)) {
            (Ok((pixels, report)), Some(mut image)) => {
                let mut restored = rgba_to_image(&pixels);
                restored.asset_usage = image.asset_usage;
                *image = restored;
                Ok(report)
            }
            (Ok(_), None) => {
                cancelled.write(RestoreCancelled { image: id });
                continue;
            }
            (Err(e), _) => Err(e),
        };
        finished.write(RestoreFinished { image: id, result, gpu });
    }
    if jobs.done != before {
        let (done, total) = (jobs.done, jobs.total);
        progress.write(RestoreProgress { done, total });
    }
}
