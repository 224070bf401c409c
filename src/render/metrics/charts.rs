//! Charts drawn at build time with plotters' SVG backend.
//!
//! plotters is built without any font feature, so text is laid out with its naive width
//! estimate and written as SVG `<text>` in the generic `sans-serif` family for the reader's
//! browser to draw: the build needs no system fonts and no font libraries. The same input
//! gives the same bytes.
//!
//! Every chart has a title, labelled axes, a legend when it has more than one series, and a
//! palette that survives greyscale print and colour-blind readers: severities and states in
//! the colours of their badges on the page, other series in Okabe-Ito colours, and each
//! series with its own hatching as well as its own colour, categories named on the
//! axis, and values written on the bars where they fit. An empty chart says "No data".

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::load::markdown::escape_html;
use crate::model::text;
use crate::render::units::fixed;

/// Okabe-Ito colours, chosen to be told apart with every common colour-vision deficiency.
pub mod palette {
    use plotters::style::RGBColor;

    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
}

/// The colours of the site's badges, as style.css sets them for the light scheme (`--bad`,
/// `--warn`, ...), so a severity or a state in a chart has the colour of its badge on the
/// page. The charts keep a white ground in the dark scheme too, so the light colours hold.
/// A test reads style.css to keep the two the same.
pub mod badge {
    use plotters::style::RGBColor;

    pub const BAD: RGBColor = RGBColor(0xB3, 0x26, 0x1E);
    pub const WARN: RGBColor = RGBColor(0x9A, 0x61, 0x00);
    pub const INFO: RGBColor = RGBColor(0x3B, 0x5B, 0xDB);
    pub const NEUTRAL: RGBColor = RGBColor(0x59, 0x62, 0x73);
    pub const OK: RGBColor = RGBColor(0x1B, 0x7F, 0x3B);
    pub const PENDING: RGBColor = RGBColor(0x67, 0x41, 0xD9);
    pub const DENIED: RGBColor = RGBColor(0xA6, 0x1E, 0x6E);
}

const WIDTH: u32 = 720;
const INK: RGBColor = RGBColor(0x1D, 0x23, 0x30);
const MUTED: RGBColor = RGBColor(0x4A, 0x52, 0x60);
const GRID: RGBColor = RGBColor(0xE1, 0xE4, 0xEA);
const FRAME: RGBColor = RGBColor(0xC4, 0xC9, 0xD2);

/// The narrowest stacked column, in pixels, that gets a white edge around each segment.
const MIN_OUTLINED: f64 = 6.0;

const TITLE_PX: f64 = 16.0;
const TEXT_PX: f64 = 12.0;
const SMALL_PX: f64 = 11.0;

/// Lines drawn over a fill so series stay apart without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hatch {
    Solid,
    /// `/` lines.
    Forward,
    /// `\` lines.
    Back,
    Horizontal,
    Cross,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fill {
    pub color: RGBColor,
    pub hatch: Hatch,
}

impl Fill {
    pub const fn new(color: RGBColor, hatch: Hatch) -> Fill {
        Fill { color, hatch }
    }

    pub const fn solid(color: RGBColor) -> Fill {
        Fill::new(color, Hatch::Solid)
    }
}

/// One series of a column chart: a value per category, `None` when there is none.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub fill: Fill,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Series on top of each other, the first at the bottom; the total written above.
    Stacked,
    /// Series side by side within each category.
    Grouped,
}

/// Vertical columns over categories (months, buckets, severities).
#[derive(Debug, Clone)]
pub struct ColumnChart {
    pub title: String,
    pub subtitle: Option<String>,
    pub x_label: String,
    pub y_label: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub layout: Layout,
    /// Decimals of the values written on the bars, as the table beside the chart writes
    /// them; 0 for counts, which also get whole-number ticks.
    pub decimals: usize,
    /// Write zero values on the bars too (for few categories); otherwise zeros stay blank.
    pub label_zeros: bool,
    /// Draw "No data" instead of the chart.
    pub no_data: bool,
}

