//! The test kit's fake API beyond instances: clusters, container and job deployments, secrets,
//! volume actions.
//! Driven through the SDK as a downstream test would, on paused time, with exact read counts.

use std::time::Duration;

use datacrunch::deletion::Deletion;
use datacrunch::retry::RetryPolicy;
use datacrunch::testing::FakeApi;
use datacrunch::types::{
    ClusterAction, ClusterActionKind, ClusterActionRequest, ClusterId, ClusterSharedVolumeRequest, ClusterStatus,
    ComputeSpecRequest, ContainerImageField, ContainerRequest, CreateClusterRequest, CreateDeploymentRequest,
    CreateJobDeploymentRequest, CreateSecretRequest, CreateVolumeRequest, DeleteVolumeRequest, DeploymentStatus,
    JobContainerRequest, JobScalingRequest, JobStatus, LocationCode, VolumeActionKind, VolumeActionRequest, VolumeId,
    VolumeStatus,
};
use reqwest::StatusCode;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

fn cluster_request(hostname: &str) -> datacrunch::types::builder::CreateClusterRequest {
    CreateClusterRequest::builder()
        .cluster_type("16H200")
        .image("ubuntu-22.04-cuda-12.4-cluster")
        .hostname(hostname)
        .location_code(LocationCode::Fin03)
        .shared_volume(ClusterSharedVolumeRequest::builder().name("shared").size(30_000))
}

fn discontinue(id: &ClusterId) -> ClusterActionRequest {
    ClusterActionRequest {
        actions: vec![ClusterAction {
            id: id.clone(),
            action: ClusterActionKind::Discontinue,
        }],
    }
}

