//! Interpolation cases: real sprite triplets, synthetic layered shots (a tiled
//! background panned and zoomed by a camera, sprites moving on their own, the middle
//! frame rendered exactly), scene cuts, augmentation and batching.

use ::image::{imageops, Rgba, RgbaImage};
use burn::prelude::*;
use rand::{rngs::SmallRng, Rng, SeedableRng};

/// A premultiplied RGBA image in 0..1, channel planes: `[4][height * width]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Planes {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Red, green, blue (premultiplied) and alpha planes, row-major.
    pub data: [Vec<f32>; 4],
}

impl Planes {
    /// Transparent black of the given size.
    pub fn transparent(width: usize, height: usize) -> Self {
        let plane = vec![0.0; width * height];
        Self {
            width,
            height,
            data: [plane.clone(), plane.clone(), plane.clone(), plane],
        }
    }

    /// Premultiplied planes of an 8-bit straight-alpha image.
    pub fn from_image(image: &RgbaImage) -> Self {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let mut out = Self::transparent(w, h);
        for (i, p) in image.pixels().enumerate() {
            let a = p[3] as f32 / 255.0;
            for c in 0..3 {
                out.data[c][i] = p[c] as f32 / 255.0 * a;
            }
            out.data[3][i] = a;
        }
        out
    }

    /// The 8-bit straight-alpha image (colours of nearly transparent pixels are 0).
    pub fn to_image(&self) -> RgbaImage {
        RgbaImage::from_fn(self.width as u32, self.height as u32, |x, y| {
            let i = y as usize * self.width + x as usize;
            let a = self.data[3][i].clamp(0.0, 1.0);
            let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            if a < 0.5 / 255.0 {
                return Rgba([0, 0, 0, 0]);
            }
            Rgba([
                byte(self.data[0][i] / a),
                byte(self.data[1][i] / a),
                byte(self.data[2][i] / a),
                byte(a),
            ])
        })
    }

    /// Bilinear sample at continuous position (`x`, `y`) (pixel centres at i + 0.5),
    /// clamped to the border.
    pub fn sample(&self, x: f32, y: f32) -> [f32; 4] {
        let fx = (x - 0.5).clamp(0.0, (self.width - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.height - 1) as f32);
        let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
        let mut out = [0.0; 4];
        for (c, o) in out.iter_mut().enumerate() {
            let p = &self.data[c];
            let at = |x: usize, y: usize| p[y * self.width + x];
            let top = at(x0, y0) * (1.0 - ax) + at(x1, y0) * ax;
            let bottom = at(x0, y1) * (1.0 - ax) + at(x1, y1) * ax;
            *o = top * (1.0 - ay) + bottom * ay;
        }
        out
    }

    /// Bilinear sample that is transparent outside the image.
    fn sample_or_clear(&self, x: f32, y: f32) -> [f32; 4] {
        if x < 0.0 || y < 0.0 || x > self.width as f32 || y > self.height as f32 {
            return [0.0; 4];
        }
        let edge = |v: f32, n: usize| (v.min(n as f32 - v)).clamp(0.0, 0.5) * 2.0;
        let fade = edge(x, self.width).min(edge(y, self.height));
        self.sample(x, y).map(|v| v * fade)
    }

    fn get(&self, i: usize) -> [f32; 4] {
        [self.data[0][i], self.data[1][i], self.data[2][i], self.data[3][i]]
    }

    fn set(&mut self, i: usize, v: [f32; 4]) {
        for (c, value) in v.into_iter().enumerate() {
            self.data[c][i] = value;
        }
    }
}

/// One case: two frames and the truth at `t` between them.
#[derive(Debug, Clone)]
pub struct InterpExample {
    /// The first frame.
    pub frame0: Planes,
    /// The second frame.
    pub frame1: Planes,
    /// The true frame at `t` (for a cut: `frame0`, the hold).
    pub middle: Planes,
    /// Time of `middle` between the frames (0..1).
    pub t: f32,
    /// The frames are on either side of a scene cut.
    pub cut: bool,
    /// The background's motion from frame 0 to frame 1 at every pixel of the middle
    /// frame (x then y planes, pixels), where it is known (synthetic shots).
    pub background_motion: Option<[Vec<f32>; 2]>,
}

