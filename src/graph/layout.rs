//! Layered layout (being written).
