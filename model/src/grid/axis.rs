//! Grid detection along one axis: candidates from the spectrum, choice by coherence.

use rustfft::FftPlanner;

use super::profile::{Plane, Profiles, FIRST_POSITION, SECOND_POSITION};
use super::spectrum::Signal;
use super::{MAX_PIXEL_SIZE, MIN_CONFIDENCE, MIN_PIXEL_SIZE};


/// The grid along one axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AxisGrid {
    /// Input pixels per cell.
    pub pitch: f32,
    /// Start of the first cell (may be negative for a partial first cell).
    pub offset: f32,
    /// Number of cells.
    pub cells: u32,
    /// Coherence gain of this grid over the same grid shifted by half a cell, 0..1.
    pub confidence: f32,
}

/// Most rows the coherence score reads per candidate (spread over the rows with content).
const MAX_SCORED_ROWS: usize = 96;
/// Spectral peaks taken from each profile.
const PEAKS_PER_PROFILE: usize = 5;
/// Candidate pitches scored for coherence (the spectrally strongest).
const MAX_CANDIDATES: usize = 16;
/// A multiple of the chosen pitch must keep this share of its gain to replace it.
const GAIN_TOLERANCE: f32 = 0.8;
/// Candidates refined jointly in pitch and phase.
const REFINED_CANDIDATES: usize = 6;
/// A subdivision replaces the pitch when its residual is at most this share.
const SUBDIVIDE_RATIO: f32 = 0.5;
/// ... and explains at least this much more of the variance.
const SUBDIVIDE_MARGIN: f32 = 0.01;
/// A multiple replaces the pitch when its residual is at most this factor higher...
const MERGE_RATIO: f32 = 1.15;
/// ... plus this.
const MERGE_SLACK: f32 = 0.002;

/// Everything known about one axis: its profiles and coherence, for scoring any pitch.
pub struct AxisAnalysis {
    width: usize,
    profiles: Profiles,
    coherence: Coherence,
}

impl AxisAnalysis {
    /// Builds the profiles and per-row sums of `planes` (pooled) along x.
    pub fn new(planes: &[Plane]) -> Self {
        Self {
            width: planes[0].width,
            profiles: Profiles::of(planes),
            coherence: Coherence::new(planes),
        }
    }

    fn signals(&self) -> (Signal<'_>, Signal<'_>) {
        (
            Signal { values: &self.profiles.first, position0: FIRST_POSITION },
            Signal { values: &self.profiles.second, position0: SECOND_POSITION },
        )
    }

    /// Whether there is anything to analyse (at least 3 pixels and some variation).
    pub fn has_content(&self) -> bool {
        self.width >= 3 && self.coherence.total > 0.0
    }

    fn max_pitch(&self) -> f32 {
        MAX_PIXEL_SIZE.min(self.width as f32 / 2.0).max(MIN_PIXEL_SIZE)
    }

    /// The best phase of a fixed pitch.
    pub fn fit_fixed(&self, p: f32) -> Candidate {
        let (first, second) = self.signals();
        let s = score(&self.coherence, &first, &second, p);
        refine(&self.coherence, s, false, self.max_pitch())
    }

    /// The best phase and a locally refined pitch near `p`.
    pub fn fit_near(&self, p: f32) -> Candidate {
        let (first, second) = self.signals();
        let s = score(&self.coherence, &first, &second, p);
        refine(&self.coherence, s, true, self.max_pitch())
    }

    /// Whether `other` explains this axis about as well as `reference`.
    pub fn fits_as_well(other: &Candidate, reference: &Candidate) -> bool {
        other.r <= reference.r * MERGE_RATIO + MERGE_SLACK && other.gain >= reference.gain * GAIN_TOLERANCE
    }

    /// Searches for the most coherent pitch (`None` when the axis has no content).
    pub fn best(&self) -> Option<Candidate> {
        if !self.has_content() {
            return None;
        }
        let (first, second) = self.signals();
        let mut scored: Vec<Candidate> = candidate_pitches(&first, &second, self.width)
            .into_iter()
            .map(|p| score(&self.coherence, &first, &second, p))
            .collect();
        scored.sort_by(|a, b| b.weighted().total_cmp(&a.weighted()));
        scored.truncate(REFINED_CANDIDATES);
        let refined: Vec<Candidate> = scored.iter().map(|s| refine(&self.coherence, *s, true, self.max_pitch())).collect();
        if std::env::var_os("SDX_DEBUG").is_some() {
            for s in &refined {
                eprintln!("  p {:7.3} o {:6.2} gain {:.3} r {:.4} w {:.3}", s.pitch, s.offset, s.gain, s.r, s.weighted());
            }
        }
        let mut best = *refined.iter().max_by(|a, b| a.weighted().total_cmp(&b.weighted()))?;
        // Among equally good fits the largest pitch wins (finer grids that contain
        // every true edge fit as well).
        if let Some(larger) = refined
            .iter()
            .filter(|c| c.pitch > best.pitch && Self::fits_as_well(c, &best))
            .max_by(|a, b| a.pitch.total_cmp(&b.pitch))
        {
            best = *larger;
        }
        // A grid of k times the true pitch leaves whole edges inside its cells: a
        // subdivision explains much more.
        for k in (2..=6).rev() {
            let q = best.pitch / k as f32;
            if q < MIN_PIXEL_SIZE {
                continue;
            }
            let s = self.fit_near(q);
            if s.r <= best.r * SUBDIVIDE_RATIO - SUBDIVIDE_MARGIN && s.gain >= MIN_CONFIDENCE {
                best = s;
                break;
            }
        }
        // A grid of 1/m of the true pitch explains no more than the coarser one.
        for m in (2..=8).rev() {
            let q = best.pitch * m as f32;
            if q > self.max_pitch() {
                continue;
            }
            let s = self.fit_near(q);
            if Self::fits_as_well(&s, &best) {
                best = s;
                break;
            }
        }
        Some(self.simplest(best))
    }