/// Limits of the synthetic layered shots.
#[derive(Debug, Clone)]
pub struct ShotOptions {
    /// Frame side in pixels.
    pub size: usize,
    /// Largest camera pan between the two frames, in pixels.
    pub max_pan: f32,
    /// Largest zoom change between the frames (0.05: 5%).
    pub max_zoom: f32,
    /// Largest sprite move between the frames, in pixels.
    pub max_sprite_move: f32,
    /// Most sprites in a shot.
    pub max_sprites: usize,
}

impl Default for ShotOptions {
    fn default() -> Self {
        Self {
            size: 64,
            max_pan: 12.0,
            max_zoom: 0.06,
            max_sprite_move: 10.0,
            max_sprites: 3,
        }
    }
}

/// `image` enlarged `k` times with nearest sampling (pixel art stays pixel art).
fn enlarge(image: &RgbaImage, k: u32) -> RgbaImage {
    imageops::resize(
        image,
        image.width() * k,
        image.height() * k,
        imageops::FilterType::Nearest,
    )
}

/// A pixel-art background texture of at least `side` x `side` pixels: `tiles` stamped
/// on a grid over a random base colour, enlarged 1-3x.
fn background_texture(tiles: &[RgbaImage], side: usize, rng: &mut SmallRng) -> Planes {
    let k = rng.random_range(1..=3u32);
    let art_side = (side as u32).div_ceil(k) + 2;
    let base = Rgba([rng.random(), rng.random(), rng.random(), 255]);
    let mut canvas = RgbaImage::from_pixel(art_side, art_side, base);
    if !tiles.is_empty() {
        let step = rng.random_range(8..=24u32);
        let mut y = 0;
        while y < art_side {
            let mut x = 0;
            while x < art_side {
                let tile = &tiles[rng.random_range(0..tiles.len())];
                imageops::overlay(&mut canvas, tile, x as i64, y as i64);
                x += step.max(tile.width().min(step * 2));
            }
            y += step;
        }
    }
    Planes::from_image(&enlarge(&canvas, k))
}

/// A camera: screen = scale * world + offset, each linear in time.
#[derive(Debug, Clone, Copy)]
struct Camera {
    scale: [f32; 2],
    offset: [[f32; 2]; 2],
}

impl Camera {
    fn at(&self, t: f32) -> (f32, [f32; 2]) {
        let s = self.scale[0] + (self.scale[1] - self.scale[0]) * t;
        let o = [0, 1].map(|i| self.offset[0][i] + (self.offset[1][i] - self.offset[0][i]) * t);
        (s, o)
    }
}

/// A sprite moving on screen in a straight line.
struct Actor {
    image: Planes,
    from: [f32; 2],
    to: [f32; 2],
}

/// Renders a shot's frame at time `t`.
fn render_shot(texture: &Planes, camera: &Camera, actors: &[Actor], size: usize, t: f32) -> Planes {
    let mut out = Planes::transparent(size, size);
    let (s, o) = camera.at(t);
    for y in 0..size {
        for x in 0..size {
            let (sx, sy) = (x as f32 + 0.5, y as f32 + 0.5);
            let mut px = texture.sample((sx - o[0]) / s, (sy - o[1]) / s);
            px[3] = 1.0;
            for actor in actors {
                let p = [0, 1].map(|i| actor.from[i] + (actor.to[i] - actor.from[i]) * t);
                let top = actor.image.sample_or_clear(sx - p[0], sy - p[1]);
                px = [0, 1, 2, 3].map(|c| top[c] + px[c] * (1.0 - top[3]));
            }
            out.set(y * size + x, px);
        }
    }
    out
}

