//! Fitting the load to the backup storage by simulation. For a given binlog rate the simulated
//! storage is linear in the snapshot change ratio, so each candidate rate costs two simulations
//! and a one-unknown non-negative least-squares solve; the rate itself is found on a coarse grid,
//! then by golden-section search on its logarithm.

use super::window::{Candidate, Window};
use crate::stats::lsq::{golden_section, nnls, standard_errors};

/// The database the candidates run with: its size at the calibrated start and its growth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Db {
    pub gb: f64,
    pub growth: f64,
}

/// The best candidate for one binlog rate.
#[derive(Debug, Clone)]
pub struct Solved {
    pub candidate: Candidate,
    pub ssr: f64,
    /// ∂storage/∂(change ratio) at the observed points.
    pub ratio_column: Vec<f64>,
}

/// The change ratio's best value for the binlog rate `binlog` (or `fixed_ratio` as given).
pub fn solve(window: &Window, db: Db, binlog: f64, fixed_ratio: Option<f64>) -> Solved {
    let at = |change_ratio| {
        window.simulate(&Candidate {
            binlog_gb_per_day: binlog,
            change_ratio,
            db_gb: db.gb,
            growth: db.growth,
        })
    };
    let y = window.values();
    let base = at(0.0);
    let ratio_column: Vec<f64> = at(1.0).iter().zip(&base).map(|(a, b)| a - b).collect();
    let rhs: Vec<f64> = y.iter().zip(&base).map(|(y, b)| y - b).collect();
    let (ratio, ssr) = match fixed_ratio {
        Some(r) => {
            let ssr = rhs
                .iter()
                .zip(&ratio_column)
                .map(|(y, c)| (y - r * c).powi(2))
                .sum();
            (r, ssr)
        }
        None => nnls(std::slice::from_ref(&ratio_column), &rhs)
            .map_or((0.0, f64::INFINITY), |f| (f.x[0], f.ssr)),
    };
    Solved {
        candidate: Candidate {
            binlog_gb_per_day: binlog,
            change_ratio: ratio,
            db_gb: db.gb,
            growth: db.growth,
        },
        ssr,
        ratio_column,
    }
}

/// The search's result: the best candidate, and whether it sits at the edge of the range tried.
#[derive(Debug, Clone)]
pub struct Search {
    pub best: Solved,
    pub at_edge: bool,
}

/// Grid steps of the coarse search either side of the guess (each a factor of 2).
const COARSE_STEPS: i32 = 5;

/// The binlog rate (and with it the change ratio, unless fixed) that minimises the squared
/// error, starting from `guess` GB/day.
pub fn search(window: &Window, db: Db, guess: f64, fixed_ratio: Option<f64>) -> Search {
    let ssr = |ln_b: f64| solve(window, db, ln_b.exp(), fixed_ratio).ssr;
    let centre = guess.max(1e-3).ln();
    let grid: Vec<f64> = (-COARSE_STEPS..=COARSE_STEPS)
        .map(|k| centre + k as f64 * std::f64::consts::LN_2)
        .collect();
    let coarse: Vec<f64> = grid.iter().map(|&g| ssr(g)).collect();
    let best = (0..grid.len())
        .min_by(|&a, &b| coarse[a].total_cmp(&coarse[b]))
        .unwrap_or(0);
    let lo = grid[best.saturating_sub(1)];
    let hi = grid[(best + 1).min(grid.len() - 1)];
    let (ln_b, _) = golden_section(ssr, lo, hi, 1e-4);
    Search {
        best: solve(window, db, ln_b.exp(), fixed_ratio),
        at_edge: best == 0 || best == grid.len() - 1,
    }
}

/// Standard errors of (binlog rate, change ratio) at the fitted candidate from the fit's
/// Jacobian, each day's points counting as one independent error (neighbouring hours of a
/// storage metric are not independent). With the ratio fixed, only the rate's.
pub fn uncertainty(
    window: &Window,
    solved: &Solved,
    ssr: f64,
    points_per_day: f64,
    ratio_fitted: bool,
) -> Option<Vec<f64>> {
    let c = solved.candidate;
    let h = 0.01 * c.binlog_gb_per_day.max(1e-3);
    let at = |b: f64| {
        window.simulate(&Candidate {
            binlog_gb_per_day: b,
            ..c
        })
    };
    let (up, down) = (at(c.binlog_gb_per_day + h), at(c.binlog_gb_per_day - h));
    let d_binlog: Vec<f64> = up
        .iter()
        .zip(&down)
        .map(|(u, d)| (u - d) / (2.0 * h))
        .collect();
    let mut columns = vec![d_binlog];
    if ratio_fitted {
        columns.push(solved.ratio_column.clone());
    }
    standard_errors(&columns, ssr, points_per_day)
}
