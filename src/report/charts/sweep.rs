//! Sweep charts: a figure against a grid's keys, or case by case for listed cases.

use super::*;
use crate::sweep::{Grid, SweepTable};

/// The value axis of a sweep chart: every mean and CI bound inside it, from zero unless
/// `from_zero` is false. The headroom is a share of the whole axis, not of the data's spread:
/// points 100 to 108 on an axis from 0 once got 0.8 of headroom and their markers ran into the
/// frame. Values that are all equal get a range of their own rather than ±1 (a cost of 0 in
/// every point drew an axis from −1 to 1).
pub(super) fn value_axis(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
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

/// The labels (`label` of a row) of the points that do not reach their steady state, each
/// once, in row order.
fn values_still_filling(table: &SweepTable, label: impl Fn(&[String]) -> String) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for row in table.rows.iter().filter(|r| table.still_filling(r)) {
        let l = label(row);
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    labels
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
                // Numbered as sweep.csv's point column, so that a dot is found in the table.
                let number = cell(row, 0).parse::<usize>().map_or(i, |p| p);
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
        let filling = values_still_filling(table, |row| cell(row, 0).to_string());
        let filling = if filling.is_empty() {
            String::new()
        } else {
            format!(" (still filling: {})", short(&filling.join(", "), 40))
        };
        let words = CaseWords {
            title: format!("{} ({unit}) per case{filling}", chart_title(spec.figure)),
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
    // Values of the first key with no figure at any point (no restore could be planned at a
    // 100% failure rate): the axis still reaches them, and the title names them.
    let drawn_at: Vec<f64> = series.iter().flatten().map(|p| p.0).collect();
    let missing: Vec<&str> = x_values
        .iter()
        .enumerate()
        .filter(|(i, v)| !drawn_at.contains(&x_of(v, *i)))
        .map(|(_, v)| v.as_str())
        .collect();
    // Values of the first key whose backup set is still filling when the horizon ends: their
    // averages include the empty start, which the title says rather than leave a bend in the
    // curve unexplained.
    let filling = values_still_filling(table, |row| cell(row, 1).to_string());
    render(|root| {
        let (x0, x1) = span(
            x_values
                .iter()
                .enumerate()
                .map(|(i, v)| x_of(v, i))
                .chain(drawn_at.iter().copied()),
        );
        let pad = (x1 - x0) * 0.04;
        let (y0, y1) = value_axis(
            series.iter().flatten().flat_map(|p| [p.1, p.2, p.3]),
            !spec.y_from_data,
        );
        // One number of decimals for every tick: labelled one by one, 5 read "5.0" beside "10".
        let x_decimals = axis_decimals(x1 - x0 + 2.0 * pad);
        let x_fmt = |x: &f64| {
            if numeric_x {
                format!("{:.x_decimals$}", if x.abs() < 1e-12 { 0.0 } else { *x })
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
        let mut title = if held.is_empty() {
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
        if !missing.is_empty() {
            title.push_str(&format!(" (none at {})", short(&missing.join(", "), 40)));
        }
        if !filling.is_empty() {
            title.push_str(&format!(
                " (still filling at {})",
                short(&filling.join(", "), 40)
            ));
        }
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
        let drawn: Vec<(f64, f64)> = series
            .iter()
            .flatten()
            .flat_map(|p| [(p.0, p.1), (p.0, p.2), (p.0, p.3)])
            .collect();
        let corner = quiet_corner(&drawn, (x0 - pad)..(x1 + pad), y0..y1);
        legend(&mut chart, corner)
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
        // Caps about as wide as the dot, however few the cases and wide their slots.
        let cap = (12.0 / f64::from(slot.max(1))).min(0.12);
        for (i, p) in points.iter().enumerate() {
            let (Some(m), Some(lo), Some(hi)) = (p.mean, p.lo, p.hi) else {
                continue;
            };
            let x = i as f64;
            chart.draw_series(whisker(x, lo, hi, cap)).map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new((x, m), 7, colour.filled())))
                .map_err(err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
