//! Scores of chosen keys and holds against the true timing of a clip (DESIGN §4):
//! keys match one-to-one within a tolerance in frames; a matched key's hold error is
//! the difference of the two hold lengths.

use serde::{Deserialize, Serialize};

/// Counts of one clip (add them up over a dataset, then read the rates).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyScore {
    /// Predicted keys matched to a true key.
    pub matched: usize,
    /// Predicted keys.
    pub predicted: usize,
    /// True keys.
    pub actual: usize,
    /// Sum over matched keys of |predicted hold - true hold|, in frames.
    pub hold_error: usize,
}

impl KeyScore {
    /// Share of predicted keys that are true.
    pub fn precision(&self) -> f32 {
        self.matched as f32 / self.predicted.max(1) as f32
    }

    /// Share of true keys found.
    pub fn recall(&self) -> f32 {
        self.matched as f32 / self.actual.max(1) as f32
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f32 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Mean hold error of matched keys, in frames.
    pub fn mean_hold_error(&self) -> f32 {
        self.hold_error as f32 / self.matched.max(1) as f32
    }
}

impl std::ops::AddAssign for KeyScore {
    fn add_assign(&mut self, other: Self) {
        self.matched += other.matched;
        self.predicted += other.predicted;
        self.actual += other.actual;
        self.hold_error += other.hold_error;
    }
}

/// Scores `predicted` keys (sorted) of a clip of `frames` frames against the `actual`
/// ones. Frame 0 starts every timing, so it is left out of both; pairs are matched
/// closest first, each key at most once, within `tolerance` frames.
pub fn score_keys(predicted: &[usize], actual: &[usize], frames: usize, tolerance: usize) -> KeyScore {
    let holds = |keys: &[usize]| -> Vec<usize> {
        keys.iter()
            .zip(keys.iter().skip(1).chain([&frames]))
            .map(|(a, b)| b.saturating_sub(*a))
            .collect()
    };
    let (predicted_holds, actual_holds) = (holds(predicted), holds(actual));
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (i, &p) in predicted.iter().enumerate().filter(|(_, &p)| p > 0) {
        for (j, &a) in actual.iter().enumerate().filter(|(_, &a)| a > 0) {
            if p.abs_diff(a) <= tolerance {
                pairs.push((p.abs_diff(a), i, j));
            }
        }
    }
    pairs.sort_unstable();
    let (mut used_p, mut used_a) = (vec![false; predicted.len()], vec![false; actual.len()]);
    let mut score = KeyScore {
        predicted: predicted.iter().filter(|&&p| p > 0).count(),
        actual: actual.iter().filter(|&&a| a > 0).count(),
        ..Default::default()
    };
    for (_, i, j) in pairs {
        if !used_p[i] && !used_a[j] {
            used_p[i] = true;
            used_a[j] = true;
            score.matched += 1;
            score.hold_error += predicted_holds[i].abs_diff(actual_holds[j]);
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_within_the_tolerance_once() {
        let s = score_keys(&[0, 4, 9, 10, 20], &[0, 5, 10, 16], 24, 2);
        // 4~5, 10~10 (9 is then unmatched), 20 and 16 are too far apart.
        assert_eq!((s.matched, s.predicted, s.actual), (2, 4, 3));
        // Holds: predicted 4->9 (5) vs true 5->10 (5); predicted 10->20 (10) vs 10->16 (6).
        assert_eq!(s.hold_error, 4);
        assert!((s.f1() - 2.0 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0)).abs() < 1e-6);
    }
}
