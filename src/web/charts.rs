//! Charts drawn on the server as SVG (plotters' SVG backend): embedded in the page as they are,
//! no script and nothing fetched from elsewhere. Each chart is an image with a title for screen
//! readers, and every chart on a page sits next to the table holding the same figures, which is
//! its full text alternative.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar: its label, its length, and the figure written beside it.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

const WIDTH: u32 = 640;
const ROW: u32 = 28;
const LABEL_W: i32 = 200;

/// A horizontal bar chart, one row per bar, scaled to the largest value. `id` names the chart's
/// title element (`aria-labelledby`); `title` says what it shows.
pub fn bars(id: &str, title: &str, bars: &[Bar]) -> String {
    let height = ROW * bars.len().max(1) as u32 + 16;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        // Drawing into a string cannot fail; a chart that did would be left out, not break the page.
        let _ = draw(&root, bars);
        let _ = root.present();
    }
    let safe_id: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    // plotters writes `<svg width=… height=… viewBox=… xmlns=…>`: the role and title go in front of
    // its attributes, the title element right after the opening tag.
    match svg.find("<svg ").zip(svg.find('>')) {
        Some((open, close)) if open < close => {
            let attrs = &svg[open + 5..close];
            let rest = &svg[close + 1..];
            format!(
                "<svg role=\"img\" aria-labelledby=\"{safe_id}-title\" class=\"chart\" style=\"max-width:100%;height:auto\" {attrs}><title id=\"{safe_id}-title\">{}</title>{rest}",
                escape(title)
            )
        }
        _ => svg,
    }
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>, bars: &[Bar]) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let span = (WIDTH as i32 - LABEL_W - 70).max(10) as f64;
    let bar_colour = RGBColor(29, 112, 184);
    let text = |size: f64| TextStyle::from(("sans-serif", size).into_font()).color(&BLACK);
    for (i, b) in bars.iter().enumerate() {
        let top = 8 + i as i32 * ROW as i32;
        let mid = top + ROW as i32 / 2 - 2;
        root.draw(&Text::new(b.label.clone(), (LABEL_W - 8, mid), text(13.0).pos(Pos::new(HPos::Right, VPos::Center))))?;
        let len = if max > 0.0 { (b.value.max(0.0) / max * span).round() as i32 } else { 0 };
        if len > 0 {
            root.draw(&Rectangle::new([(LABEL_W, top + 4), (LABEL_W + len, top + ROW as i32 - 8)], bar_colour.filled()))?;
        }
        root.draw(&Text::new(b.shown.clone(), (LABEL_W + len + 6, mid), text(13.0).pos(Pos::new(HPos::Left, VPos::Center))))?;
    }
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_image_with_its_title_and_escaped_labels() {
        let svg = bars(
            "c1",
            "需求人数 <by> occupation",
            &[Bar { label: "保洁 & <script>".into(), value: 12.0, shown: "12".into() }, Bar { label: "搬家".into(), value: 0.0, shown: "0".into() }],
        );
        assert!(svg.starts_with("<svg role=\"img\" aria-labelledby=\"c1-title\""), "{svg}");
        assert!(svg.contains("<title id=\"c1-title\">需求人数 &lt;by&gt; occupation</title>"), "{svg}");
        assert!(svg.contains("viewBox"), "{svg}");
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("保洁 &amp; &lt;script&gt;"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        // No bars at all is still a chart.
        assert!(bars("c2", "x", &[]).contains("</svg>"));
    }
}
