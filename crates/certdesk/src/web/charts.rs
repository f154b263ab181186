//! Charts for the reports page, drawn on the server as SVG with `plotters` (its SVG backend
//! only: no font files are read; text is written as SVG `<text>` for the browser to
//! render, and plotters only estimates its width to lay out the axes).
//!
//! Each chart is an image with a name (`role="img"`, `aria-labelledby` its `<title>`); the
//! page puts the table with the same numbers right after it, which is its text
//! alternative. Labels are escaped by plotters; the title here.
//! Must not depend on `app` or `store`: charts take labels and numbers.

use plotters::{
    coord::ranged1d::{IntoSegmentedCoord, SegmentValue},
    prelude::*,
};

/// Width and height of every chart's drawing, in SVG units; the page scales it to fit.
const WIDTH: u32 = 720;
const HEIGHT: u32 = 340;

/// The series' colours: the page's accent blue and an orange that stays apart from it for
/// people who do not tell red from green.
const BLUE: RGBColor = RGBColor(0x0b, 0x5c, 0xad);
const ORANGE: RGBColor = RGBColor(0xc2, 0x55, 0x00);
const INK: RGBColor = RGBColor(0x1b, 0x1f, 0x24);
const GRID: RGBColor = RGBColor(0xdd, 0xe3, 0xea);

/// A named series of values, one per label.
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A chart ready for the page: its SVG (inline) and its name.
pub struct Chart {
    pub svg: String,
}

/// The largest value rounded up to a "nice" axis end (1, 2, 2.5 or 5 times a power of ten),
/// at least 1.
fn axis_end(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.fold(0.0f64, f64::max);
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|end| *end >= max)
        .unwrap_or(max)
}

/// How many labels a value axis ending at `end` gets: one per unit when counts are few,
/// so that an axis of counts never shows 0.2 or 0.5.
fn value_labels(end: f64) -> usize {
    if end <= 5.0 && (end - end.round()).abs() < 1e-9 {
        (end as usize) + 1
    } else {
        6
    }
}

/// A number for an axis: no decimals for whole numbers.
fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Makes plotters' SVG an accessible, scalable image: named by a `<title>` (`id`), and sized
/// by the page (its `viewBox` keeps the proportions).
fn finish(svg: String, id: &str, title: &str) -> Chart {
    let head_end = svg.find('>').map(|i| i + 1).unwrap_or(0);
    let head = &svg[..head_end];
    let viewbox = head
        .split("viewBox=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("0 0 720 340");
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{viewbox}\" class=\"grafico\" role=\"img\" aria-labelledby=\"{id}\" focusable=\"false\">\n<title id=\"{id}\">{}</title>\n{}",
        escape(title),
        &svg[head_end..]
    );
    Chart { svg }
}

/// Draws with `draw` on an SVG drawing area; `None` if plotters fails (it does not on a
/// string backend, but the page then shows the table alone).
fn draw_svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Option<()>,
) -> Option<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        draw(&root)?;
        root.present().ok()?;
    }
    Some(svg)
}

/// A chart over `n` labelled columns (weeks, batches) and values from 0 to `end`.
type ColumnChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordi32>,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// The axes and grid of a column chart: one segment per label, values 0..`end` in `unit`.
fn week_axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    n: i32,
    labels: &[String],
    end: f64,
    unit: &str,
) -> Option<ColumnChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((0..last_segment(n)).into_segmented(), 0f64..end)
        .ok()?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_style(INK)
        .y_desc(unit)
        .y_labels(value_labels(end))
        .y_label_formatter(&|v| tick(*v))
        .x_labels(labels.len().min(8))
        .x_label_formatter(&|v| segment_label(v, labels))
        .label_style(("sans-serif", 15).into_font().color(&INK))
        .draw()
        .ok()?;
    Some(chart)
}

/// Horizontal bars, one per label, top to bottom in the order given.
pub fn bars(id: &str, title: &str, labels: &[String], values: &[f64], unit: &str) -> Option<Chart> {
    if labels.is_empty() {
        return None;
    }
    let n = i32::try_from(labels.len()).ok()?;
    let end = axis_end(values.iter().copied());
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_area = u32::try_from(longest).unwrap_or(40).clamp(6, 40) * 8 + 12;
    let svg = draw_svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0f64..end, (0..last_segment(n)).into_segmented())
            .ok()?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(INK)
            .x_desc(unit)
            .x_labels(value_labels(end))
            .x_label_formatter(&|v| tick(*v))
            .y_labels(labels.len())
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => usize::try_from(n - 1 - *i)
                    .ok()
                    .and_then(|i| labels.get(i))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 15).into_font().color(&INK))
            .draw()
            .ok()?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let row = n - 1 - i32::try_from(i).unwrap_or(0);
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (*v, SegmentValue::Exact(row + 1)),
                    ],
                    BLUE.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .ok()?;
        Some(())
    })?;
    Some(finish(svg, id, title))
}

