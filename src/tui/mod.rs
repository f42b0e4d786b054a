//! The terminal interface. `App` holds view state and turns keys into changes; `ui` draws
//! it; this module owns the terminal and the event loop.
//!
//! Slow links shape the loop (DESIGN.md §4): draw only when something changed; drain every
//! queued input before drawing once; wrap each frame in a synchronized update and write it
//! with one flush; no timers, no mouse capture, no full clear except on resize.

pub mod app;
pub mod form;
pub mod keymap;
pub mod search;
pub mod session;
pub mod ui;
mod wire;

use std::io::{self, Write};
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};
use crossterm::terminal::{self, BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{cursor, execute, queue};
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::Color;
use ratatui::Terminal;

pub use app::App;
use ui::{Screen, Theme};

/// Buffers a whole frame and writes it with one `write` + `flush`; `commit` returns its size.
/// ratatui's own flushes are deferred to `commit`, so a frame never leaves in pieces.
pub struct FrameWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(inner: W) -> Self {
        FrameWriter {
            inner,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    /// Sends the buffered frame; returns its size.
    pub fn commit(&mut self) -> io::Result<usize> {
        let n = self.buf.len();
        if n > 0 {
            self.inner.write_all(&self.buf)?;
            self.inner.flush()?;
            self.buf.clear();
        }
        Ok(n)
    }

    pub fn inner(&self) -> &W {
        &self.inner
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// ratatui's `CrosstermBackend` over a `FrameWriter`. The size comes from the terminal, or
/// is fixed for scripted sessions without a tty, so tests and the app share one path.
///
/// It keeps a copy of what the terminal shows so that a short run of unchanged cells
/// between two changed ones is rewritten as text when that is cheaper than a cursor move
/// (`ESC[y;xH`, 6–8 bytes): on a slow link every byte counts.
pub struct FramedBackend<W: Write> {
    inner: CrosstermBackend<FrameWriter<W>>,
    pub fixed_size: Option<Size>,
    shown: Buffer,
}

impl<W: Write> FramedBackend<W> {
    pub fn new(out: W, fixed_size: Option<Size>) -> Self {
        FramedBackend {
            inner: CrosstermBackend::new(FrameWriter::new(out)),
            fixed_size,
            shown: Buffer::empty(Rect::ZERO),
        }
    }

    /// Runs of changed cells (`from..to` in `cells`, starting at column `x` of row `y`) that
    /// blank a row to its end, long enough that one `ESC[K` (plus the cursor move and colour
    /// reset around it) is cheaper than writing the spaces.
    fn blank_tails(&self, cells: &[(u16, u16, Cell)]) -> Vec<(usize, usize, u16, u16)> {
        const WORTH_IT: usize = 6;
        let width = self.shown.area.width;
        let blank = |c: &Cell| {
            c.symbol() == " "
                && c.fg == Color::Reset
                && c.bg == Color::Reset
                && c.modifier.is_empty()
        };
        let mut tails = Vec::new();
        let mut i = 0;
        while i < cells.len() {
            let y = cells[i].1;
            let row_end = i + cells[i..].iter().take_while(|c| c.1 == y).count();
            // The longest suffix of this row's updates that is blank and contiguous to the edge.
            let mut from = row_end;
            while from > i
                && blank(&cells[from - 1].2)
                && cells[from - 1].0 + (row_end - from) as u16 == width - 1
            {
                from -= 1;
            }
            if row_end - from >= WORTH_IT {
                tails.push((from, row_end, cells[from].0, y));
            }
            i = row_end;
        }
        tails
    }

    /// The changed cells plus any cheaper-than-a-move runs of unchanged cells between them.
    fn with_gaps_filled(&self, changed: Vec<(u16, u16, Cell)>) -> Vec<(u16, u16, Cell)> {
        let mut out: Vec<(u16, u16, Cell)> = Vec::with_capacity(changed.len());
        for (x, y, cell) in changed {
            if let Some((px, py, pen)) = out.last() {
                let (px, py) = (*px, *py);
                if py == y && x > px + 1 {
                    let move_cost = format!("\x1b[{};{}H", y + 1, x + 1).len();
                    let same_pen =
                        |c: &Cell| c.fg == pen.fg && c.bg == pen.bg && c.modifier == pen.modifier;
                    let fill: Option<Vec<Cell>> = (px + 1..x)
                        .map(|gx| self.shown.cell((gx, y)).filter(|c| same_pen(c)).cloned())
                        .collect();
                    if let Some(fill) = fill {
                        let cost: usize = fill.iter().map(|c| c.symbol().len()).sum();
                        if cost <= move_cost && fill.iter().all(|c| !c.symbol().is_empty()) {
                            out.extend(fill.into_iter().zip(px + 1..x).map(|(c, gx)| (gx, y, c)));
                        }
                    }
                }
            }
            out.push((x, y, cell));
        }
        out
    }

    pub fn writer(&self) -> &FrameWriter<W> {
        self.inner.writer()
    }

    pub fn writer_mut(&mut self) -> &mut FrameWriter<W> {
        self.inner.writer_mut()
    }
}

impl<W: Write> Backend for FramedBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = self.size()?;
        if (self.shown.area.width, self.shown.area.height) != (size.width, size.height) {
            self.shown.resize(Rect::new(0, 0, size.width, size.height));
        }
        let changed: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        for (x, y, c) in &changed {
            if let Some(shown) = self.shown.cell_mut((*x, *y)) {
                *shown = c.clone();
            }
        }
        let cells = self.with_gaps_filled(changed);
        // Long blank tails become one "erase to end of line" instead of a run of spaces.
        let mut ops = Vec::with_capacity(cells.len());
        let mut next = 0;
        for (from, to, x, y) in self.blank_tails(&cells) {
            ops.extend(
                cells[next..from]
                    .iter()
                    .map(|(x, y, c)| wire::Op::Cell(*x, *y, c)),
            );
            ops.push(wire::Op::EraseToEnd(x, y));
            next = to;
        }
        ops.extend(
            cells[next..]
                .iter()
                .map(|(x, y, c)| wire::Op::Cell(*x, *y, c)),
        );
        wire::write_ops(self.inner.writer_mut(), &ops)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> io::Result<()> {
        let size = self.size()?;
        self.shown = Buffer::empty(Rect::new(0, 0, size.width, size.height));
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        if clear_type == ClearType::All {
            let size = self.size()?;
            self.shown = Buffer::empty(Rect::new(0, 0, size.width, size.height));
        } else {
            // Partial clears are not used by this app; forget what we knew to stay correct.
            self.shown = Buffer::empty(Rect::ZERO);
        }
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> io::Result<Size> {
        match self.fixed_size {
            Some(size) => Ok(size),
            None => self.inner.size(),
        }
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        match self.fixed_size {
            Some(columns_rows) => Ok(WindowSize {
                columns_rows,
                pixels: Size::default(),
            }),
            None => self.inner.window_size(),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

pub type FrameTerminal<W> = Terminal<FramedBackend<W>>;

/// Draws one frame inside a synchronized update and sends it in one write; returns bytes.
/// A changed terminal size is picked up here (one clear and full repaint).
pub fn draw_frame<W: Write>(
    terminal: &mut FrameTerminal<W>,
    app: &App,
    theme: Theme,
) -> io::Result<usize> {
    queue!(terminal.backend_mut().writer_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| frame.render_widget(Screen { app, theme }, frame.area()))?;
    queue!(terminal.backend_mut().writer_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().writer_mut().commit()
}

fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal on panic, SIGTERM and SIGHUP (a dropped SSH session). Every
/// acknowledged change is already flushed to disk, so exiting here loses nothing.
fn install_guards() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        default_hook(info);
    }));
    use signal_hook::consts::{SIGHUP, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP]) {
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                restore_terminal();
                std::process::exit(128 + sig);
            }
        });
    }
}

