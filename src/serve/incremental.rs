//! Incremental rebuilds (placeholder).
