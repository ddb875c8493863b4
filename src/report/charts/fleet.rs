//! fleet_recovery.png: how a region's servers come back after an outage.

use super::*;
use crate::stats::nearest_rank;

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
            let at = |i: usize, q: f64| {
                let mut column: Vec<f64> = curves.iter().map(|c| c[i]).collect();
                column.sort_by(f64::total_cmp);
                *nearest_rank(&column, q)
            };
            let band: Vec<(f64, f64)> = hours
                .iter()
                .enumerate()
                .map(|(i, &h)| (h, at(i, 0.95)))
                .chain(
                    hours
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(i, &h)| (h, at(i, 0.05))),
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