/// Runs the interface on the terminal until the user quits.
pub fn run_terminal(app: App) -> io::Result<()> {
    install_guards();
    let result = event_loop(app);
    restore_terminal();
    result
}

#[derive(PartialEq, Eq)]
enum TerminalWait {
    /// Input is ready, or a signal interrupted the wait.
    Woken,
    /// The port (a server connection) has news: another client's change, a lost link.
    Port,
    /// The wait timed out (only while reconnecting to a server).
    Timeout,
    /// The window changed size: repaint whatever the event queue says.
    Resized,
    /// The terminal hung up: reads would return end-of-file forever.
    HungUp,
}

/// Wakes the event loop on SIGWINCH. The signal may be delivered to any thread, so an
/// interrupted `poll` cannot be relied on; a self-pipe can.
struct ResizeWatch {
    reader: std::os::unix::net::UnixStream,
}

impl ResizeWatch {
    fn new() -> io::Result<ResizeWatch> {
        let (reader, writer) = std::os::unix::net::UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        signal_hook::low_level::pipe::register(signal_hook::consts::SIGWINCH, writer)?;
        Ok(ResizeWatch { reader })
    }

    fn drain(&self) {
        use std::io::Read;
        let mut buf = [0u8; 64];
        while matches!((&self.reader).read(&mut buf), Ok(n) if n > 0) {}
    }
}