#[tokio::test(start_paused = true)]
async fn a_cluster_provisions_like_an_instance_and_goes_when_discontinued() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    let id = client
        .create_cluster()
        .body(cluster_request("trainers"))
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_inner();

    let started = Instant::now();
    let mut seen = Vec::new();
    let cluster = client
        .wait_for_cluster(&id, ClusterStatus::Running)
        .on_progress(|progress| seen.push(progress.status.to_owned()))
        .await
        .unwrap();
    // 30 s of provisioning, read at 0, 1, 3, 7, 15, 25 and 35 s.
    assert_eq!(started.elapsed(), 35 * SECOND);
    assert_eq!(
        seen,
        [
            "ordered",
            "ordered",
            "ordered",
            "ordered",
            "provisioning",
            "provisioning"
        ]
    );
    assert_eq!(fake.requests_for("get_cluster_by_id"), 7);
    assert_eq!(cluster.hostname, "trainers");
    assert_eq!(cluster.shared_volumes.unwrap()[0].name.as_deref(), Some("shared"));
    assert_eq!(client.get_clusters().send().await.unwrap().len(), 1);

    client.cluster_action().body(discontinue(&id)).send().await.unwrap();
    client.wait_for_cluster_gone(&id).await.unwrap();
    assert!(client.get_clusters().send().await.unwrap().is_empty());
    let error = client.cluster_action().body(discontinue(&id)).send().await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn a_cluster_request_without_its_shared_volume_is_refused_and_faults_apply() {
    let fake = FakeApi::start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::none()).build().unwrap();
    let answer = client
        .http()
        .post(format!("{}/clusters", fake.base_url()))
        .json(&serde_json::json!({"cluster_type": "16H200", "image": "x", "hostname": "h", "location_code": "FIN-03"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("shared_volume"), "{body}");

    fake.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let error = client
        .create_cluster()
        .body(cluster_request("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(client.get_clusters().send().await.unwrap().is_empty());
    assert_eq!(fake.requests_for("create_cluster"), 2);
}

fn deployment_request(name: &str) -> datacrunch::types::builder::CreateDeploymentRequest {
    CreateDeploymentRequest::builder()
        .name(name)
        .compute(ComputeSpecRequest::builder().name("H100").size(1))
        .containers(vec![
            ContainerRequest::builder()
                .image("vllm/vllm-openai:latest")
                .exposed_port(8000)
                .try_into()
                .unwrap(),
        ])
}

#[tokio::test(start_paused = true)]
async fn a_container_deployment_starts_pauses_resumes_and_is_deleted() {
    let fake = FakeApi::start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::none()).build().unwrap();
    let created = client
        .create_container_deployment()
        .body(deployment_request("llm"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let status = client
        .get_container_deployment_status()
        .name("llm")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status, DeploymentStatus::Initializing);

    let started = Instant::now();
    client
        .wait_for_container_deployment("llm", DeploymentStatus::Healthy)
        .await
        .unwrap();
    // Healthy after 30 s; read at 0, 2, 6, 14, 24 and 34 s.
    assert_eq!(started.elapsed(), 34 * SECOND);
    assert_eq!(fake.requests_for("get_container_deployment_status"), 7);

    client.pause_container_deployment().name("llm").send().await.unwrap();
    let status = client
        .get_container_deployment_status()
        .name("llm")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status, DeploymentStatus::Paused);
    client.resume_container_deployment().name("llm").send().await.unwrap();
    let status = client
        .get_container_deployment_status()
        .name("llm")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status.status,
        DeploymentStatus::Initializing,
        "a resume starts it up again"
    );
    tokio::time::sleep(30 * SECOND).await;
    let status = client
        .get_container_deployment_status()
        .name("llm")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status, DeploymentStatus::Healthy);

    let listed = client.get_container_deployments().send().await.unwrap();
    assert_eq!(listed.len(), 1);
    let deployment = client
        .get_container_deployment_by_name()
        .name("llm")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deployment.endpoint_base_url.as_deref(),
        Some("https://containers.datacrunch.io/llm")
    );

    let taken = client
        .create_container_deployment()
        .body(deployment_request("llm"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(taken.status(), Some(StatusCode::BAD_REQUEST));

    client.delete_container_deployment().name("llm").send().await.unwrap();
    client.wait_for_container_deployment_gone("llm").await.unwrap();
    let error = client
        .get_container_deployment_by_name()
        .name("llm")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(
        client.delete_container_deployment_if_exists("llm").await.unwrap(),
        Deletion::AlreadyGone
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_deployment_runs_pauses_resumes_and_is_deleted() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    let request = CreateJobDeploymentRequest::builder()
        .name("batch")
        .compute(ComputeSpecRequest::builder().name("H100").size(1))
        .scaling(
            JobScalingRequest::builder()
                .max_replica_count(1)
                .deadline_seconds(3600u64),
        )
        .containers(vec![
            JobContainerRequest::builder()
                .image("ghcr.io/acme/batch:1")
                .exposed_port(8080)
                .try_into()
                .unwrap(),
        ]);
    client.create_job_deployment().body(request).send().await.unwrap();
    let status = client.get_job_deployment_status().name("batch").send().await.unwrap();
    assert_eq!(status.status, JobStatus::Running);

    client.pause_job_deployment().name("batch").send().await.unwrap();
    client
        .wait_for_job_deployment("batch", JobStatus::Paused)
        .await
        .unwrap();
    client.resume_job_deployment().name("batch").send().await.unwrap();
    client
        .wait_for_job_deployment("batch", JobStatus::Running)
        .await
        .unwrap();
    assert_eq!(fake.requests_for("get_job_deployment_status"), 3);

    let listed = client.get_job_deployments().send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "batch");
    let job = client.get_job_deployment_by_name().name("batch").send().await.unwrap();
    let image = &job.containers.as_ref().unwrap()[0].image;
    assert_eq!(*image, ContainerImageField::String("ghcr.io/acme/batch:1".to_owned()));

    assert_eq!(
        client.delete_job_deployment_if_exists("batch").await.unwrap(),
        Deletion::Deleted
    );
    client.wait_for_job_deployment_gone("batch").await.unwrap();
    assert_eq!(
        client.delete_job_deployment_if_exists("batch").await.unwrap(),
        Deletion::AlreadyGone
    );
}

#[tokio::test(start_paused = true)]
async fn secrets_are_kept_by_name_and_their_values_never_answered() {
    let fake = FakeApi::start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::none()).build().unwrap();
    for name in ["hf-token", "db-password"] {
        let request = CreateSecretRequest::builder().name(name).value("s3cr3t-value");
        let answer = client.create_secret().body(request).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::CREATED);
    }
    let listed = client
        .http()
        .get(format!("{}/secrets", fake.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("s3cr3t-value"), "{listed}");
    let secrets = client.get_secrets().send().await.unwrap();
    let names: Vec<&str> = secrets.iter().map(|secret| secret.name.as_str()).collect();
    assert_eq!(names, ["hf-token", "db-password"]);

    let taken = CreateSecretRequest::builder().name("hf-token").value("other");
    let error = client.create_secret().body(taken).send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));

    client.delete_secret().name("hf-token").send().await.unwrap();
    assert_eq!(client.get_secrets().send().await.unwrap().len(), 1);
    let error = client.delete_secret().name("hf-token").send().await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

