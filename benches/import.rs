//! Plan import speed, and unlocking. Targets: importing the seed plan (reading and saving, into
//! the encrypted database) < 50 ms; logging in, Argon2id included, < 1 s.
//! Run: `cargo bench --bench import` (or `scripts/bench`, which also measures start-up and memory).

use criterion::{criterion_group, criterion_main, Criterion};
use treem::plan::{self, import};
use treem::{auth, demo, Source};

const PASSWORD: &str = "đồng hồ cát xanh lá";

fn seed_import(c: &mut Criterion) {
    c.bench_function("parse seed plan", |b| b.iter(|| import::parse(demo::SEED_PLAN).expect("parses")));

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let (store, officer, _) = rt.block_on(auth::set_up(&db, "canbo", "Cán bộ", PASSWORD)).expect("first start");
    c.bench_function("import seed plan (parse + save in one transaction)", |b| {
        b.iter(|| {
            rt.block_on(async {
                let draft = import::parse(demo::SEED_PLAN).expect("parses");
                plan::save_draft(&store, &officer, Source::Import, &draft).await.expect("saves")
            })
        })
    });
    let mut group = c.benchmark_group("unlock");
    group.sample_size(10);
    group.bench_function("log in (Argon2id 64 MiB, 2 passes, then open the database)", |b| {
        b.iter(|| rt.block_on(async { auth::log_in(&db, "canbo", PASSWORD).await.expect("logs in").0.close().await }))
    });
    group.finish();
}

criterion_group!(benches, seed_import);
criterion_main!(benches);
