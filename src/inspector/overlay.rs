//! What the inspector draws over its pictures, as plain numbers: the grid lines over
//! the source image and the spans of the hold timeline (tested without a window).

use std::time::Duration;

use spritedx_model::prelude::RestoreReport;

/// Positions of the grid lines of one axis, in source pixels: the borders of the
/// `cells` cells of `pitch` pixels starting at `offset`, clipped to `0..=extent`.
pub fn axis_lines(offset: f32, pitch: f32, cells: u32, extent: u32) -> Vec<f32> {
    if !(pitch.is_finite() && pitch > 0.0 && offset.is_finite()) {
        return Vec::new();
    }
    (0..=cells)
        .map(|k| offset + k as f32 * pitch)
        .filter(|x| (0.0..=extent as f32).contains(x))
        .collect()
}

/// The grid the restorer found, as vertical (`x`) and horizontal (`y`) line
/// positions in the pixels of a `source_size` input.
pub fn grid_lines(report: &RestoreReport, source_size: [u32; 2]) -> [Vec<f32>; 2] {
    [0, 1].map(|axis| {
        axis_lines(
            report.offset[axis],
            report.pixel_size[axis],
            report.cells[axis],
            source_size[axis],
        )
    })
}

/// One frame of the hold timeline: where it starts and how long it is shown, as
/// fractions of one pass of the animation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimelineSpan {
    /// Start, 0..1.
    pub start: f32,
    /// Length, 0..1.
    pub length: f32,
}

/// The spans of frames shown for `durations`, in order; empty when the animation
/// takes no time.
pub fn timeline_spans(durations: impl IntoIterator<Item = Duration> + Clone) -> Vec<TimelineSpan> {
    let total: f32 = durations.clone().into_iter().map(|d| d.as_secs_f32()).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut start = 0.0;
    durations
        .into_iter()
        .map(|d| {
            let length = d.as_secs_f32() / total;
            let span = TimelineSpan { start, length };
            start += length;
            span
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_the_cell_borders_inside_the_image() {
        assert_eq!(axis_lines(1.5, 4.0, 3, 14), vec![1.5, 5.5, 9.5, 13.5]);
        // A border past the edge of the image is left out.
        assert_eq!(axis_lines(1.5, 4.0, 3, 12), vec![1.5, 5.5, 9.5]);
        assert!(axis_lines(0.0, f32::NAN, 3, 12).is_empty());
        assert!(axis_lines(0.0, 0.0, 3, 12).is_empty());
    }

    #[test]
    fn spans_cover_one_pass_in_proportion_to_the_holds() {
        let ms = Duration::from_millis;
        let spans = timeline_spans([ms(100), ms(300)]);
        assert_eq!(spans.len(), 2);
        assert!((spans[0].length - 0.25).abs() < 1e-6);
        assert!((spans[1].start - 0.25).abs() < 1e-6);
        assert!((spans[1].start + spans[1].length - 1.0).abs() < 1e-6);
        assert!(timeline_spans([Duration::ZERO]).is_empty());
    }
}
