//! Palette from measured colours with a known noise: centroid agglomeration.
//!
//! Leader clustering ([`super::extract_palette`]) works in order of frequency, which
//! means nothing when every measurement is unique (least-squares cell colours of a
//! smooth upscale): its centres are then arbitrary members and one colour splits into
//! several clusters. Here the two closest groups merge, centroid to centroid, until
//! the closest pair is farther apart than the noise explains. The stopping rule looks
//! at centroids, not at Ward's error increase, because splitting one noisy colour in
//! two always lowers the error in proportion to its size, however many cells it covers.

/// A group of measurements: their mean and how many there are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Group {
    /// Mean colour of the members (8-bit units, unrounded).
    pub mean: [f64; 3],
    /// Number of members.
    pub count: usize,
}

impl Group {
    fn sum(&self) -> [f64; 3] {
        self.mean.map(|m| m * self.count as f64)
    }

    fn merged(&self, other: &Group) -> Group {
        let count = self.count + other.count;
        let (a, b) = (self.sum(), other.sum());
        Group {
            mean: [0, 1, 2].map(|c| (a[c] + b[c]) / count as f64),
            count,
        }
    }
}

fn distance2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (0..3).map(|c| (a[c] - b[c]).powi(2)).sum()
}

/// Groups `values` (colours measured with independent noise) so that no two group
/// means are closer than `radius` (8-bit units, summed over the three channels); the
/// groups come back most members first.
///
/// A first pass joins each value to the first group within `radius / 2` (cheap, and
/// no two values that pass could belong to different true colours); then the two
/// closest group means merge until the closest pair is `radius` apart.
pub fn agglomerate(values: &[[f64; 3]], radius: f64) -> Vec<Group> {
    let near2 = (radius * 0.5).powi(2);
    let mut groups: Vec<Group> = Vec::new();
    for v in values {
        match groups.iter_mut().find(|g| distance2(&g.mean, v) <= near2) {
            Some(g) => *g = g.merged(&Group { mean: *v, count: 1 }),
            None => groups.push(Group { mean: *v, count: 1 }),
        }
    }
    let limit2 = radius * radius;
    // nearest[i] = (distance², index) of group i's closest other group
    let nearest_of = |groups: &[Group], i: usize| {
        (0..groups.len())
            .filter(|&j| j != i)
            .map(|j| (distance2(&groups[i].mean, &groups[j].mean), j))
            .min_by(|a, b| a.0.total_cmp(&b.0))
    };
    let mut nearest: Vec<Option<(f64, usize)>> = (0..groups.len()).map(|i| nearest_of(&groups, i)).collect();
    let closest = |nearest: &[Option<(f64, usize)>]| {
        nearest
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.map(|n| (i, n)))
            .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
            .filter(|(_, (d2, _))| *d2 <= limit2)
    };
    while let Some((i, (_, j))) = closest(&nearest) {
        let (keep, gone) = (i.min(j), i.max(j));
        groups[keep] = groups[keep].merged(&groups[gone]);
        groups.swap_remove(gone);
        nearest.swap_remove(gone);
        let moved = groups.len(); // the old index of the group now at `gone`
        for k in 0..groups.len() {
            let stale = match nearest[k] {
                Some((_, n)) => n == keep || n == gone || k == keep,
                None => k == keep,
            };
            if stale {
                nearest[k] = nearest_of(&groups, k);
            } else if let Some((d, n)) = nearest[k] {
                nearest[k] = Some((d, if n == moved { gone } else { n }));
                let d_new = distance2(&groups[k].mean, &groups[keep].mean);
                if d_new < d {
                    nearest[k] = Some((d_new, keep));
                }
            }
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}

/// Folds every group of at most `max_count` members into the nearest larger group
/// when that is within `radius`: a colour seen in one or two cells must stand out
/// more than noise lets a common colour's cells stray (edge cells, clipped ringing),
/// while a real one-cell detail (an eye) is far from everything. Keeps the order.
pub fn absorb_small_groups(groups: Vec<Group>, max_count: usize, radius: f64) -> Vec<Group> {
    let limit2 = radius * radius;
    let mut kept: Vec<Group> = groups.iter().filter(|g| g.count > max_count).copied().collect();
    for small in groups.iter().filter(|g| g.count <= max_count) {
        let nearest = kept
            .iter_mut()
            .map(|g| (distance2(&g.mean, &small.mean), g))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match nearest {
            Some((d2, g)) if d2 <= limit2 => *g = g.merged(small),
            _ => kept.push(*small),
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic noise in -1..1.
    fn noise(i: usize, c: usize) -> f64 {
        let h = (i * 3 + c).wrapping_mul(2_654_435_761) % 10_007;
        h as f64 / 5003.5 - 1.0
    }

    #[test]
    fn noisy_unique_measurements_of_two_colours_make_two_groups_and_a_far_one_stays() {
        let mut values = Vec::new();
        for i in 0..200 {
            let base = if i % 2 == 0 { 40.0 } else { 52.0 };
            values.push([0, 1, 2].map(|c| base + 3.0 * noise(i, c)));
        }
        values.push([200.0, 30.0, 30.0]); // a one-cell eye
        let groups = agglomerate(&values, 7.0);
        assert_eq!(groups.len(), 3, "{groups:?}");
        assert_eq!(groups.iter().map(|g| g.count).collect::<Vec<_>>(), [100, 100, 1]);
        for g in &groups[..2] {
            let base = if g.mean[0] < 46.0 { 40.0 } else { 52.0 };
            assert!(g.mean.iter().all(|m| (m - base).abs() < 0.6), "{g:?}");
        }
    }

    #[test]
    fn small_groups_near_a_common_colour_fold_into_it_a_distinct_one_stays() {
        let groups = vec![
            Group {
                mean: [50.0; 3],
                count: 80,
            },
            Group {
                mean: [56.0; 3],
                count: 2,
            },
            Group {
                mean: [200.0, 20.0, 20.0],
                count: 1,
            },
        ];
        let kept = absorb_small_groups(groups, 3, 12.0);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].count, 82);
        assert!((kept[0].mean[0] - 50.146).abs() < 0.01, "{:?}", kept[0]);
        assert_eq!(kept[1].count, 1);
    }

    #[test]
    fn a_chain_of_close_steps_does_not_collapse_into_one() {
        // Ten colours 10 levels apart: neighbours are farther than the radius.
        let values: Vec<[f64; 3]> = (0..100).map(|i| [(i % 10) as f64 * 10.0 + noise(i, 0); 3]).collect();
        assert_eq!(agglomerate(&values, 8.0).len(), 10);
    }
}