    /// Prefers a whole or half pitch near `best` when it explains the axis as well:
    /// with few edges many nearby pitches fit, and generators favour simple scales.
    fn simplest(&self, best: Candidate) -> Candidate {
        for simple in [best.pitch.round(), (best.pitch * 2.0).round() / 2.0] {
            if simple < MIN_PIXEL_SIZE || (simple / best.pitch - 1.0).abs() > 0.04 || simple == best.pitch {
                continue;
            }
            let s = self.fit_fixed(simple);
            if s.r <= best.r * 1.05 + 0.001 && s.gain >= best.gain * 0.9 {
                return s;
            }
        }
        best
    }

    /// Turns a candidate into cells covering the axis.
    pub fn finish(&self, c: &Candidate) -> AxisGrid {
        finish(self.width, c.pitch, c.offset, c.gain)
    }
}

/// Joint local search of pitch (when `move_pitch`) and phase minimising the residual.
fn refine(coherence: &Coherence, start: Candidate, move_pitch: bool, max_pitch: f32) -> Candidate {
    let (mut p, mut o, mut r) = (start.pitch, start.offset, start.r as f64);
    for rel in [0.008f32, 0.004, 0.002, 0.001, 0.0005] {
        loop {
            let mut improved = false;
            for (dp, d_o) in [(0.0, rel * 10.0), (0.0, -rel * 10.0), (rel, 0.0), (-rel, 0.0), (rel, rel * 10.0), (-rel, -rel * 10.0)] {
                if dp != 0.0 && !move_pitch {
                    continue;
                }
                let (np, no) = (p * (1.0 + dp), o + d_o * p);
                if !(MIN_PIXEL_SIZE..=max_pitch).contains(&np) && dp != 0.0 {
                    continue;
                }
                let nr = coherence.residual(np, no);
                if nr < r - 1e-9 {
                    (p, o, r) = (np, no, nr);
                    improved = true;
                }
            }
            if !improved {
                break;
            }
        }
    }
    let shifted = coherence.residual(p, o + p * 0.5);
    let gain = if shifted > 0.0 { (1.0 - r / shifted).max(0.0) } else { 0.0 };
    Candidate {
        pitch: p,
        offset: o.rem_euclid(p),
        gain: gain as f32,
        r: r as f32,
        cells: coherence.width as f32 / p,
    }
}

/// A pitch and phase with its scores.
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    /// Input pixels per cell.
    pub pitch: f32,
    /// Phase in `[0, pitch)`.
    pub offset: f32,
    /// Residual of the half-cell-shifted grid explained by this one, 0..1.
    pub gain: f32,
    /// Share of the variance the cells leave unexplained.
    pub r: f32,
    cells: f32,
}

impl Candidate {
    /// Gain discounted for few cells: a handful of large cells lines up with a
    /// sprite's silhouette or a texture's period by chance.
    fn weighted(&self) -> f32 {
        self.gain * (1.0 - 1.0 / self.cells.max(1.0).sqrt())
    }
}

/// Pitches suggested by the spectral peaks of both profiles (each peak may be the
/// fundamental, a harmonic or a subharmonic), refined and ranked by harmonic strength.
fn candidate_pitches(first: &Signal, second: &Signal, width: usize) -> Vec<f32> {
    let mut planner = FftPlanner::new();
    let (lo, hi) = (1.0 / MAX_PIXEL_SIZE, 1.0 / MIN_PIXEL_SIZE);
    let max_pitch = MAX_PIXEL_SIZE.min(width as f32 / 2.0);
    let mut pitches: Vec<f32> = Vec::new();
    for signal in [first, second] {
        for f in signal.peaks(lo, hi, PEAKS_PER_PROFILE, &mut planner) {
            for m in 1..=4 {
                for p in [m as f32 / f, 1.0 / (f * m as f32)] {
                    if (MIN_PIXEL_SIZE..=max_pitch).contains(&p) && !pitches.iter().any(|q| (q / p - 1.0).abs() < 0.015) {
                        pitches.push(p);
                    }
                }
            }
        }
    }
    let strength = |p: f32| first.harmonic_strength(p).max(second.harmonic_strength(p));
    let mut ranked: Vec<(f32, f32)> = pitches.into_iter().map(|p| (p, strength(p))).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(MAX_CANDIDATES);
    ranked
        .into_iter()
        .map(|(p, _)| refine_pitch(p, &strength))
        .collect()
}

