//! Times the start-up phases on a store: `cargo run --release --example phases -- DIR`.
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let dir = std::env::args().nth(1).expect("store dir");
    let t = Instant::now();
    let store = kpps::store::Store::open(std::path::Path::new(&dir), "phases").unwrap();
    let open = t.elapsed();
    let t = Instant::now();
    let roster = store.load().unwrap();
    let load = t.elapsed();
    let t = Instant::now();
    let s =
        kpps::tui::session::Session::new(kpps::tui::App::new(roster, kpps::text::Lang::Id), 80, 24);
    let frame = t.elapsed();
    println!(
        "open {open:?}, load {load:?}, first frame {frame:?} ({} bytes)",
        s.first_paint
    );
    std::mem::forget(s);
}
