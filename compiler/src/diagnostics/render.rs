//! The one place where diagnostics become text, with ariadne.

use ariadne::{Color, Config, IndexType, Label as AriadneLabel, Report, ReportKind};

use super::{Diagnostic, Severity};

/// A named source text, as diagnostics are rendered against it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Renders diagnostics with colour, for a terminal.
pub fn render(source: Source<'_>, diagnostics: &[Diagnostic]) -> String {
    render_with(source, diagnostics, true)
}

/// Renders diagnostics without colour, for files, pipes and snapshots.
pub fn render_plain(source: Source<'_>, diagnostics: &[Diagnostic]) -> String {
    render_with(source, diagnostics, false)
}

fn render_with(source: Source<'_>, diagnostics: &[Diagnostic], color: bool) -> String {
    let mut out = Vec::new();
    let cache = (source.name, ariadne::Source::from(source.text));
    for diagnostic in diagnostics {
        let report = build(source, diagnostic, color);
        // Writing into a Vec cannot fail; should ariadne fail anyway, fall back to one line so
        // that no diagnostic is lost.
        if report.write(cache.clone(), &mut out).is_err() {
            out.extend_from_slice(
                format!(
                    "{}[{}]: {}\n",
                    kind_word(diagnostic.severity),
                    diagnostic.code.as_str(),
                    diagnostic.message
                )
                .as_bytes(),
            );
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn kind_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

type Span<'a> = (&'a str, std::ops::Range<usize>);

fn build<'a>(
    source: Source<'a>,
    diagnostic: &Diagnostic,
    color: bool,
) -> Report<'static, Span<'a>> {
    let kind = match diagnostic.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let primary_color = match diagnostic.severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
    };
    let clamp = |range: std::ops::Range<usize>| {
        let end = range.end.min(source.text.len());
        range.start.min(end)..end
    };
    let primary = clamp(diagnostic.primary.span.range());
    let mut builder = Report::build(kind, (source.name, primary.clone()))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(IndexType::Byte),
        )
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message);
    // ariadne draws no underline for a label without text.
    let text = if diagnostic.primary.message.is_empty() {
        "here"
    } else {
        diagnostic.primary.message.as_str()
    };
    let mut label = AriadneLabel::new((source.name, primary))
        .with_order(0)
        .with_message(text);
    if color {
        label = label.with_color(primary_color);
    }
    builder = builder.with_label(label);
    for (order, secondary) in diagnostic.secondary.iter().enumerate() {
        let mut label = AriadneLabel::new((source.name, clamp(secondary.span.range())))
            .with_message(&secondary.message)
            .with_order(i32::try_from(order + 1).unwrap_or(i32::MAX));
        if color {
            label = label.with_color(Color::Blue);
        }
        builder = builder.with_label(label);
    }
    if let Some(help) = &diagnostic.help {
        builder = builder.with_help(help);
    }
    builder.finish()
}