/// A synthetic layered shot: a tiled background under a camera that pans (and
/// sometimes zooms), up to `max_sprites` sprites moving on their own, frames at t =
/// 0, 0.5 (the truth) and 1, and the true background motion.
pub fn layered_shot(tiles: &[RgbaImage], sprites: &[RgbaImage], options: &ShotOptions, seed: u64) -> InterpExample {
    let mut rng = SmallRng::seed_from_u64(seed);
    let size = options.size;
    let margin = options.max_pan * 2.0 + size as f32 * (options.max_zoom + 0.1) + 8.0;
    let texture = background_texture(tiles, size + margin.ceil() as usize * 2, &mut rng);
    let centre = size as f32 / 2.0;
    let tex_centre = [texture.width as f32 / 2.0, texture.height as f32 / 2.0];
    let s0 = rng.random_range(0.9..1.1f32);
    let zoom = if rng.random_bool(0.3) {
        rng.random_range(-options.max_zoom..=options.max_zoom)
    } else {
        0.0
    };
    let s1 = s0 * (1.0 + zoom);
    let angle = rng.random_range(0.0..std::f32::consts::TAU);
    let pan = rng.random_range(0.0..=options.max_pan);
    let jitter = [rng.random_range(-4.0..4.0f32), rng.random_range(-4.0..4.0f32)];
    let offset0 = [0, 1].map(|i| centre - s0 * tex_centre[i] + jitter[i]);
    let offset1 = [
        centre - s1 * tex_centre[0] + jitter[0] + pan * angle.cos(),
        centre - s1 * tex_centre[1] + jitter[1] + pan * angle.sin(),
    ];
    let camera = Camera {
        scale: [s0, s1],
        offset: [offset0, offset1],
    };
    let count = if sprites.is_empty() {
        0
    } else {
        rng.random_range(0..=options.max_sprites)
    };
    let actors: Vec<Actor> = (0..count)
        .map(|_| {
            let sprite = &sprites[rng.random_range(0..sprites.len())];
            let k = if sprite.width().max(sprite.height()) * 2 <= size as u32 / 2 {
                rng.random_range(1..=2)
            } else {
                1
            };
            let image = Planes::from_image(&enlarge(sprite, k));
            let from = [
                rng.random_range(-(image.width as f32) / 2.0..size as f32 - image.width as f32 / 2.0),
                rng.random_range(-(image.height as f32) / 2.0..size as f32 - image.height as f32 / 2.0),
            ];
            let a = rng.random_range(0.0..std::f32::consts::TAU);
            let d = rng.random_range(0.0..=options.max_sprite_move);
            let to = [from[0] + d * a.cos(), from[1] + d * a.sin()];
            Actor { image, from, to }
        })
        .collect();
    let frame0 = render_shot(&texture, &camera, &actors, size, 0.0);
    let middle = render_shot(&texture, &camera, &actors, size, 0.5);
    let frame1 = render_shot(&texture, &camera, &actors, size, 1.0);
    let (s, o) = camera.at(0.5);
    let mut motion = [vec![0.0; size * size], vec![0.0; size * size]];
    for y in 0..size {
        for x in 0..size {
            let screen = [x as f32 + 0.5, y as f32 + 0.5];
            for i in 0..2 {
                let world = (screen[i] - o[i]) / s;
                motion[i][y * size + x] = (s1 - s0) * world + (offset1[i] - offset0[i]);
            }
        }
    }
    InterpExample {
        frame0,
        frame1,
        middle,
        t: 0.5,
        cut: false,
        background_motion: Some(motion),
    }
}

