//! What went wrong, in one sentence. (Stub: being written.)
