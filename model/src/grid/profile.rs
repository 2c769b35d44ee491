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

    /// The same plane with x and y swapped (in square tiles, so that both the reads
    /// and the writes stay within a few cache lines).
    pub fn transposed(&self) -> Self {
        const TILE: usize = 32;
        let mut pixels = vec![[0; 4]; self.pixels.len()];
        for y0 in (0..self.height).step_by(TILE) {
            for x0 in (0..self.width).step_by(TILE) {
                for y in y0..(y0 + TILE).min(self.height) {
                    let row = &self.pixels[y * self.width..(y + 1) * self.width];
                    for (x, &px) in row.iter().enumerate().take((x0 + TILE).min(self.width)).skip(x0) {
                        pixels[x * self.height + y] = px;
                    }
                }
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

/// The rows of `planes` (pooled) that change along x, at most `most` of them
/// spread evenly: the rows worth scoring a grid on.
pub fn rows_with_content(planes: &[Plane], most: usize) -> Vec<&[[i32; 4]]> {
    let content: Vec<&[[i32; 4]]> = planes
        .iter()
        .flat_map(|p| (0..p.height).map(move |y| p.row(y)))
        .filter(|row| row.windows(2).any(|w| w[0] != w[1]))
        .collect();
    let step = content.len().div_ceil(most).max(1);
    content.into_iter().step_by(step).collect()
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
        // Each row's sums fit an i32 column; the totals over many rows and planes
        // need i64.
        let mut row_first = vec![0i32; w.saturating_sub(1)];
        let mut row_second = vec![0i32; w.saturating_sub(2)];
        let abs_sum = |d: [i32; 4]| d[0].abs() + d[1].abs() + d[2].abs() + d[3].abs();
        for plane in planes {
            for y in 0..plane.height {
                let row = plane.row(y);
                for (out, pair) in row_first.iter_mut().zip(row.windows(2)) {
                    let (a, b) = (pair[0], pair[1]);
                    *out = abs_sum([a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]]);
                }
                for (out, triple) in row_second.iter_mut().zip(row.windows(3)) {
                    let (a, b, c) = (triple[0], triple[1], triple[2]);
                    *out = abs_sum([
                        a[0] - 2 * b[0] + c[0],
                        a[1] - 2 * b[1] + c[1],
                        a[2] - 2 * b[2] + c[2],
                        a[3] - 2 * b[3] + c[3],
                    ]);
                }
                for (total, &v) in first.iter_mut().zip(&row_first) {
                    *total += v as i64;
                }
                for (total, &v) in second.iter_mut().skip(1).zip(&row_second) {
                    *total += v as i64;
                }
            }
        }
        Self {
            first: first.into_iter().map(|v| v as f32).collect(),
            second: second.into_iter().map(|v| v as f32).collect(),
        }
    }
}