/// Golden-section search for the strongest harmonic response within 1% of `p`.
fn refine_pitch(p: f32, strength: &impl Fn(f32) -> f32) -> f32 {
    let (mut a, mut b) = (p * 0.99, p * 1.01);
    let g = 0.618_034_f32;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (strength(c), strength(d));
    for _ in 0..14 {
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = strength(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = strength(d);
        }
    }
    let best = if fc > fd { c } else { d };
    if strength(best) >= strength(p) {
        best
    } else {
        p
    }
}

/// Finds the most coherent phase of pitch `p` and its gain over the half-cell shift.
fn score(coherence: &Coherence, first: &Signal, second: &Signal, p: f32) -> Candidate {
    let from_second = second.phase(p);
    let mut offsets = vec![first.phase(p), from_second, from_second + p * 0.5];
    let (mut best_offset, mut best_r) = (0.0, f64::INFINITY);
    for o in offsets.drain(..) {
        let r = coherence.residual(p, o);
        if r < best_r {
            (best_offset, best_r) = (o, r);
        }
    }
    for step in [0.12, 0.06, 0.03] {
        for o in [best_offset - step * p, best_offset + step * p] {
            let r = coherence.residual(p, o);
            if r < best_r {
                (best_offset, best_r) = (o, r);
            }
        }
    }
    let shifted = coherence.residual(p, best_offset + p * 0.5);
    let gain = if shifted > 0.0 { (1.0 - best_r / shifted).max(0.0) } else { 0.0 };
    Candidate {
        pitch: p,
        offset: best_offset.rem_euclid(p),
        gain: gain as f32,
        r: best_r as f32,
        cells: coherence.width as f32 / p,
    }
}

/// Turns a pitch and a phase into the cells that cover `width` pixels: a partial
/// cell at either end is kept when at least half of it lies inside the image.
fn finish(width: usize, pitch: f32, phase: f32, confidence: f32) -> AxisGrid {
    let phase = phase.rem_euclid(pitch);
    let offset = if phase / pitch >= 0.5 { phase - pitch } else { phase };
    let cells = (((width as f32 - offset) / pitch) + 0.5).floor().max(1.0) as u32;
    AxisGrid {
        pitch,
        offset,
        cells,
        confidence,
    }
}

/// Per-row prefix sums of the rows with content, for the residual of cell means.
struct Coherence {
    width: usize,
    /// Per scored row: `[width + 1]` prefix sums of each channel.
    sums: Vec<Vec<[f64; 4]>>,
    /// Per scored row: `[width + 1]` prefix sums of the squared channels, summed.
    squares: Vec<Vec<f64>>,
    /// Total squared deviation from each row's mean.
    total: f64,
}

impl Coherence {
    fn new(planes: &[Plane]) -> Self {
        let width = planes[0].width;
        let rows: Vec<&[[i32; 4]]> = planes
            .iter()
            .flat_map(|p| (0..p.height).map(move |y| p.row(y)))
            .filter(|row| row.windows(2).any(|w| w[0] != w[1]))
            .collect();
        let step = rows.len().div_ceil(MAX_SCORED_ROWS).max(1);
        let mut sums = Vec::new();
        let mut squares = Vec::new();
        let mut total = 0.0;
        for row in rows.into_iter().step_by(step) {
            let mut s = Vec::with_capacity(width + 1);
            let mut q = Vec::with_capacity(width + 1);
            let (mut acc, mut acc2) = ([0.0f64; 4], 0.0f64);
            s.push(acc);
            q.push(acc2);
            for px in row {
                for c in 0..4 {
                    let v = px[c] as f64;
                    acc[c] += v;
                    acc2 += v * v;
                }
                s.push(acc);
                q.push(acc2);
            }
            total += acc2 - acc.iter().map(|a| a * a).sum::<f64>() / width as f64;
            sums.push(s);
            squares.push(q);
        }
        Self {
            width,
            sums,
            squares,
            total,
        }
    }

    /// Share of the variance left after replacing every cell (pitch `p`, phase `o`)
    /// by its mean: 0 for perfectly flat cells.
    fn residual(&self, p: f32, o: f32) -> f64 {
        let o = o.rem_euclid(p);
        let mut bounds = vec![0usize];
        let mut t = o;
        while t < self.width as f32 {
            let b = ((t - 0.5).ceil().max(0.0) as usize).min(self.width);
            if b > *bounds.last().unwrap() {
                bounds.push(b);
            }
            t += p;
        }
        if *bounds.last().unwrap() < self.width {
            bounds.push(self.width);
        }
        let mut sse = 0.0;
        for (s, q) in self.sums.iter().zip(&self.squares) {
            for w in bounds.windows(2) {
                let (a, b) = (w[0], w[1]);
                let n = (b - a) as f64;
                let mut cell = q[b] - q[a];
                for c in 0..4 {
                    let d = s[b][c] - s[a][c];
                    cell -= d * d / n;
                }
                sse += cell;
            }
        }
        sse / self.total
    }
}
