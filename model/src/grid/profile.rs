//! Premultiplied pixel planes and the per-axis gradient profiles built from them.

use ::image::RgbaImage;

/// Premultiplied RGBA as `i32` (0..=255), laid out in rows; the detectors always
/// analyse along rows (x), and use a transposed plane for y.
#[derive(Clone, Debug)]
pub struct Plane {
    /// Width (the analysed axis).
    pub width: usize,
    /// Height.
    pub height: usize,
    /// `[height * width]` pixels, premultiplied RGBA.
    pub pixels: Vec<[i32; 4]>,
}

impl Plane {
    /// Premultiplies an RGBA image: colour under transparent pixels does not count.
    pub fn premultiplied(image: &RgbaImage) -> Self {
        let pixels = image
            .pixels()
            .map(|p| {
                let a = p[3] as i32;
                let pm = |c: u8| (c as i32 * a + 127) / 255;
                [pm(p[0]), pm(p[1]), pm(p[2]), a]
            })
            .collect();
        Self {
            width: image.width() as usize,
            height: image.height() as usize,
            pixels,
        }
    }

    /// The same plane with x and y swapped.
    pub fn transposed(&self) -> Self {
        let mut pixels = vec![[0; 4]; self.pixels.len()];
        for y in 0..self.height {
            for x in 0..self.width {
                pixels[x * self.height + y] = self.pixels[y * self.width + x];
            }
        }
        Self {
            width: self.height,
            height: self.width,
            pixels,
        }
    }

    /// One row of pixels.
    pub fn row(&self, y: usize) -> &[[i32; 4]] {
        &self.pixels[y * self.width..(y + 1) * self.width]
    }
}

/// Gradient profiles along x, summed over all rows (and all planes).
#[derive(Clone, Debug)]
pub struct Profiles {
    /// `first[x] = sum |p(x+1) - p(x)|`, located on the pixel edge at `x + 1`.
    pub first: Vec<f32>,
    /// `second[x] = sum |p(x+1) - 2 p(x) + p(x-1)|`, located at the pixel centre `x + 0.5`
    /// (index 0 and the last index are 0).
    pub second: Vec<f32>,
}

/// Where the samples of each profile lie, in input pixels.
pub const FIRST_POSITION: f32 = 1.0;
/// Where the samples of the second-difference profile lie, relative to the index.
pub const SECOND_POSITION: f32 = 0.5;

impl Profiles {
    /// Sums the profiles of several planes of the same width.
    pub fn of(planes: &[Plane]) -> Self {
        let w = planes[0].width;
        let mut first = vec![0i64; w.saturating_sub(1)];
        let mut second = vec![0i64; w];
        for plane in planes {
            for y in 0..plane.height {
                let row = plane.row(y);
                for x in 0..w.saturating_sub(1) {
                    let (a, b) = (row[x], row[x + 1]);
                    first[x] +=
                        ((a[0] - b[0]).abs() + (a[1] - b[1]).abs() + (a[2] - b[2]).abs() + (a[3] - b[3]).abs()) as i64;
                }
                for x in 1..w.saturating_sub(1) {
                    let (a, b, c) = (row[x - 1], row[x], row[x + 1]);
                    let d = |i: usize| (a[i] - 2 * b[i] + c[i]).abs();
                    second[x] += (d(0) + d(1) + d(2) + d(3)) as i64;
                }
            }
        }
        Self {
            first: first.into_iter().map(|v| v as f32).collect(),
            second: second.into_iter().map(|v| v as f32).collect(),
        }
    }
}
