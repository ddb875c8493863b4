//! The charts of one run: storage.png, rpo.png, restore.png and bill.png.

use super::*;

/// One point of run 0's storage over time (downsampled: the worst hour of each bucket).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoragePoint {
    pub day: f64,
    pub used_gb: f64,
    pub allowance_gb: f64,
}

/// storage.png: backup storage against the free allowance, the billable part shaded.
pub fn storage_chart(points: &[StoragePoint], title: &str) -> Result<Vec<u8>, String> {
    let points: Vec<StoragePoint> = points
        .iter()
        .map(|p| StoragePoint {
            day: drawn(p.day),
            used_gb: size(p.used_gb),
            allowance_gb: size(p.allowance_gb),
        })
        .collect();
    let points = &points[..];
    render(|root| {
        let (x0, x1) = span(points.iter().map(|p| p.day));
        let top = points
            .iter()
            .map(|p| p.used_gb.max(p.allowance_gb))
            .fold(1.0, f64::max)
            * 1.1;
        let mut chart = frame(
            root,
            title,
            x0..x1,
            0.0..top,
            (
                "days since start (run 0)",
                "backup storage (GB, all copies)",
            ),
            (&whole, &whole),
        )?;
        let (used, allowance, billed) = (PALETTE[0], PALETTE[7], PALETTE[3]);
        // Usage inside the allowance, lightly; the billable part (above it) in its own colour,
        // one polygon per stretch where usage exceeds the allowance.
        chart
            .draw_series(AreaSeries::new(
                points
                    .iter()
                    .map(|p| (p.day, p.used_gb.min(p.allowance_gb))),
                0.0,
                used.mix(0.12),
            ))
            .map_err(err)?;
        let mut stretches: Vec<Vec<StoragePoint>> = Vec::new();
        let mut open = false;
        for p in points {
            if p.used_gb > p.allowance_gb {
                if !open {
                    stretches.push(Vec::new());
                    open = true;
                }
                stretches.last_mut().expect("just pushed").push(*p);
            } else {
                open = false;
            }
        }
        let billed_style = billed.mix(0.4);
        chart
            .draw_series(stretches.iter().map(|run| {
                let outline: Vec<(f64, f64)> = run
                    .iter()
                    .map(|p| (p.day, p.used_gb))
                    .chain(run.iter().rev().map(|p| (p.day, p.allowance_gb)))
                    .collect();
                Polygon::new(outline, billed_style)
            }))
            .map_err(err)?
            .label("billable (above the allowance)")
            .legend(box_key(billed_style));
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.day, p.used_gb)),
                used.stroke_width(3),
            ))
            .map_err(err)?
            .label("backup storage used")
            .legend(line_key(used, 3));
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.day, p.allowance_gb)),
                allowance.stroke_width(2),
            ))
            .map_err(err)?
            .label("free allowance (provisioned storage while running)")
            .legend(line_key(allowance, 2));
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

