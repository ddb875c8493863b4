//! PNG charts, drawn with plotters into memory and encoded here, so they are written aside and
//! renamed like every other output. The font is DejaVu Sans, embedded: no system libraries.

use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use crate::analysis::Figure;
use crate::sweep::{Grid, SweepTable};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 800;

/// Okabe–Ito: distinguishable with every common colour-vision deficiency.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

const FONT: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is valid"));
    });
}

pub(super) type Draw<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
/// How an axis writes its tick values.
pub(super) type Label<'f> = dyn Fn(&f64) -> String + 'f;
pub(super) type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The frame every chart shares: title, margins, axes with their descriptions, a light grid.
pub(super) fn frame<'a, 'b>(
    root: &'a Draw<'b>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    (x_desc, y_desc): (&str, &str),
    (x_fmt, y_fmt): (&Label<'_>, &Label<'_>),
) -> Result<Chart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 30))
        .margin(24)
        .x_label_area_size(70)
        .y_label_area_size(110)
        .build_cartesian_2d(axis(x), axis(y))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .light_line_style(RGBColor(235, 235, 235))
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .label_style((FONT, 20))
        .axis_desc_style((FONT, 22))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

pub(super) fn legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 20))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

pub(super) fn line_key(
    colour: RGBColor,
    width: u32,
) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width))
}

fn box_key(style: RGBAColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], style.filled())
}

pub(super) fn whole(v: &f64) -> String {
    format!("{v:.0}")
}

/// Draw on a white 1200×800 canvas and return the PNG bytes.
pub(super) fn render(
    draw: impl FnOnce(&Draw<'_>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    render_sized(WIDTH, HEIGHT, draw)
}

/// Draw on a white canvas of the given size and return the PNG bytes.
fn render_sized(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Draw<'_>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    register_font();
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &pixels,
        width,
        height,
        image::ColorType::Rgb8,
    )
    .map_err(|e| e.to_string())?;
    Ok(png)
}

pub(super) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The largest magnitude a chart draws. Figures beyond it (a restore taking centuries at the
/// slowest rates) are drawn at the edge: plotters turns coordinates into pixels as integers and
/// steps through its tick marks in floating point, so it must never see an infinity or a range
/// too narrow for its own magnitude.
const MAX_DRAWN: f64 = 1e12;

/// A value as drawn: finite and within ±`MAX_DRAWN` (a missing value, NaN, sits at 0).
pub(super) fn drawn(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-MAX_DRAWN, MAX_DRAWN)
    }
}

/// A size that cannot be negative (GB, hours, money), as drawn: at most a quarter of
/// `MAX_DRAWN`, so that two stacked and the headroom above them stay inside the axis.
pub(super) fn size(v: f64) -> f64 {
    drawn(v).clamp(0.0, MAX_DRAWN / 4.0)
}

/// An axis range plotters can always draw: finite ends in order, at least a millionth of its
/// magnitude wide (and at least 1e-6), so that stepping through its ticks always moves on.
fn axis(range: std::ops::Range<f64>) -> std::ops::Range<f64> {
    let (lo, hi) = (drawn(range.start), drawn(range.end));
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let least = (lo.abs().max(hi.abs()) * 1e-6).max(1e-6);
    if hi - lo >= least {
        lo..hi
    } else {
        let mid = (lo + hi) / 2.0;
        (mid - least)..(mid + least)
    }
}

/// The least and greatest finite values as drawn, if there are any.
fn drawn_bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .map(drawn)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    lo.is_finite().then_some((lo, hi))
}

pub(super) fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = drawn_bounds(values) else {
        return (0.0, 1.0);
    };
    if hi - lo < 1e-9 {
        return (lo - 1.0, hi + 1.0);
    }
    (lo, hi)
}

/// The value axis of a sweep chart: every mean and CI bound inside it, from zero unless
/// `from_zero` is false. The headroom is a share of the whole axis, not of the data's spread:
/// points 100 to 108 on an axis from 0 once got 0.8 of headroom and their markers ran into the
/// frame. Values that are all equal get a range of their own rather than ±1 (a cost of 0 in
/// every point drew an axis from −1 to 1).
fn value_axis(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let Some((lo, hi)) = drawn_bounds(values) else {
        return (0.0, 1.0);
    };
    let (lo, hi) = if from_zero {
        (lo.min(0.0), hi.max(0.0))
    } else {
        (lo, hi)
    };
    let magnitude = lo.abs().max(hi.abs());
    if hi - lo <= magnitude * 1e-9 {
        return if magnitude == 0.0 {
            (0.0, 1.0)
        } else {
            // Only from the data: centred on the one value, a tenth of it either side.
            (lo - magnitude * 0.1, hi + magnitude * 0.1)
        };
    }
    let pad = (hi - lo) * 0.08;
    // From zero the axis ends at zero itself on the side where nothing passes it.
    let keep = |edge: f64| from_zero && edge == 0.0;
    (
        if keep(lo) { lo } else { lo - pad },
        if keep(hi) { hi } else { hi + pad },
    )
}

