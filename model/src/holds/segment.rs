//! Dynamic programming over hold lengths: split a clip into holds so that the
//! frames of each hold are close to one drawing (their mean), paying a cost per
//! drawing and a smaller one whenever the hold length changes (animators keep a
//! cadence: on twos, on threes). Holds never span a cut.

use super::signature::Signature;

/// The cost terms of the split.
#[derive(Clone, Copy, Debug)]
pub struct SegmentCosts {
    /// Cost of one more drawing (in squared-signature units).
    pub per_drawing: f32,
    /// Cost of a hold whose length differs from the previous hold's.
    pub cadence_change: f32,
    /// Longest hold, in frames.
    pub max_len: usize,
}

/// Squared error of every candidate hold around its mean: `[start][length - 1]`.
pub fn hold_errors(signatures: &[Signature], max_len: usize) -> Vec<Vec<f32>> {
    let n = signatures.len();
    let dims = signatures.first().map_or(0, |s| s.values.len());
    (0..n)
        .map(|start| {
            let mut sum = vec![0.0f64; dims];
            let mut sum_sq = 0.0f64;
            (start..n.min(start + max_len))
                .map(|end| {
                    let values = &signatures[end].values;
                    for (s, &v) in sum.iter_mut().zip(values) {
                        *s += v as f64;
                    }
                    sum_sq += values.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>();
                    let len = (end - start + 1) as f64;
                    let mean_sq: f64 = sum.iter().map(|s| s * s).sum::<f64>() / len;
                    (sum_sq - mean_sq).max(0.0) as f32
                })
                .collect()
        })
        .collect()
}

/// The best split of `n` frames into holds: the start frame of each hold, in order
/// (the first is 0). `errors` comes from [`hold_errors`]; a hold never contains a
/// frame of `cuts` other than its first.
pub fn split_into_holds(errors: &[Vec<f32>], cuts: &[usize], costs: SegmentCosts) -> Vec<usize> {
    let n = errors.len();
    if n == 0 {
        return Vec::new();
    }
    let max_len = costs.max_len.max(1);
    // best[t][len - 1]: cheapest split of frames 0..t whose last hold has `len` frames.
    let mut best = vec![vec![f32::INFINITY; max_len]; n + 1];
    let mut from = vec![vec![0usize; max_len]; n + 1];
    // Cheapest split of 0..t over any last length, and that length.
    let mut best_any = vec![(f32::INFINITY, 0usize); n + 1];
    best_any[0] = (0.0, 0);
    let mut is_cut = vec![false; n + 1];
    cuts.iter().filter(|&&c| c < n).for_each(|&c| is_cut[c] = true);
    // The latest cut at or before each frame.
    let mut last_cut = vec![0usize; n];
    for t in 1..n {
        last_cut[t] = if is_cut[t] { t } else { last_cut[t - 1] };
    }
    for t in 1..=n {
        for len in 1..=max_len.min(t) {
            let start = t - len;
            // A hold may start at a cut but not contain one after its first frame.
            if last_cut[t - 1] > start {
                continue;
            }
            let hold = errors[start][len - 1] + costs.per_drawing;
            let (cost, previous_len) = if start == 0 {
                (hold, 0)
            } else {
                let same = best[start].get(len - 1).copied().unwrap_or(f32::INFINITY);
                let (any, any_len) = best_any[start];
                let change = if is_cut[start] { 0.0 } else { costs.cadence_change };
                if same <= any + change {
                    (hold + same, len)
                } else {
                    (hold + any + change, any_len)
                }
            };
            if cost < best[t][len - 1] {
                best[t][len - 1] = cost;
                from[t][len - 1] = previous_len;
            }
            if cost < best_any[t].0 {
                best_any[t] = (cost, len);
            }
        }
    }
    let mut starts = Vec::new();
    let (mut t, mut len) = (n, best_any[n].1);
    while t > 0 && len > 0 {
        let previous = from[t][len - 1];
        t -= len;
        starts.push(t);
        len = previous;
    }
    starts.reverse();
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(v: f32) -> Signature {
        Signature {
            values: vec![v; 4],
            histogram: Vec::new(),
            centroid: None,
            extent: 1,
        }
    }

    #[test]
    fn steps_become_holds_and_cuts_are_respected() {
        let values = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5];
        let signatures: Vec<_> = values.iter().map(|&v| signature(v)).collect();
        let errors = hold_errors(&signatures, 8);
        let costs = SegmentCosts {
            per_drawing: 0.1,
            cadence_change: 0.01,
            max_len: 8,
        };
        assert_eq!(split_into_holds(&errors, &[], costs), vec![0, 3, 7]);
        // A cut inside a hold splits it.
        assert_eq!(split_into_holds(&errors, &[5], costs), vec![0, 3, 5, 7]);
        // A hold longer than the limit is split.
        let short = SegmentCosts { max_len: 2, ..costs };
        assert_eq!(split_into_holds(&hold_errors(&signatures, 2), &[], short).len(), 5);
    }
}
