//! Durability of backup storage (D1): the annual chance of losing every copy of a backup, from a
//! failure model, as a continuous-time Markov chain solved exactly (uniformization). Losses this
//! rare (10⁻¹¹ … 10⁻¹⁶ a year) cannot be sampled; the same chains are sampled only at inflated
//! failure rates, to cross-check the solver.

use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use crate::engine::Stream;

const HOURS_PER_YEAR: f64 = 8760.0;

/// The failure model. Rates are per year; times in hours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurabilityParams {
    /// Copies kept in one region (on distinct racks for local, one per zone for zone).
    pub copies: u32,
    /// Annual failure rate of the device holding one copy.
    pub device_afr: f64,
    /// Annual rate of rack events, each taking the one copy on that rack.
    pub rack_afr: f64,
    /// Re-replication of a copy lost to a device or rack.
    pub repair_hours: f64,
    /// A whole datacenter (or zone) destroyed: all local copies, or one zone's copy.
    pub datacenter_loss_per_year: f64,
    /// Rebuilding a zone's copy elsewhere after its datacenter is gone.
    pub zone_rebuild_hours: f64,
    /// A whole region destroyed.
    pub region_loss_per_year: f64,
    /// Re-seeding a lost region's copies from the paired region.
    pub geo_reseed_hours: f64,
    /// Both paired regions destroyed together.
    pub region_pair_loss_per_year: f64,
}

impl DurabilityParams {
    /// Stated assumptions, chosen so that the model lands at or just above the documented
    /// 11 / 12 / 16 nines for local / zone / geo. The scenario keys take their defaults here.
    pub const DEFAULT: DurabilityParams = DurabilityParams {
        copies: 3,
        device_afr: 0.02,
        rack_afr: 0.005,
        repair_hours: 1.0,
        datacenter_loss_per_year: 5e-12,
        zone_rebuild_hours: 72.0,
        region_loss_per_year: 1e-13,
        geo_reseed_hours: 168.0,
        region_pair_loss_per_year: 5e-17,
    };
}

impl Default for DurabilityParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// All copies in one datacenter, on distinct racks.
    Local,
    /// One copy per availability zone of one region.
    Zone,
    /// A local set in the primary region and another in the paired region.
    Geo,
}

/// A continuous-time Markov chain with one absorbing state (every copy lost).
#[derive(Debug, Clone)]
pub struct Chain {
    states: usize,
    /// (from, to, rate per year); `to == states` is the absorbing state.
    transitions: Vec<(usize, usize, f64)>,
}

impl Chain {
    fn lost(&self) -> usize {
        self.states
    }

    /// Whether any run of transitions with a rate above zero leads from state 0 to the
    /// absorbing state: if none does, the copies are never all lost. A walk of the few states,
    /// where solving the chain takes thousands of jumps.
    pub fn can_be_lost(&self) -> bool {
        let mut reached = vec![false; self.states + 1];
        reached[0] = true;
        let mut grew = true;
        while grew {
            grew = false;
            for &(from, to, rate) in &self.transitions {
                if rate > 0.0 && reached[from] && !reached[to] {
                    reached[to] = true;
                    grew = true;
                }
            }
        }
        reached[self.lost()]
    }

    /// Chance of reaching the absorbing state within `years`, starting from state 0, by
    /// uniformization: the chain observed at the jumps of a Poisson clock of rate Λ. The absorbed
    /// mass is accumulated on its own (never as 1 − the rest), so tiny probabilities keep their
    /// precision.
    pub fn loss_probability(&self, years: f64) -> f64 {
        let n = self.states;
        let mut exit = vec![0.0; n];
        for &(from, _, rate) in &self.transitions {
            exit[from] += rate;
        }
        let lambda = exit.iter().cloned().fold(0.0, f64::max);
        if lambda == 0.0 {
            return 0.0;
        }
        let mean_jumps = lambda * years;
        let spread = 12.0 * mean_jumps.sqrt() + 50.0;
        let last = (mean_jumps + spread).ceil() as usize;
        // Jumps this far below the mean weigh under e^-72 of the total: their terms are skipped
        // (the chain still takes every jump).
        let first_weighed = (mean_jumps - spread).max(0.0) as usize;
        let ln_mean = mean_jumps.ln();
        // Each step's probabilities, divided by Λ once rather than on every jump (the chain
        // takes tens of thousands of jumps a year when repairs take hours).
        let stay: Vec<f64> = exit.iter().map(|e| 1.0 - e / lambda).collect();
        let moves: Vec<(usize, usize, f64)> = self
            .transitions
            .iter()
            .map(|&(from, to, rate)| (from, to, rate / lambda))
            .collect();
        let mut p = vec![0.0; n];
        p[0] = 1.0;
        let mut absorbed = 0.0;
        let mut total = 0.0;
        let mut next = vec![0.0; n];
        for k in 0..=last {
            if k >= first_weighed {
                let log_weight = -mean_jumps + k as f64 * ln_mean - ln_gamma(k as f64 + 1.0);
                total += log_weight.exp() * absorbed;
            }
            // One jump of the uniformized chain.
            for (slot, (&p_i, &s)) in next.iter_mut().zip(p.iter().zip(&stay)) {
                *slot = p_i * s;
            }
            for &(from, to, share) in &moves {
                let flow = p[from] * share;
                if to == n {
                    absorbed += flow;
                } else {
                    next[to] += flow;
                }
            }
            std::mem::swap(&mut p, &mut next);
        }
        total
    }

