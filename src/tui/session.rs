//! A scripted session on the real rendering path (`CrosstermBackend` over a counting
//! `FrameWriter`, synchronized updates included), without a tty: used by tests to hold
//! byte budgets and by benches to time keys.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::KeyEvent;
use ratatui::layout::Size;
use ratatui::Terminal;

use super::ui::Theme;
use super::{draw_frame, App, FrameTerminal, FramedBackend};

pub struct Session {
    pub app: App,
    pub terminal: FrameTerminal<Vec<u8>>,
    pub theme: Theme,
    /// Bytes of the first frame.
    pub first_paint: usize,
}

/// The clock scripted sessions read: 08:05 WIB on voting day, the same on every run, so
/// screens and byte counts do not depend on when a test runs.
pub fn fixed_clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, 14, 1, 5, 0)
        .single()
        .expect("a valid time")
}

impl Session {
    /// Starts a session of `width`×`height` on the fixed clock and draws the first frame.
    pub fn new(mut app: App, width: u16, height: u16) -> Session {
        app.set_clock(Box::new(fixed_clock));
        let backend = FramedBackend::new(Vec::new(), Some(Size { width, height }));
        let terminal = Terminal::new(backend).expect("in-memory terminal");
        let mut s = Session {
            app,
            terminal,
            theme: Theme { color: true },
            first_paint: 0,
        };
        s.first_paint = s.draw();
        s
    }

    fn draw(&mut self) -> usize {
        self.app.settle();
        draw_frame(&mut self.terminal, &self.app, self.theme).expect("drawing to memory")
    }

    /// One key as the event loop handles it: update, and draw only if something changed.
    /// Returns the bytes written for this key.
    pub fn press(&mut self, key: KeyEvent) -> usize {
        if self.app.handle_key(key) {
            self.draw()
        } else {
            0
        }
    }

    /// A key string (`"jjl<enter>"`); returns bytes per key.
    pub fn keys(&mut self, keys: &str) -> Vec<usize> {
        super::keymap::parse_keys(keys)
            .into_iter()
            .map(|k| self.press(k))
            .collect()
    }

    /// Keys that arrive together (typed fast, pasted, or queued behind a slow link): the
    /// event loop handles them all, then settles and draws once. Returns the bytes drawn.
    pub fn burst(&mut self, keys: &str) -> usize {
        let mut changed = false;
        for key in super::keymap::parse_keys(keys) {
            changed |= self.app.handle_key(key);
        }
        if changed {
            self.draw()
        } else {
            0
        }
    }

    /// A resize: one full repaint.
    pub fn resize(&mut self, width: u16, height: u16) -> usize {
        self.terminal.backend_mut().fixed_size = Some(Size { width, height });
        self.draw()
    }

    /// Everything written so far.
    pub fn output(&self) -> &[u8] {
        self.terminal.backend().writer().inner()
    }

    /// The current state rendered into a plain buffer of the terminal's size (text and styles).
    pub fn buffer(&mut self) -> ratatui::buffer::Buffer {
        let area = self.terminal.get_frame().area();
        let mut buf = ratatui::buffer::Buffer::empty(area);
        ratatui::widgets::Widget::render(
            super::ui::Screen {
                app: &self.app,
                theme: self.theme,
            },
            area,
            &mut buf,
        );
        buf
    }

    /// The screen as text lines (for assertions): the current state rendered once more
    /// into a plain buffer of the same size.
    pub fn screen(&mut self) -> Vec<String> {
        let buf = self.buffer();
        let area = buf.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect()
    }
}
