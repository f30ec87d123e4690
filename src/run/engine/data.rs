//! Data operations: Join, Select, Filter array, Create CSV/HTML table,
//! Parse JSON's schema check.
