//! Where Lapis keeps its own files (recovery copies, run history, call
//! history, keys): `$LAPIS_DATA_DIR`, or the platform's local data folder
//! (`~/.local/share/lapis` on Linux). Core code and both faces use this one
//! function, so a test that sets `LAPIS_DATA_DIR` isolates everything.

use std::path::PathBuf;

/// The data folder: `$LAPIS_DATA_DIR`, or the platform's local data folder.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("LAPIS_DATA_DIR") {
        return Some(PathBuf::from(d));
    }
    dirs::data_local_dir().map(|d| d.join("lapis"))
}
