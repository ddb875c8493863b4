//! PNG charts, drawn with plotters into memory and encoded here, so they are written aside and
//! renamed like every other output. The font is DejaVu Sans, embedded: no system libraries.

use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use crate::analysis::Figure;

mod compare;
mod fleet;
mod run;
mod sweep;

pub use compare::{compare_chart, CompareBar, ComparePanel};
pub use fleet::fleet_recovery_chart;
pub use run::{
    bill_chart, restore_chart, rpo_chart, storage_chart, BillBar, RestorePoint, StoragePoint,
};
pub use sweep::{sweep_chart, SweepChart};

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

/// The corner of the plot with the fewest of `points` under where its legend would sit (about
/// a third of the width, a quarter of the height), upper left on a tie: a legend in a fixed
/// corner hid a sweep's points when the curve ran through it.
pub(super) fn quiet_corner(
    points: &[(f64, f64)],
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> SeriesLabelPosition {
    let (w, h) = (x.end - x.start, y.end - y.start);
    let under = |left: bool, upper: bool| {
        points
            .iter()
            .filter(|&&(px, py)| {
                let across = if left { px - x.start } else { x.end - px };
                let down = if upper { y.end - py } else { py - y.start };
                across <= w * 0.35 && down <= h * 0.25
            })
            .count()
    };
    [
        (SeriesLabelPosition::UpperLeft, under(true, true)),
        (SeriesLabelPosition::UpperRight, under(false, true)),
        (SeriesLabelPosition::LowerRight, under(false, false)),
        (SeriesLabelPosition::LowerLeft, under(true, false)),
    ]
    .into_iter()
    .min_by_key(|&(_, n)| n)
    .map_or(SeriesLabelPosition::UpperLeft, |(corner, _)| corner)
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

/// A 95% CI's whisker at `x`, from `lo` to `hi`, capped `cap` either side.
pub(super) fn whisker(x: f64, lo: f64, hi: f64, cap: f64) -> [PathElement<(f64, f64)>; 3] {
    let style = BLACK.stroke_width(2);
    [
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
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

#[cfg(test)]
mod tests {
    use super::sweep::value_axis;
    use super::*;
    use crate::sweep::{Grid, SweepTable};

    /// The legend goes where the points are not: a flat line along the top leaves the lower
    /// right; points everywhere but the upper left leave that corner (the tie's choice too).
    #[test]
    fn the_legend_takes_the_corner_with_fewest_points() {
        let flat: Vec<(f64, f64)> = [7.0, 14.0, 35.0].iter().map(|&x| (x, 2.5)).collect();
        assert!(matches!(
            quiet_corner(&flat, 6.0..36.0, 0.0..2.7),
            SeriesLabelPosition::LowerRight
        ));
        let rising = [(1.0, 0.1), (5.0, 5.0), (10.0, 9.9)];
        assert!(matches!(
            quiet_corner(&rising, 0.0..10.0, 0.0..10.0),
            SeriesLabelPosition::UpperLeft
        ));
        let falling = [(0.5, 9.9), (9.5, 9.9), (9.5, 0.1)];
        assert!(matches!(
            quiet_corner(&falling, 0.0..10.0, 0.0..10.0),
            SeriesLabelPosition::LowerLeft
        ));
    }

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
        // No restore could be planned at all (a deleted server): a frame with its reason.
        assert!(restore_chart(&[], "none").is_ok());
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
            varied: Vec::new(),
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
            varied: Vec::new(),
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
            varied: Vec::new(),
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
            lines: Vec::new(),
            cells: Vec::new(),
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
