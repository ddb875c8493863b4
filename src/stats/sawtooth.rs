use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use serde::Serialize;

/// The time-weighted distribution of a data-loss window that grows at rate 1 and drops at each
/// new backed-up point. Each stretch between drops is a *segment*: the window runs from `a` to
/// `b` over `b − a` seconds, spending equal time at every value in [a, b). For the local
/// window a = 0 (a tooth); for the geo window a > 0, since the newest replicated point is
/// already some way behind when it arrives.
///
/// The distribution is a length-weighted mixture of uniforms, kept exactly as a difference array
/// over whole seconds of window value: +1 where a segment starts covering, −1 where it stops.
/// Memory grows with the range of window values (a few thousand seconds), never with the
/// horizon, and all sums are integers, so merging replications in any order gives the same bits.
#[derive(Debug, Clone, Default)]
pub struct Sawtooth {
    coverage_change: Coverage,
    /// Σ (b − a) and Σ (b² − a²): total time and twice the time-integral of the window.
    total_time: u128,
    square_sum: u128,
    max: i64,
    /// Most segments repeat the previous one (one log interval): they are counted here and
    /// folded into the map when another comes, saving a map lookup per log backup.
    run: Option<((i64, i64), i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// Window values per page, for the window lengths that almost every run has (under 12 days):
/// adding a segment is two array increments rather than two ordered-map updates, and the
/// values come out in order by walking the pages. Longer windows (long stops, outages) go to an
/// ordered map.
const PAGE: usize = 1024;
const PAGED_BELOW: i64 = (PAGE * PAGE) as i64;

#[derive(Debug, Clone, Default)]
struct Coverage {
    pages: Vec<Option<Box<[i64; PAGE]>>>,
    /// Non-zero values per page: a page whose changes all cancel is let go, so that a window
    /// that never drops (no snapshot yet) walks through the pages without keeping them.
    nonzero: Vec<u16>,
    far: BTreeMap<i64, i64>,
}

impl Coverage {
    fn add(&mut self, key: i64, delta: i64) {
        if (0..PAGED_BELOW).contains(&key) {
            let (page, offset) = (key as usize / PAGE, key as usize % PAGE);
            if self.pages.len() <= page {
                self.pages.resize_with(page + 1, || None);
                self.nonzero.resize(page + 1, 0);
            }
            let values = self.pages[page].get_or_insert_with(|| Box::new([0; PAGE]));
            let before = values[offset];
            values[offset] += delta;
            match (before == 0, values[offset] == 0) {
                (true, false) => self.nonzero[page] += 1,
                (false, true) => {
                    self.nonzero[page] -= 1;
                    if self.nonzero[page] == 0 {
                        self.pages[page] = None;
                    }
                }
                _ => {}
            }
        } else {
            // Changes that cancel are removed: a window that never drops (no snapshot yet) is
            // a chain of segments each starting where the last ended, and the ends it leaves
            // behind would otherwise pile up as zeros, one per log backup of the whole run.
            match self.far.entry(key) {
                Entry::Occupied(mut e) => {
                    *e.get_mut() += delta;
                    if *e.get() == 0 {
                        e.remove();
                    }
                }
                Entry::Vacant(e) => {
                    if delta != 0 {
                        e.insert(delta);
                    }
                }
            }
        }
    }

    /// The non-zero changes, in order of window value.
    fn changes(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        let paged = self.pages.iter().enumerate().flat_map(|(p, page)| {
            page.iter().flat_map(move |values| {
                values
                    .iter()
                    .enumerate()
                    .filter(|(_, &v)| v != 0)
                    .map(move |(o, &v)| ((p * PAGE + o) as i64, v))
            })
        });
        paged.chain(
            self.far
                .iter()
                .filter(|(_, &v)| v != 0)
                .map(|(&k, &v)| (k, v)),
        )
    }
}

impl PartialEq for Sawtooth {
    fn eq(&self, other: &Self) -> bool {
        self.settled() == other.settled()
            && self.total_time == other.total_time
            && self.square_sum == other.square_sum
            && self.max == other.max
    }
}
impl Eq for Sawtooth {}

impl Sawtooth {
    pub fn new() -> Self {
        Self::default()
    }

    /// One tooth of `length` seconds: the window grows from 0 to `length`.
    pub fn add(&mut self, length: i64) {
        self.add_segment(0, length);
    }

    /// The window grows from `from` to `to` seconds (empty segments carry no time).
    pub fn add_segment(&mut self, from: i64, to: i64) {
        if to <= from || from < 0 {
            return;
        }
        self.total_time += (to - from) as u128;
        self.square_sum += (to as u128).pow(2) - (from as u128).pow(2);
        self.max = self.max.max(to);
        match &mut self.run {
            Some((seg, n)) if *seg == (from, to) => *n += 1,
            run => {
                if let Some(((a, b), n)) = run.replace(((from, to), 1)) {
                    Self::fold(&mut self.coverage_change, a, b, n);
                }
            }
        }
    }

    /// `count` equal segments from `from` to `to`.
    pub fn add_repeated(&mut self, from: i64, to: i64, count: u64) {
        if to <= from || from < 0 || count == 0 {
            return;
        }
        let n = count as u128;
        self.total_time += (to - from) as u128 * n;
        self.square_sum += ((to as u128).pow(2) - (from as u128).pow(2)) * n;
        self.max = self.max.max(to);
        match &mut self.run {
            Some((seg, k)) if *seg == (from, to) => *k += count as i64,
            run => {
                if let Some(((a, b), k)) = run.replace(((from, to), count as i64)) {
                    Self::fold(&mut self.coverage_change, a, b, k);
                }
            }
        }
    }

    fn fold(map: &mut Coverage, a: i64, b: i64, n: i64) {
        map.add(a, n);
        map.add(b, -n);
    }

    /// The difference array with the pending run folded in, zero entries dropped, in order.
    fn settled(&self) -> Vec<(i64, i64)> {
        let mut all = self.coverage_change.clone();
        if let Some(((a, b), n)) = self.run {
            Self::fold(&mut all, a, b, n);
        }
        all.changes().collect()
    }

    pub fn merge(&mut self, other: &Sawtooth) {
        if let Some(((a, b), n)) = self.run.take() {
            Self::fold(&mut self.coverage_change, a, b, n);
        }
        for (x, d) in other.settled() {
            self.coverage_change.add(x, d);
        }
        self.total_time += other.total_time;
        self.square_sum += other.square_sum;
        self.max = self.max.max(other.max);
    }

    /// Seconds covered by all segments.
    pub fn total_time(&self) -> u128 {
        self.total_time
    }

    /// Distinct window values where coverage changes: the memory this takes.
    pub fn distinct_lengths(&self) -> usize {
        self.settled().len()
    }

    pub fn max(&self) -> f64 {
        self.max as f64
    }

    /// Time-average of the window: a segment contributes (b² − a²)/2.
    pub fn mean(&self) -> f64 {
        if self.total_time == 0 {
            return 0.0;
        }
        self.square_sum as f64 / (2.0 * self.total_time as f64)
    }

    /// The value the window stays at or below for fraction `q` of the time. The time spent at
    /// or below x grows at the coverage count, which is constant between change points: walk
    /// them and solve the linear piece where the target is reached.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total_time == 0 {
            return 0.0;
        }
        let target = q.clamp(0.0, 1.0) * self.total_time as f64;
        let mut covered: i64 = 0;
        let mut time_below: f64 = 0.0;
        let mut at: i64 = 0;
        for (x, change) in self.settled() {
            let piece = (covered * (x - at)) as f64;
            if covered > 0 && time_below + piece >= target {
                return at as f64 + (target - time_below) / covered as f64;
            }
            time_below += piece;
            covered += change;
            at = x;
        }
        self.max()
    }

