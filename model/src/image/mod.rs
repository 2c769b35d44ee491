//! RGBA buffers, colour spaces and file I/O.
//!
//! The pixel buffer is [`image::RgbaImage`]; this module adds the colour maths
//! ([`color`]) and loading with size limits ([`io`]).

pub mod color;
pub mod io;

pub use ::image::RgbaImage;
