//! Waiters and lifecycle helpers, on paused time against a local API whose answers change over
//! time: exact read counts, exact virtual instants, typed failures.

use crate::common;

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use common::local::{Reply, Script, serve};
use datacrunch::deletion::Deletion;
use datacrunch::retry::RetryPolicy;
use datacrunch::types::{
    ClusterId, ClusterStatus, DeploymentStatus, Instance, InstanceActionKind, InstanceId, InstanceStatus, JobStatus,
    VolumeId,
};
use datacrunch::{Client, Error};
use serde_json::json;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);
const ID: &str = "26d43424-5f6a-4c1d-9b7e-0c2f1a3e4d5b";
const INSTANCE_PATH: &str = "/v1/instances/26d43424-5f6a-4c1d-9b7e-0c2f1a3e4d5b";

fn id() -> InstanceId {
    InstanceId::from(ID)
}

/// A client without credentials for the API at `base`, retrying after 1 s, 2 s, 4 s.
fn client(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1"))
        .retry_policy(RetryPolicy::default().backoff(SECOND, 8 * SECOND).without_jitter())
        .build()
        .unwrap()
}

fn instance(status: &str) -> Reply {
    Reply::json(
        200,
        json!({"id": ID, "hostname": "gpu-1", "instance_type": "1H100.80S.22V", "status": status}),
    )
}

/// A script answering the instance with each of `statuses` in turn.
fn instances(statuses: &[&str]) -> Script {
    Script::new(statuses.iter().map(|status| instance(status)))
}

fn error(status: u16, code: &str) -> Reply {
    Reply::json(status, json!({"code": code, "message": "as scripted"}))
}

/// When each request arrived, counted from `start`.
fn arrivals(script: &Script, start: Instant) -> Vec<Duration> {
    script.seen().iter().map(|seen| seen.at - start).collect()
}

/// Serves `script` at `path` and returns a client for it.
async fn api(path: &str, script: &Script) -> Client {
    client(&serve(Router::new().route(path, script.handler())).await)
}

