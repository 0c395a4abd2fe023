//! Integration tests of the core on real SQLite files.

mod campaigns;
mod cases;
mod changelog;
mod commendations;
mod children;
mod documents;
mod hardening;
mod import;
mod plan;
mod security;
mod signatures;
mod statistics;
mod store;
mod sync;
mod token;
mod units;
mod support;