fn volume_action(id: &VolumeId, action: VolumeActionKind) -> datacrunch::types::builder::VolumeActionRequest {
    VolumeActionRequest::builder().id(id.clone()).action(action)
}

#[tokio::test(start_paused = true)]
async fn volumes_clone_go_to_the_trash_and_come_back() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    let request = CreateVolumeRequest::builder()
        .type_("NVMe")
        .name("data")
        .size(500)
        .location_code(LocationCode::Fin03);
    let id = client
        .create_volume()
        .body(request)
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_inner();

    let clones = client
        .volume_action()
        .body(volume_action(&id, VolumeActionKind::Clone).name(Some("data-copy".to_owned())))
        .send()
        .await
        .unwrap()
        .into_inner()
        .cloned_ids()
        .unwrap()
        .into_inner();
    assert_eq!(clones.len(), 1);
    let clone = client.get_volume_by_id().id(&clones[0]).send().await.unwrap();
    assert_eq!((clone.name.as_str(), clone.size), ("data-copy", 500.into()));
    assert_eq!(fake.volume_count(), 2);

    // Deleted into the trash: still readable as `deleted`, listed there, restorable.
    client
        .volume_action()
        .body(volume_action(&id, VolumeActionKind::Delete))
        .send()
        .await
        .unwrap();
    client.wait_for_volume_gone(&id).await.unwrap();
    assert_eq!(fake.requests_for("get_volume_by_id"), 2);
    let trash = client.get_volumes_in_trash().send().await.unwrap();
    assert_eq!(trash.len(), 1);
    assert_eq!(trash[0].status, VolumeStatus::Deleted);
    assert_eq!(client.get_all_volumes().send().await.unwrap().len(), 1);
    client
        .volume_action()
        .body(volume_action(&id, VolumeActionKind::Restore))
        .send()
        .await
        .unwrap();
    let restored = client.get_volume_by_id().id(&id).send().await.unwrap();
    assert_eq!(restored.status, VolumeStatus::Detached);
    assert!(client.get_volumes_in_trash().send().await.unwrap().is_empty());

    // Only a volume in the trash can be restored; a permanent delete leaves nothing to read.
    let error = client
        .volume_action()
        .body(volume_action(&id, VolumeActionKind::Restore))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    client
        .delete_volume_by_id()
        .id(&id)
        .body(DeleteVolumeRequest::builder().is_permanent(true))
        .send()
        .await
        .unwrap();
    let error = client.get_volume_by_id().id(&id).send().await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert!(client.get_volumes_in_trash().send().await.unwrap().is_empty());
}
