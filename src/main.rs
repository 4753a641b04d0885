fn main() -> std::process::ExitCode {
    modellock::cli::run()
}
