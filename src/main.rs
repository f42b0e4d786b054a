/// mimalloc: loading a national roster allocates millions of small values from three
/// threads at once, where glibc's allocator spent a sixth of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kpps::cli::run()
}