    /// One sampled history of `years` (Gillespie): true if every copy was lost.
    pub fn sample_loss(&self, years: f64, stream: &mut Stream) -> bool {
        let mut state = 0;
        let mut t = 0.0;
        loop {
            let out: Vec<&(usize, usize, f64)> =
                self.transitions.iter().filter(|t| t.0 == state).collect();
            let rate: f64 = out.iter().map(|t| t.2).sum();
            if rate == 0.0 {
                return false;
            }
            t += stream.exponential(1.0 / rate);
            if t > years {
                return false;
            }
            let mut pick = stream.uniform() * rate;
            let mut to = out[out.len() - 1].1;
            for tr in &out {
                if pick < tr.2 {
                    to = tr.1;
                    break;
                }
                pick -= tr.2;
            }
            if to == self.lost() {
                return true;
            }
            state = to;
        }
    }
}

/// The number of a state in `index`, or the absorbing state (one past the end) when `lost`.
fn state_id(index: &[(usize, usize)], state: (usize, usize), lost: bool) -> usize {
    if lost {
        index.len()
    } else {
        index
            .iter()
            .position(|&s| s == state)
            .expect("every reachable state is indexed")
    }
}

/// The chain for a layout. States count copies down; the start state (0) has all copies up.
pub fn chain(layout: Layout, p: &DurabilityParams) -> Chain {
    let n = p.copies.max(1) as usize;
    let per_copy = p.device_afr + p.rack_afr;
    let repair = HOURS_PER_YEAR / p.repair_hours;
    match layout {
        Layout::Local => {
            // State d = copies down (0..n-1); losing the last one, or the datacenter, or the
            // region, loses the backup.
            let mut tr = Vec::new();
            for d in 0..n {
                let up = (n - d) as f64;
                tr.push((d, if d + 1 == n { n } else { d + 1 }, up * per_copy));
                if d > 0 {
                    tr.push((d, d - 1, d as f64 * repair));
                }
                tr.push((d, n, p.datacenter_loss_per_year + p.region_loss_per_year));
            }
            Chain {
                states: n,
                transitions: tr,
            }
        }
        Layout::Zone => {
            // State (a, b): a copies down to devices, b to lost zones; a + b < n.
            let rebuild = HOURS_PER_YEAR / p.zone_rebuild_hours;
            let mut index = Vec::new();
            for a in 0..n {
                for b in 0..n - a {
                    index.push((a, b));
                }
            }
            let id = |a: usize, b: usize| state_id(&index, (a, b), a + b >= n);
            let mut tr = Vec::new();
            for &(a, b) in &index {
                let from = id(a, b);
                let up = (n - a - b) as f64;
                tr.push((from, id(a + 1, b), up * per_copy));
                tr.push((from, id(a, b + 1), up * p.datacenter_loss_per_year));
                if a > 0 {
                    tr.push((from, id(a - 1, b), a as f64 * repair));
                }
                if b > 0 {
                    tr.push((from, id(a, b - 1), b as f64 * rebuild));
                }
                tr.push((from, index.len(), p.region_loss_per_year));
            }
            Chain {
                states: index.len(),
                transitions: tr,
            }
        }
        Layout::Geo => {
            // State (x, y): copies up in the primary and the paired region (0 = that region's set
            // is gone, re-seeded whole from the other). Both gone, or both regions destroyed
            // together, loses the backup.
            let reseed = HOURS_PER_YEAR / p.geo_reseed_hours;
            let site_loss = p.datacenter_loss_per_year + p.region_loss_per_year;
            let mut index = Vec::new();
            for x in 0..=n {
                for y in 0..=n {
                    if x + y > 0 {
                        index.push((x, y));
                    }
                }
            }
            // Start with both sets whole.
            index.retain(|&s| s != (n, n));
            index.insert(0, (n, n));
            let id = |x: usize, y: usize| state_id(&index, (x, y), x + y == 0);
            let mut tr = Vec::new();
            for &(x, y) in &index {
                let from = id(x, y);
                for side in 0..2 {
                    let (mine, other) = if side == 0 { (x, y) } else { (y, x) };
                    let to = |m: usize| if side == 0 { id(m, y) } else { id(x, m) };
                    if mine > 0 {
                        tr.push((from, to(mine - 1), mine as f64 * per_copy));
                        if mine < n {
                            tr.push((from, to(mine + 1), (n - mine) as f64 * repair));
                        }
                        tr.push((from, to(0), site_loss));
                    } else if other > 0 {
                        tr.push((from, to(n), reseed));
                    }
                }
                tr.push((from, index.len(), p.region_pair_loss_per_year));
            }
            Chain {
                states: index.len(),
                transitions: tr,
            }
        }
    }
}

