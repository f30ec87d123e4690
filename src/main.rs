//! The `lapis` binary: the designer window, and the command line.
//!
//! `lapis` alone opens the designer on the bundled App Proxy sample;
//! `lapis FILE` opens a file in it; anything else is a command.

mod cli;

use std::path::{Path, PathBuf};

fn main() {
    let started = std::time::Instant::now();
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let designer = match args.as_slice() {
        [] => Some(None),
        [f] if Path::new(f).is_file() => Some(Some(PathBuf::from(f))),
        _ => None,
    };
    match designer {
        Some(file) => {
            if let Err(e) = lapis::ui::run(file, started) {
                eprintln!(
                    "error: could not open the designer window: {e}\n\
                     The command line works without a window: see `lapis --help`."
                );
                std::process::exit(2);
            }
        }
        None => std::process::exit(cli::main()),
    }
}
