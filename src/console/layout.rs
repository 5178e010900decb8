//! Geometry the update function and the views must agree on (how many panels fit, how
//! tall a page is), so scrolling in `update` matches what is drawn. Functions of sizes
//! and counts, never of the `State`: both sides can use them without importing each other.

use ratatui::layout::Rect;
use ratatui::text::Span;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
pub const HEADER_HEIGHT: u16 = 2;
/// The status/flash/prompt line and the key hints.
pub const FOOTER_HEIGHT: u16 = 2;
pub const PANEL_MIN_WIDTH: u16 = 40;
/// Two border lines and four lines of facts.
pub const PANEL_HEIGHT: u16 = 6;
/// With room to spare: two more lines (the last migration applied, the next one pending).
pub const PANEL_TALL_HEIGHT: u16 = 8;

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
        height: area.height.saturating_sub(HEADER_HEIGHT + FOOTER_HEIGHT),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub columns: usize,
    /// Rows of panels (or lines) that fit at once.
    pub rows: usize,
    /// A panel's height, borders included.
    pub panel_height: u16,
}

/// How `count` panels (or rows) are laid out at this size. When they all fit, the room
/// left is used: as few columns as keep the same number of rows (so panels grow wider),
/// and taller panels with two more lines when those rows still fit.
pub fn fleet_grid(width: u16, height: u16, layout: FleetLayout, count: usize) -> Grid {
    let body = body(Rect::new(0, 0, width, height));
    match layout {
        FleetLayout::Panels => {
            let most_columns = usize::from((body.width / PANEL_MIN_WIDTH).max(1));
            let short_rows = usize::from((body.height / PANEL_HEIGHT).max(1));
            if count == 0 || count > most_columns * short_rows {
                return Grid {
                    columns: most_columns,
                    rows: short_rows,
                    panel_height: PANEL_HEIGHT,
                };
            }
            let rows_needed = count.div_ceil(most_columns);
            let columns = count.div_ceil(rows_needed);
            let panel_height =
                if rows_needed * usize::from(PANEL_TALL_HEIGHT) <= usize::from(body.height) {
                    PANEL_TALL_HEIGHT
                } else {
                    PANEL_HEIGHT
                };
            Grid {
                columns,
                rows: usize::from((body.height / panel_height).max(1)),
                panel_height,
            }
        }
        // One line per database under a line of column titles.
        FleetLayout::Rows => Grid {
            columns: 1,
            rows: usize::from(body.height.saturating_sub(1).max(1)),
            panel_height: 1,
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

/// The history screen's inside (its border off): the columns its rows wrap to, never under
/// 20 so a narrow terminal still shows words, and the rows a page shows.
pub fn history_inner(width: u16, height: u16) -> (usize, usize) {
    let body = body(Rect::new(0, 0, width, height));
    (
        usize::from(body.width).saturating_sub(2).max(20),
        usize::from(body.height.saturating_sub(2)).max(1),
    )
}

/// Lines of the inspect view below its facts (borders, five lines of facts, column titles).
pub fn inspect_page(height: u16) -> usize {
    usize::from(
        height
            .saturating_sub(HEADER_HEIGHT + FOOTER_HEIGHT + 8)
            .max(1),
    )
}

/// The matrix's migration labels and the applied count beside them: room for the
/// demo's longest label (`001_add_distributed_locks`) beside a count of a thousand
/// databases' `n/m`.
pub const MATRIX_LABEL_WIDTH: usize = 32;
/// One matrix cell per database; names are written above, staggered over two lines, so
/// each may be nearly twice as wide as its cell.
pub const MATRIX_CELL_WIDTH: usize = 5;

/// Columns the matrix fits beside its migration labels at terminal width `width`.
pub fn matrix_fit(width: u16) -> usize {
    usize::from(width)
        .saturating_sub(MATRIX_LABEL_WIDTH + 2)
        .checked_div(MATRIX_CELL_WIDTH)
        .unwrap_or(1)
        .max(1)
}

/// Lines of the symbol legend the help shows under the fleet's keys. The view builds
/// exactly this many; `update` counts them without drawing.
pub const HELP_LEGEND_ROWS: usize = 2;

/// Rows of the help's list (keys, then legend) the box shows when drawn in `area_height`.
pub fn help_room(rows: usize, area_height: u16) -> usize {
    usize::from((rows as u16 + 4).min(area_height).saturating_sub(2))
}

/// How far a help list of `rows` rows can scroll at this terminal size; `update` and the
/// view share it so the list never scrolls past its end.
pub fn help_max_scroll(width: u16, height: u16, rows: usize) -> usize {
    // On the too-small screen the help takes the whole terminal, elsewhere the body.
    let area_height = if too_small(width, height) {
        height
    } else {
        body(Rect::new(0, 0, width, height)).height
    };
    rows.saturating_sub(help_room(rows, area_height))
}

/// Terminal columns `c` takes: two for CJK and most emoji, none for combining marks.
pub fn char_width(c: char) -> usize {
    let mut utf8 = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut utf8)).width()
}

/// Terminal columns `text` takes.
pub fn text_width(text: &str) -> usize {
    Span::raw(text).width()
}

/// Wraps `text` into lines of at most `width` terminal columns, keeping blank lines, so the
/// preview can scroll by screen line and know where the end is. Columns, not characters:
/// a line of CJK comments counted in characters would run past the pane and lose its end.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        let mut used = 0;
        for c in line.chars() {
            let w = char_width(c);
            if used + w > width && !current.is_empty() {
                out.push(std::mem::take(&mut current));
                used = 0;
            }
            current.push(c);
            used += w;
        }
        out.push(current);
    }
    out
}

