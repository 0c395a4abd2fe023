//! The store: pragmas, the change log, schema versions.

use treem::{store, ward, Source};

use crate::support;

#[tokio::test]
async fn every_write_appends_to_the_change_log_in_sequence() {
    let t = support::demo().await;
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT device_id, seq FROM change_log ORDER BY seq").fetch_all(t.store.pool()).await.unwrap();
    assert!(rows.len() > 150, "{}", rows.len());
    assert!(rows.iter().all(|(d, _)| d == t.store.device_id()));
    let seqs: Vec<i64> = rows.iter().map(|r| r.1).collect();
    assert_eq!(seqs, (1..=rows.len() as i64).collect::<Vec<_>>(), "no gaps, no repeats");
    // Every record in the domain tables has its insert in the log.
    for table in ["units", "plans", "plan_nodes", "assignments", "report_deadlines", "signers", "ward"] {
        let missing: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM change_log c WHERE c.table_name = '{table}' AND c.record_id = t.id AND c.op = 'insert')"
        ))
        .fetch_one(t.store.pool())
        .await
        .unwrap();
        assert_eq!(missing, 0, "{table}");
    }
    let unit = &ward::units(&t.store, &t.officer).await.unwrap()[0];
    ward::rename_unit(&t.store, &t.officer, Source::Window, &unit.id, "Văn hóa - Xã hội").await.unwrap();
    let h = store::history(t.store.pool(), "units", &unit.id).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].changes, r#"{"name":["Văn hóa - Xã hội, Đài truyền thanh","Văn hóa - Xã hội"]}"#);
    // (device, seq) is unique: replaying an entry is refused by the key.
    let dup = sqlx::query("INSERT INTO change_log SELECT * FROM change_log WHERE seq = 1").execute(t.store.pool()).await;
    assert!(dup.is_err());
}

#[tokio::test]
async fn the_database_uses_wal_and_foreign_keys() {
    let t = support::empty().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(t.store.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(t.store.pool()).await.unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn the_device_id_is_kept_across_reopening() {
    let t = support::empty().await;
    let id = t.store.device_id().to_owned();
    let path = t.db_path();
    t.store.close().await;
    let (again, _) = treem::auth::log_in(&path, "canbo", support::PASSWORD).await.unwrap();
    assert_eq!(again.device_id(), id);
}

#[tokio::test]
async fn a_database_from_a_newer_app_is_refused() {
    let t = support::empty().await;
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (29991231000000, 'future', '2999-12-31', 1, x'00', 0)")
        .execute(t.store.pool())
        .await
        .unwrap();
    let path = t.db_path();
    t.store.close().await;
    let err = treem::auth::log_in(&path, "canbo", support::PASSWORD).await.err().expect("refused");
    assert_eq!(err.code(), treem::ErrorCode::NewerDatabase);
    assert!(err.to_string().contains("phiên bản mới hơn"));
}