/// One bar of a bar chart.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub fill: Fill,
}

/// Horizontal bars, one per named category, the first at the top.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub subtitle: Option<String>,
    /// The value axis, along the bottom.
    pub x_label: String,
    /// The category axis, along the left.
    pub y_label: String,
    pub bars: Vec<Bar>,
    /// As for [`ColumnChart::decimals`].
    pub decimals: usize,
    pub no_data: bool,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// A font of `px` SVG pixels: plotters writes the size divided by 1.24.
fn font(px: f64, color: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", px * 1.24).into_font()).color(color)
}

fn bold(px: f64, color: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", px * 1.24).into_font().style(FontStyle::Bold)).color(color)
}

fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// A generous estimate of the width of `text` at `px`, for layout: wide enough for the
/// common sans-serif fonts, so labels that are written never overlap.
pub fn text_width(text: &str, px: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' | ' ' => 0.32,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '-' => 0.42,
            'm' | 'w' | 'M' | 'W' => 0.9,
            c if c.is_ascii_uppercase() => 0.7,
            c if c.is_ascii_digit() => 0.58,
            _ => 0.58,
        })
        .sum::<f64>()
        * px
}

/// A number on an axis: at most 2 decimals, no trailing zeros. The values on the bars are
/// written as the table beside the chart writes them ([`fixed`] to the chart's decimals);
/// a label that does not fit its bar is left out rather than shortened, so a chart never
/// shows a number its table does not.
pub fn format_number(v: f64) -> String {
    let s = format!("{:.2}", crate::derive::metrics::round2(v));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn hatch_color(fill: RGBColor) -> RGBAColor {
    let RGBColor(r, g, b) = fill;
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luma > 150.0 {
        RGBAColor(0, 0, 0, 0.55)
    } else {
        RGBAColor(255, 255, 255, 0.8)
    }
}

/// Fills the pixel rectangle with the colour, then draws its hatching clipped to it.
fn fill_rect(area: &Area, (x0, y0): (i32, i32), (x1, y1): (i32, i32), fill: Fill) -> DrawResult {
    let (x0, x1) = (x0.min(x1), x0.max(x1));
    let (y0, y1) = (y0.min(y1), y0.max(y1));
    if x1 <= x0 || y1 <= y0 {
        return Ok(());
    }
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.color.filled()))?;
    let line = ShapeStyle {
        color: hatch_color(fill.color),
        filled: false,
        stroke_width: 1,
    };
    const STEP: i32 = 6;
    let mut lines: Vec<[(i32, i32); 2]> = Vec::new();
    let forward = |lines: &mut Vec<[(i32, i32); 2]>| {
        // x + y = k, k on a grid shared by every bar so neighbours line up.
        let mut k = (x0 + y0).div_euclid(STEP) * STEP + STEP;
        while k < x1 + y1 {
            let lo = x0.max(k - y1);
            let hi = x1.min(k - y0);
            if lo < hi {
                lines.push([(lo, k - lo), (hi, k - hi)]);
            }
            k += STEP;
        }
    };
    let back = |lines: &mut Vec<[(i32, i32); 2]>| {
        // x - y = k.
        let mut k = (x0 - y1).div_euclid(STEP) * STEP + STEP;
        while k < x1 - y0 {
            let lo = x0.max(k + y0);
            let hi = x1.min(k + y1);
            if lo < hi {
                lines.push([(lo, lo - k), (hi, hi - k)]);
            }
            k += STEP;
        }
    };
    match fill.hatch {
        Hatch::Solid => {}
        Hatch::Forward => forward(&mut lines),
        Hatch::Back => back(&mut lines),
        Hatch::Cross => {
            forward(&mut lines);
            back(&mut lines);
        }
        Hatch::Horizontal => {
            let mut y = y0.div_euclid(STEP - 1) * (STEP - 1) + (STEP - 1);
            while y < y1 {
                lines.push([(x0, y), (x1, y)]);
                y += STEP - 1;
            }
        }
    }
    for [a, b] in lines {
        area.draw(&PathElement::new(vec![a, b], line))?;
    }
    Ok(())
}

