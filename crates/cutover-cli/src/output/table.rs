//! Tables in one style: condensed UTF-8 borders, columns that shrink to the
//! terminal's width when stdout is a terminal, and no width limit otherwise
//! (so piped output and tests are stable).

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table};

/// Builds an empty table with a bold header row.
pub fn new_table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        // The printer's stream strips styling when colours are off, so the
        // table always styles and never decides on its own.
        .enforce_styling()
        .set_header(header.into_iter().map(|h| Cell::new(h.into()).add_attribute(Attribute::Bold)));
    table
}

/// Builds a two-column key/value table without a header.
pub fn key_value_table<'a>(rows: impl IntoIterator<Item = (&'a str, String)>) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .enforce_styling();
    for (key, value) in rows {
        table.add_row(vec![Cell::new(key).add_attribute(Attribute::Bold), Cell::new(value)]);
    }
    table
}

/// Builds a cell for a finding's severity, coloured by how much it matters.
pub fn severity_cell(severity: &str, waived: bool) -> Cell {
    let label = if waived { format!("{severity} (waived)") } else { severity.to_owned() };
    let color = match (severity, waived) {
        (_, true) => Color::DarkGrey,
        ("block", _) => Color::Red,
        ("warn", _) => Color::Yellow,
        _ => Color::Blue,
    };
    Cell::new(label).fg(color)
}

/// Builds a cell that reads `yes` in green or `no` in red.
pub fn bool_cell(value: bool) -> Cell {
    if value { Cell::new("yes").fg(Color::Green) } else { Cell::new("no").fg(Color::Red) }
}
