//! Geometry the update function and the views must agree on (how many panels fit, how
//! tall a page is), so scrolling in `update` matches what is drawn.

use ratatui::layout::Rect;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
pub const HEADER_HEIGHT: u16 = 2;
/// The status/flash/prompt line and the key hints.
pub const FOOTER_HEIGHT: u16 = 2;
pub const PANEL_MIN_WIDTH: u16 = 40;
/// Two border lines and four lines of facts.
pub const PANEL_HEIGHT: u16 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetLayout {
    Panels,
    Rows,
}

pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// The area between the header and the footer.
pub fn body(area: Rect) -> Rect {
    Rect {
        x: area.x,
        y: area.y + HEADER_HEIGHT,
        width: area.width,
        height: area
            .height
            .saturating_sub(HEADER_HEIGHT + FOOTER_HEIGHT),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub columns: usize,
    /// Rows of panels (or lines) that fit at once.
    pub rows: usize,
}

pub fn fleet_grid(width: u16, height: u16, layout: FleetLayout) -> Grid {
    let body = body(Rect::new(0, 0, width, height));
    match layout {
        FleetLayout::Panels => Grid {
            columns: usize::from((body.width / PANEL_MIN_WIDTH).max(1)),
            rows: usize::from((body.height / PANEL_HEIGHT).max(1)),
        },
        // One line per database under a line of column titles.
        FleetLayout::Rows => Grid {
            columns: 1,
            rows: usize::from(body.height.saturating_sub(1).max(1)),
        },
    }
}

/// The first visible line that keeps `line` in a window of `window` lines, moving the
/// window as little as possible from `offset`.
pub fn scroll_to_show(offset: usize, line: usize, window: usize) -> usize {
    let window = window.max(1);
    if line < offset {
        line
    } else if line >= offset + window {
        line + 1 - window
    } else {
        offset
    }
}

/// Splits a page into the preview's database list and its SQL pane.
pub fn preview_panes(body: Rect) -> (Rect, Rect) {
    let list_width = (body.width / 4).clamp(18, 30);
    let list = Rect {
        width: list_width,
        ..body
    };
    let sql = Rect {
        x: body.x + list_width,
        width: body.width.saturating_sub(list_width),
        ..body
    };
    (list, sql)
}

/// The inner size of the preview's SQL pane (inside its border).
pub fn preview_sql_inner(width: u16, height: u16) -> (usize, usize) {
    let (_, sql) = preview_panes(body(Rect::new(0, 0, width, height)));
    (
        usize::from(sql.width.saturating_sub(2)),
        usize::from(sql.height.saturating_sub(2)),
    )
}

/// Lines of the run view's database table (the event log takes the rest).
pub fn run_table_height(width: u16, height: u16, rows: usize) -> usize {
    let body = body(Rect::new(0, 0, width, height));
    let max = usize::from(body.height.saturating_sub(2)) * 3 / 5;
    rows.min(max.max(3))
}

/// Lines of the inspect view below its facts.
pub fn inspect_page(height: u16) -> usize {
    usize::from(height.saturating_sub(HEADER_HEIGHT + FOOTER_HEIGHT + 7).max(1))
}

/// Wraps `text` into lines of at most `width` characters, keeping blank lines, so the
/// preview can scroll by screen line and know where the end is.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            out.push(String::new());
            continue;
        }
        for chunk in chars.chunks(width) {
            out.push(chunk.iter().collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_fill_the_width_in_columns_of_forty() {
        assert_eq!(fleet_grid(80, 24, FleetLayout::Panels).columns, 2);
        assert_eq!(fleet_grid(120, 40, FleetLayout::Panels).columns, 3);
        assert_eq!(fleet_grid(80, 24, FleetLayout::Panels).rows, 3);
    }

    #[test]
    fn scrolling_moves_the_window_as_little_as_possible() {
        assert_eq!(scroll_to_show(0, 2, 5), 0);
        assert_eq!(scroll_to_show(0, 7, 5), 3);
        assert_eq!(scroll_to_show(3, 1, 5), 1);
    }

    #[test]
    fn wrapping_keeps_blank_lines_and_splits_long_ones() {
        assert_eq!(wrap("abcdef\n\nxy", 4), vec!["abcd", "ef", "", "xy"]);
    }
}