/// Vertical columns, one per label (weeks), left to right.
pub fn columns(
    id: &str,
    title: &str,
    labels: &[String],
    values: &[f64],
    unit: &str,
) -> Option<Chart> {
    if labels.is_empty() {
        return None;
    }
    let n = i32::try_from(labels.len()).ok()?;
    let end = axis_end(values.iter().copied());
    let svg = draw_svg(|root| {
        let mut chart = week_axes(root, n, labels, end, unit)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let col = i32::try_from(i).unwrap_or(0);
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(col), 0.0),
                        (SegmentValue::Exact(col + 1), *v),
                    ],
                    BLUE.filled(),
                );
                bar.set_margin(0, 0, 2, 2);
                bar
            }))
            .ok()?;
        Some(())
    })?;
    Some(finish(svg, id, title))
}

/// The last segment of a category axis of `n` categories: plotters' integer ranges include
/// their end, so `0..n - 1` has `n` segments; a range of one point cannot be drawn, so one
/// category gets an empty second segment.
fn last_segment(n: i32) -> i32 {
    (n - 1).max(1)
}

fn segment_label(v: &SegmentValue<i32>, labels: &[String]) -> String {
    match v {
        SegmentValue::CenterOf(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| labels.get(i))
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Lines, one per series (at most two: solid blue, dashed orange), over the labels (weeks),
/// with a legend.
pub fn lines(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    unit: &str,
) -> Option<Chart> {
    if labels.is_empty() || series.is_empty() {
        return None;
    }
    let n = i32::try_from(labels.len()).ok()?;
    // A tenth of headroom: a point on the axis's top edge reads as cut off.
    let end = axis_end(series.iter().flat_map(|s| s.values.iter().map(|v| v * 1.1)));
    let svg = draw_svg(|root| {
        let mut chart = week_axes(root, n, labels, end, unit)?;
        for (k, s) in series.iter().take(2).enumerate() {
            let colour = if k == 0 { BLUE } else { ORANGE };
            let points: Vec<(SegmentValue<i32>, f64)> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (SegmentValue::CenterOf(i32::try_from(i).unwrap_or(0)), *v))
                .collect();
            let style = colour.stroke_width(3);
            let drawn = if k == 0 {
                chart.draw_series(LineSeries::new(points.clone(), style))
            } else {
                chart.draw_series(DashedLineSeries::new(points.clone(), 10, 6, style))
            };
            drawn
                .ok()?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, colour.filled())),
                )
                .ok()?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(("sans-serif", 15).into_font().color(&INK))
            .draw()
            .ok()?;
        Some(())
    })?;
    Some(finish(svg, id, title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_are_round_numbers_above_the_largest_value() {
        assert_eq!(axis_end([0.0].into_iter()), 1.0);
        assert_eq!(axis_end([3.0, 7.0].into_iter()), 10.0);
        assert_eq!(axis_end([12.0].into_iter()), 20.0);
        assert_eq!(axis_end([0.3].into_iter()), 0.5);
        assert_eq!(axis_end([230.0].into_iter()), 250.0);
    }

    #[test]
    fn a_chart_is_a_named_image_with_its_labels_escaped() {
        let chart = bars(
            "g1",
            "Motivos <y> más",
            &["Foto con lentes".into(), "<script>".into()],
            &[3.0, 1.0],
            "observaciones",
        )
        .unwrap();
        assert!(chart
            .svg
            .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 720 340\""));
        assert!(chart.svg.contains("role=\"img\" aria-labelledby=\"g1\""));
        assert!(chart
            .svg
            .contains("<title id=\"g1\">Motivos &lt;y&gt; más</title>"));
        assert!(chart.svg.contains("Foto con lentes"));
        assert!(!chart.svg.contains("<script>"));
        assert!(chart.svg.contains("&lt;script&gt;"));
        assert!(bars("g2", "Nada", &[], &[], "").is_none());
    }
}