/// A cell of a table row, empty when the row is short.
fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", String::as_str)
}

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
        let top = points
            .iter()
            .map(|p| p.base_hours + p.replay_hours)
            .fold(0.1, f64::max)
            * 1.15;
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
        let whisker = BLACK.stroke_width(2);
        for (i, m) in months.iter().enumerate() {
            let x = i as f64;
            let (lo, hi) = (m.free_value + m.cost_lo, m.free_value + m.cost_hi);
            chart
                .draw_series([
                    PathElement::new(vec![(x, lo), (x, hi)], whisker),
                    PathElement::new(vec![(x - 0.12, lo), (x + 0.12, lo)], whisker),
                    PathElement::new(vec![(x - 0.12, hi), (x + 0.12, hi)], whisker),
                ])
                .map_err(err)?;
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

/// A short name for a figure in a chart's title.
pub fn chart_title(f: Figure) -> &'static str {
    match f {
        Figure::StorageMean => "Backup storage, mean",
        Figure::BillableGbMonth => "Billable storage",
        Figure::CostPerMonth => "Backup cost per month",
        Figure::DailyBackupGb => "New backup data per day",
        Figure::RpoMean => "Data-loss window, mean",
        Figure::RestoreLatestMean => "Restore to latest, mean",
        other => other.label(),
    }
}

/// What a sweep chart shows and how.
#[derive(Debug, Clone)]
pub struct SweepChart<'a> {
    pub figure: Figure,
    pub currency: &'a str,
    /// Each swept key as people name it, with its unit ("retention (days)").
    pub key_names: &'a [String],
    /// Start the y-axis at the lowest value shown instead of zero.
    pub y_from_data: bool,
}

/// The line of series `g`: solid, long dashes, short dashes, dots, then again; so the series
/// stay apart in grey print and for every reader, not by colour alone.
fn dashes(g: usize) -> Option<(u32, u32)> {
    [None, Some((18, 8)), Some((7, 7)), Some((2, 6))][g % 4]
}

