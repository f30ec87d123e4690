//! The `lapis` binary: the command line (and, later, the designer window).

mod cli;

fn main() {
    std::process::exit(cli::main());
}