#[tokio::test(start_paused = true)]
async fn an_instance_provisioning_for_30_s_is_read_six_times_at_doubling_intervals() {
    // The server's answer depends on the virtual time, not on how often it was asked.
    let start = Instant::now();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = seen.clone();
    let route = axum::routing::get(move || {
        let recorder = recorder.clone();
        async move {
            recorder.lock().unwrap().push(Instant::now() - start);
            match start.elapsed() < 30 * SECOND {
                true => instance("provisioning"),
                false => instance("running"),
            }
        }
    });
    let client = client(&serve(Router::new().route(INSTANCE_PATH, route)).await);

    let running = client.wait_for_instance(&id(), InstanceStatus::Running).await.unwrap();
    assert_eq!(running.status, InstanceStatus::Running);
    assert_eq!(*seen.lock().unwrap(), [0, 2, 6, 14, 24, 34].map(|s| s * SECOND));
    assert_eq!(start.elapsed(), 34 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn the_poll_interval_doubles_up_to_the_configured_maximum() {
    let script = Script::new(std::iter::repeat_n(instance("provisioning"), 6).chain([instance("running")]));
    let client = api(INSTANCE_PATH, &script).await;
    let start = Instant::now();

    client
        .wait_for_instance(&id(), InstanceStatus::Running)
        .poll_interval(SECOND)
        .max_poll_interval(4 * SECOND)
        .await
        .unwrap();
    assert_eq!(arrivals(&script, start), [0, 1, 3, 7, 11, 15, 19].map(|s| s * SECOND));
}

#[tokio::test(start_paused = true)]
async fn an_instance_in_error_fails_the_wait_at_once() {
    let script = instances(&["ordered", "provisioning", "error", "running"]);
    let client = api(INSTANCE_PATH, &script).await;
    let start = Instant::now();

    let error = client
        .wait_for_instance(&id(), InstanceStatus::Running)
        .await
        .unwrap_err();
    match &error {
        Error::UnreachableState { resource, status } => {
            assert_eq!(
                (resource.as_str(), status.as_str()),
                (format!("instance {ID}").as_str(), "error")
            );
        }
        other => panic!("expected an unreachable state, got {other:?}"),
    }
    assert_eq!(script.calls(), 3);
    assert_eq!(start.elapsed(), 6 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_reports_the_last_status_after_a_last_read_at_the_deadline() {
    let script = instances(&["ordered", "provisioning"]);
    let client = api(INSTANCE_PATH, &script).await;
    let start = Instant::now();

    let error = client
        .wait_for_instance(&id(), InstanceStatus::Running)
        .timeout(60 * SECOND)
        .await
        .unwrap_err();
    match error {
        Error::WaitTimeout {
            last_status, waited, ..
        } => assert_eq!((last_status.as_str(), waited), ("provisioning", 60 * SECOND)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(
        arrivals(&script, start),
        [0, 2, 6, 14, 24, 34, 44, 54, 60].map(|s| s * SECOND)
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_wait_reads_no_more() {
    let script = instances(&["provisioning"]);
    let client = api(INSTANCE_PATH, &script).await;

    let wait = client.wait_for_instance(&id(), InstanceStatus::Running).into_future();
    assert!(tokio::time::timeout(5 * SECOND, wait).await.is_err());
    assert_eq!(script.calls(), 2);
    tokio::time::sleep(600 * SECOND).await;
    assert_eq!(script.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_503_while_polling_is_retried_by_the_client_and_the_wait_goes_on() {
    let script = Script::new([
        instance("provisioning"),
        error(503, "service_unavailable"),
        instance("running"),
    ]);
    let client = api(INSTANCE_PATH, &script).await;
    let start = Instant::now();

    let running = client.wait_for_instance(&id(), InstanceStatus::Running).await.unwrap();
    assert_eq!(running.status, InstanceStatus::Running);
    // Read at 0 s, 503 at 2 s, the client's retry 1 s later.
    assert_eq!(arrivals(&script, start), [0, 2, 3].map(|s| s * SECOND));
}

#[tokio::test(start_paused = true)]
async fn an_error_the_client_does_not_retry_ends_the_wait_as_it_came() {
    let script = Script::new([instance("provisioning"), error(401, "unauthorized_request")]);
    let client = api(INSTANCE_PATH, &script).await;

    let error = client
        .wait_for_instance(&id(), InstanceStatus::Running)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(script.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_gone_wait_ends_when_the_instance_answers_404() {
    let script = Script::new([instance("deleting"), instance("deleting"), error(404, "not_found")]);
    let client = api(INSTANCE_PATH, &script).await;
    let start = Instant::now();

    client.wait_for_instance_gone(&id()).await.unwrap();
    assert_eq!(arrivals(&script, start), [0, 2, 6].map(|s| s * SECOND));
}

#[tokio::test(start_paused = true)]
async fn a_status_wait_fails_with_the_404_when_the_instance_is_gone() {
    let script = Script::new([error(404, "not_found")]);
    let client = api(INSTANCE_PATH, &script).await;

    let error = client
        .wait_for_instance(&id(), InstanceStatus::Running)
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(script.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_predicate_or_a_set_replaces_the_target_and_wins_over_failures() {
    let script = instances(&["ordered", "error", "being_teleported", "offline"]);
    let client = api(INSTANCE_PATH, &script).await;
    let wait = || client.wait_for_instance(&id(), InstanceStatus::Running);

    // Anything but `ordered`, as the provider's CLI waits after a deploy: `error` included.
    let first = wait().until(|status| *status != InstanceStatus::Ordered).await.unwrap();
    assert_eq!(first.status, InstanceStatus::Error);
    // A status this SDK does not know keeps the wait going.
    let second = wait()
        .until_any_of([InstanceStatus::Running, InstanceStatus::Offline])
        .await
        .unwrap();
    assert_eq!(second.status, InstanceStatus::Offline);
    assert_eq!(script.calls(), 4);
}

fn volume(status: &str) -> Reply {
    Reply::json(
        200,
        json!({"id": "v-1", "name": "data", "created_at": "2026-01-01T00:00:00Z", "is_os_volume": false,
               "size": 100, "status": status, "type": "NVMe"}),
    )
}

#[tokio::test(start_paused = true)]
async fn a_volume_is_awaited_every_second_at_first_and_counts_as_gone_in_the_trash() {
    let script = Script::new([
        volume("ordered"),
        volume("creating"),
        volume("detached"),
        volume("deleting"),
        volume("deleted"),
    ]);
    let client = api("/v1/volumes/v-1", &script).await;
    let start = Instant::now();

    let detached = client
        .wait_for_volume(&VolumeId::from("v-1"), datacrunch::types::VolumeStatus::Detached)
        .await
        .unwrap();
    assert_eq!(detached.name, "data");
    client.wait_for_volume_gone(&VolumeId::from("v-1")).await.unwrap();
    assert_eq!(arrivals(&script, start), [0, 1, 3, 3, 4].map(|s| s * SECOND));
}

fn cluster(status: &str) -> Reply {
    Reply::json(
        200,
        json!({"id": "c-1", "hostname": "train", "cluster_type": "16H200", "status": status}),
    )
}

#[tokio::test(start_paused = true)]
async fn a_discontinued_cluster_fails_a_wait_for_running_and_ends_a_gone_wait() {
    let script = Script::new([cluster("ordered"), cluster("discontinued")]);
    let client = api("/v1/clusters/c-1", &script).await;
    let id = ClusterId::from("c-1");

    let error = client.wait_for_cluster(&id, ClusterStatus::Running).await.unwrap_err();
    assert!(
        matches!(&error, Error::UnreachableState { status, .. } if status == "discontinued"),
        "{error:?}"
    );
    client.wait_for_cluster_gone(&id).await.unwrap();
    assert_eq!(script.calls(), 3);
}

fn status(status: &str) -> Reply {
    Reply::json(200, json!({"status": status}))
}

#[tokio::test(start_paused = true)]
async fn a_container_deployment_is_awaited_on_its_status_endpoint_until_healthy_then_gone() {
    let script = Script::new([
        status("initializing"),
        status("image_pulling"),
        status("healthy"),
        error(404, "not_found"),
    ]);
    let client = api("/v1/container-deployments/llm/status", &script).await;

    let info = client
        .wait_for_container_deployment("llm", DeploymentStatus::Healthy)
        .await
        .unwrap();
    assert_eq!(info.status, DeploymentStatus::Healthy);
    client.wait_for_container_deployment_gone("llm").await.unwrap();
    assert_eq!(script.calls(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_terminating_job_deployment_cannot_be_paused_and_is_gone_on_404() {
    let script = Script::new([status("running"), status("terminating"), error(404, "not_found")]);
    let client = api("/v1/job-deployments/batch/status", &script).await;

    let error = client
        .wait_for_job_deployment("batch", JobStatus::Paused)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::UnreachableState { resource, status } if resource == "job deployment batch" && status == "terminating"),
        "{error:?}"
    );
    client.wait_for_job_deployment_gone("batch").await.unwrap();
    assert_eq!(script.calls(), 3);
}

fn action_result(status: &str, code: u16) -> Reply {
    Reply::json(
        202,
        json!([{"instanceId": ID, "action": "start", "status": status, "statusCode": code}]),
    )
}

/// Serves `PUT /v1/instances` from `actions` and `GET` of the instance from `reads`.
async fn instances_api(actions: &Script, reads: &Script) -> Client {
    let app = Router::new()
        .route("/v1/instances", actions.handler())
        .route(INSTANCE_PATH, reads.handler());
    client(&serve(app).await)
}

/// Sends `action` to the instance and waits for what it leads to.
async fn act(client: &Client, action: InstanceActionKind) -> Result<Option<Instance>, Error> {
    client.instance_action_and_wait(&id(), action)?.await
}

#[tokio::test(start_paused = true)]
async fn start_and_wait_sends_the_action_then_waits_for_running() {
    let actions = Script::new([action_result("success", 202)]);
    let reads = instances(&["offline", "offline", "running"]);
    let client = instances_api(&actions, &reads).await;
    let start = Instant::now();

    let instance = act(&client, InstanceActionKind::Start).await.unwrap();
    assert_eq!(instance.map(|i| i.status), Some(InstanceStatus::Running));
    let sent: serde_json::Value = serde_json::from_str(&actions.seen()[0].body).unwrap();
    assert_eq!(sent, json!({"action": "start", "id": ID}));
    assert_eq!(arrivals(&reads, start), [0, 2, 6].map(|s| s * SECOND));
}

#[tokio::test(start_paused = true)]
async fn delete_and_wait_resolves_to_none_once_the_instance_answers_404() {
    let actions = Script::new([action_result("success", 202)]);
    let reads = Script::new([instance("deleting"), error(404, "not_found")]);
    let client = instances_api(&actions, &reads).await;

    let gone = act(&client, InstanceActionKind::Delete).await.unwrap();
    assert!(gone.is_none());
    assert_eq!((actions.calls(), reads.calls()), (1, 2));
}

#[tokio::test(start_paused = true)]
async fn an_action_without_a_known_target_is_refused_before_sending() {
    let actions = Script::new([action_result("success", 202)]);
    let reads = instances(&["running"]);
    let client = instances_api(&actions, &reads).await;

    let error = client
        .instance_action_and_wait(&id(), InstanceActionKind::Transfer)
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(reason) if reason.contains("transfer")),
        "{error:?}"
    );
    assert_eq!((actions.calls(), reads.calls()), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn an_action_the_api_reports_as_failed_fails_without_waiting() {
    let actions = Script::new([Reply::json(
        207,
        json!([{"instanceId": ID, "status": "error", "statusCode": 409, "error": "instance is busy"}]),
    )]);
    let reads = instances(&["running"]);
    let client = instances_api(&actions, &reads).await;

    let error = act(&client, InstanceActionKind::Shutdown).await.unwrap_err();
    let (status, body) = common::api_error(error);
    assert_eq!((status.as_u16(), body.message.as_str()), (409, "instance is busy"));
    assert_eq!(reads.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn deleting_a_discontinued_instance_that_answers_403_counts_as_already_gone() {
    let actions = Script::new([error(403, "forbidden_action")]);
    let reads = instances(&["discontinued", "running"]);
    let client = instances_api(&actions, &reads).await;

    assert_eq!(
        client.delete_instance_if_exists(&id()).await.unwrap(),
        Deletion::AlreadyGone
    );
    // The same 403 for an instance that still runs is a real refusal.
    let error = client.delete_instance_if_exists(&id()).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    assert_eq!((actions.calls(), reads.calls()), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn idempotent_deletes_of_instances_volumes_and_deployments_treat_404_as_already_gone() {
    let instances = Script::new([error(404, "not_found"), action_result("success", 202)]);
    let volumes = Script::new([error(404, "not_found"), Reply::empty(202)]);
    let containers = Script::new([error(404, "not_found")]);
    let jobs = Script::new([error(404, "not_found")]);
    let app = Router::new()
        .route("/v1/instances", instances.handler())
        .route("/v1/volumes/v-1", volumes.handler())
        .route("/v1/container-deployments/llm", containers.handler())
        .route("/v1/job-deployments/batch", jobs.handler());
    let client = client(&serve(app).await);

    let volume = VolumeId::from("v-1");
    assert_eq!(
        client.delete_instance_if_exists(&id()).await.unwrap(),
        Deletion::AlreadyGone
    );
    assert_eq!(
        client.delete_instance_if_exists(&id()).await.unwrap(),
        Deletion::Deleted
    );
    assert_eq!(
        client.delete_volume_if_exists(&volume).await.unwrap(),
        Deletion::AlreadyGone
    );
    assert_eq!(
        client.delete_volume_if_exists(&volume).await.unwrap(),
        Deletion::Deleted
    );
    let container = client.delete_container_deployment_if_exists("llm").await.unwrap();
    let job = client.delete_job_deployment_if_exists("batch").await.unwrap();
    assert_eq!((container, job), (Deletion::AlreadyGone, Deletion::AlreadyGone));
}