/// The title and subtitle; returns the y below them.
fn draw_heading(root: &Area, title: &str, subtitle: Option<&str>) -> DrawResult {
    root.draw_text(
        title,
        &anchored(bold(TITLE_PX, &INK), HPos::Left, VPos::Top),
        (16, 12),
    )?;
    if let Some(sub) = subtitle {
        root.draw_text(
            sub,
            &anchored(font(TEXT_PX, &MUTED), HPos::Left, VPos::Top),
            (16, 36),
        )?;
    }
    Ok(())
}

fn heading_height(subtitle: bool) -> i32 {
    if subtitle { 58 } else { 40 }
}

/// A row of swatches and names, wrapping onto a new row when it runs out of width.
/// Returns the height it takes.
fn draw_legend(
    root: &Area,
    top: i32,
    items: &[(&str, Fill)],
    draw: bool,
) -> Result<i32, Box<dyn std::error::Error>> {
    let mut x = 16;
    let mut y = top;
    for (name, fill) in items {
        let w = 14 + 6 + text_width(name, TEXT_PX).ceil() as i32 + 18;
        if x > 16 && x + w > WIDTH as i32 - 16 {
            x = 16;
            y += 22;
        }
        if draw {
            fill_rect(root, (x, y + 1), (x + 14, y + 15), *fill)?;
            root.draw(&Rectangle::new(
                [(x, y + 1), (x + 14, y + 15)],
                INK.stroke_width(1),
            ))?;
            root.draw_text(
                name,
                &anchored(font(TEXT_PX, &INK), HPos::Left, VPos::Center),
                (x + 20, y + 8),
            )?;
        }
        x += w;
    }
    Ok(y - top + 24)
}

/// Draws "No data" in a frame where the chart would be.
fn draw_no_data(root: &Area, top: i32, height: i32) -> DrawResult {
    let (x0, y0, x1, y1) = (16, top + 8, WIDTH as i32 - 16, height - 16);
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], FRAME.stroke_width(1)))?;
    root.draw_text(
        "No data",
        &anchored(bold(TITLE_PX, &MUTED), HPos::Center, VPos::Center),
        ((x0 + x1) / 2, (y0 + y1) / 2 - 8),
    )?;
    root.draw_text(
        "Nothing is recorded for this chart yet.",
        &anchored(font(TEXT_PX, &MUTED), HPos::Center, VPos::Center),
        ((x0 + x1) / 2, (y0 + y1) / 2 + 14),
    )?;
    Ok(())
}

/// Runs `draw` on a white canvas and returns the SVG document, labelled for screen readers.
fn render(title: &str, height: u32, draw: impl FnOnce(&Area) -> DrawResult) -> String {
    let mut buf = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Into::into))
    };
    if let Err(e) = result {
        buf = format!(
            "<svg width=\"{WIDTH}\" height=\"60\" viewBox=\"0 0 {WIDTH} 60\" xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"16\" y=\"30\" font-family=\"sans-serif\" font-size=\"12\">{}</text>\n</svg>\n",
            escape_html(&format!("{title}: the chart could not be drawn ({e})"))
        );
    }
    label_svg(&buf, title)
}

/// Names the chart for assistive technology: `role="img"`, an `aria-label` and a `<title>`.
fn label_svg(svg: &str, title: &str) -> String {
    let title = escape_html(title);
    let Some(rest) = svg.strip_prefix("<svg ") else {
        return svg.to_string();
    };
    let Some(end) = rest.find(">\n") else {
        return svg.to_string();
    };
    format!(
        "<svg role=\"img\" aria-label=\"{title}\" {}>\n<title>{title}</title>\n{}",
        &rest[..end],
        &rest[end + 2..]
    )
}

/// How many y ticks to ask for, so count axes only get whole numbers.
fn y_ticks(max: f64, integer: bool) -> usize {
    if integer {
        (max.floor() as usize + 1).clamp(2, 6)
    } else {
        6
    }
}