/// A cut: the first frame of `before` then the last of `after` (fitted to the first's
/// size by edge padding and cropping at the top left where the sizes differ); the
/// truth is a hold of the first frame.
pub fn cut(before: &InterpExample, after: &InterpExample) -> InterpExample {
    let (w, h) = (before.frame0.width, before.frame0.height);
    let last = &after.frame1;
    let frame1 = if (last.width, last.height) == (w, h) {
        last.clone()
    } else {
        crop_to(&pad_to(last, last.width.max(w), last.height.max(h)), w, h)
    };
    InterpExample {
        frame0: before.frame0.clone(),
        frame1,
        middle: before.frame0.clone(),
        t: before.t,
        cut: true,
        background_motion: None,
    }
}

/// A real animation triplet (`frames` = previous, middle, next drawing) at its own
/// size, the middle drawing at t = 0.5.
pub fn triplet(frames: [&RgbaImage; 3]) -> InterpExample {
    InterpExample {
        frame0: Planes::from_image(frames[0]),
        middle: Planes::from_image(frames[1]),
        frame1: Planes::from_image(frames[2]),
        t: 0.5,
        cut: false,
        background_motion: None,
    }
}

/// A real animation triplet (`frames` = previous, middle, next drawing) placed on a
/// transparent `size` x `size` canvas at a random position (cropped where larger),
/// enlarged 2x at random where it fits twice.
pub fn sprite_triplet(frames: [&RgbaImage; 3], size: usize, seed: u64) -> InterpExample {
    let mut rng = SmallRng::seed_from_u64(seed);
    let (w, h) = (frames[0].width() as usize, frames[0].height() as usize);
    let k = if w.max(h) * 2 <= size && rng.random_bool(0.5) {
        2
    } else {
        1
    };
    let (sw, sh) = (w * k, h * k);
    let x0 = rng.random_range(-(sw.saturating_sub(size) as i64)..=(size.saturating_sub(sw) as i64));
    let y0 = rng.random_range(-(sh.saturating_sub(size) as i64)..=(size.saturating_sub(sh) as i64));
    let place = |image: &RgbaImage| {
        let mut canvas = RgbaImage::new(size as u32, size as u32);
        imageops::overlay(&mut canvas, &enlarge(image, k as u32), x0, y0);
        Planes::from_image(&canvas)
    };
    InterpExample {
        frame0: place(frames[0]),
        middle: place(frames[1]),
        frame1: place(frames[2]),
        t: 0.5,
        cut: false,
        background_motion: None,
    }
}

/// Random horizontal, vertical and temporal flips.
pub fn augment(mut example: InterpExample, seed: u64) -> InterpExample {
    let mut rng = SmallRng::seed_from_u64(seed);
    if rng.random_bool(0.5) {
        flip(&mut example, true);
    }
    if rng.random_bool(0.5) {
        flip(&mut example, false);
    }
    if !example.cut && rng.random_bool(0.5) {
        std::mem::swap(&mut example.frame0, &mut example.frame1);
        example.t = 1.0 - example.t;
        if let Some(m) = &mut example.background_motion {
            m.iter_mut().flatten().for_each(|v| *v = -*v);
        }
    }
    example
}

/// Mirrors every image and motion field of `example` left-right (`horizontal`) or
/// top-bottom.
fn flip(example: &mut InterpExample, horizontal: bool) {
    let (w, h) = (example.frame0.width, example.frame0.height);
    let mirror = |plane: &mut Vec<f32>| {
        let source = plane.clone();
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = if horizontal { (w - 1 - x, y) } else { (x, h - 1 - y) };
                plane[y * w + x] = source[sy * w + sx];
            }
        }
    };
    for planes in [&mut example.frame0, &mut example.frame1, &mut example.middle] {
        planes.data.iter_mut().for_each(mirror);
    }
    if let Some(m) = &mut example.background_motion {
        m.iter_mut().for_each(mirror);
        let axis = if horizontal { 0 } else { 1 };
        m[axis].iter_mut().for_each(|v| *v = -*v);
    }
}

