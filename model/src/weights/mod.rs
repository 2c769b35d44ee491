//! Network weights: the shipped defaults, loading from files or bytes, validation.
//!
//! Weights are burn records in named MessagePack at half precision
//! ([`NamedMpkBytesRecorder`]): burn's own format, self-describing (a file for another
//! network fails to load instead of loading garbage), and half the size of f32.
//! Every load checks each tensor's shape against the configured network and rejects
//! NaN or infinite values with a typed error.

use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use burn::record::{HalfPrecisionSettings, NamedMpkBytesRecorder, Recorder};

use crate::error::{Result, SpriteDxError};
use crate::interp::scene_gate::SceneGate;
use crate::interp::{InterpolatorConfig, LayeredInterpolator};
use crate::restore::learned::{Restorer, RestorerConfig};

/// The shipped default restorer weights (trained by `spritedx train restore`).
pub const DEFAULT_RESTORER: &[u8] = include_bytes!("../../../assets/models/restorer.mpk");

/// The recorder every weights file is written and read with.
pub type WeightsRecorder = NamedMpkBytesRecorder<HalfPrecisionSettings>;

/// The default restorer on `device`, with the shipped weights.
pub fn default_restorer<B: Backend>(device: &B::Device) -> Result<Restorer<B>> {
    restorer_from_bytes(DEFAULT_RESTORER, "the shipped default weights", device)
}

/// A restorer with the weights in `path` (written by `spritedx train restore`).
pub fn load_restorer<B: Backend>(path: &Path, device: &B::Device) -> Result<Restorer<B>> {
    let bytes = std::fs::read(path).map_err(|source| SpriteDxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    restorer_from_bytes(&bytes, &path.display().to_string(), device)
}

/// A restorer with weights decoded from `bytes` (`source` names them in errors).
pub fn restorer_from_bytes<B: Backend>(bytes: &[u8], source: &str, device: &B::Device) -> Result<Restorer<B>> {
    module_from_bytes(
        RestorerConfig::new().init::<B>(device),
        bytes,
        "restorer",
        source,
        device,
        |model| model,
    )
}

/// The weights of `model` as bytes, in the format [`restorer_from_bytes`] reads.
pub fn restorer_to_bytes<B: Backend>(model: &Restorer<B>) -> Result<Vec<u8>> {
    module_to_bytes(model)
}

/// The shipped default interpolator weights (trained by `spritedx train interp`).
pub const DEFAULT_INTERPOLATOR: &[u8] = include_bytes!("../../../assets/models/interpolator.mpk");

/// The default interpolator on `device`, with the shipped weights.
pub fn default_interpolator<B: Backend>(device: &B::Device) -> Result<LayeredInterpolator<B>> {
    interpolator_from_bytes(DEFAULT_INTERPOLATOR, "the shipped default weights", device)
}

/// An interpolator with the weights in `path` (written by `spritedx train interp`).
pub fn load_interpolator<B: Backend>(path: &Path, device: &B::Device) -> Result<LayeredInterpolator<B>> {
    let bytes = std::fs::read(path).map_err(|source| SpriteDxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    interpolator_from_bytes(&bytes, &path.display().to_string(), device)
}

/// An interpolator with weights decoded from `bytes` (`source` names them in errors).
pub fn interpolator_from_bytes<B: Backend>(
    bytes: &[u8],
    source: &str,
    device: &B::Device,
) -> Result<LayeredInterpolator<B>> {
    decode_interpolator(bytes, source, device, |model| model)
}

/// The network part of interpolator weights in `bytes`, with a fresh, unfitted scene
/// gate in place of the stored one (whatever its shape): for `spritedx train interp
/// --fit-gate`, which fits a new gate to trained weights, also to weights whose
/// gate read other statistics.
pub fn interpolator_network_from_bytes<B: Backend>(
    bytes: &[u8],
    source: &str,
    device: &B::Device,
) -> Result<LayeredInterpolator<B>> {
    decode_interpolator(bytes, source, device, |model| {
        model.with_scene_gate(SceneGate::new(device))
    })
}

/// Interpolator weights decoded from `bytes` into a network of the default shape,
/// with `adjust` applied before the checks of [`module_from_bytes`].
fn decode_interpolator<B: Backend>(
    bytes: &[u8],
    source: &str,
    device: &B::Device,
    adjust: impl FnOnce(LayeredInterpolator<B>) -> LayeredInterpolator<B>,
) -> Result<LayeredInterpolator<B>> {
    module_from_bytes(
        InterpolatorConfig::new().init::<B>(device),
        bytes,
        "interpolator",
        source,
        device,
        adjust,
    )
}

/// The weights of `model` as bytes, in the format [`interpolator_from_bytes`] reads.
pub fn interpolator_to_bytes<B: Backend>(model: &LayeredInterpolator<B>) -> Result<Vec<u8>> {
    module_to_bytes(model)
}

/// Loads `bytes` into `fresh` (a network of the expected shape), applies `adjust`,
/// then checks every tensor's shape and that no value is NaN or infinite.
fn module_from_bytes<B: Backend, M: Module<B>>(
    fresh: M,
    bytes: &[u8],
    what: &str,
    source: &str,
    device: &B::Device,
    adjust: impl FnOnce(M) -> M,
) -> Result<M> {
    let expected = shapes(&fresh);
    let record = WeightsRecorder::default()
        .load(bytes.to_vec(), device)
        .map_err(|e| invalid(source, format!("not {what} weights ({e})")))?;
    let model = adjust(fresh.load_record(record));
    let found = shapes(&model);
    if found != expected {
        return Err(invalid(
            source,
            format!("tensor shapes {found:?} do not match the network's {expected:?}"),
        ));
    }
    let mut finite = FiniteCheck { seen: 0, bad: None };
    model.visit(&mut finite);
    if let Some(at) = finite.bad {
        return Err(invalid(source, format!("parameter {at} holds NaN or infinite values")));
    }
    Ok(model)
}

/// The weights of any network as bytes (burn's named MessagePack, half precision).
fn module_to_bytes<B: Backend, M: Module<B>>(model: &M) -> Result<Vec<u8>> {
    WeightsRecorder::default()
        .record(model.clone().into_record(), ())
        .map_err(|e| SpriteDxError::Model(format!("cannot encode weights: {e}")))
}

fn invalid(source: &str, message: String) -> SpriteDxError {
    SpriteDxError::Model(format!("{source}: {message}"))
}

/// The shape of every float parameter, in visiting order.
fn shapes<B: Backend, M: Module<B>>(model: &M) -> Vec<Vec<usize>> {
    struct Shapes(Vec<Vec<usize>>);
    impl<B: Backend> ModuleVisitor<B> for Shapes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            self.0.push(param.val().dims().to_vec());
        }
    }
    let mut s = Shapes(Vec::new());
    model.visit(&mut s);
    s.0
}

/// Finds the first parameter (by visiting order) with a NaN or infinite value.
struct FiniteCheck {
    seen: usize,
    bad: Option<usize>,
}

impl<B: Backend> ModuleVisitor<B> for FiniteCheck {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if self.bad.is_none() {
            let values = param.val().into_data().convert::<f32>();
            let ok = values.as_slice::<f32>().is_ok_and(|v| v.iter().all(|x| x.is_finite()));
            if !ok {
                self.bad = Some(self.seen);
            }
        }
        self.seen += 1;
    }
}