/// Wraps prose at spaces, cutting inside a word only when it alone is wider than a line:
/// a date or a run id split across two lines reads as two different things. An indented
/// line keeps its indent on every piece, so a list item still reads as one.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        let indent = &line[..line.len() - body.len()];
        let room = width.saturating_sub(indent.len()).max(1);
        out.extend(
            wrap_line_words(body, room)
                .into_iter()
                .map(|piece| format!("{indent}{piece}")),
        );
    }
    out
}

fn wrap_line_words(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for word in line.split(' ') {
        let w = text_width(word);
        if !current.is_empty() {
            if used + 1 + w <= width {
                current.push(' ');
                current.push_str(word);
                used += 1 + w;
                continue;
            }
            out.push(std::mem::take(&mut current));
        }
        if w <= width {
            word.clone_into(&mut current);
            used = w;
        } else {
            let mut pieces = wrap(word, width);
            let last = pieces.pop().unwrap_or_default();
            out.extend(pieces);
            used = text_width(&last);
            current = last;
        }
    }
    out.push(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_fill_the_width_in_columns_of_forty() {
        assert_eq!(fleet_grid(80, 24, FleetLayout::Panels, 100).columns, 2);
        assert_eq!(fleet_grid(120, 40, FleetLayout::Panels, 100).columns, 3);
        assert_eq!(fleet_grid(80, 24, FleetLayout::Panels, 100).rows, 3);
        assert_eq!(
            fleet_grid(80, 24, FleetLayout::Panels, 6).panel_height,
            PANEL_HEIGHT
        );
    }

    #[test]
    fn a_fleet_that_fits_uses_the_room_with_wider_and_taller_panels() {
        // The demo's six at 200×60: three columns of 66, not five of 40 and one alone.
        let grid = fleet_grid(200, 60, FleetLayout::Panels, 6);
        assert_eq!((grid.columns, grid.panel_height), (3, PANEL_TALL_HEIGHT));
        // At 120×40 six panels keep three columns, and have the height for more lines.
        let grid = fleet_grid(120, 40, FleetLayout::Panels, 6);
        assert_eq!((grid.columns, grid.panel_height), (3, PANEL_TALL_HEIGHT));
        // A thousand do not fit: as many short panels as the screen holds.
        let grid = fleet_grid(200, 60, FleetLayout::Panels, 1000);
        assert_eq!((grid.columns, grid.panel_height), (5, PANEL_HEIGHT));
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

    #[test]
    fn wrapping_counts_wide_characters_as_two_columns() {
        assert_eq!(wrap("ab支付cd", 4), vec!["ab支", "付cd"]);
        assert!(
            wrap("-- 事件溯源 + 事务发件箱（所有服务数据库）", 10)
                .iter()
                .all(|l| text_width(l) <= 10)
        );
    }

    #[test]
    fn prose_wraps_at_spaces_and_cuts_only_words_longer_than_a_line() {
        assert_eq!(
            wrap_words("held since 2026-11-23 09:00:00, heartbeat", 20),
            vec!["held since", "2026-11-23 09:00:00,", "heartbeat"]
        );
        assert_eq!(
            wrap_words("run 20261123T090000", 8),
            vec!["run", "20261123", "T090000"]
        );
        assert_eq!(wrap_words("a\n\nb", 8), vec!["a", "", "b"]);
        assert_eq!(
            wrap_words("  one two three", 9),
            vec!["  one two", "  three"]
        );
    }
}