/// A batch of same-sized examples with the same `t`.
#[derive(Debug, Clone)]
pub struct InterpBatch<B: Backend> {
    /// First frames. `[batch, 4, h, w]`
    pub frame0: Tensor<B, 4>,
    /// Second frames. `[batch, 4, h, w]`
    pub frame1: Tensor<B, 4>,
    /// Truth at `t`. `[batch, 4, h, w]`
    pub middle: Tensor<B, 4>,
    /// 1 for a cut, else 0. `[batch, 1]`
    pub cut: Tensor<B, 2>,
    /// True background motion (zero where unknown). `[batch, 2, h, w]`
    pub background_motion: Tensor<B, 4>,
    /// 1 where the background motion is known. `[batch, 1, 1, 1]`
    pub motion_known: Tensor<B, 4>,
    /// Time of the truth.
    pub t: f32,
}

/// Stacks planes into a tensor. `-> [n, 4, h, w]`
pub fn planes_to_tensor<B: Backend>(planes: &[&Planes], device: &B::Device) -> Tensor<B, 4> {
    let (w, h) = (planes[0].width, planes[0].height);
    let data: Vec<f32> = planes.iter().flat_map(|p| p.data.iter().flatten().copied()).collect();
    Tensor::<B, 1>::from_floats(data.as_slice(), device).reshape([planes.len(), 4, h, w])
}

/// Splits a tensor back into planes. `[n, 4, h, w] ->`
pub fn tensor_to_planes<B: Backend>(tensor: Tensor<B, 4>) -> Vec<Planes> {
    let [n, c, h, w] = tensor.dims();
    let data: Vec<f32> = tensor.into_data().convert::<f32>().to_vec().unwrap_or_default();
    (0..n)
        .map(|i| {
            let plane = |ch: usize| data[(i * c + ch) * h * w..(i * c + ch + 1) * h * w].to_vec();
            Planes {
                width: w,
                height: h,
                data: [plane(0), plane(1), plane(2), plane(3)],
            }
        })
        .collect()
}

/// Batches `examples` (same size and `t`; the first one's `t` is used).
pub fn batch<B: Backend>(examples: &[InterpExample], device: &B::Device) -> InterpBatch<B> {
    let n = examples.len();
    let (w, h) = (examples[0].frame0.width, examples[0].frame0.height);
    let stack = |pick: fn(&InterpExample) -> &Planes| {
        planes_to_tensor::<B>(&examples.iter().map(pick).collect::<Vec<_>>(), device)
    };
    let cut: Vec<f32> = examples.iter().map(|e| if e.cut { 1.0 } else { 0.0 }).collect();
    let known: Vec<f32> = examples
        .iter()
        .map(|e| if e.background_motion.is_some() { 1.0 } else { 0.0 })
        .collect();
    let motion: Vec<f32> = examples
        .iter()
        .flat_map(|e| match &e.background_motion {
            Some(m) => m.concat(),
            None => vec![0.0; 2 * w * h],
        })
        .collect();
    InterpBatch {
        frame0: stack(|e| &e.frame0),
        frame1: stack(|e| &e.frame1),
        middle: stack(|e| &e.middle),
        cut: Tensor::<B, 1>::from_floats(cut.as_slice(), device).reshape([n, 1]),
        background_motion: Tensor::<B, 1>::from_floats(motion.as_slice(), device).reshape([n, 2, h, w]),
        motion_known: Tensor::<B, 1>::from_floats(known.as_slice(), device).reshape([n, 1, 1, 1]),
        t: examples[0].t,
    }
}

/// Copies `planes` into the top-left of a `width` x `height` canvas, repeating the
/// edge pixels beyond it (padding to the network's size multiple).
pub fn pad_to(planes: &Planes, width: usize, height: usize) -> Planes {
    let mut out = Planes::transparent(width, height);
    for y in 0..height {
        for x in 0..width {
            let (sx, sy) = (x.min(planes.width - 1), y.min(planes.height - 1));
            out.set(y * width + x, planes.get(sy * planes.width + sx));
        }
    }
    out
}