fn tick_label(v: f64, integer: bool) -> String {
    if integer && (v - v.round()).abs() > 1e-9 {
        String::new()
    } else {
        format_number(v)
    }
}

/// Draws text with a white backing, so it reads over hatching.
fn boxed_text(root: &Area, text: &str, (x, y): (i32, i32)) -> DrawResult {
    let w = text_width(text, SMALL_PX).ceil() as i32 + 6;
    root.draw(&Rectangle::new(
        [(x - w / 2, y - 8), (x + w - w / 2, y + 8)],
        RGBAColor(255, 255, 255, 0.9).filled(),
    ))?;
    root.draw_text(
        text,
        &anchored(font(SMALL_PX, &INK), HPos::Center, VPos::Center),
        (x, y),
    )?;
    Ok(())
}

/// The heights a column chart draws: every value side by side, or each column's total
/// when stacked.
fn heights(chart: &ColumnChart) -> Vec<f64> {
    let value = |s: &Series, i: usize| s.values.get(i).copied().flatten();
    match chart.layout {
        Layout::Stacked => (0..chart.categories.len())
            .map(|i| chart.series.iter().filter_map(|s| value(s, i)).sum::<f64>())
            .collect(),
        Layout::Grouped => chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .collect(),
    }
}

/// Where the value axis stops when a few columns dwarf the rest, so one long case does not
/// flatten every other column: a little above the tallest column within four times the
/// upper quartile, when some column is taller than that. Those columns are drawn broken at
/// the top of the axis, with their value written above them.
fn axis_cut(heights: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = heights.iter().copied().filter(|h| *h > 0.0).collect();
    if v.len() < 4 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let limit = 4.0 * v[(v.len() * 3).div_ceil(4) - 1];
    let below = v
        .iter()
        .copied()
        .filter(|h| *h <= limit)
        .fold(0.0, f64::max);
    let top = two_digits_up(below * 1.3);
    (below > 0.0 && v[v.len() - 1] > top).then_some(top)
}

/// `x` rounded up to two significant digits: 48.72 to 49, 1.234 to 1.3.
fn two_digits_up(x: f64) -> f64 {
    let step = 10f64.powf(x.log10().floor() - 1.0);
    (x / step).ceil() * step
}

/// Draws a column chart and returns the SVG.
pub fn columns(chart: &ColumnChart) -> String {
    const HEIGHT: u32 = 380;
    let no_data = chart.no_data
        || chart.categories.is_empty()
        || chart
            .series
            .iter()
            .all(|s| s.values.iter().all(|v| v.is_none()));
    let heights = heights(chart);
    let cut = axis_cut(&heights);
    render(&chart.title, HEIGHT, |root| {
        draw_heading(root, &chart.title, chart.subtitle.as_deref())?;
        let mut top = heading_height(chart.subtitle.is_some());
        if no_data {
            return draw_no_data(root, top, HEIGHT as i32);
        }
        if chart.series.len() > 1 {
            let items: Vec<(&str, Fill)> = chart
                .series
                .iter()
                .map(|s| (s.name.as_str(), s.fill))
                .collect();
            top += draw_legend(root, top, &items, true)?;
        }
        if let Some(cut) = cut {
            let taller = heights.iter().filter(|h| **h > cut).count();
            let note = format!(
                "The axis stops at {}: {taller} taller column{} {} drawn broken, with {} value above.",
                format_number(cut),
                if taller == 1 { "" } else { "s" },
                if taller == 1 { "is" } else { "are" },
                if taller == 1 { "its" } else { "their" },
            );
            root.draw_text(
                &note,
                &anchored(font(TEXT_PX, &INK), HPos::Left, VPos::Top),
                (16, top),
            )?;
            top += 20;
        }
        draw_columns(root, top, chart, &heights, cut)
    })
}

/// Two white strokes across a column below its top: the column goes on past the axis.
fn draw_break(root: &Area, (x0, x1): (i32, i32), y: i32) -> DrawResult {
    for dy in [0, 6] {
        root.draw(&PathElement::new(
            vec![(x0 - 2, y + dy + 3), (x1 + 2, y + dy - 3)],
            WHITE.stroke_width(3),
        ))?;
    }
    Ok(())
}

