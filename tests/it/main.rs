//! Integration tests of the core on real SQLite files.

mod changelog;
mod documents;
mod import;
mod plan;
mod store;
mod support;