/// The top-left `width` x `height` part of `planes`.
pub fn crop_to(planes: &Planes, width: usize, height: usize) -> Planes {
    let mut out = Planes::transparent(width, height);
    for y in 0..height {
        for x in 0..width {
            out.set(y * width + x, planes.get(y * planes.width + x));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use ::image::Rgba;

    use super::*;

    fn checker(side: u32) -> RgbaImage {
        RgbaImage::from_fn(side, side, |x, y| {
            let v = ((x / 2 + y / 3) % 2) as u8;
            Rgba([40 + 180 * v, 90, 200 - 150 * v, 255])
        })
    }

    #[test]
    fn planes_round_trip_straight_alpha_images() {
        let image = RgbaImage::from_fn(5, 4, |x, y| {
            Rgba([x as u8 * 50, y as u8 * 60, 7, if x == 0 { 0 } else { 255 }])
        });
        let back = Planes::from_image(&image).to_image();
        for (x, y, p) in image.enumerate_pixels() {
            let q = back.get_pixel(x, y);
            if p[3] == 0 {
                assert_eq!(q[3], 0);
            } else {
                assert_eq!(p, q);
            }
        }
    }

    #[test]
    fn the_true_background_motion_carries_frame_0_to_the_middle_frame() {
        let tiles = [checker(12)];
        let options = ShotOptions {
            size: 48,
            max_sprites: 0,
            ..ShotOptions::default()
        };
        for seed in 0..6 {
            let shot = layered_shot(&tiles, &[], &options, seed);
            let motion = shot.background_motion.as_ref().unwrap();
            let (mut error, mut moved, mut n) = (0.0, 0.0, 0);
            // Away from the border (clamped samples): the middle frame at x is frame 0
            // at x - motion / 2.
            for y in 12..36 {
                for x in 12..36 {
                    let i = y * 48 + x;
                    let (sx, sy) = (x as f32 + 0.5, y as f32 + 0.5);
                    let back = shot.frame0.sample(sx - 0.5 * motion[0][i], sy - 0.5 * motion[1][i]);
                    let forward = shot.frame1.sample(sx + 0.5 * motion[0][i], sy + 0.5 * motion[1][i]);
                    for c in 0..3 {
                        error += (back[c] - shot.middle.data[c][i]).abs() + (forward[c] - shot.middle.data[c][i]).abs();
                        moved += (shot.frame0.data[c][i] - shot.middle.data[c][i]).abs();
                    }
                    n += 6;
                }
            }
            let (error, moved) = (error / n as f32, moved / n as f32 * 2.0);
            // Bilinear resampling of a bilinear render: small but not zero.
            assert!(
                error < 0.06 && (moved < 1e-3 || error < moved / 3.0),
                "seed {seed}: {error} vs {moved}"
            );
        }
    }

    #[test]
    fn flips_keep_the_motion_consistent() {
        let tiles = [checker(12)];
        let options = ShotOptions {
            size: 32,
            max_sprites: 0,
            ..ShotOptions::default()
        };
        let shot = layered_shot(&tiles, &[], &options, 3);
        let mut flipped = shot.clone();
        flip(&mut flipped, true);
        let m = shot.background_motion.as_ref().unwrap();
        let f = flipped.background_motion.as_ref().unwrap();
        assert_eq!(f[0][0], -m[0][31]);
        assert_eq!(f[1][0], m[1][31]);
        assert_eq!(flipped.frame0.data[0][0], shot.frame0.data[0][31]);
    }

    #[test]
    fn a_cut_holds_its_first_frame() {
        let tiles = [checker(12)];
        let options = ShotOptions {
            size: 32,
            ..ShotOptions::default()
        };
        let a = layered_shot(&tiles, &[], &options, 1);
        let b = layered_shot(&tiles, &[], &options, 2);
        let c = cut(&a, &b);
        assert!(c.cut);
        assert_eq!(c.middle, a.frame0);
        assert_eq!(c.frame1, b.frame1);
    }
}
