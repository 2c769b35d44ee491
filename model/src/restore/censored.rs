//! Noise clipped at the ends of the 8-bit range (a Tobit model).
//!
//! Noise added to a colour near 0 or 255 is clipped there, so the pixels of a black
//! outline average a little above 0 and a least-squares fit comes back one to three
//! levels high. Reading every clipped value as what it most likely hid (the mean of
//! the noise beyond the clip, given the current fit) and refitting, a few times, is
//! the EM algorithm for clipped data; it converges to the unclipped estimate.

/// The expected value of a pixel observed at a clip (`observed` 0 or 255) whose
/// model value is `mean` under Gaussian noise of `sigma`: the mean of the noise
/// distribution beyond the clip. `None` when `observed` is not at a clip.
pub(crate) fn expected_beyond_clip(mean: f64, sigma: f64, observed: f64) -> Option<f64> {
    let sigma = sigma.max(1e-6);
    let (bound, below) = match observed {
        v if v <= 0.0 => (0.0, true),
        v if v >= 255.0 => (255.0, false),
        _ => return None,
    };
    // Distance of the clip from the mean, in sigmas, oriented into the clipped tail.
    let z = if below {
        (bound - mean) / sigma
    } else {
        (mean - bound) / sigma
    };
    // Inverse Mills ratio φ(z)/Φ(z); for a far tail it tends to -z (the clip itself).
    let tail = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let ratio = if tail > 1e-12 { density / tail } else { -z };
    let beyond = (sigma * ratio).max(0.0);
    Some(if below {
        (mean - beyond).min(bound)
    } else {
        (mean + beyond).max(bound)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_at_the_mean_hides_half_a_gaussian() {
        // E[y | y <= 0] for y ~ N(0, 2) is -2·sqrt(2/π).
        let v = expected_beyond_clip(0.0, 2.0, 0.0).unwrap();
        assert!((v + 2.0 * (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-6, "{v}");
        let w = expected_beyond_clip(255.0, 2.0, 255.0).unwrap();
        assert!(
            (w - 255.0 - 2.0 * (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-6,
            "{w}"
        );
    }

    #[test]
    fn far_tails_stay_at_the_clip_and_unclipped_values_are_left() {
        assert_eq!(expected_beyond_clip(200.0, 1.0, 0.0), Some(0.0));
        assert!(expected_beyond_clip(-50.0, 2.0, 0.0).unwrap() < -49.0);
        assert_eq!(expected_beyond_clip(10.0, 2.0, 12.0), None);
    }

    #[test]
    fn em_on_clipped_samples_recovers_the_true_mean() {
        // Samples of N(1, 3) clipped at 0: their plain mean is biased high.
        let samples: Vec<f64> = (0..2000)
            .map(|i| {
                let u = (i as f64 + 0.5) / 2000.0;
                // inverse normal CDF by bisection on erfc
                let (mut lo, mut hi) = (-8.0f64, 8.0f64);
                for _ in 0..60 {
                    let mid = 0.5 * (lo + hi);
                    if 0.5 * libm::erfc(-mid / std::f64::consts::SQRT_2) < u {
                        lo = mid
                    } else {
                        hi = mid
                    }
                }
                (1.0 + 3.0 * lo).max(0.0)
            })
            .collect();
        let plain = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!(plain > 1.5, "{plain}");
        let mut mean = plain;
        for _ in 0..50 {
            let filled: f64 = samples
                .iter()
                .map(|&s| expected_beyond_clip(mean, 3.0, s).unwrap_or(s))
                .sum();
            mean = filled / samples.len() as f64;
        }
        assert!((mean - 1.0).abs() < 0.05, "{mean}");
    }
}