    /// The exact CDF at its break points: (window value in seconds, share of the time at or
    /// below it). It is linear between them.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0)];
        if self.total_time == 0 {
            return out;
        }
        let total = self.total_time as f64;
        let (mut covered, mut time_below, mut at) = (0i64, 0.0f64, 0i64);
        for (x, change) in self.settled() {
            time_below += (covered * (x - at)) as f64;
            let point = (x as f64, time_below / total);
            match out.last_mut() {
                Some(last) if last.0 == point.0 => *last = point,
                _ => out.push(point),
            }
            covered += change;
            at = x;
        }
        out
    }

    pub fn quantiles(&self) -> Quantiles {
        Quantiles {
            p50: self.quantile(0.50),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            max: self.max(),
            mean: self.mean(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window that never drops (no snapshot ever succeeds) over 1,000 days: one segment per
    /// log backup, each starting where the last ended. What it keeps stays two changes and at
    /// most one page, not one per backup, and its distribution is the uniform one.
    #[test]
    fn a_window_that_never_drops_keeps_two_changes() {
        let mut s = Sawtooth::new();
        let end = 1000 * 86_400;
        for start in (0..end).step_by(300) {
            s.add_segment(start, start + 300);
        }
        assert_eq!(s.distinct_lengths(), 2);
        let kept = |c: &Coverage| c.pages.iter().flatten().count() + c.far.len();
        assert!(
            kept(&s.coverage_change) <= 2,
            "{}",
            kept(&s.coverage_change)
        );
        let q = s.quantiles();
        assert_eq!(q.p50, end as f64 / 2.0);
        assert_eq!(q.max, end as f64);
        let mut pooled = Sawtooth::new();
        pooled.merge(&s);
        pooled.merge(&s);
        assert_eq!(pooled.distinct_lengths(), 2);
        assert_eq!(pooled.quantiles().p50, end as f64 / 2.0);
    }

    #[test]
    fn regular_teeth_are_uniform() {
        let mut s = Sawtooth::new();
        for _ in 0..8640 {
            s.add(300);
        }
        let q = s.quantiles();
        assert_eq!(q.p50, 150.0);
        assert_eq!(q.p95, 285.0);
        assert_eq!(q.max, 300.0);
        assert_eq!(q.mean, 150.0);
    }

    /// Compare against a brute-force time grid: every second of every segment counted once.
    #[test]
    fn quantiles_match_a_brute_force_grid() {
        let segments = [
            (0, 300),
            (0, 300),
            (0, 600),
            (0, 120),
            (900, 1_300),
            (0, 1_500),
            (3, 5),
            (250, 300),
        ];
        let mut s = Sawtooth::new();
        let mut grid = Vec::new();
        for &(a, b) in &segments {
            s.add_segment(a, b);
            grid.extend((a..b).map(|x| x as f64 + 0.5));
        }
        grid.sort_by(f64::total_cmp);
        for q in [0.1, 0.5, 0.9, 0.95, 0.99] {
            let brute = grid[((q * grid.len() as f64) as usize).min(grid.len() - 1)];
            assert!(
                (s.quantile(q) - brute).abs() <= 1.0,
                "q={q}: {} vs {brute}",
                s.quantile(q)
            );
        }
        let brute_mean = grid.iter().sum::<f64>() / grid.len() as f64;
        assert!((s.mean() - brute_mean).abs() < 1e-9);
        assert_eq!(s.max(), 1_500.0);
    }

    #[test]
    fn cdf_ends_at_one_and_matches_quantiles() {
        let mut s = Sawtooth::new();
        s.add(300);
        s.add_segment(100, 700);
        let cdf = s.cdf();
        assert_eq!(cdf.first(), Some(&(0.0, 0.0)));
        assert!((cdf.last().unwrap().1 - 1.0).abs() < 1e-12);
        assert!(cdf.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 >= w[0].1));
        // F(p50) = 0.5 on the piecewise-linear CDF.
        let x = s.quantile(0.5);
        let i = cdf.iter().position(|p| p.0 >= x).unwrap();
        let (a, b) = (cdf[i - 1], cdf[i]);
        let f = a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0);
        assert!((f - 0.5).abs() < 1e-9);
    }

    #[test]
    fn merging_is_order_independent() {
        let mut a = Sawtooth::new();
        let mut b = Sawtooth::new();
        a.add(300);
        a.add(600);
        b.add(42);
        b.add_segment(100, 400);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.total_time(), 1_242);
    }
}
