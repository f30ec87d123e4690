//! From an action to a request. (Stub: being written.)
