use kpps::{
    demo,
    domain::ElectionParams,
    io::region_csv::palembang,
    text::Lang,
    tui::{session::Session, App},
};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let roster = demo::generate(palembang(), ElectionParams::default(), demo::DEFAULT_SEED);
    let mut s = Session::new(App::new(roster, Lang::Id), 80, 24);
    s.keys(&args[1]);
    let before = s.output().len();
    let n = s.keys(&args[2]);
    let out = &s.output()[before..];
    println!("{n:?}");
    println!("{}", String::from_utf8_lossy(out).replace('\x1b', "␛"));
}
