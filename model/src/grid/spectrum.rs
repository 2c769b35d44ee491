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

    /// Mean magnitude of the harmonics `h / pitch` below Nyquist, normalised by the
    /// sum of absolute deviations: 1 for a perfect impulse train of that pitch.
    pub fn harmonic_strength(&self, pitch: f32) -> f32 {
        let mean = self.mean();
        let norm: f32 = self.values.iter().map(|v| (v - mean).abs()).sum();
        if norm <= 0.0 {
            return 0.0;
        }
        let max_h = ((pitch * 0.5).floor() as usize).clamp(1, 4);
        let total: f64 = (1..=max_h).map(|h| self.dft(h as f32 / pitch).norm()).sum();
        (total / max_h as f64) as f32 / norm
    }

    /// The offset in `[0, pitch)` where the profile's periodic peaks lie.
    pub fn phase(&self, pitch: f32) -> f32 {
        let f = self.dft(1.0 / pitch);
        let o = -(f.arg() as f32) * pitch / std::f32::consts::TAU;
        o.rem_euclid(pitch)
    }

    /// Frequencies (cycles per pixel) of the `count` strongest spectral peaks between
    /// `min_freq` and `max_freq`, strongest first, each refined by parabolic
    /// interpolation on a zero-padded, Hann-windowed FFT.
    pub fn peaks(&self, min_freq: f32, max_freq: f32, count: usize, planner: &mut FftPlanner<f32>) -> Vec<f32> {
        let n = self.values.len();
        if n < 4 {
            return Vec::new();
        }
        let size = (n * 8).next_power_of_two().clamp(1024, 1 << 16);
        let mean = self.mean();
        let mut buf: Vec<Complex<f32>> = (0..size)
            .map(|i| {
                if i < n {
                    let w = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / (n - 1) as f32).cos();
                    Complex::new((self.values[i] - mean) * w, 0.0)
                } else {
                    Complex::new(0.0, 0.0)
                }
            })
            .collect();
        planner.plan_fft_forward(size).process(&mut buf);
        let mag: Vec<f32> = buf[..size / 2].iter().map(|c| c.norm()).collect();
        let lo = ((min_freq * size as f32).floor() as usize).max(1);
        let hi = ((max_freq * size as f32).ceil() as usize).min(mag.len() - 2);
        let mut found: Vec<(f32, f32)> = (lo..=hi)
            .filter(|&k| mag[k] > mag[k - 1] && mag[k] >= mag[k + 1] && mag[k] > 0.0)
            .map(|k| {
                let (a, b, c) = (mag[k - 1], mag[k], mag[k + 1]);
                let denom = a - 2.0 * b + c;
                let delta = if denom.abs() > 1e-12 { 0.5 * (a - c) / denom } else { 0.0 };
                ((k as f32 + delta.clamp(-0.5, 0.5)) / size as f32, b)
            })
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        found.truncate(count);
        found.into_iter().map(|(f, _)| f).collect()
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
        let s = Signal { values: &v, position0: 0.0 };
        let peaks = s.peaks(1.0 / 32.0, 1.0 / 1.5, 3, &mut FftPlanner::new());
        assert!(peaks.iter().any(|f| (1.0 / f - 5.0).abs() < 0.05), "{peaks:?}");
        assert!((s.phase(5.0) - 2.0).abs() < 0.05);
        assert!(s.harmonic_strength(5.0) > 0.8);
        assert!(s.harmonic_strength(7.3) < 0.3);
    }
}