/// A sweep chart: one figure (mean and 95% CI band, in the unit people read it in) against the
/// first swept key, one line per value of the second key, each with its own colour, dash
/// pattern and marker. The y-axis starts at zero unless `y_from_data`.
pub fn sweep_chart(
    table: &SweepTable,
    grid: &Grid,
    spec: &SweepChart<'_>,
) -> Result<Vec<u8>, String> {
    let figure = spec.figure.name();
    let (scale, unit) = spec.figure.readable();
    let unit = unit.label(spec.currency);
    let column = |name: &str| table.header.iter().position(|h| h == name);
    let (mean, lo, hi) = (
        column(&format!("{figure}_mean")).ok_or("no such figure")?,
        column(&format!("{figure}_ci95_lo")).ok_or("no such figure")?,
        column(&format!("{figure}_ci95_hi")).ok_or("no such figure")?,
    );
    let num = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite()).map(drawn);
    if let Some(cases) = &grid.cases {
        let points: Vec<CasePoint> = table
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let number = cell(row, 0).parse::<usize>().map_or(i, |p| p) + 1;
                let values: Vec<&str> = (1..=grid.keys.len()).map(|k| cell(row, k)).collect();
                let m = num(cell(row, mean)).map(|m| m / scale);
                let bound = |c: usize| num(cell(row, c)).map(|v| v / scale);
                CasePoint {
                    label: format!("{number}: {}", values.join(", ")),
                    number,
                    mean: m,
                    lo: bound(lo).or(m),
                    hi: bound(hi).or(m),
                }
            })
            .collect();
        let file = std::path::Path::new(&cases.file)
            .file_name()
            .map_or(cases.file.clone(), |f| f.to_string_lossy().into_owned());
        let names: Vec<String> = (0..grid.keys.len())
            .map(|k| spec.key_names.get(k).unwrap_or(&grid.keys[k]).to_string())
            .collect();
        let words = CaseWords {
            title: format!("{} ({unit}) per case", chart_title(spec.figure)),
            x_desc: short(&format!("case: row of {file}: {}", names.join(", ")), 110),
            y_desc: format!("{} ({unit}), mean and 95% CI", chart_title(spec.figure)),
        };
        return cases_chart(&points, &words, spec.y_from_data);
    }
    let (Some(_), Some(first_values)) = (
        grid.keys.first(),
        grid.values.first().filter(|v| !v.is_empty()),
    ) else {
        return Err("the grid has no values to draw".to_string());
    };
    let x_values: Vec<String> = first_values
        .iter()
        .map(|v| v.trim_matches('"').to_string())
        .collect();
    let numeric_x = x_values.iter().all(|v| num(v).is_some());
    let x_of = |label: &str, index: usize| {
        if numeric_x {
            num(label).unwrap_or(0.0)
        } else {
            index as f64
        }
    };
    let groups: Vec<String> = grid
        .values
        .get(1)
        .map(|v| v.iter().map(|s| s.trim_matches('"').to_string()).collect())
        .unwrap_or_else(|| vec![String::new()]);
    // series[g] = [(x, mean, lo, hi)] in x order, in the readable unit.
    let mut series: Vec<Vec<(f64, f64, f64, f64)>> = vec![Vec::new(); groups.len()];
    for row in &table.rows {
        let x_label = cell(row, 1);
        let xi = x_values.iter().position(|v| v == x_label).unwrap_or(0);
        let g = if grid.keys.len() > 1 {
            groups.iter().position(|v| v == cell(row, 2)).unwrap_or(0)
        } else {
            0
        };
        // Beyond two keys, the chart shows the first value of each further key.
        let further_first = (3..=grid.keys.len()).all(|k| {
            grid.values
                .get(k - 1)
                .and_then(|v| v.first())
                .is_some_and(|first| cell(row, k) == first.trim_matches('"'))
        });
        if let (Some(m), true) = (num(cell(row, mean)), further_first) {
            let l = num(cell(row, lo)).unwrap_or(m);
            let h = num(cell(row, hi)).unwrap_or(m);
            series[g].push((x_of(x_label, xi), m / scale, l / scale, h / scale));
        }
    }
    for s in &mut series {
        s.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let key_name = |k: usize| {
        spec.key_names
            .get(k)
            .cloned()
            .or_else(|| grid.keys.get(k).cloned())
            .unwrap_or_default()
    };
    render(|root| {
        let (x0, x1) = span(series.iter().flatten().map(|p| p.0));
        let pad = (x1 - x0) * 0.04;
        let (y0, y1) = value_axis(
            series.iter().flatten().flat_map(|p| [p.1, p.2, p.3]),
            !spec.y_from_data,
        );
        let x_fmt = |x: &f64| {
            if numeric_x {
                tick(x)
            } else if (x - x.round()).abs() < 1e-6 {
                // Categories sit at whole positions; ticks between them stay unlabelled.
                x_values
                    .get(x.round() as usize)
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        let y_desc = format!("{} ({unit}), mean and 95% CI", chart_title(spec.figure));
        let x_desc = key_name(0);
        // Keys beyond the second are held at their first value: the title says at which.
        let held: Vec<String> = (2..grid.keys.len())
            .map(|k| {
                let first = grid.values.get(k).and_then(|v| v.first());
                format!(
                    "{} = {}",
                    key_name(k),
                    first.map_or("", |v| v.trim_matches('"'))
                )
            })
            .collect();
        let title = if held.is_empty() {
            format!(
                "{} ({unit}) against {}",
                chart_title(spec.figure),
                key_name(0)
            )
        } else {
            format!(
                "{} ({unit}) against {}, at {}",
                chart_title(spec.figure),
                key_name(0),
                held.join(", ")
            )
        };
        let decimals = axis_decimals(y1 - y0);
        let y_fmt = |v: &f64| format!("{v:.decimals$}");
        let mut chart = frame(
            root,
            &title,
            (x0 - pad)..(x1 + pad),
            y0..y1,
            (x_desc.as_str(), y_desc.as_str()),
            (&x_fmt, &y_fmt),
        )?;
        for (g, points) in series.iter().enumerate() {
            // A value with no figure to draw would still be named in the legend.
            if points.is_empty() {
                continue;
            }
            let colour = PALETTE[g % PALETTE.len()];
            let band: Vec<(f64, f64)> = points
                .iter()
                .map(|p| (p.0, p.3))
                .chain(points.iter().rev().map(|p| (p.0, p.2)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, colour.mix(0.15))))
                .map_err(err)?;
            let label = if grid.keys.len() > 1 {
                format!("{} = {}", key_name(1), groups[g])
            } else {
                chart_title(spec.figure).to_string()
            };
            let line: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
            let style = colour.stroke_width(3);
            match dashes(g) {
                None => chart
                    .draw_series(LineSeries::new(line, style))
                    .map_err(err)?
                    .label(label)
                    .legend(line_key(colour, 3)),
                Some((dash, gap)) => chart
                    .draw_series(DashedLineSeries::new(line, dash, gap, style))
                    .map_err(err)?
                    .label(label)
                    // The legend's sample is short: a finer version of the same pattern.
                    .legend(move |(x, y)| {
                        DashedPathElement::new(
                            vec![(x, y), (x + 24, y)],
                            dash.min(8),
                            gap.min(4),
                            style,
                        )
                    }),
            };
            // A marker per series (circle, triangle, square, cross), for the same reason.
            let at = points.iter().map(|p| (p.0, p.1));
            let fill = colour.filled();
            match g % 4 {
                0 => chart.draw_series(at.map(|c| Circle::new(c, 6, fill))),
                1 => chart.draw_series(at.map(|c| TriangleMarker::new(c, 8, fill))),
                2 => chart.draw_series(
                    at.map(|c| EmptyElement::at(c) + Rectangle::new([(-6, -6), (6, 6)], fill)),
                ),
                _ => chart.draw_series(at.map(|c| Cross::new(c, 7, colour.stroke_width(3)))),
            }
            .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// One listed case of a cases chart, its figure in the readable unit.
#[derive(Debug, Clone, PartialEq)]
struct CasePoint {
    /// The row of the cases file, from 1.
    number: usize,
    /// The row number and its values, as the x-axis writes them when there is room.
    label: String,
    mean: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
}

struct CaseWords {
    title: String,
    x_desc: String,
    y_desc: String,
}

/// The x-axis labels of a cases chart, one per case where each fits its slot of `slot` pixels
/// (shortened, down to the bare row number, when it does not), else the row number of every
/// k-th case: a hundred thousand cases must not write a hundred thousand labels on each other.
fn case_labels(points: &[CasePoint], slot: i32, width_of: &dyn Fn(&str) -> i32) -> Vec<String> {
    const GAP: i32 = 12;
    let widest_number = points
        .iter()
        .map(|p| p.number)
        .max()
        .map_or(0, |n| width_of(&n.to_string()));
    if slot < widest_number + GAP {
        let every = ((widest_number + GAP) as f64 / slot.max(1) as f64).ceil() as usize;
        return points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i % every.max(1) == 0 {
                    p.number.to_string()
                } else {
                    String::new()
                }
            })
            .collect();
    }
    points
        .iter()
        .map(|p| {
            let number = p.number.to_string();
            let full = width_of(&p.label);
            if full + GAP <= slot {
                return p.label.clone();
            }
            // Start from the share of the label that would fit at its average character width,
            // so that a long label is measured a few times, not once per character.
            let len = p.label.chars().count();
            let mut chars =
                (len as i64 * i64::from(slot - GAP) / i64::from(full.max(1))) as usize + 1;
            chars = chars.min(len.saturating_sub(1));
            loop {
                // "12: …" is no more use than "12".
                if chars <= number.len() + 4 {
                    return number;
                }
                let label = short(&p.label, chars);
                if width_of(&label) + GAP <= slot {
                    return label;
                }
                chars -= 1;
            }
        })
        .collect()
}

/// A sweep chart for listed cases: they are not a grid, so each case is its own category on
/// the x-axis, labelled by its row and values, with its mean as a dot and its 95% CI as a
/// whisker.
fn cases_chart(
    points: &[CasePoint],
    words: &CaseWords,
    y_from_data: bool,
) -> Result<Vec<u8>, String> {
    render(|root| {
        let n = points.len().max(1) as f64;
        let (y0, y1) = value_axis(
            points
                .iter()
                .filter(|p| p.mean.is_some())
                .flat_map(|p| [p.mean, p.lo, p.hi])
                .flatten(),
            !y_from_data,
        );
        let decimals = axis_decimals(y1 - y0);
        let y_fmt = |v: &f64| format!("{v:.decimals$}");
        let mut chart = ChartBuilder::on(root)
            .caption(&words.title, (FONT, 30))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(-0.6..(n - 0.4), axis(y0..y1))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            // The cases are labelled below, one per slot: plotters would put its ticks at round
            // numbers between them.
            .x_labels(0)
            .x_desc(words.x_desc.as_str())
            .y_desc(words.y_desc.as_str())
            .light_line_style(RGBColor(235, 235, 235))
            .y_label_formatter(&y_fmt)
            .label_style((FONT, 20))
            .axis_desc_style((FONT, 22))
            .draw()
            .map_err(err)?;
        let style = (FONT, 18)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        let width_of = |text: &str| {
            root.estimate_text_size(text, &style)
                .map_or(0, |(w, _)| w as i32)
        };
        let slot = chart.backend_coord(&(1.0, y0)).0 - chart.backend_coord(&(0.0, y0)).0;
        let labels = case_labels(points, slot, &width_of);
        for (i, label) in labels.iter().enumerate() {
            if label.is_empty() {
                continue;
            }
            let (x, y) = chart.backend_coord(&(i as f64, y0));
            root.draw(&Text::new(label.clone(), (x, y + 8), style.clone()))
                .map_err(err)?;
        }
        let colour = PALETTE[0];
        let whisker = BLACK.stroke_width(2);
        // Caps about as wide as the dot, however few the cases and wide their slots.
        let cap = (12.0 / f64::from(slot.max(1))).min(0.12);
        for (i, p) in points.iter().enumerate() {
            let (Some(m), Some(lo), Some(hi)) = (p.mean, p.lo, p.hi) else {
                continue;
            };
            let x = i as f64;
            chart
                .draw_series([
                    PathElement::new(vec![(x, lo), (x, hi)], whisker),
                    PathElement::new(vec![(x - cap, lo), (x + cap, lo)], whisker),
                    PathElement::new(vec![(x - cap, hi), (x + cap, hi)], whisker),
                ])
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new((x, m), 7, colour.filled())))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// One alternative in a compare.png panel: its difference from the base with the 95% CI.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareBar {
    pub label: String,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
    pub excludes_zero: bool,
}

/// One figure of compare.png.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparePanel {
    /// The figure and its unit.
    pub title: String,
    pub bars: Vec<CompareBar>,
}

/// Shortened for an axis: long labels would run into each other.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let kept: String = label.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

/// One number of decimals for every tick of an axis spanning `range` (about eight ticks).
fn axis_decimals(range: f64) -> usize {
    let step = range / 8.0;
    if step > 0.0 && step < 1.0 {
        (-(step.log10().floor() as i32)).clamp(0, 6) as usize
    } else {
        0
    }
}

/// A tick label with significant figures rather than float noise.
fn tick(v: &f64) -> String {
    if v.abs() < 1e-12 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (1 - magnitude).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}

/// compare.png: one panel per figure; in each, every alternative as a bar from the base (the
/// zero line) to its mean difference, with the 95% CI as a whisker. A bar whose CI excludes zero
/// is solid; one that may be noise is pale. The colours follow the alternatives, named in the
/// legend under the panels.
pub fn compare_chart(panels: &[ComparePanel], title: &str) -> Result<Vec<u8>, String> {
    let cols = panels.len().clamp(1, 3);
    let rows = panels.len().div_ceil(cols).max(1);
    let labels: Vec<String> = panels
        .first()
        .map(|p| p.bars.iter().map(|b| b.label.clone()).collect())
        .unwrap_or_default();
    let legend_rows = labels.len().div_ceil(2).max(1) as u32;
    let (width, panel_height, header) = (1500u32, 420u32, 70u32);
    let height = header + rows as u32 * panel_height + 20 + legend_rows * 30;
    render_sized(width, height, |root| {
        let (top, rest) = root.split_vertically(header);
        top.draw(&Text::new(
            title.to_string(),
            (24, 20),
            (FONT, 30).into_font().color(&BLACK),
        ))
        .map_err(err)?;
        let (grid, legend_area) = rest.split_vertically(rows as u32 * panel_height);
        let areas = grid.split_evenly((rows, cols));
        for (panel, area) in panels.iter().zip(&areas) {
            let n = panel.bars.len().max(1) as f64;
            let values = panel
                .bars
                .iter()
                .flat_map(|b| [b.mean, b.lo, b.hi])
                .filter(|v| v.is_finite());
            let (lo, hi) = values.fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
            // No alternative moves this figure: a symmetric frame around the base line.
            let flat = hi - lo <= 0.0;
            let pad = if flat { 1.0 } else { (hi - lo) * 0.15 };
            let (y0, y1) = (
                if lo < 0.0 || flat {
                    lo - pad
                } else {
                    -pad * 0.2
                },
                if hi > 0.0 || flat {
                    hi + pad
                } else {
                    pad * 0.2
                },
            );
            // Bars are numbered; the legend under the panels names them (long labels would run
            // into each other on a narrow axis).
            let x_fmt = |x: &f64| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < panel.bars.len() {
                    format!("{}", i as usize + 1)
                } else {
                    String::new()
                }
            };
            let decimals = axis_decimals(y1 - y0);
            let y_fmt = |v: &f64| format!("{v:.decimals$}");
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.title, (FONT, 22))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(95)
                .build_cartesian_2d(-0.6..(n - 0.4), y0..y1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(RGBColor(235, 235, 235))
                .x_labels(panel.bars.len().max(1) * 2 + 1)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .y_desc("alternative − base")
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(-0.6, 0.0), (n - 0.4, 0.0)],
                    BLACK.stroke_width(2),
                )))
                .map_err(err)?;
            if flat {
                chart
                    .draw_series(std::iter::once(Text::new(
                        "the same as the base in every run",
                        (-0.5, 0.5),
                        (FONT, 17).into_font().color(&BLACK),
                    )))
                    .map_err(err)?;
            }
            for (i, b) in panel.bars.iter().enumerate() {
                if !b.mean.is_finite() {
                    continue;
                }
                let x = i as f64;
                let colour = PALETTE[i % PALETTE.len()];
                let fill = if b.excludes_zero {
                    colour.mix(0.85)
                } else {
                    colour.mix(0.3)
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.32, 0.0), (x + 0.32, b.mean)],
                        fill.filled(),
                    )))
                    .map_err(err)?;
                let whisker = BLACK.stroke_width(2);
                chart
                    .draw_series([
                        PathElement::new(vec![(x, b.lo), (x, b.hi)], whisker),
                        PathElement::new(vec![(x - 0.1, b.lo), (x + 0.1, b.lo)], whisker),
                        PathElement::new(vec![(x - 0.1, b.hi), (x + 0.1, b.hi)], whisker),
                    ])
                    .map_err(err)?;
            }
        }
        // The legend: each alternative's colour and full label, two to a row, then the key to
        // the shading.
        let legend_area = legend_area.margin(0, 0, 24, 0);
        for (i, label) in labels.iter().enumerate() {
            let (x, y) = (24 + (i % 2) as i32 * 720, 4 + (i / 2) as i32 * 30);
            legend_area
                .draw(&Rectangle::new(
                    [(x, y), (x + 24, y + 18)],
                    PALETTE[i % PALETTE.len()].mix(0.85).filled(),
                ))
                .map_err(err)?;
            legend_area
                .draw(&Text::new(
                    format!("{}  {}", i + 1, short(label, 60)),
                    (x + 34, y),
                    (FONT, 18).into_font().color(&BLACK),
                ))
                .map_err(err)?;
        }
        let _ = &legend_area;
        Ok(())
    })
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
            let at = |i: usize, q: f64| {
                let mut column: Vec<f64> = curves.iter().map(|c| c[i]).collect();
                column.sort_by(f64::total_cmp);
                let pos = ((q * column.len() as f64).ceil() as usize).clamp(1, column.len()) - 1;
                column[pos]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Width and height from a PNG's IHDR chunk.
    pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
        if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
            return None;
        }
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        Some((w, h))
    }

    /// A non-finite or enormous figure once sent plotters stepping through an endless axis
    /// (restore.png never finished), and an empty grid indexed past its end.
    #[test]
    fn charts_survive_non_finite_and_extreme_values() {
        let started = std::time::Instant::now();
        let odd = [f64::INFINITY, f64::NAN, 1e300, -1e300, 5e-324, f64::MAX];
        let restore: Vec<RestorePoint> = odd
            .iter()
            .enumerate()
            .map(|(i, &v)| RestorePoint {
                day: if i == 0 { v } else { i as f64 },
                base_hours: v,
                replay_hours: v,
            })
            .collect();
        assert!(restore_chart(&restore, "restore").is_ok());
        let flat = [RestorePoint {
            day: 1e15,
            base_hours: 1e15,
            replay_hours: 0.0,
        }; 3];
        assert!(restore_chart(&flat, "flat").is_ok());
        let storage: Vec<StoragePoint> = odd
            .iter()
            .map(|&v| StoragePoint {
                day: v,
                used_gb: v,
                allowance_gb: -v,
            })
            .collect();
        assert!(storage_chart(&storage, "storage").is_ok());
        let cdf: Vec<(f64, f64)> = odd.iter().map(|&v| (v, v)).collect();
        assert!(rpo_chart(&cdf, Some(&cdf), "rpo").is_ok());
        let bars: Vec<BillBar> = odd
            .iter()
            .map(|&v| BillBar {
                label: "2026-01".into(),
                free_value: v,
                cost: v,
                cost_lo: -v,
                cost_hi: v,
                partial: false,
            })
            .collect();
        assert!(bill_chart(&bars, "USD", "bill").is_ok());
        let empty = Grid {
            keys: Vec::new(),
            values: Vec::new(),
            cases: None,
        };
        let table = SweepTable {
            header: vec![
                "point".into(),
                "storage_mean_gb_mean".into(),
                "storage_mean_gb_ci95_lo".into(),
                "storage_mean_gb_ci95_hi".into(),
            ],
            rows: vec![vec!["0".into()]],
        };
        let spec = SweepChart {
            figure: crate::analysis::Figure::StorageMean,
            currency: "USD",
            key_names: &[],
            y_from_data: false,
        };
        assert!(sweep_chart(&table, &empty, &spec).is_err());
        let one = Grid {
            keys: vec!["a".into(), "b".into(), "c".into()],
            values: vec![vec!["1".into()], vec![], vec![]],
            cases: None,
        };
        assert!(sweep_chart(&table, &one, &spec).is_ok());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "took {:?}",
            started.elapsed()
        );
    }

    /// A sweep.csv table of one figure (storage_mean_gb) over `grid`'s points, each point's
    /// mean given and its CI ±1.
    fn one_figure_table(grid: &Grid, means: &[f64]) -> SweepTable {
        let mut header = vec!["point".to_string()];
        header.extend(grid.keys.iter().cloned());
        for s in ["mean", "ci95_lo", "ci95_hi"] {
            header.push(format!("storage_mean_gb_{s}"));
        }
        let rows = means
            .iter()
            .enumerate()
            .map(|(p, m)| {
                let mut row = vec![p.to_string()];
                for (k, v) in grid.indices(p).into_iter().enumerate() {
                    row.push(grid.values[k][v].clone());
                }
                let (lo, hi) = if *m == 0.0 {
                    (0.0, 0.0)
                } else {
                    (m - 1.0, m + 1.0)
                };
                row.extend([m, &lo, &hi].map(|v| v.to_string()));
                row
            })
            .collect();
        SweepTable { header, rows }
    }

    fn storage_spec() -> SweepChart<'static> {
        SweepChart {
            figure: Figure::StorageMean,
            currency: "USD",
            key_names: &[],
            y_from_data: false,
        }
    }

    /// The pixels of the first series' colour, (x, y), outside the legend's corner.
    fn first_series_pixels(png: &[u8]) -> Vec<(u32, u32)> {
        let picture = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .unwrap()
            .to_rgb8();
        let RGBColor(r, g, b) = PALETTE[0];
        picture
            .enumerate_pixels()
            .filter(|(x, y, p)| p.0 == [r, g, b] && !(*x < 400 && *y < 160))
            .map(|(x, y, _)| (x, y))
            .collect()
    }

    fn grid_of(keys: &[(&str, &[&str])]) -> Grid {
        Grid {
            keys: keys.iter().map(|(k, _)| k.to_string()).collect(),
            values: keys
                .iter()
                .map(|(_, v)| v.iter().map(|s| s.to_string()).collect())
                .collect(),
            cases: None,
        }
    }

    #[test]
    fn the_value_axis_covers_the_data_with_headroom_and_is_never_minus_one_to_one() {
        // All zero (a free allowance covering every point): from zero up, not −1..1.
        assert_eq!(value_axis([0.0, 0.0].into_iter(), true), (0.0, 1.0));
        assert_eq!(value_axis([0.0, 0.0].into_iter(), false), (0.0, 1.0));
        // One value: from zero with room above it; from the data, centred with room each side.
        let (lo, hi) = value_axis([108.5].into_iter(), true);
        assert_eq!(lo, 0.0);
        assert!(hi >= 108.5 * 1.05, "{hi}");
        let (lo, hi) = value_axis([108.5, 108.5].into_iter(), false);
        assert!(lo < 108.5 * 0.95 && hi > 108.5 * 1.05, "{lo}..{hi}");
        // Close values far from zero: the headroom is a share of the axis, not of their spread.
        let (lo, hi) = value_axis([100.0, 108.0].into_iter(), true);
        assert_eq!(lo, 0.0);
        assert!(hi >= 108.0 * 1.05, "{hi}");
        // Below zero (a CI's lower bound with few runs): covered, with room under it.
        let (lo, _) = value_axis([-2.0, 10.0].into_iter(), true);
        assert!(lo < -2.0, "{lo}");
        assert_eq!(value_axis(std::iter::empty(), true), (0.0, 1.0));
    }

    /// A figure of zero at every point once sat in the middle of a −1..1 axis; a single value
    /// sat at the top edge, its marker running into the frame.
    #[test]
    fn grid_sweep_charts_put_zeros_on_the_floor_and_keep_markers_off_the_top() {
        let grid = grid_of(&[("backup.retention_days", &["1", "2", "3"])]);
        let zeros =
            sweep_chart(&one_figure_table(&grid, &[0.0; 3]), &grid, &storage_spec()).unwrap();
        let pixels = first_series_pixels(&zeros);
        assert!(!pixels.is_empty());
        // The x-axis runs at about y = 706 (800 − margin − label area).
        assert!(
            pixels.iter().all(|&(_, y)| y > 680),
            "zeros drawn above the floor"
        );
        let grid = grid_of(&[("backup.retention_days", &["7"])]);
        let one = sweep_chart(&one_figure_table(&grid, &[108.5]), &grid, &storage_spec()).unwrap();
        let top = first_series_pixels(&one).iter().map(|p| p.1).min().unwrap();
        // The plot starts at about y = 58, under the title.
        assert!(top > 80, "the marker's top at y = {top}");
    }

    /// Listed cases are not a grid: every case is its own dot, whatever its values.
    #[test]
    fn a_cases_chart_draws_one_dot_per_case() {
        let mut grid = grid_of(&[
            ("server.vcores", &["2", "8", "32"]),
            ("server.db_size_gb", &["40", "250", "400"]),
            ("workload.binlog_gb_per_day", &["4", "30", "120"]),
        ]);
        grid.cases = Some(crate::sweep::Cases {
            file: "cases.csv".into(),
            rows: vec![vec![0, 0, 0], vec![1, 1, 1], vec![2, 2, 2]],
        });
        let png = sweep_chart(
            &one_figure_table(&grid, &[108.5, 629.0, 1866.0]),
            &grid,
            &storage_spec(),
        )
        .unwrap();
        let mut columns: Vec<u32> = first_series_pixels(&png).iter().map(|p| p.0).collect();
        columns.sort_unstable();
        columns.dedup();
        let dots = 1 + columns.windows(2).filter(|w| w[1] - w[0] > 20).count();
        assert_eq!(dots, 3);
    }

    #[test]
    fn case_labels_shorten_then_thin_out() {
        let points: Vec<CasePoint> = (1..=40)
            .map(|number| CasePoint {
                number,
                label: format!("{number}: 32, 400, 120, geo"),
                mean: None,
                lo: None,
                hi: None,
            })
            .collect();
        // Ten pixels a character, in this test.
        let width = |s: &str| s.chars().count() as i32 * 10;
        let wide = case_labels(&points[..3], 400, &width);
        assert_eq!(wide[0], "1: 32, 400, 120, geo");
        let narrow = case_labels(&points[..3], 120, &width);
        assert_eq!(narrow[2], "3: 32, 40…");
        let bare = case_labels(&points[..3], 60, &width);
        assert_eq!(bare, ["1", "2", "3"]);
        let thinned = case_labels(&points, 17, &width);
        assert_eq!(thinned.iter().filter(|l| !l.is_empty()).count(), 20);
        assert_eq!((thinned[0].as_str(), thinned[1].as_str()), ("1", ""));
    }

    #[test]
    fn charts_are_pngs_of_the_stated_size() {
        let points: Vec<StoragePoint> = (0..100)
            .map(|i| StoragePoint {
                day: i as f64 / 4.0,
                used_gb: 100.0 + i as f64,
                allowance_gb: 150.0,
            })
            .collect();
        let png = storage_chart(&points, "storage").unwrap();
        assert_eq!(png_size(&png), Some((WIDTH, HEIGHT)));
        let cdf = vec![(0.0, 0.0), (300.0, 1.0)];
        assert_eq!(
            png_size(&rpo_chart(&cdf, Some(&cdf), "rpo").unwrap()),
            Some((WIDTH, HEIGHT))
        );
    }
}
