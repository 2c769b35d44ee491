//! Periodicity of a profile: FFT peak picking and a direct DFT at any frequency.

use rustfft::{num_complex::Complex, FftPlanner};

/// A profile sampled at `position0 + i` for `i` in `0..values.len()` (input pixels).
#[derive(Clone, Copy, Debug)]
pub struct Signal<'a> {
    /// Samples (mean removal happens inside the functions that need it).
    pub values: &'a [f32],
    /// Position of sample 0.
    pub position0: f32,
}

impl Signal<'_> {
    fn mean(&self) -> f32 {
        self.values.iter().sum::<f32>() / self.values.len().max(1) as f32
    }

    /// `sum (v - mean) * exp(-2 pi i f pos)` at frequency `freq` (cycles per pixel).
    pub fn dft(&self, freq: f32) -> Complex<f64> {
        let mean = self.mean() as f64;
        let step = Complex::from_polar(1.0, -std::f64::consts::TAU * freq as f64);
        let mut rot = Complex::from_polar(1.0, -std::f64::consts::TAU * (freq * self.position0) as f64);
        let mut acc = Complex::new(0.0, 0.0);
        for &v in self.values {
            acc += rot * (v as f64 - mean);
            rot *= step;
        }
        acc
    }

    /// Refines a pitch by the phase drift of its fundamental between the two halves of
    /// the profile: a frequency error shows as a phase difference growing with distance.
    pub fn refine_pitch(&self, pitch: f32) -> f32 {
        let n = self.values.len();
        if n < 16 {
            return pitch;
        }
        let half = n / 2;
        let left = Signal {
            values: &self.values[..half],
            position0: self.position0,
        };
        let right = Signal {
            values: &self.values[half..],
            position0: self.position0 + half as f32,
        };
        let mut f = 1.0 / pitch as f64;
        for _ in 0..3 {
            let (a, b) = (left.dft(f as f32), right.dft(f as f32));
            if a.norm() < 1e-9 || b.norm() < 1e-9 {
                break;
            }
            // Peaks at x_k = phase + k / f0 give each half a DFT phase of about
            // -2 pi (f - f0) x_centre (plus a constant): the halves' centres are
            // `half` apart, so f0 = f + dphi / (2 pi half).
            let dphi = (b * a.conj()).arg();
            let df = dphi / (std::f64::consts::TAU * half as f64);
            f += df;
            if df.abs() < 1e-7 {
                break;
            }
        }
        let p = (1.0 / f) as f32;
        if p.is_finite() && (p / pitch - 1.0).abs() < 0.03 {
            p
        } else {
            pitch
        }
    }

    /// The offset in `[0, pitch)` where the profile's periodic peaks lie.
    pub fn phase(&self, pitch: f32) -> f32 {
        let f = self.dft(1.0 / pitch);
        let o = -(f.arg() as f32) * pitch / std::f32::consts::TAU;
        o.rem_euclid(pitch)
    }

    /// The whitened magnitude spectrum of the profile (zero-padded, Hann-windowed FFT).
    pub fn spectrum(&self, planner: &mut FftPlanner<f32>) -> Spectrum {
        let n = self.values.len();
        let size = (n * 8).next_power_of_two().clamp(1024, 1 << 16);
        let mean = self.mean();
        let mut buf: Vec<Complex<f32>> = (0..size)
            .map(|i| {
                if i < n && n > 1 {
                    let w = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / (n - 1) as f32).cos();
                    Complex::new((self.values[i] - mean) * w, 0.0)
                } else {
                    Complex::new(0.0, 0.0)
                }
            })
            .collect();
        planner.plan_fft_forward(size).process(&mut buf);
        let mag: Vec<f32> = buf[..size / 2].iter().map(|c| c.norm()).collect();
        // Local mean from 0.7x to 1.4x each frequency (whitening): texture and
        // silhouettes give a 1/f slope that would drown a blurred grid's peak.
        let mut prefix = vec![0.0f64; mag.len() + 1];
        for (i, m) in mag.iter().enumerate() {
            prefix[i + 1] = prefix[i] + *m as f64;
        }
        let prominence = (0..mag.len())
            .map(|k| {
                let (a, b) = (
                    (k as f32 * 0.7) as usize,
                    ((k as f32 * 1.4) as usize).clamp(k, mag.len() - 1),
                );
                let local = ((prefix[b + 1] - prefix[a]) / (b + 1 - a) as f64) as f32;
                if local > 0.0 {
                    mag[k] / local
                } else {
                    0.0
                }
            })
            .collect();
        Spectrum { size, mag, prominence }
    }
}

/// A whitened magnitude spectrum.
#[derive(Clone, Debug)]
pub struct Spectrum {
    size: usize,
    mag: Vec<f32>,
    /// Magnitude over the local mean magnitude, per bin.
    prominence: Vec<f32>,
}

impl Spectrum {
    /// Prominence at a frequency (cycles per pixel), linearly interpolated.
    pub fn prominence_at(&self, freq: f32) -> f32 {
        let x = freq * self.size as f32;
        let k = x.floor() as usize;
        if k + 1 >= self.prominence.len() {
            return 0.0;
        }
        let t = x - k as f32;
        self.prominence[k] * (1.0 - t) + self.prominence[k + 1] * t
    }

    /// The `count` most prominent peaks between `min_freq` and `max_freq` as
    /// (frequency in cycles per pixel, prominence), most prominent first; frequencies
    /// are refined by parabolic interpolation.
    pub fn peaks(&self, min_freq: f32, max_freq: f32, count: usize) -> Vec<(f32, f32)> {
        let mag = &self.mag;
        if mag.len() < 4 {
            return Vec::new();
        }
        let lo = ((min_freq * self.size as f32).floor() as usize).max(1);
        let hi = ((max_freq * self.size as f32).ceil() as usize).min(mag.len() - 2);
        let mut found: Vec<(f32, f32)> = (lo..=hi)
            .filter(|&k| mag[k] > mag[k - 1] && mag[k] >= mag[k + 1] && mag[k] > 0.0)
            .map(|k| {
                let (a, b, c) = (mag[k - 1], mag[k], mag[k + 1]);
                let denom = a - 2.0 * b + c;
                let delta = if denom.abs() > 1e-12 {
                    0.5 * (a - c) / denom
                } else {
                    0.0
                };
                (
                    (k as f32 + delta.clamp(-0.5, 0.5)) / self.size as f32,
                    self.prominence[k],
                )
            })
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        found.truncate(count);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impulses(len: usize, pitch: f32, offset: f32) -> Vec<f32> {
        let mut v = vec![0.0; len];
        let mut x = offset;
        while (x as usize) < len {
            v[x.round() as usize % len] += 1.0;
            x += pitch;
        }
        v
    }

    #[test]
    fn finds_period_and_phase_of_an_impulse_train() {
        let v = impulses(400, 5.0, 2.0);
        let s = Signal {
            values: &v,
            position0: 0.0,
        };
        let peaks = s.spectrum(&mut FftPlanner::new()).peaks(1.0 / 32.0, 1.0 / 1.5, 3);
        assert!(peaks.iter().any(|(f, _)| (1.0 / f - 5.0).abs() < 0.05), "{peaks:?}");
        assert!((s.phase(5.0) - 2.0).abs() < 0.05);
        for start in [4.97, 5.02, 5.04] {
            let p = s.refine_pitch(start);
            assert!((p - 5.0).abs() < 0.01, "{start} -> {p}");
        }
    }
}