/// rpo.png: the share of time the data-loss window stays at or below x, local and geo.
pub fn rpo_chart(
    local: &[(f64, f64)],
    geo: Option<&[(f64, f64)]>,
    title: &str,
) -> Result<Vec<u8>, String> {
    render(|root| {
        let minutes = |v: &[(f64, f64)]| {
            v.iter()
                .map(|&(x, f)| (size(x / 60.0), drawn(f * 100.0).clamp(0.0, 100.0)))
                .collect::<Vec<_>>()
        };
        let local = minutes(local);
        let geo = geo.map(minutes);
        let right = local
            .iter()
            .chain(geo.iter().flatten())
            .map(|p| p.0)
            .fold(1.0, f64::max)
            * 1.05;
        let minutes_fmt = |x: &f64| {
            if right < 20.0 {
                format!("{x:.1}")
            } else {
                whole(x)
            }
        };
        let mut chart = frame(
            root,
            title,
            0.0..right,
            0.0..100.0,
            (
                "data-loss window (minutes of writes lost if the server were lost then)",
                "share of the time at or below (%)",
            ),
            (&minutes_fmt, &whole),
        )?;
        for (series, name, colour) in [
            (Some(local), "local: last log backup", PALETTE[0]),
            (geo, "geo: last backup in the paired region", PALETTE[1]),
        ] {
            if let Some(series) = series {
                chart
                    .draw_series(LineSeries::new(series, colour.stroke_width(3)))
                    .map_err(err)?
                    .label(name)
                    .legend(line_key(colour, 3));
            }
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

/// One restore point of the restore-time profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestorePoint {
    pub day: f64,
    /// Provisioning and hydrating the base snapshot (and any cross-region copy), hours.
    pub base_hours: f64,
    /// Log replay on top, hours.
    pub replay_hours: f64,
}

/// restore.png: restore time against the restore point: the daily sawtooth whose low points
/// are the snapshots (fastest restore points).
pub fn restore_chart(points: &[RestorePoint], title: &str) -> Result<Vec<u8>, String> {
    // Where the time drops (a new snapshot), drop straight down rather than along a diagonal
    // from the previous sample.
    let mut stepped: Vec<RestorePoint> = Vec::with_capacity(points.len() * 2);
    for p in points {
        let p = &RestorePoint {
            day: drawn(p.day),
            base_hours: size(p.base_hours),
            replay_hours: size(p.replay_hours),
        };
        if let Some(prev) = stepped.last().copied() {
            if p.base_hours + p.replay_hours < prev.base_hours + prev.replay_hours {
                stepped.push(RestorePoint { day: p.day, ..prev });
            }
        }
        stepped.push(*p);
    }
    let points = &stepped[..];
    render(|root| {
        let (x0, x1) = span(points.iter().map(|p| p.day));
        let top = if points.is_empty() {
            1.0
        } else {
            points
                .iter()
                .map(|p| p.base_hours + p.replay_hours)
                .fold(0.1, f64::max)
                * 1.15
        };
        let tenths = |v: &f64| format!("{v:.1}");
        let mut chart = frame(
            root,
            title,
            x0..x1,
            0.0..top,
            (
                "restore point (days since start)",
                "restore time (hours, no slot wait)",
            ),
            (&tenths, &tenths),
        )?;
        if points.is_empty() {
            // Say why the frame is empty rather than leave a blank that looks like a failure.
            let (x, y) = ((x0 + x1) / 2.0, top / 2.0);
            chart
                .draw_series(std::iter::once(Text::new(
                    "no restore could be planned in these days (stopped, deleted or region down)",
                    (x, y),
                    TextStyle::from((FONT, 24).into_font())
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))
                .map_err(err)?;
            return Ok(());
        }
        let (replay, base) = (PALETTE[1], PALETTE[0]);
        // Replay stacked on the base part: the band between the two curves.
        let band: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.day, p.base_hours + p.replay_hours))
            .chain(points.iter().rev().map(|p| (p.day, p.base_hours)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, replay.mix(0.6))))
            .map_err(err)?
            .label("log replay")
            .legend(box_key(replay.mix(0.6)));
        chart
            .draw_series(AreaSeries::new(
                points.iter().map(|p| (p.day, p.base_hours)),
                0.0,
                base.mix(0.7),
            ))
            .map_err(err)?
            .label("provision + hydrate snapshot")
            .legend(box_key(base.mix(0.7)));
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// One month of bill.png.
#[derive(Debug, Clone, PartialEq)]
pub struct BillBar {
    pub label: String,
    /// What the storage covered by the free allowance would have cost at the same price.
    pub free_value: f64,
    /// The bill, with its 95% CI across runs.
    pub cost: f64,
    pub cost_lo: f64,
    pub cost_hi: f64,
    /// The run covers only part of the month.
    pub partial: bool,
}

/// bill.png: the bill of each calendar month as a bar with its CI whisker, stacked on the value
/// of the storage the free allowance covered, so that its share is visible.
pub fn bill_chart(months: &[BillBar], currency: &str, title: &str) -> Result<Vec<u8>, String> {
    let months: Vec<BillBar> = months
        .iter()
        .map(|m| BillBar {
            free_value: size(m.free_value),
            cost: size(m.cost),
            cost_lo: size(m.cost_lo),
            cost_hi: size(m.cost_hi),
            ..m.clone()
        })
        .collect();
    let months = &months[..];
    render(|root| {
        let top = months
            .iter()
            .map(|m| m.free_value + m.cost_hi.max(m.cost))
            .fold(1.0, f64::max)
            * 1.15;
        let n = months.len().max(1) as f64;
        let labels: Vec<String> = months
            .iter()
            .map(|m| {
                if m.partial {
                    format!("{} (part)", m.label)
                } else {
                    m.label.clone()
                }
            })
            .collect();
        // Label every month when they fit, else every k-th.
        let every = (months.len() / 12).max(1);
        let x_fmt = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize).is_multiple_of(every) {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let money = |v: &f64| format!("{v:.0}");
        let y_desc =
            format!("backup storage's value, {currency} per month (bar top: free part + bill)");
        let mut chart = frame(
            root,
            title,
            -0.6..(n - 0.4),
            0.0..top,
            ("calendar month", y_desc.as_str()),
            (&x_fmt, &money),
        )?;
        let (free, billed) = (PALETTE[0].mix(0.25), PALETTE[3]);
        chart
            .draw_series(months.iter().enumerate().map(|(i, m)| {
                let x = i as f64;
                Rectangle::new([(x - 0.35, 0.0), (x + 0.35, m.free_value)], free.filled())
            }))
            .map_err(err)?
            .label("covered by the free allowance (its value at the same price)")
            .legend(box_key(free));
        chart
            .draw_series(months.iter().enumerate().map(|(i, m)| {
                let x = i as f64;
                let style = if m.partial {
                    billed.mix(0.45)
                } else {
                    billed.mix(0.85)
                };
                Rectangle::new(
                    [(x - 0.35, m.free_value), (x + 0.35, m.free_value + m.cost)],
                    style.filled(),
                )
            }))
            .map_err(err)?
            .label("the bill, with its 95% CI (lighter: a month the run covers only in part)")
            .legend(box_key(billed.mix(0.85)));
        for (i, m) in months.iter().enumerate() {
            let x = i as f64;
            let (lo, hi) = (m.free_value + m.cost_lo, m.free_value + m.cost_hi);
            chart.draw_series(whisker(x, lo, hi, 0.12)).map_err(err)?;
            // The bill itself, written on its bar: the bar's top is not the bill.
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{:.0}", m.cost),
                    (x + 0.15, m.free_value + m.cost_hi),
                    (FONT, 18).into_font(),
                )))
                .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}
