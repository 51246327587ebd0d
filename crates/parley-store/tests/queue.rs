//! The job queue on every test database: claims, leases, retries, priorities and schedules.

use parley_store::jobs::{self, NewJob};
use parley_store::now_ms;
use parley_store::testing::test_stores;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn claims_by_priority_and_never_early() {
    for db in test_stores().await {
        let c = db.store.db();
        let later = jobs::enqueue(c, NewJob::new("k", json!({"n": 0})).run_at(now_ms() + 400))
            .await
            .unwrap()
            .unwrap();
        let low = jobs::enqueue(c, NewJob::new("k", json!({"n": 1})))
            .await
            .unwrap()
            .unwrap();
        let high = jobs::enqueue(c, NewJob::new("k", json!({"n": 2})).priority(10))
            .await
            .unwrap()
            .unwrap();

        let first = jobs::claim(c, 1, 30_000).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].id, high, "{}: highest priority first", db.name);
        assert_eq!(first[0].payload, json!({"n": 2}));
        assert_eq!(first[0].attempts, 1);

        let rest = jobs::claim(c, 10, 30_000).await.unwrap();
        assert_eq!(
            rest.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![low],
            "{}: the scheduled job is not due",
            db.name
        );

        // Poll until the scheduled job becomes due; it must never come before its time.
        let mut got = Vec::new();
        for _ in 0..100 {
            got = jobs::claim(c, 10, 30_000).await.unwrap();
            if !got.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let row = jobs::get(c, later).await.unwrap().unwrap();
        assert_eq!(got.len(), 1, "{}", db.name);
        assert!(now_ms() >= row.run_at, "{}: claimed before run_at", db.name);
    }
}

#[tokio::test]
async fn expired_lease_is_claimed_again_and_the_old_holder_is_fenced_off() {
    for db in test_stores().await {
        let c = db.store.db();
        let id = jobs::enqueue(c, NewJob::new("k", json!({})))
            .await
            .unwrap()
            .unwrap();
        let first = jobs::claim(c, 1, 50).await.unwrap().remove(0);
        assert!(
            jobs::claim(c, 1, 50).await.unwrap().is_empty(),
            "{}: leased job is not claimable",
            db.name
        );

        tokio::time::sleep(Duration::from_millis(120)).await;
        let second = jobs::claim(c, 1, 30_000).await.unwrap().remove(0);
        assert_eq!(second.id, id);
        assert_eq!(second.attempts, 2, "{}", db.name);

        assert!(
            !jobs::complete(c, &first).await.unwrap(),
            "{}: stale lease must not complete",
            db.name
        );
        assert!(jobs::complete(c, &second).await.unwrap());
        let row = jobs::get(c, id).await.unwrap().unwrap();
        assert_eq!(row.status, jobs::DONE);
        assert!(row.finished_at.is_some());
    }
}

#[tokio::test]
async fn retry_keeps_the_error_and_bury_dead_letters() {
    for db in test_stores().await {
        let c = db.store.db();
        let id = jobs::enqueue(c, NewJob::new("k", json!({})).max_attempts(2))
            .await
            .unwrap()
            .unwrap();
        let job = jobs::claim(c, 1, 30_000).await.unwrap().remove(0);
        assert!(
            jobs::retry_at(c, &job, "boom 1", now_ms() - 1)
                .await
                .unwrap()
        );
        let row = jobs::get(c, id).await.unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.last_error.as_deref()),
            (jobs::QUEUED, Some("boom 1"))
        );

        let job = jobs::claim(c, 1, 30_000).await.unwrap().remove(0);
        assert_eq!(job.attempts, 2);
        assert!(jobs::bury(c, &job, "boom 2").await.unwrap());
        let row = jobs::get(c, id).await.unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.last_error.as_deref()),
            (jobs::DEAD, Some("boom 2"))
        );
        assert!(
            jobs::claim(c, 1, 30_000).await.unwrap().is_empty(),
            "{}: dead jobs stay dead",
            db.name
        );

        let stats = jobs::stats(c).await.unwrap();
        assert_eq!(
            (stats.queued, stats.running, stats.dead),
            (0, 0, 1),
            "{}",
            db.name
        );

        assert!(jobs::requeue_dead(c, id).await.unwrap());
        assert_eq!(jobs::claim(c, 1, 30_000).await.unwrap()[0].attempts, 1);
    }
}

#[tokio::test]
async fn unique_key_deduplicates() {
    for db in test_stores().await {
        let c = db.store.db();
        let a = jobs::enqueue(c, NewJob::new("k", json!({})).unique_key("event:1"))
            .await
            .unwrap();
        let b = jobs::enqueue(c, NewJob::new("k", json!({})).unique_key("event:1"))
            .await
            .unwrap();
        assert!(a.is_some());
        assert_eq!(b, None, "{}", db.name);
        assert_eq!(jobs::stats(c).await.unwrap().queued, 1);
    }
}

/// Two independent pools (two nodes) claim concurrently: every job is claimed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_share_a_job() {
    for db in test_stores().await {
        let total = 300;
        for i in 0..total {
            jobs::enqueue(db.store.db(), NewJob::new("k", json!({ "i": i })))
                .await
                .unwrap();
        }
        let other = db.another_pool().await;
        let mut handles = Vec::new();
        for store in [
            db.store.clone(),
            db.store.clone(),
            other.clone(),
            other.clone(),
        ] {
            handles.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = jobs::claim(store.db(), 7, 60_000).await.unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    for job in batch {
                        assert!(jobs::complete(store.db(), &job).await.unwrap());
                        mine.push(job.id);
                    }
                }
                mine
            }));
        }
        let mut seen = HashSet::new();
        let mut count = 0;
        for h in handles {
            for id in h.await.unwrap() {
                count += 1;
                assert!(seen.insert(id), "{}: job {id} claimed twice", db.name);
            }
        }
        assert_eq!(count, total, "{}: every job claimed once", db.name);
        assert_eq!(jobs::stats(db.store.db()).await.unwrap().done, total as u64);
        other.close().await;
    }
}
