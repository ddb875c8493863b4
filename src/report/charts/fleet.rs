//! fleet_recovery.png: how a region's servers come back after an outage.

use super::*;
use crate::stats::nearest_rank_index;

/// Of the outages' shares serving again at one hour (ascending), the one the `q_time`
/// quantile of their times to each share has reached, so that the line crosses 50% where the
/// text's median time to 50% says: the k-th smallest time (k by nearest rank) is at most the
/// hour exactly when the k-th largest share has reached it. With two outages the median time
/// is the earlier one, so the line follows the higher share.
fn share_at_time_quantile(sorted_shares: &[f64], q_time: f64) -> f64 {
    let n = sorted_shares.len();
    sorted_shares[n - 1 - nearest_rank_index(n, q_time)]
}

/// fleet_recovery.png: after a regional outage, the share of the region's servers serving
/// again against the hours since it began: the median over outages as a line, the 5–95% range
/// as a band, one colour per region.
pub fn fleet_recovery_chart(
    regions: &[(String, Vec<Vec<f64>>)],
    hours: &[f64],
    title: &str,
) -> Result<Vec<u8>, String> {
    render(|root| {
        let x1 = hours.last().copied().unwrap_or(1.0).max(1.0);
        let tenths = |v: &f64| format!("{v:.0}");
        let percent = |v: &f64| format!("{:.0}%", v * 100.0);
        let mut chart = frame(
            root,
            title,
            0.0..x1,
            0.0..1.05,
            (
                "hours since the region went down",
                "share of the region's servers serving again",
            ),
            (&tenths, &percent),
        )?;
        for (k, (name, curves)) in regions.iter().enumerate() {
            if curves.is_empty() {
                continue;
            }
            let colour = PALETTE[k % PALETTE.len()];
            let at = |i: usize, q_time: f64| {
                let mut column: Vec<f64> = curves.iter().map(|c| c[i]).collect();
                column.sort_by(f64::total_cmp);
                share_at_time_quantile(&column, q_time)
            };
            let band: Vec<(f64, f64)> = hours
                .iter()
                .enumerate()
                .map(|(i, &h)| (h, at(i, 0.05)))
                .chain(
                    hours
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(i, &h)| (h, at(i, 0.95))),
                )
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, colour.mix(0.25))))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    hours.iter().enumerate().map(|(i, &h)| (h, at(i, 0.5))),
                    colour.stroke_width(3),
                ))
                .map_err(err)?
                .label(format!(
                    "{name}: median of {} outages (band: 5–95%)",
                    curves.len()
                ))
                .legend(line_key(colour, 3));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two outages, half back at 7.94 h and at 8.26 h: the text's median time to 50% is 7.94 h
    /// (nearest rank), so at 8 h, with shares 0.3 and 0.7, the median line is at 0.7, past 50%.
    /// It took the lower share and crossed at 8.26 h.
    #[test]
    fn the_median_line_crosses_where_the_median_time_says() {
        assert_eq!(share_at_time_quantile(&[0.3, 0.7], 0.5), 0.7);
        // Odd counts: the middle share, as the middle time.
        assert_eq!(share_at_time_quantile(&[0.2, 0.5, 0.9], 0.5), 0.5);
        // The band: the fast 5% of times is the highest share, the slow 95% the second lowest
        // (the 19th of 20 times, as nearest rank takes it).
        let shares: Vec<f64> = (0..20).map(|i| i as f64 / 20.0).collect();
        assert_eq!(share_at_time_quantile(&shares, 0.05), 0.95);
        assert_eq!(share_at_time_quantile(&shares, 0.95), 0.05);
    }
}
