//! Least squares for the few unknowns calibration has: unconstrained and non-negative fits of a
//! linear model, its covariance, a straight line with standard errors, and a golden-section
//! search for the one parameter that enters nonlinearly.

/// A linear model fitted to data: the unknowns, the residual sum of squares and the residuals.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearFit {
    pub x: Vec<f64>,
    pub ssr: f64,
    pub residuals: Vec<f64>,
}

/// Solve `m · x = v` for a small square system by Gaussian elimination with partial pivoting;
/// None when it is singular (a pivot vanishes next to the largest entry).
pub fn solve(m: &[Vec<f64>], v: &[f64]) -> Option<Vec<f64>> {
    let n = v.len();
    let scale = m.iter().flatten().fold(0.0_f64, |acc, x| acc.max(x.abs()));
    if scale == 0.0 || !scale.is_finite() {
        return None;
    }
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .zip(v)
        .map(|(row, &rhs)| row.iter().copied().chain([rhs]).collect())
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-12 * scale {
            return None;
        }
        a.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for row in lower.iter_mut() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (a[row][n] - tail) / a[row][row];
    }
    Some(x)
}

/// The inverse of a small square matrix, or None when it is singular.
pub fn inverse(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut columns = Vec::with_capacity(n);
    for i in 0..n {
        let unit: Vec<f64> = (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect();
        columns.push(solve(m, &unit)?);
    }
    Some(
        (0..n)
            .map(|r| (0..n).map(|c| columns[c][r]).collect())
            .collect(),
    )
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// AᵀA for A given by its columns.
pub fn gram(columns: &[Vec<f64>]) -> Vec<Vec<f64>> {
    columns
        .iter()
        .map(|a| columns.iter().map(|b| dot(a, b)).collect())
        .collect()
}

fn residuals(columns: &[Vec<f64>], b: &[f64], x: &[f64]) -> Vec<f64> {
    (0..b.len())
        .map(|i| b[i] - columns.iter().zip(x).map(|(c, xj)| c[i] * xj).sum::<f64>())
        .collect()
}

/// Unconstrained least squares `min |A x − b|²`, A given by its columns. Columns are scaled to
/// unit length first, so that unknowns of very different sizes (seconds and hours per GB) do not
/// spoil the normal equations. None when the columns are linearly dependent.
pub fn least_squares(columns: &[Vec<f64>], b: &[f64]) -> Option<LinearFit> {
    let norms: Vec<f64> = columns.iter().map(|c| dot(c, c).sqrt()).collect();
    if norms.iter().any(|&n| n == 0.0 || !n.is_finite()) {
        return None;
    }
    let scaled: Vec<Vec<f64>> = columns
        .iter()
        .zip(&norms)
        .map(|(c, n)| c.iter().map(|v| v / n).collect())
        .collect();
    let rhs: Vec<f64> = scaled.iter().map(|c| dot(c, b)).collect();
    let y = solve(&gram(&scaled), &rhs)?;
    let x: Vec<f64> = y.iter().zip(&norms).map(|(v, n)| v / n).collect();
    let residuals = residuals(columns, b, &x);
    Some(LinearFit {
        ssr: dot(&residuals, &residuals),
        residuals,
        x,
    })
}

/// Non-negative least squares `min |A x − b|²` with every `x ≥ 0`. The solution is the
/// unconstrained fit on the columns it leaves free (its passive set), so with the handful of
/// unknowns calibration has every passive set is tried and the best feasible one kept: exact, and
/// simple enough to trust. None when no subset of the columns can be fitted.
pub fn nnls(columns: &[Vec<f64>], b: &[f64]) -> Option<LinearFit> {
    let p = columns.len();
    assert!(p <= 10, "exhaustive NNLS is for a few unknowns, got {p}");
    let mut best = LinearFit {
        x: vec![0.0; p],
        residuals: b.to_vec(),
        ssr: dot(b, b),
    };
    for mask in 1u32..(1 << p) {
        let free: Vec<usize> = (0..p).filter(|j| mask & (1 << j) != 0).collect();
        let subset: Vec<Vec<f64>> = free.iter().map(|&j| columns[j].clone()).collect();
        let Some(fit) = least_squares(&subset, b) else {
            continue;
        };
        if fit.x.iter().any(|&v| v < 0.0) || fit.ssr >= best.ssr {
            continue;
        }
        let mut x = vec![0.0; p];
        for (&j, &v) in free.iter().zip(&fit.x) {
            x[j] = v;
        }
        best = LinearFit { x, ..fit };
    }
    best.x.iter().all(|v| v.is_finite()).then_some(best)
}

/// Standard errors of a least-squares fit's unknowns: σ²(AᵀA)⁻¹ with σ² = SSR / (n − p),
/// multiplied by `inflation` (how many points share one independent error: neighbouring
/// hours of a metric are not independent). None when the fit has no degrees of freedom left or
/// the columns are dependent.
pub fn standard_errors(columns: &[Vec<f64>], ssr: f64, inflation: f64) -> Option<Vec<f64>> {
    let n = columns.first()?.len();
    let p = columns.len();
    if n <= p {
        return None;
    }
    let sigma2 = ssr / (n - p) as f64;
    let inv = inverse(&gram(columns))?;
    Some(
        (0..p)
            .map(|j| (sigma2 * inv[j][j] * inflation).max(0.0).sqrt())
            .collect(),
    )
}

/// A straight line `y = intercept + slope · x` with the standard errors of both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub intercept: f64,
    pub slope: f64,
    pub intercept_se: f64,
    pub slope_se: f64,
}

/// Ordinary least squares through `(x, y)` points (at least three, not all at one x).
pub fn line_fit(points: &[(f64, f64)], inflation: f64) -> Option<Line> {
    let ones = vec![1.0; points.len()];
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let columns = [ones, xs];
    let fit = least_squares(&columns, &ys)?;
    let se = standard_errors(&columns, fit.ssr, inflation)?;
    Some(Line {
        intercept: fit.x[0],
        slope: fit.x[1],
        intercept_se: se[0],
        slope_se: se[1],
    })
}

/// The minimum of a unimodal `f` on [lo, hi] to within `tolerance` in x, by golden-section
/// search; returns (x, f(x)).
pub fn golden_section(
    mut f: impl FnMut(f64) -> f64,
    lo: f64,
    hi: f64,
    tolerance: f64,
) -> (f64, f64) {
    let inv_phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - inv_phi * (b - a);
    let mut d = a + inv_phi * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tolerance {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - inv_phi * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + inv_phi * (b - a);
            fd = f(d);
        }
    }
    if fc <= fd {
        (c, fc)
    } else {
        (d, fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn solve_matches_a_hand_solved_system() {
        // 2x + y = 5, x + 3y = 10 → x = 1, y = 3.
        let x = solve(&[vec![2.0, 1.0], vec![1.0, 3.0]], &[5.0, 10.0]).unwrap();
        assert!(close(x[0], 1.0, 1e-12) && close(x[1], 3.0, 1e-12), "{x:?}");
        assert!(solve(&[vec![1.0, 2.0], vec![2.0, 4.0]], &[1.0, 2.0]).is_none());
        let inv = inverse(&[vec![4.0, 7.0], vec![2.0, 6.0]]).unwrap();
        // 1/10 · [[6, −7], [−2, 4]]
        assert!(close(inv[0][0], 0.6, 1e-12) && close(inv[0][1], -0.7, 1e-12));
        assert!(close(inv[1][0], -0.2, 1e-12) && close(inv[1][1], 0.4, 1e-12));
    }

    /// Points (0, 1), (1, 3), (2, 5), (3, 7.5): slope 2.15, intercept 0.9 by hand
    /// (x̄ = 1.5, ȳ = 4.125, Sxy = 10.75, Sxx = 5).
    #[test]
    fn line_fit_matches_hand_calculation() {
        let line = line_fit(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.5)], 1.0).unwrap();
        assert!(close(line.slope, 2.15, 1e-12), "{line:?}");
        assert!(close(line.intercept, 0.9, 1e-12), "{line:?}");
        // Residuals 0.1, −0.05, −0.2, 0.15: SSR 0.075, σ² = 0.0375, se(slope) = √(σ²/Sxx).
        assert!(close(line.slope_se, (0.0375f64 / 5.0).sqrt(), 1e-12));
        let wider = line_fit(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.5)], 4.0).unwrap();
        assert!(close(wider.slope_se, 2.0 * line.slope_se, 1e-12));
        assert!(line_fit(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)], 1.0).is_none());
    }

    /// b = 2·a1 − 1·a2 exactly: the unconstrained fit finds (2, −1); NNLS must hold x2 at 0
    /// and refit a1 alone: x1 = a1·b / a1·a1.
    #[test]
    fn nnls_clamps_a_negative_unknown_and_refits_the_rest() {
        let a1 = vec![1.0, 1.0, 1.0, 1.0];
        let a2 = vec![0.0, 1.0, 2.0, 3.0];
        let b: Vec<f64> = (0..4).map(|i| 2.0 * a1[i] - a2[i]).collect();
        let free = least_squares(&[a1.clone(), a2.clone()], &b).unwrap();
        assert!(close(free.x[0], 2.0, 1e-9) && close(free.x[1], -1.0, 1e-9));
        let fit = nnls(&[a1.clone(), a2], &b).unwrap();
        assert_eq!(fit.x[1], 0.0);
        // b = 2, 1, 0, −1: a1·b = 2, a1·a1 = 4.
        assert!(close(fit.x[0], 0.5, 1e-12), "{fit:?}");
        assert!(close(fit.ssr, 5.0, 1e-9), "{fit:?}");
        // All positive: NNLS is the unconstrained fit.
        let b: Vec<f64> = (0..4).map(|i| 3.0 * a1[i] + 0.5 * (i as f64)).collect();
        let fit = nnls(&[a1, vec![0.0, 1.0, 2.0, 3.0]], &b).unwrap();
        assert!(close(fit.x[0], 3.0, 1e-9) && close(fit.x[1], 0.5, 1e-9));
    }

    #[test]
    fn golden_section_finds_a_parabolas_vertex() {
        let mut calls = 0;
        let (x, fx) = golden_section(
            |x| {
                calls += 1;
                (x - 1.3).powi(2) + 2.0
            },
            -4.0,
            9.0,
            1e-6,
        );
        assert!(close(x, 1.3, 1e-6) && close(fx, 2.0, 1e-9), "{x} {fx}");
        // Golden section: one new evaluation per step, ln(13 / 1e-6) / ln(φ) ≈ 34 steps.
        assert!(calls < 40, "{calls}");
    }
}
