//! The statuses that end a wait, row by row: every status the wait tables of `src/wait` mark as
//! final fails a status wait after one read, and every "gone" status ends a gone wait after one
//! read. The rows restate the table in the `datacrunch::wait` docs, so removing a status from
//! the code fails the row that names it.

use crate::common;

use std::future::Future;
use std::pin::Pin;

use axum::Router;
use common::local::{Reply, Script, serve};
use datacrunch::types::{
    ClusterId, ClusterStatus, DeploymentStatus, InstanceId, InstanceStatus, JobStatus, VolumeId, VolumeStatus,
};
use datacrunch::{Client, Error};
use serde_json::{Value, json};

/// A wait whose result is reduced to success or its error.
type Outcome<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>>;

/// One kind of resource: where a wait reads it, how the API answers it, and its documented table.
struct Resource {
    kind: &'static str,
    path: &'static str,
    /// The answer to one read carrying `status`.
    answer: fn(&str) -> Value,
    /// Statuses that fail a wait for any other status, after one read.
    fails_early_on: &'static [&'static str],
    /// Statuses that end a gone wait, after one read.
    gone: &'static [&'static str],
    /// Waits for a status that `fails_early_on` does not name.
    wait_for_other: for<'a> fn(&'a Client) -> Outcome<'a>,
    /// Waits until the resource is gone.
    wait_gone: for<'a> fn(&'a Client) -> Outcome<'a>,
}

const RESOURCES: &[Resource] = &[
    Resource {
        kind: "instance i-1",
        path: "/v1/instances/i-1",
        answer: |status| json!({"id": "i-1", "hostname": "gpu-1", "instance_type": "1H100.80S.22V", "status": status}),
        fails_early_on: &["error", "discontinued", "no_capacity", "notfound"],
        gone: &["discontinued", "notfound"],
        wait_for_other: |client| {
            Box::pin(async move {
                let id = InstanceId::from("i-1");
                client.wait_for_instance(&id, InstanceStatus::Running).await.map(drop)
            })
        },
        wait_gone: |client| Box::pin(async move { client.wait_for_instance_gone(&InstanceId::from("i-1")).await }),
    },
    Resource {
        kind: "volume v-1",
        path: "/v1/volumes/v-1",
        answer: |status| {
            json!({"id": "v-1", "name": "data", "created_at": "2026-01-01T00:00:00Z", "is_os_volume": false,
                   "size": 100, "status": status, "type": "NVMe"})
        },
        fails_early_on: &["deleted", "canceled"],
        gone: &["deleted"],
        wait_for_other: |client| {
            Box::pin(async move {
                let id = VolumeId::from("v-1");
                client.wait_for_volume(&id, VolumeStatus::Detached).await.map(drop)
            })
        },
        wait_gone: |client| Box::pin(async move { client.wait_for_volume_gone(&VolumeId::from("v-1")).await }),
    },
    Resource {
        kind: "cluster c-1",
        path: "/v1/clusters/c-1",
        answer: |status| json!({"id": "c-1", "hostname": "train", "cluster_type": "16H200", "status": status}),
        fails_early_on: &["error", "discontinued"],
        gone: &["discontinued"],
        wait_for_other: |client| {
            Box::pin(async move {
                let id = ClusterId::from("c-1");
                client.wait_for_cluster(&id, ClusterStatus::Running).await.map(drop)
            })
        },
        wait_gone: |client| Box::pin(async move { client.wait_for_cluster_gone(&ClusterId::from("c-1")).await }),
    },
    Resource {
        kind: "container deployment llm",
        path: "/v1/container-deployments/llm/status",
        answer: |status| json!({"status": status}),
        fails_early_on: &[],
        gone: &[],
        wait_for_other: |client| {
            Box::pin(async move {
                client
                    .wait_for_container_deployment("llm", DeploymentStatus::Healthy)
                    .await
                    .map(drop)
            })
        },
        wait_gone: |client| Box::pin(client.wait_for_container_deployment_gone("llm").into_future()),
    },
    Resource {
        kind: "job deployment batch",
        path: "/v1/job-deployments/batch/status",
        answer: |status| json!({"status": status}),
        fails_early_on: &["terminating"],
        gone: &[],
        wait_for_other: |client| {
            Box::pin(async move {
                client
                    .wait_for_job_deployment("batch", JobStatus::Running)
                    .await
                    .map(drop)
            })
        },
        wait_gone: |client| Box::pin(client.wait_for_job_deployment_gone("batch").into_future()),
    },
];

/// Serves one resource answering `status` on every read; the client has no credentials.
async fn answering(resource: &Resource, status: &str) -> (Client, Script) {
    let script = Script::new([Reply::json(200, (resource.answer)(status))]);
    let base = serve(Router::new().route(resource.path, script.handler())).await;
    let client = Client::builder().base_url(format!("{base}/v1")).build().unwrap();
    (client, script)
}

#[tokio::test(start_paused = true)]
async fn every_status_marked_final_fails_a_status_wait_after_one_read() {
    for resource in RESOURCES {
        for &status in resource.fails_early_on {
            let (client, script) = answering(resource, status).await;
            let outcome = (resource.wait_for_other)(&client).await;
            let row = format!("{} in {status}", resource.kind);
            match outcome {
                Err(Error::UnreachableState {
                    resource: named,
                    status: seen,
                }) => {
                    assert_eq!((named.as_str(), seen.as_str()), (resource.kind, status), "{row}");
                }
                other => panic!("{row}: expected an unreachable state, got {other:?}"),
            }
            assert_eq!(script.calls(), 1, "{row}: reads");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn every_gone_status_ends_a_gone_wait_after_one_read() {
    for resource in RESOURCES {
        for &status in resource.gone {
            let (client, script) = answering(resource, status).await;
            let row = format!("{} in {status}", resource.kind);
            assert!(matches!((resource.wait_gone)(&client).await, Ok(())), "{row}");
            assert_eq!(script.calls(), 1, "{row}: reads");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_status_the_tables_do_not_name_ends_no_wait() {
    // The counterpart of the rows above: a status outside every table keeps both waits reading
    // until their timeout, so a status added to a table by mistake fails here.
    let pending = [
        ("instance i-1", "provisioning"),
        ("volume v-1", "creating"),
        ("cluster c-1", "provisioning"),
        ("container deployment llm", "paused"),
        ("job deployment batch", "paused"),
    ];
    for (resource, (kind, status)) in RESOURCES.iter().zip(pending) {
        assert_eq!(resource.kind, kind);
        let (client, script) = answering(resource, status).await;
        let row = format!("{kind} in {status}");
        let error = (resource.wait_for_other)(&client).await.unwrap_err();
        assert!(
            matches!(&error, Error::WaitTimeout { last_status, .. } if last_status == status),
            "{row}: {error:?}"
        );
        let reads = script.calls();
        assert!(reads > 1, "{row}: read {reads} times");
        let error = (resource.wait_gone)(&client).await.unwrap_err();
        assert!(matches!(error, Error::WaitTimeout { .. }), "{row}: {error:?}");
    }
}
