//! Plan import speed. Target: importing the seed plan (reading and saving) < 50 ms.
//! Run: `cargo bench --bench import` (or `scripts/bench`, which also measures start-up and memory).

use criterion::{criterion_group, criterion_main, Criterion};
use treem::plan::{self, import};
use treem::{demo, Source, Store};

fn seed_import(c: &mut Criterion) {
    c.bench_function("parse seed plan", |b| b.iter(|| import::parse(demo::SEED_PLAN).expect("parses")));

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = rt.block_on(Store::open(dir.path().join("bench.db"))).expect("store");
    c.bench_function("import seed plan (parse + save in one transaction)", |b| {
        b.iter(|| {
            rt.block_on(async {
                let draft = import::parse(demo::SEED_PLAN).expect("parses");
                plan::save_draft(&store, Source::Import, &draft).await.expect("saves")
            })
        })
    });
}

criterion_group!(benches, seed_import);
criterion_main!(benches);
