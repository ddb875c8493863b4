//! compare.png: each alternative's paired difference from the base, a panel per figure.

use super::*;

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
            let values = panel.bars.iter().flat_map(|b| [b.mean, b.lo, b.hi]);
            let (lo, hi) = drawn_bounds(values.chain([0.0])).expect("0 is finite");
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
                .build_cartesian_2d(-0.6..(n - 0.4), axis(y0..y1))
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
                chart
                    .draw_series(whisker(x, b.lo, b.hi, 0.1))
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
        Ok(())
    })
}