pub fn annual_loss_probability(layout: Layout, p: &DurabilityParams) -> f64 {
    chain(layout, p).loss_probability(1.0)
}

/// Nines of annual durability: −log10(annual loss probability).
///
/// The probability is held to [smallest positive f64, 1]: rounding can carry a near-certain loss
/// a hair above 1 (which would read as negative nines), and a chain with no way to lose every
/// copy would otherwise give infinitely many. So the nines lie in [0, 307.6], always a number.
pub fn nines(layout: Layout, p: &DurabilityParams) -> f64 {
    let loss = annual_loss_probability(layout, p);
    let loss = if loss.is_nan() { 1.0 } else { loss };
    // + 0.0: a certain loss is 0 nines, not the −0 that negating log10(1) gives.
    -loss.clamp(f64::MIN_POSITIVE, 1.0).log10() + 0.0
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NinesByRedundancy {
    pub local: f64,
    pub zone: f64,
    pub geo: f64,
}

impl NinesByRedundancy {
    pub fn of(&self, layout: Layout) -> f64 {
        match layout {
            Layout::Local => self.local,
            Layout::Zone => self.zone,
            Layout::Geo => self.geo,
        }
    }
}

pub fn nines_by_redundancy(p: &DurabilityParams) -> NinesByRedundancy {
    NinesByRedundancy {
        local: nines(Layout::Local, p),
        zone: nines(Layout::Zone, p),
        geo: nines(Layout::Geo, p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Purpose, Streams};

    /// D1: the defaults reproduce the documented floors, in order.
    #[test]
    fn d1_defaults_reach_documented_nines() {
        let n = nines_by_redundancy(&DurabilityParams::default());
        assert!(n.local >= 11.0 && n.local < 12.0, "{n:?}");
        assert!(n.zone >= 12.0 && n.zone < 13.5, "{n:?}");
        assert!(n.geo >= 16.0 && n.geo < 17.5, "{n:?}");
        assert!(n.local < n.zone && n.zone < n.geo);
    }

    /// Rounding at extreme failure rates once carried the loss probability above 1, printing
    /// negative nines; a chain that cannot lose its copies would print infinitely many.
    #[test]
    fn nines_are_never_negative_nor_infinite() {
        let extreme = DurabilityParams {
            copies: 1,
            device_afr: 100.0,
            rack_afr: 100.0,
            repair_hours: 1e6,
            datacenter_loss_per_year: 100.0,
            region_loss_per_year: 100.0,
            region_pair_loss_per_year: 100.0,
            ..DurabilityParams::default()
        };
        let lossless = DurabilityParams {
            device_afr: 0.0,
            rack_afr: 0.0,
            datacenter_loss_per_year: 0.0,
            region_loss_per_year: 0.0,
            region_pair_loss_per_year: 0.0,
            ..DurabilityParams::default()
        };
        for layout in [Layout::Local, Layout::Zone, Layout::Geo] {
            for p in [&extreme, &lossless] {
                let n = nines(layout, p);
                assert!(n.is_finite() && n >= 0.0, "{layout:?}: {n}");
                // Not −0 either, which prints and serialises as "-0.0".
                assert!(n.is_sign_positive(), "{layout:?}: {n}");
            }
        }
    }

    /// D1: worse devices or slower repair cost nines.
    #[test]
    fn d1_nines_fall_with_failure_rate_and_slow_repair() {
        let base = DurabilityParams::default();
        let worse = DurabilityParams {
            device_afr: 0.08,
            ..base.clone()
        };
        let slow = DurabilityParams {
            repair_hours: 24.0,
            ..base.clone()
        };
        for layout in [Layout::Local, Layout::Zone, Layout::Geo] {
            let b = nines(layout, &base);
            assert!(nines(layout, &worse) < b, "{layout:?} device rate");
            assert!(nines(layout, &slow) < b, "{layout:?} repair time");
        }
    }

    /// A two-copy chain without repair has a closed form: P(both lost by t) = (1 − e^{−λt})².
    #[test]
    fn solver_matches_a_closed_form() {
        let p = DurabilityParams {
            copies: 2,
            device_afr: 0.7,
            rack_afr: 0.0,
            repair_hours: 1e12,
            datacenter_loss_per_year: 0.0,
            region_loss_per_year: 0.0,
            ..DurabilityParams::default()
        };
        let got = annual_loss_probability(Layout::Local, &p);
        let want = (1.0 - (-0.7f64).exp()).powi(2);
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }

    /// One year of the local layout simulated from the failure events themselves, not from the
    /// chain: a clock per copy (device and rack failures, each lost copy re-replicated after an
    /// exponential repair time) and one for the datacenter and the region. True if every copy
    /// was lost at once.
    fn sample_local_from_events(p: &DurabilityParams, stream: &mut crate::engine::Stream) -> bool {
        let n = p.copies as usize;
        let fail = p.device_afr + p.rack_afr;
        let repair_years = p.repair_hours / HOURS_PER_YEAR;
        // When each copy next changes: Some(t) = up until t fails; None below means down.
        let mut fails_at: Vec<f64> = (0..n).map(|_| stream.exponential(1.0 / fail)).collect();
        let mut back_at: Vec<Option<f64>> = vec![None; n];
        let site = stream.exponential(1.0 / (p.datacenter_loss_per_year + p.region_loss_per_year));
        loop {
            let (i, t, failing) = (0..n)
                .map(|i| match back_at[i] {
                    Some(b) => (i, b, false),
                    None => (i, fails_at[i], true),
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("at least one copy");
            if site <= t.min(1.0) {
                return true;
            }
            if t > 1.0 {
                return false;
            }
            if failing {
                back_at[i] = Some(t + stream.exponential(repair_years));
                if back_at.iter().all(Option::is_some) {
                    return true;
                }
            } else {
                back_at[i] = None;
                fails_at[i] = t + stream.exponential(1.0 / fail);
            }
        }
    }

    /// D1 cross-check from first principles: the local layout's failure events simulated one by
    /// one at inflated rates agree with the chain's analytic loss probability.
    #[test]
    fn d1_analytic_agrees_with_an_event_simulation_of_the_copies() {
        let params = inflated();
        let analytic = annual_loss_probability(Layout::Local, &params);
        let mut stream = Streams::for_replication(7, 0).stream(Purpose::Outages);
        let (p, half) = share_with_ci(|| sample_local_from_events(&params, &mut stream));
        assert!(
            (analytic - p).abs() <= half,
            "analytic {analytic:.4}, events {p:.4} ± {half:.4}"
        );
    }

    /// Failure rates inflated until a year often loses every copy, so losses can be sampled.
    fn inflated() -> DurabilityParams {
        DurabilityParams {
            copies: 3,
            device_afr: 6.0,
            rack_afr: 2.0,
            repair_hours: 400.0,
            datacenter_loss_per_year: 0.05,
            zone_rebuild_hours: 800.0,
            region_loss_per_year: 0.05,
            geo_reseed_hours: 2000.0,
            region_pair_loss_per_year: 0.02,
        }
    }

    /// The share of 20,000 sampled years that lost the backup, and its 95% CI half-width.
    fn share_with_ci(mut lost: impl FnMut() -> bool) -> (f64, f64) {
        let trials = 20_000;
        let p = (0..trials).filter(|_| lost()).count() as f64 / trials as f64;
        (p, 1.96 * (p * (1.0 - p) / trials as f64).sqrt())
    }

    /// D1 cross-check: at failure rates inflated until losses are common, sampling the same
    /// chains agrees with the solver within the sample's 95% confidence interval.
    #[test]
    fn d1_analytic_agrees_with_simulation_at_inflated_rates() {
        for (i, layout) in [Layout::Local, Layout::Zone, Layout::Geo]
            .into_iter()
            .enumerate()
        {
            let c = chain(layout, &inflated());
            let analytic = c.loss_probability(1.0);
            let mut stream = Streams::for_replication(99, i as u64).stream(Purpose::Outages);
            let (p, half) = share_with_ci(|| c.sample_loss(1.0, &mut stream));
            assert!(
                (analytic - p).abs() <= half,
                "{layout:?}: analytic {analytic:.4}, simulated {p:.4} ± {half:.4}"
            );
            assert!(
                p > 0.02 && p < 0.98,
                "{layout:?}: inflated enough to sample ({p})"
            );
        }
    }
}
