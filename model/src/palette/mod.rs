//! Palettes: extraction with an automatic size, snapping, palette files.
//!
//! Extraction is leader clustering in OKLab, in order of frequency: the most common
//! colours become centres, noisy variants within the merge distance join them, and a
//! colour farther than that from every centre starts its own cluster even when it
//! covers a single cell (a 1-px eye stays). The merge distance follows the measured
//! noise, so clean input keeps every distinct colour exactly.
//!
//! Least-squares colours of a smooth upscale are all unique, so frequency means
//! nothing there: [`agglomerate()`] groups them by merging the closest means instead.

mod agglomerate;
mod cluster;
mod files;

use serde::{Deserialize, Serialize};

use crate::image::color::{srgb8_to_oklab, Oklab};

pub use agglomerate::{absorb_small_groups, agglomerate, Group};
pub use cluster::{extract_palette, ClusterOptions};
pub use files::{load_palette_file, parse_palette};

/// An ordered set of opaque sRGB colours.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Palette {
    /// The colours, most used first when extracted.
    pub colors: Vec<[u8; 3]>,
}

impl Palette {
    /// A palette of the given colours.
    pub fn new(colors: Vec<[u8; 3]>) -> Self {
        Self { colors }
    }

    /// Number of colours.
    pub fn len(&self) -> usize {
        self.colors.len()
    }

    /// Whether the palette has no colour.
    pub fn is_empty(&self) -> bool {
        self.colors.is_empty()
    }

    /// A snapper that maps any colour to the perceptually nearest palette colour.
    pub fn snapper(&self) -> Snapper {
        Snapper {
            colors: self.colors.clone(),
            lab: self.colors.iter().map(|&c| srgb8_to_oklab(c)).collect(),
        }
    }
}

/// Palette options of a restoration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaletteOptions {
    /// Snap to this palette instead of extracting one (e.g. from a `.gpl` file).
    pub fixed: Option<Palette>,
    /// Extract at most this many colours (merging the closest clusters).
    pub max_colors: Option<usize>,
}

/// Maps colours to the nearest colour of a palette in OKLab.
#[derive(Clone, Debug)]
pub struct Snapper {
    colors: Vec<[u8; 3]>,
    lab: Vec<Oklab>,
}

impl Snapper {
    /// Index of the nearest palette colour (the palette must not be empty).
    pub fn nearest_index(&self, lab: Oklab) -> usize {
        let mut best = (0, f32::INFINITY);
        for (i, c) in self.lab.iter().enumerate() {
            let d = c.dist2(lab);
            if d < best.1 {
                best = (i, d);
            }
        }
        best.0
    }

    /// The nearest palette colour.
    pub fn snap(&self, rgb: [u8; 3]) -> [u8; 3] {
        self.colors[self.nearest_index(srgb8_to_oklab(rgb))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snaps_to_the_nearest_colour() {
        let p = Palette::new(vec![[0, 0, 0], [255, 255, 255], [200, 30, 30]]);
        let s = p.snapper();
        assert_eq!(s.snap([10, 12, 8]), [0, 0, 0]);
        assert_eq!(s.snap([190, 40, 35]), [200, 30, 30]);
        assert_eq!(s.snap([240, 250, 255]), [255, 255, 255]);
    }
}
