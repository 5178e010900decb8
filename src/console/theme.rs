//! Symbols and colours. Every state has a symbol as well as a colour, so the console reads
//! under `NO_COLOR` and on 16-colour terminals; focus and marks use reverse and bold,
//! never colour alone.

use ratatui::style::{Color, Modifier, Style};

/// The states a database, a migration or a matrix cell can be in, worst first where
/// several apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sym {
    Ok,
    Pending,
    Running,
    Failed,
    Dirty,
    Drift,
    Locked,
    Unreachable,
    NotTargeted,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    /// For terminals or fonts without the Unicode symbols.
    pub ascii: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            color: true,
            ascii: false,
        }
    }
}

impl Theme {
    /// `NO_COLOR` (any non-empty value, as no-color.org says) and `DBFLEET_ASCII`.
    pub fn from_env() -> Theme {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Theme {
            color: !set("NO_COLOR"),
            ascii: set("DBFLEET_ASCII"),
        }
    }

    /// Marks a status read still in flight.
    pub fn reading(&self) -> &'static str {
        if self.ascii { "~" } else { "⟳" }
    }

    pub fn symbol(&self, sym: Sym) -> &'static str {
        match (sym, self.ascii) {
            (Sym::Ok, false) => "✓",
            (Sym::Ok, true) => "+",
            (Sym::Pending, false) => "●",
            (Sym::Pending, true) => "o",
            (Sym::Running, false) => "▶",
            (Sym::Running, true) => ">",
            (Sym::Failed, false) => "✗",
            (Sym::Failed, true) => "x",
            (Sym::Dirty, _) => "!",
            (Sym::Drift, _) => "~",
            (Sym::Locked, false) => "⊘",
            (Sym::Locked, true) => "#",
            (Sym::Unreachable, _) => "?",
            (Sym::NotTargeted, false) => "·",
            (Sym::NotTargeted, true) => ".",
            (Sym::Unknown, false) => "…",
            (Sym::Unknown, true) => "-",
        }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn style(&self, sym: Sym) -> Style {
        match sym {
            Sym::Ok => self.fg(Color::Green),
            Sym::Pending => self.fg(Color::Yellow),
            Sym::Running => self.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Sym::Failed => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Sym::Dirty => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Sym::Drift => self.fg(Color::Magenta),
            Sym::Locked => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Sym::Unreachable => self.fg(Color::Red),
            Sym::NotTargeted => self.fg(Color::DarkGray),
            Sym::Unknown => self.fg(Color::DarkGray),
        }
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn focus(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn marked(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// The environment label: `production` must stand out.
    pub fn environment(&self, label: &str) -> Style {
        if label.eq_ignore_ascii_case("production") || label.eq_ignore_ascii_case("prod") {
            if self.color {
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Red)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
            }
        } else {
            self.fg(Color::Blue).add_modifier(Modifier::BOLD)
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }
}
