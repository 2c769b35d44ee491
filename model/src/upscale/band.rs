//! Cholesky factorisation and solves of a symmetric band matrix.

/// `M = UᵀU` for a symmetric positive definite band matrix; `U` is stored by rows,
/// `u[i * span + k] = U[i][i + k]`.
pub(crate) struct BandCholesky {
    u: Vec<f64>,
    n: usize,
    span: usize,
}

impl BandCholesky {
    /// Factors the upper band `band[i * span + k] = M[i][i + k]`.
    pub(crate) fn factor(band: Vec<f64>, n: usize, span: usize) -> Self {
        let mut u = band;
        for i in 0..n {
            for k in 0..span.min(n - i) {
                let mut sum = u[i * span + k];
                let lowest = (i + k + 1).saturating_sub(span);
                for j in lowest..i {
                    sum -= u[j * span + (i - j)] * u[j * span + (i + k - j)];
                }
                u[i * span + k] = if k == 0 {
                    sum.max(1e-300).sqrt()
                } else {
                    sum / u[i * span]
                };
            }
        }
        Self { u, n, span }
    }

    /// The median of the diagonal of `M⁻¹` over (up to) nine cells spread along the
    /// axis: how much a fitted cell amplifies the noise of the input.
    pub(crate) fn inverse_diagonal_median(&self) -> f64 {
        let picks = 9.min(self.n);
        let mut diagonal: Vec<f64> = (0..picks)
            .map(|k| {
                let i = (2 * k + 1) * self.n / (2 * picks);
                let mut unit = vec![[0.0f64; 4]; self.n];
                unit[i][0] = 1.0;
                self.solve(&mut unit);
                unit[i][0]
            })
            .collect();
        diagonal.sort_by(f64::total_cmp);
        diagonal.get(picks / 2).copied().unwrap_or(0.0)
    }

    /// Solves `M x = b` in place for `K` right-hand sides at once.
    pub(crate) fn solve<const K: usize>(&self, b: &mut [[f64; K]]) {
        let (u, span) = (&self.u, self.span);
        for i in 0..self.n {
            let mut v = b[i];
            for j in (i + 1).saturating_sub(span)..i {
                let w = u[j * span + (i - j)];
                v.iter_mut().zip(&b[j]).for_each(|(v, &b)| *v -= w * b);
            }
            b[i] = v.map(|v| v / u[i * span]);
        }
        for i in (0..self.n).rev() {
            let mut v = b[i];
            for k in 1..span.min(self.n - i) {
                let w = u[i * span + k];
                v.iter_mut().zip(&b[i + k]).for_each(|(v, &b)| *v -= w * b);
            }
            b[i] = v.map(|v| v / u[i * span]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_cholesky_solves_a_tridiagonal_system() {
        // [[4,1,0],[1,4,1],[0,1,4]] x = [5,6,5] -> x = [1,1,1]
        let f = BandCholesky::factor(vec![4.0, 1.0, 4.0, 1.0, 4.0, 0.0], 3, 2);
        let mut b = vec![[5.0, 0.0, 0.0, 0.0], [6.0, 0.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0]];
        f.solve(&mut b);
        for v in b {
            assert!((v[0] - 1.0).abs() < 1e-12, "{v:?}");
        }
    }
}
