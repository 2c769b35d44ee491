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
        // Per channel and position, summed over up to FLUSH_ROWS rows in i32 (a
        // second difference is at most 510 per channel), flat as the rows are: one
        // vertical pass per row that the compiler vectorises. The channels are added
        // up at each flush, and the totals over all rows and planes need i64.
        const FLUSH_ROWS: usize = 1 << 20;
        let mut part_first = vec![0i32; 4 * w.saturating_sub(1)];
        let mut part_second = vec![0i32; 4 * w.saturating_sub(2)];
        for plane in planes {
            for start in (0..plane.height).step_by(FLUSH_ROWS) {
                part_first.iter_mut().for_each(|v| *v = 0);
                part_second.iter_mut().for_each(|v| *v = 0);
                for y in start..(start + FLUSH_ROWS).min(plane.height) {
                    let row = plane.row(y).as_flattened();
                    // (Rows too short for a difference leave the sums empty.)
                    for ((sum, &a), &b) in part_first.iter_mut().zip(row).zip(row.iter().skip(4)) {
                        *sum += (b - a).abs();
                    }
                    for (((sum, &a), &b), &c) in part_second
                        .iter_mut()
                        .zip(row)
                        .zip(row.iter().skip(4))
                        .zip(row.iter().skip(8))
                    {
                        *sum += (a - 2 * b + c).abs();
                    }
                }
                for (total, sums) in first.iter_mut().zip(part_first.chunks_exact(4)) {
                    *total += sums.iter().map(|&v| v as i64).sum::<i64>();
                }
                for (total, sums) in second.iter_mut().skip(1).zip(part_second.chunks_exact(4)) {
                    *total += sums.iter().map(|&v| v as i64).sum::<i64>();
                }
            }
        }
        Self {
            first: first.into_iter().map(|v| v as f32).collect(),
            second: second.into_iter().map(|v| v as f32).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_sum_the_absolute_differences_of_every_channel_over_every_row() {
        let image = |seed: u32| {
            RgbaImage::from_fn(7, 5, |x, y| {
                let v = (x * 37 + y * 91 + seed * 13) % 256;
                ::image::Rgba([
                    v as u8,
                    (255 - v) as u8,
                    (v * 7 % 256) as u8,
                    if x == 3 { 128 } else { 255 },
                ])
            })
        };
        let planes = [Plane::premultiplied(&image(1)), Plane::premultiplied(&image(2))];
        let profiles = Profiles::of(&planes);
        let (mut first, mut second) = (vec![0.0f32; 6], vec![0.0f32; 7]);
        for plane in &planes {
            for y in 0..plane.height {
                let row = plane.row(y);
                let abs_sum = |d: [i32; 4]| d.iter().map(|v| v.abs() as f32).sum::<f32>();
                for x in 0..6 {
                    first[x] += abs_sum(std::array::from_fn(|c| row[x + 1][c] - row[x][c]));
                }
                for x in 1..6 {
                    second[x] += abs_sum(std::array::from_fn(|c| row[x + 1][c] - 2 * row[x][c] + row[x - 1][c]));
                }
            }
        }
        assert_eq!(profiles.first, first);
        assert_eq!(profiles.second, second);
    }
}