fn draw_columns(
    root: &Area,
    top: i32,
    chart: &ColumnChart,
    heights: &[f64],
    cut: Option<f64>,
) -> DrawResult {
    let n = chart.categories.len();
    let value = |s: &Series, i: usize| s.values.get(i).copied().flatten();
    let tallest = heights.iter().copied().fold(0.0, f64::max);
    let y_max = cut.unwrap_or(if tallest <= 0.0 { 1.15 } else { tallest * 1.15 });
    let max = y_max / 1.15;
    let integer = chart.decimals == 0;
    let label = |v: f64| fixed(v, chart.decimals);
    let y_formatter = move |v: &f64| tick_label(*v, integer);
    let y_label_width = (0..=6)
        .map(|i| text_width(&format_number(max * f64::from(i) / 5.0), TEXT_PX))
        .fold(0.0, f64::max)
        .ceil() as i32
        + 38;

    let (_, body) = root.split_vertically(top);
    let mut builder = ChartBuilder::on(&body);
    builder
        .margin_left(8)
        .margin_right(24)
        .margin_top(8)
        .margin_bottom(6)
        .x_label_area_size(50)
        .y_label_area_size(y_label_width);
    let mut ctx = builder.build_cartesian_2d(0f64..n as f64, 0f64..y_max)?;
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(y_ticks(max, integer))
        .y_max_light_lines(0)
        .y_label_formatter(&y_formatter)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(MUTED.stroke_width(1))
        .label_style(font(TEXT_PX, &INK))
        .axis_desc_style(font(TEXT_PX, &MUTED))
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .draw()?;

    let (px, py) = ctx.plotting_area().get_pixel_range();
    let plot_w = f64::from(px.end - px.start);
    let slot = plot_w / n as f64;
    let at = |x: f64, y: f64| ctx.backend_coord(&(x, y));
    let baseline = py.end - 1;
    // A column past the cut ends at the top of the axis.
    let ceiling = if cut.is_some() { y_max } else { f64::INFINITY };
    let clip = |v: f64| v.min(ceiling);

    // Category labels, thinned out when they would overlap.
    let widest = chart
        .categories
        .iter()
        .map(|c| text_width(c, TEXT_PX))
        .fold(0.0, f64::max);
    let every = ((widest + 10.0) / slot).ceil().max(1.0) as usize;
    for (i, c) in chart.categories.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        let (x, _) = at(i as f64 + 0.5, 0.0);
        root.draw_text(
            c,
            &anchored(font(TEXT_PX, &INK), HPos::Center, VPos::Top),
            (x, baseline + 7),
        )?;
        root.draw(&PathElement::new(
            vec![(x, baseline + 1), (x, baseline + 4)],
            MUTED.stroke_width(1),
        ))?;
    }

    let fits_above = |text: &str, width: f64| text_width(text, SMALL_PX) <= width;
    match chart.layout {
        Layout::Stacked => {
            let bar = (slot * 0.64).min(64.0);
            for i in 0..n {
                let mut sum = 0.0;
                let x_left = i as f64 + 0.5 - bar / slot / 2.0;
                let x_right = i as f64 + 0.5 + bar / slot / 2.0;
                let mut labels = Vec::new();
                for s in &chart.series {
                    let Some(v) = value(s, i) else { continue };
                    if v <= 0.0 {
                        continue;
                    }
                    let a = at(x_left, clip(sum));
                    let b = at(x_right, clip(sum + v));
                    fill_rect(root, (a.0, b.1), (b.0, a.1), s.fill)?;
                    // A white edge parts the segments; on a column a few pixels wide it
                    // would cover the colour instead.
                    if bar >= MIN_OUTLINED && a.1 > b.1 {
                        root.draw(&Rectangle::new(
                            [(a.0, b.1), (b.0, a.1)],
                            WHITE.stroke_width(1),
                        ))?;
                    }
                    let text = label(v);
                    if sum + v <= ceiling
                        && f64::from(a.1 - b.1) >= 18.0
                        && text_width(&text, SMALL_PX) + 8.0 <= bar
                    {
                        labels.push((text, ((a.0 + b.0) / 2, (a.1 + b.1) / 2)));
                    }
                    sum += v;
                }
                // One segment's value is the total written above it.
                if labels.len() > 1 {
                    for (text, pos) in labels {
                        boxed_text(root, &text, pos)?;
                    }
                }
                let (x0, _) = at(x_left, 0.0);
                let (x1, y) = at(x_right, clip(sum));
                if sum > ceiling {
                    draw_break(root, (x0, x1), y + 14)?;
                }
                let text = label(sum);
                if (sum > 0.0 || chart.label_zeros) && fits_above(&text, slot - 4.0) {
                    root.draw_text(
                        &text,
                        &anchored(bold(SMALL_PX, &INK), HPos::Center, VPos::Bottom),
                        ((x0 + x1) / 2, y - 3),
                    )?;
                }
            }
        }
        Layout::Grouped => {
            let k = chart.series.len().max(1) as f64;
            let group = (slot * 0.8).min(56.0 * k);
            let bar = group / k;
            for i in 0..n {
                let start = i as f64 + 0.5 - group / slot / 2.0;
                let mut any = false;
                for (j, s) in chart.series.iter().enumerate() {
                    let Some(v) = value(s, i) else { continue };
                    any = true;
                    let x0 = start + bar * j as f64 / slot;
                    let x1 = start + bar * (j as f64 + 1.0) / slot;
                    let a = at(x0, 0.0);
                    let b = at(x1, clip(v));
                    fill_rect(root, (a.0 + 1, b.1), (b.0 - 1, a.1), s.fill)?;
                    if v > ceiling {
                        draw_break(root, (a.0 + 1, b.0 - 1), b.1 + 14)?;
                    }
                    let text = label(v);
                    let room = if k > 1.0 { bar - 4.0 } else { slot - 4.0 };
                    // A broken column's value is written even when wider than it: it is
                    // the one number the axis cannot give.
                    if (v > 0.0 || chart.label_zeros) && (v > ceiling || fits_above(&text, room)) {
                        root.draw_text(
                            &text,
                            &anchored(bold(SMALL_PX, &INK), HPos::Center, VPos::Bottom),
                            ((a.0 + b.0) / 2, b.1 - 3),
                        )?;
                    }
                }
                if !any && chart.label_zeros {
                    let (x, y) = at(i as f64 + 0.5, 0.0);
                    root.draw_text(
                        "none",
                        &anchored(font(SMALL_PX, &MUTED), HPos::Center, VPos::Bottom),
                        (x, y - 3),
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Draws a horizontal bar chart and returns the SVG.
pub fn bars(chart: &BarChart) -> String {
    const ROW: i32 = 34;
    let n = chart.bars.len();
    let top = heading_height(chart.subtitle.is_some());
    let no_data = chart.no_data || n == 0;
    let height = if no_data {
        top + 150
    } else {
        top + 18 + ROW * n as i32 + 56
    };
    render(&chart.title, height as u32, |root| {
        draw_heading(root, &chart.title, chart.subtitle.as_deref())?;
        if no_data {
            return draw_no_data(root, top, height);
        }
        draw_bars(root, top, chart)
    })
}

/// `label` in at most `max` characters, a cut marked with an ellipsis. It closes the
/// bidirectional formatting it leaves open ([`text::bidi_closers`]), which would
/// otherwise reorder the ellipsis.
fn truncate(label: &str, max: usize) -> String {
    let cut = label.chars().count() > max;
    let kept: String = if cut {
        label.chars().take(max - 1).collect()
    } else {
        label.to_string()
    };
    let kept = text::bidi_closed(&kept);
    format!("{kept}{}", if cut { "…" } else { "" })
}

fn draw_bars(root: &Area, top: i32, chart: &BarChart) -> DrawResult {
    let n = chart.bars.len();
    let labels: Vec<String> = chart.bars.iter().map(|b| truncate(&b.label, 30)).collect();
    let label_width = labels
        .iter()
        .map(|l| text_width(l, TEXT_PX))
        .fold(0.0, f64::max)
        .ceil() as i32;
    let left = label_width + 44;
    let max = chart.bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let max = if max <= 0.0 { 1.0 } else { max };
    // Leave room right of the longest bar for its value.
    let plot_w = f64::from(WIDTH as i32 - left - 8 - 28);
    let value_w = chart
        .bars
        .iter()
        .map(|b| text_width(&fixed(b.value, chart.decimals), SMALL_PX))
        .fold(0.0, f64::max)
        + 10.0;
    let x_max = max * plot_w / (plot_w - value_w).max(plot_w * 0.5);
    let integer = chart.decimals == 0;
    let x_formatter = move |v: &f64| tick_label(*v, integer);

    let (_, body) = root.split_vertically(top);
    let mut builder = ChartBuilder::on(&body);
    builder
        .margin_left(8)
        .margin_right(28)
        .margin_top(10)
        .margin_bottom(6)
        .x_label_area_size(48)
        .y_label_area_size(left);
    let mut ctx = builder.build_cartesian_2d(0f64..x_max, 0f64..n as f64)?;
    ctx.configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(y_ticks(max, integer).max(2))
        .x_max_light_lines(0)
        .x_label_formatter(&x_formatter)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(MUTED.stroke_width(1))
        .label_style(font(TEXT_PX, &INK))
        .axis_desc_style(font(TEXT_PX, &MUTED))
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .draw()?;

    let (px, _) = ctx.plotting_area().get_pixel_range();
    for (i, (bar, label)) in chart.bars.iter().zip(&labels).enumerate() {
        // The first bar at the top.
        let row = (n - 1 - i) as f64;
        let a = ctx.backend_coord(&(0.0, row + 0.2));
        let b = ctx.backend_coord(&(bar.value.max(0.0), row + 0.8));
        fill_rect(root, (a.0, b.1), (b.0.max(a.0), a.1), bar.fill)?;
        let mid = (a.1 + b.1) / 2;
        root.draw_text(
            label,
            &anchored(font(TEXT_PX, &INK), HPos::Right, VPos::Center),
            (px.start - 8, mid),
        )?;
        root.draw_text(
            &fixed(bar.value, chart.decimals),
            &anchored(bold(SMALL_PX, &INK), HPos::Left, VPos::Center),
            (b.0.max(a.0) + 5, mid),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column_chart(values: Vec<Option<f64>>) -> ColumnChart {
        ColumnChart {
            title: "Incidents per month".into(),
            subtitle: None,
            x_label: "Month".into(),
            y_label: "Incidents".into(),
            categories: (1..=values.len()).map(|m| format!("2026-{m:02}")).collect(),
            series: vec![
                Series {
                    name: "sev1".into(),
                    fill: Fill::solid(badge::BAD),
                    values: values.clone(),
                },
                Series {
                    name: "sev2".into(),
                    fill: Fill::new(palette::ORANGE, Hatch::Forward),
                    values,
                },
            ],
            layout: Layout::Stacked,
            decimals: 0,
            label_zeros: false,
            no_data: false,
        }
    }

    #[test]
    fn a_cut_label_closes_its_bidirectional_formatting_before_the_ellipsis() {
        assert_eq!(truncate("ab\u{202e}cdef", 4), "ab\u{202e}\u{202c}…");
        assert_eq!(truncate("ab\u{2067}c", 4), "ab\u{2067}c\u{2069}");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    #[test]
    fn empty_charts_say_no_data() {
        let svg = columns(&column_chart(Vec::new()));
        assert!(svg.contains("No data"), "{svg}");
        let svg = bars(&BarChart {
            title: "By source".into(),
            subtitle: None,
            x_label: "Incidents".into(),
            y_label: "Source".into(),
            bars: Vec::new(),
            decimals: 0,
            no_data: false,
        });
        assert!(svg.contains("No data"));
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"By source\""));
    }

    #[test]
    fn charts_are_byte_identical_and_name_their_parts() {
        let chart = column_chart(vec![Some(1.0), Some(0.0), Some(3.0)]);
        let a = columns(&chart);
        assert_eq!(a, columns(&chart));
        assert!(!a.contains("No data"));
        for text in [
            "Incidents per month",
            "Month",
            "Incidents",
            "sev1",
            "sev2",
            "2026-03",
            "\n6\n</text>",
        ] {
            assert!(a.contains(text), "missing {text:?} in {a}");
        }
        assert!(a.contains("font-family=\"sans-serif\""));
        assert!(a.contains("<title>Incidents per month</title>"));
    }

    #[test]
    fn narrow_stacked_columns_keep_their_colour() {
        let outlines = |n: usize| {
            columns(&column_chart(vec![Some(1.0); n]))
                .matches("fill=\"none\" stroke=\"#FFFFFF\"")
                .count()
        };
        assert_eq!(outlines(12), 24, "a white edge around each segment");
        assert_eq!(outlines(300), 0, "none on columns a pixel or two wide");
    }

    #[test]
    fn one_long_case_does_not_flatten_the_rest() {
        // Time to respond in minutes, median and p90 per severity: sev3's p90 is 16 hours.
        let chart = ColumnChart {
            title: "Time to respond".into(),
            subtitle: None,
            x_label: "Severity".into(),
            y_label: "Minutes".into(),
            categories: ["sev1", "sev2", "sev3", "sev4", "all"]
                .map(String::from)
                .into(),
            series: vec![
                Series {
                    name: "median".into(),
                    fill: Fill::solid(palette::BLUE),
                    values: [7.2, 10.8, 12.0, 25.2, 10.8].map(Some).into(),
                },
                Series {
                    name: "p90".into(),
                    fill: Fill::new(palette::SKY_BLUE, Hatch::Forward),
                    values: [12.0, 15.0, 985.2, 34.8, 34.8].map(Some).into(),
                },
            ],
            layout: Layout::Grouped,
            decimals: 0,
            label_zeros: true,
            no_data: false,
        };
        let cut = axis_cut(&heights(&chart));
        assert_eq!(cut, Some(46.0), "34.8 × 1.3, to two digits");
        let svg = columns(&chart);
        assert!(
            svg.contains("The axis stops at 46: 1 taller column is drawn broken"),
            "{svg}"
        );
        assert!(svg.contains(">985<") || svg.contains("\n985\n"), "{svg}");
        // Two white strokes across the broken column.
        assert_eq!(
            svg.matches("stroke=\"#FFFFFF\" stroke-width=\"3\"").count(),
            2
        );
        // Columns of like height keep the whole axis.
        assert_eq!(axis_cut(&[1.0, 2.0, 3.0, 4.0, 11.0]), None);
        assert_eq!(
            axis_cut(&[1.0, 2.0, 50.0]),
            None,
            "too few to call one an outlier"
        );
    }

    /// The badges' colours are set in style.css; the charts must draw with the same ones.
    #[test]
    fn chart_colours_are_the_badges_colours() {
        let css = include_str!("../../../themes/default/static/style.css");
        let light = &css[css.find(":root {").unwrap()..];
        let light = &light[..light.find('}').unwrap()];
        let by_name = [
            ("bad", badge::BAD),
            ("warn", badge::WARN),
            ("info", badge::INFO),
            ("neutral", badge::NEUTRAL),
            ("ok", badge::OK),
            ("pending", badge::PENDING),
            ("denied", badge::DENIED),
        ];
        for (name, RGBColor(r, g, b)) in by_name {
            let want = format!("--{name}: #{r:02x}{g:02x}{b:02x};");
            assert!(
                light.contains(&want),
                "style.css :root has no {want}\n{light}"
            );
        }
    }

    #[test]
    fn numbers_are_written_plainly() {
        assert_eq!(format_number(2.0), "2");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(2.456), "2.46");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(98765.434), "98765.43");
    }
}
