//! sRGB <-> linear <-> OKLab conversions.
//!
//! OKLab (Björn Ottosson, 2020) is perceptually uniform enough that a Euclidean
//! distance is a usable colour difference: palette clustering and snapping
//! work in it. One sRGB step is about 0.002-0.004 OKLab units; a just-noticeable
//! difference is about 0.02.

use std::sync::OnceLock;

/// A colour in OKLab: lightness `l` (0..1) and the opponent axes `a`, `b`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Oklab {
    /// Lightness, 0 (black) to 1 (white).
    pub l: f32,
    /// Green (-) to red (+).
    pub a: f32,
    /// Blue (-) to yellow (+).
    pub b: f32,
}

impl Oklab {
    /// Squared Euclidean distance.
    pub fn dist2(self, other: Oklab) -> f32 {
        let (dl, da, db) = (self.l - other.l, self.a - other.a, self.b - other.b);
        dl * dl + da * da + db * db
    }

    /// Euclidean distance (a perceptual colour difference).
    pub fn dist(self, other: Oklab) -> f32 {
        self.dist2(other).sqrt()
    }
}

fn srgb_to_linear_table() -> &'static [f32; 256] {
    static TABLE: OnceLock<[f32; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0.0; 256];
        for (i, v) in t.iter_mut().enumerate() {
            *v = srgb_channel_to_linear(i as f32 / 255.0);
        }
        t
    })
}

/// One sRGB channel (0..1) to linear light (0..1).
pub fn srgb_channel_to_linear(c: f32) -> f32 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// One linear-light channel (0..1) to sRGB (0..1).
pub fn linear_channel_to_srgb(c: f32) -> f32 {
    let c = c.clamp(0.0, 1.0);
    if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

/// 8-bit sRGB to OKLab.
pub fn srgb8_to_oklab(rgb: [u8; 3]) -> Oklab {
    let t = srgb_to_linear_table();
    linear_to_oklab([t[rgb[0] as usize], t[rgb[1] as usize], t[rgb[2] as usize]])
}

/// Linear-light RGB (0..1) to OKLab.
pub fn linear_to_oklab([r, g, b]: [f32; 3]) -> Oklab {
    let l = 0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b;
    let m = 0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b;
    let s = 0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b;
    let (l, m, s) = (l.cbrt(), m.cbrt(), s.cbrt());
    Oklab {
        l: 0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        a: 1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        b: 0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    }
}

/// OKLab to linear-light RGB (0..1, not clamped).
pub fn oklab_to_linear(c: Oklab) -> [f32; 3] {
    let l = c.l + 0.396_337_78 * c.a + 0.215_803_76 * c.b;
    let m = c.l - 0.105_561_346 * c.a - 0.063_854_17 * c.b;
    let s = c.l - 0.089_484_18 * c.a - 1.291_485_5 * c.b;
    let (l, m, s) = (l * l * l, m * m * m, s * s * s);
    [
        4.076_741_7 * l - 3.307_711_6 * m + 0.230_969_94 * s,
        -1.268_438 * l + 2.609_757_4 * m - 0.341_319_38 * s,
        -0.004_196_086_3 * l - 0.703_418_6 * m + 1.707_614_7 * s,
    ]
}

/// OKLab to 8-bit sRGB (rounded and clamped).
pub fn oklab_to_srgb8(c: Oklab) -> [u8; 3] {
    oklab_to_linear(c).map(|v| (linear_channel_to_srgb(v) * 255.0).round() as u8)
}

/// Parses `#rrggbb` or `rrggbb` into a colour.
pub fn parse_hex_color(s: &str) -> Option<[u8; 3]> {
    let s = s.trim().trim_start_matches('#');
    if s.len() != 6 || !s.is_ascii() {
        return None;
    }
    let v = u32::from_str_radix(s, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oklab_round_trips_every_grey_and_primaries() {
        for v in 0..=255u8 {
            assert_eq!(oklab_to_srgb8(srgb8_to_oklab([v, v, v])), [v, v, v]);
        }
        for c in [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255], [12, 200, 77]] {
            assert_eq!(oklab_to_srgb8(srgb8_to_oklab(c)), c);
        }
    }

    #[test]
    fn white_is_lightness_one() {
        let w = srgb8_to_oklab([255, 255, 255]);
        assert!((w.l - 1.0).abs() < 1e-3 && w.a.abs() < 1e-3 && w.b.abs() < 1e-3);
    }

    #[test]
    fn hex_colors_parse() {
        assert_eq!(parse_hex_color("#ff00ff"), Some([255, 0, 255]));
        assert_eq!(parse_hex_color("0a0B0c"), Some([10, 11, 12]));
        assert_eq!(parse_hex_color("#fff"), None);
        assert_eq!(parse_hex_color("zzzzzz"), None);
    }
}