/// Sleeps until the terminal has input or the window was resized. crossterm's own `read`
/// keeps polling a hung-up terminal (it reads end-of-file and tries again), which burns a
/// core for as long as nobody kills the process; this wait notices the hang-up instead.
fn wait_for_terminal(
    resize: &ResizeWatch,
    port: Option<std::os::unix::io::RawFd>,
    timeout_ms: i32,
) -> TerminalWait {
    use std::os::unix::io::AsRawFd;
    // crossterm reads stdin when it is a terminal, else /dev/tty; in the TUI stdin is one.
    let mut fds = [
        libc::pollfd {
            fd: libc::STDIN_FILENO,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: resize.reader.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: port.unwrap_or(-1), // a negative fd is ignored by poll
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: poll on a valid array of three pollfds; -1 waits without a timer.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), 3, timeout_ms) };
    if rc < 0 {
        return TerminalWait::Woken; // EINTR
    }
    if rc == 0 {
        return TerminalWait::Timeout;
    }
    if fds[1].revents != 0 {
        resize.drain();
        return TerminalWait::Resized;
    }
    if fds[2].revents != 0 && fds[0].revents == 0 {
        return TerminalWait::Port;
    }
    let revents = fds[0].revents;
    if revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
        && revents & libc::POLLIN == 0
    {
        return TerminalWait::HungUp;
    }
    if revents & libc::POLLHUP != 0 {
        // Readable and hung up: keys typed before the hang-up may still be queued; once
        // none are, only end-of-file is left.
        let mut queued: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int.
        unsafe { libc::ioctl(libc::STDIN_FILENO, libc::FIONREAD, &mut queued) };
        if queued == 0 {
            return TerminalWait::HungUp;
        }
    }
    TerminalWait::Woken
}

fn event_loop(mut app: App) -> io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
    let mut terminal = Terminal::new(FramedBackend::new(io::stdout(), None))?;
    let theme = Theme::from_env();
    let resize = ResizeWatch::new()?;
    // Start crossterm's event source now, so its own SIGWINCH handler is in place before
    // the first resize.
    event::poll(Duration::ZERO)?;
    let mut dirty = true;
    // The only timer: retrying a lost server every couple of seconds, keys or no keys.
    const RETRY: Duration = Duration::from_secs(2);
    let mut last_attempt = std::time::Instant::now();
    loop {
        if app.wants_reconnect() && last_attempt.elapsed() >= RETRY {
            last_attempt = std::time::Instant::now();
            dirty |= app.try_reconnect();
        }
        if dirty {
            app.settle();
            draw_frame(&mut terminal, &app, theme)?;
            dirty = false;
        }
        // Block until input or server news arrives, then drain everything already queued.
        let timeout = if app.wants_reconnect() {
            RETRY.saturating_sub(last_attempt.elapsed()).as_millis() as i32 + 1
        } else {
            -1
        };
        match wait_for_terminal(&resize, app.port_wake_fd(), timeout) {
            // The link is gone (an SSH session dropped without a SIGHUP reaching us):
            // every acknowledged change is on disk already; there is no one to draw for.
            TerminalWait::HungUp => return Ok(()),
            TerminalWait::Resized => dirty = true,
            TerminalWait::Port => {
                dirty |= app.sync_port();
                continue;
            }
            TerminalWait::Timeout => continue,
            TerminalWait::Woken => {}
        }
        // Server news that came with the keys.
        dirty |= app.sync_port();
        let mut next = if event::poll(Duration::ZERO)? {
            Some(event::read()?)
        } else {
            None
        };
        while let Some(ev) = next {
            dirty |= match ev {
                Event::Key(key) if key.kind != KeyEventKind::Release => app.handle_key(key),
                Event::Resize(_, _) => true,
                _ => false,
            };
            if app.should_quit {
                return Ok(());
            }
            next = if event::poll(Duration::ZERO)? {
                Some(event::read()?)
            } else {
                None
            };
        }
    }
}
