//! Charts of the statistics for printed reports, drawn in Rust with plotters in the documents'
//! own font (so Vietnamese labels render) and encoded as PNG: a horizontal bar per line of a
//! breakdown, its value written beside it.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::Breakdown;

/// The family name the bundled font is registered under.
const FAMILY: &str = "treem-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let regular = crate::pdf::fonts::FILES[crate::pdf::fonts::Style::Regular.index()];
        let bold = crate::pdf::fonts::FILES[crate::pdf::fonts::Style::Bold.index()];
        // The bundled fonts are known to parse; a failure would only leave labels undrawn.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, regular);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, bold);
    });
}

/// Pixels per millimetre of the image (about 200 dpi, sharp on paper).
const PX_PER_MM: f64 = 8.0;

/// The longest label drawn beside a bar; longer ones end in "…" (the table beside the chart
/// gives them whole).
const LABEL_CHARS: usize = 34;

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        format!("{}…", label.chars().take(LABEL_CHARS - 1).collect::<String>().trim_end())
    }
}

/// A breakdown's lines that hold something, as a horizontal bar chart `width_mm` wide, the
/// first line on top; PNG. `None` when no line holds anything.
pub fn bars_png(title: &str, breakdown: &Breakdown, width_mm: f64) -> Option<Vec<u8>> {
    let rows: Vec<&super::BreakdownRow> = breakdown.rows.iter().filter(|r| r.count > 0).collect();
    if rows.is_empty() {
        return None;
    }
    register_font();
    let n = rows.len();
    // Plotters counts y upwards: the first line gets the highest place.
    let place = |i: usize| (n - 1 - i) as i32;
    let width = (width_mm * PX_PER_MM) as u32;
    let row_px = 9.0 * PX_PER_MM;
    let height = (row_px * n as f64 + 22.0 * PX_PER_MM) as u32;
    let mut rgb = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        let max = rows.iter().map(|r| r.count).max().unwrap_or(0).max(1);
        let label_px = (width as f64 * 0.42) as u32;
        let text = |size: f64| (FAMILY, size * PX_PER_MM).into_font().color(&BLACK);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FAMILY, 4.2 * PX_PER_MM, FontStyle::Bold).into_font().color(&BLACK))
            .margin((3.0 * PX_PER_MM) as u32)
            .x_label_area_size((7.0 * PX_PER_MM) as u32)
            .y_label_area_size(label_px)
            .build_cartesian_2d(0i64..max + max / 5 + 1, (0..n as i32).into_segmented())
            .ok()?;
        let labels: Vec<String> = rows.iter().rev().map(|r| short(&r.label)).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .y_labels(n)
            .y_label_style(text(3.4))
            .x_label_style(text(3.0))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|v| v.to_string())
            .draw()
            .ok()?;
        let bar = RGBColor(31, 78, 140);
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let y = place(i);
                let mut rect = Rectangle::new([(0, SegmentValue::Exact(y)), (r.count, SegmentValue::Exact(y + 1))], bar.filled());
                rect.set_margin((1.8 * PX_PER_MM) as u32, (1.8 * PX_PER_MM) as u32, 0, 0);
                rect
            }))
            .ok()?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                Text::new(format!(" {}", r.value_text), (r.count, SegmentValue::CenterOf(place(i))), text(3.2).pos(Pos::new(HPos::Left, VPos::Center)))
            }))
            .ok()?;
        root.present().ok()?;
    }
    encode_png(&rgb, width, height)
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(rgb).ok()?;
    }
    Some(out)
}
