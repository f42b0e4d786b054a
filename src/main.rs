fn main() -> std::process::ExitCode {
    kpps::cli::run()
}
