//! Runtime jobs restore images created while the app runs, off the main thread, and
//! report progress, results, errors and cancellations.

mod support;

use std::time::Duration;

use bevy::prelude::*;
use bevy_spritedx::asset::convert::{image_to_rgba, rgba_to_image};
use bevy_spritedx::model::degrade::{degrade, Preset};
use bevy_spritedx::prelude::*;
use support::*;

#[derive(Resource, Default)]
struct Seen {
    finished: Vec<RestoreFinished>,
    cancelled: Vec<AssetId<Image>>,
    progress: Vec<RestoreProgress>,
}

fn record(
    mut seen: ResMut<Seen>,
    mut finished: MessageReader<RestoreFinished>,
    mut cancelled: MessageReader<RestoreCancelled>,
    mut progress: MessageReader<RestoreProgress>,
) {
    seen.finished.extend(finished.read().cloned());
    seen.cancelled.extend(cancelled.read().map(|c| c.image));
    seen.progress.extend(progress.read().copied());
}

#[test]
fn jobs_restore_report_and_cancel() {
    let dir = asset_dir("jobs");
    let mut app = app(&dir, Duration::from_millis(16));
    app.init_resource::<Seen>()
        .add_systems(Update, record.after(SpriteDxSystems::Jobs));

    let names = [
        "medieval-fantasy__items__crate.png",
        "ninja-adventure__monsters__11.png",
    ];
    let cleans: Vec<_> = names
        .iter()
        .map(|n| load_image(shipped(&format!("sprites/{n}"))).unwrap())
        .collect();
    let inputs: Vec<_> = cleans.iter().map(|c| degrade(c, Preset::NonInteger, 5).image).collect();
    let mut images = app.world_mut().resource_mut::<Assets<Image>>();
    let good: Vec<Handle<Image>> = inputs.iter().map(|i| images.add(rgba_to_image(i))).collect();
    let transparent = images.add(rgba_to_image(&image::RgbaImage::new(40, 40)));
    let dropped = images.add(rgba_to_image(&inputs[0]));
    let dropped_id = dropped.id();
    let mut jobs = app.world_mut().resource_mut::<SpriteDxJobs>();
    for handle in good.iter().chain([&transparent, &dropped]) {
        jobs.restore(handle);
    }
    assert_eq!(jobs.pending(), 4);
    drop(dropped);

    for _ in 0..10_000 {
        app.update();
        if app.world().resource::<SpriteDxJobs>().pending() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    app.update();
    let seen = app.world().resource::<Seen>();
    assert_eq!(seen.cancelled, [dropped_id]);
    assert_eq!(seen.finished.len(), 3);
    assert!(seen.finished.iter().all(|m| !m.gpu), "no render device: the CPU path");
    let last = *seen.progress.last().unwrap();
    assert_eq!((last.done, last.total), (4, 4));

    let images = app.world().resource::<Assets<Image>>();
    for ((handle, input), clean) in good.iter().zip(&inputs).zip(&cleans) {
        let expected = restore(input, &RestoreOptions::default()).unwrap();
        let restored = image_to_rgba(images.get(handle).unwrap()).unwrap();
        assert_eq!(restored, expected.image, "the same pixels as the model");
        assert_eq!(restored.dimensions(), clean.dimensions());
        let message = seen.finished.iter().find(|m| m.image == handle.id()).unwrap();
        assert_eq!(message.result.as_ref().unwrap().report.cells, expected.report.cells);
    }
    let failed = seen.finished.iter().find(|m| m.image == transparent.id()).unwrap();
    assert!(failed.result.as_ref().unwrap_err().contains("transparent"));
    assert_eq!(
        image_to_rgba(images.get(&transparent).unwrap()).unwrap().dimensions(),
        (40, 40)
    );
}
