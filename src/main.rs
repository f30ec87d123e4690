fn main() {
    std::process::exit(lapis::cli::main());
}
