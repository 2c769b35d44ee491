//! Leader clustering in OKLab with a noise-adaptive merge distance.

use std::collections::HashMap;

use super::Palette;
use crate::image::color::{srgb8_to_oklab, Oklab};

/// How colours are grouped into a palette.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClusterOptions {
    /// Colours closer than this (OKLab distance) join the same cluster.
    pub merge_distance: f32,
    /// Merge the closest clusters until at most this many remain.
    pub max_colors: Option<usize>,
}

struct Cluster {
    lab: Oklab,
    members: Vec<([u8; 3], u32)>,
    weight: u32,
}

/// Extracts a palette from samples (one per cell). Clean input keeps its exact colours;
/// noisy variants are represented by the per-channel weighted median of their cluster.
pub fn extract_palette(samples: &[[u8; 3]], options: ClusterOptions) -> Palette {
    let mut counts: HashMap<[u8; 3], u32> = HashMap::new();
    for &s in samples {
        *counts.entry(s).or_default() += 1;
    }
    let mut unique: Vec<([u8; 3], u32)> = counts.into_iter().collect();
    unique.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let threshold2 = options.merge_distance * options.merge_distance;
    let mut clusters: Vec<Cluster> = Vec::new();
    for &(color, count) in &unique {
        let lab = srgb8_to_oklab(color);
        match nearest(&clusters, lab).filter(|&(_, d)| d <= threshold2) {
            Some((i, _)) => {
                clusters[i].members.push((color, count));
                clusters[i].weight += count;
            }
            None => clusters.push(Cluster {
                lab,
                members: vec![(color, count)],
                weight: count,
            }),
        }
    }
    // One refinement pass: centres become medians, members move to the nearest centre.
    let centres: Vec<Oklab> = clusters
        .iter()
        .map(|c| srgb8_to_oklab(weighted_median(&c.members)))
        .collect();
    for c in &mut clusters {
        c.members.clear();
        c.weight = 0;
    }
    for (i, lab) in centres.iter().enumerate() {
        clusters[i].lab = *lab;
    }
    for &(color, count) in &unique {
        let (i, _) = nearest(&clusters, srgb8_to_oklab(color)).expect("at least one cluster");
        clusters[i].members.push((color, count));
        clusters[i].weight += count;
    }
    clusters.retain(|c| c.weight > 0);
    if let Some(k) = options.max_colors {
        merge_down_to(&mut clusters, k.max(1));
    }
    clusters.sort_by_key(|c| std::cmp::Reverse(c.weight));
    Palette::new(clusters.iter().map(|c| weighted_median(&c.members)).collect())
}

fn nearest(clusters: &[Cluster], lab: Oklab) -> Option<(usize, f32)> {
    clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.lab.dist2(lab)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Ward-style merging: repeatedly joins the pair whose merge adds the least error.
fn merge_down_to(clusters: &mut Vec<Cluster>, k: usize) {
    while clusters.len() > k {
        let mut best = (0, 1, f32::INFINITY);
        for i in 0..clusters.len() {
            for j in i + 1..clusters.len() {
                let (a, b) = (&clusters[i], &clusters[j]);
                let (wa, wb) = (a.weight as f32, b.weight as f32);
                let cost = wa * wb / (wa + wb) * a.lab.dist2(b.lab);
                if cost < best.2 {
                    best = (i, j, cost);
                }
            }
        }
        let absorbed = clusters.swap_remove(best.1);
        let keep = &mut clusters[best.0];
        keep.members.extend(absorbed.members);
        keep.weight += absorbed.weight;
        keep.lab = srgb8_to_oklab(weighted_median(&keep.members));
    }
}

/// Per-channel weighted median of `(colour, count)` pairs.
fn weighted_median(members: &[([u8; 3], u32)]) -> [u8; 3] {
    let total: u64 = members.iter().map(|m| m.1 as u64).sum();
    let mut out = [0u8; 3];
    for (c, slot) in out.iter_mut().enumerate() {
        let mut hist = [0u64; 256];
        for (color, count) in members {
            hist[color[c] as usize] += *count as u64;
        }
        let mut acc = 0;
        for (v, h) in hist.iter().enumerate() {
            acc += h;
            if acc * 2 >= total {
                *slot = v as u8;
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(d: f32) -> ClusterOptions {
        ClusterOptions {
            merge_distance: d,
            max_colors: None,
        }
    }

    #[test]
    fn clean_colours_are_kept_exactly_including_a_rare_one() {
        let mut s = vec![[40, 40, 40]; 100];
        s.extend(vec![[200, 180, 150]; 60]);
        s.push([250, 20, 20]); // a one-cell eye
        let p = extract_palette(&s, opts(0.004));
        assert_eq!(p.colors, vec![[40, 40, 40], [200, 180, 150], [250, 20, 20]]);
    }

    #[test]
    fn noisy_variants_join_their_colour() {
        let mut s = Vec::new();
        for i in 0..50u8 {
            s.push([100 + i % 5, 50 + i % 3, 20]);
            s.push([220 - i % 4, 220, 210 + i % 2]);
        }
        let p = extract_palette(&s, opts(0.03));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn max_colors_merges_the_closest() {
        let s = vec![[0, 0, 0], [5, 5, 5], [255, 255, 255], [250, 250, 250], [255, 0, 0]];
        let p = extract_palette(
            &s,
            ClusterOptions {
                merge_distance: 0.001,
                max_colors: Some(3),
            },
        );
        assert_eq!(p.len(), 3);
    }
}
