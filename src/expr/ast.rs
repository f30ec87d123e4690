//! ast (being written).
