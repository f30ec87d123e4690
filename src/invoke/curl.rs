//! Copy as cURL. (Stub: being written.)
