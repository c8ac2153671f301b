//! One wire test per class of mismatch between `openapi.yaml` and what the API really does, found
//! by comparing the spec with the official Go and Python SDKs: answers without optional fields,
//! arrays sent as `null`, any 2xx status with or without a body, fallback shapes, and requests
//! that carry what the API expects (`location_code`, fields both SDKs always send, `force`).

use crate::common;

use datacrunch::types::{ClusterSharedVolumeRequest, ClusterType, ImageType, InstanceType, LocationCode, VolumeType};
use datacrunch::types::{
    ComputeSpecRequest, ContainerEnvVars, ContainerRequest, CreateClusterRequest, CreateDeploymentRequest,
    CreateSecretRequest, CreateVolumeRequest, DeployInstanceRequest, EnvVar, EnvVarType, EnvVarsResult,
    ScalingOptionsRequest, VolumeActionKind, VolumeActionRequest, VolumeId,
};
use httpmock::Method::{DELETE, GET, PATCH, POST, PUT};
use serde_json::json;

use common::JSON;

// ---------------------------------------------------------------------------------------------
// Answers: optional fields may be missing, arrays may be null
// ---------------------------------------------------------------------------------------------

/// A container deployment as a freshly created one is listed: no registry settings, spot flag,
/// endpoint or creation time; a container without a name whose health check has no `enabled`.
#[tokio::test]
async fn a_container_deployment_without_optional_fields_decodes() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/container-deployments/whisper");
            common::reply(
                then,
                200,
                json!({
                    "name": "whisper",
                    "containers": [{
                        "image": {"image": "ghcr.io/acme/whisper:1.4", "last_updated_at": "2026-04-02T10:00:00Z"},
                        "exposed_port": 8000,
                        "healthcheck": {"port": 8000, "path": "/health"}
                    }],
                    "compute": {"name": "H100", "size": 1}
                }),
            );
        })
        .await;

    let deployment = client
        .get_container_deployment_by_name()
        .name("whisper")
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(deployment.name, "whisper");
    assert_eq!(deployment.container_registry_settings, None);
    assert_eq!(deployment.is_spot, None);
    assert_eq!(deployment.endpoint_base_url, None);
    assert_eq!(deployment.created_at, None);
    let container = &deployment.containers.as_ref().unwrap()[0];
    assert_eq!(container.name, None);
    let healthcheck = container.healthcheck.as_ref().unwrap();
    assert_eq!(
        (healthcheck.enabled, healthcheck.path.as_deref()),
        (None, Some("/health"))
    );
    mock.assert_async().await;
}

/// A job deployment that is still being set up has no endpoint yet.
#[tokio::test]
async fn a_job_deployment_without_an_endpoint_decodes() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/job-deployments/nightly-eval");
            common::reply(
                then,
                200,
                json!({
                    "name": "nightly-eval",
                    "containers": [{"image": "docker.io/acme/eval:3", "exposed_port": 8080}],
                    "compute": {"name": "General Compute", "size": 4},
                    "created_at": "2026-04-02T10:00:00Z",
                    "scaling": {"max_replica_count": 2, "deadline_seconds": 3600}
                }),
            );
        })
        .await;

    let job = client
        .get_job_deployment_by_name()
        .name("nightly-eval")
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(job.endpoint_base_url, None);
    assert_eq!(job.container_registry_settings, None);
    assert_eq!(job.scaling.unwrap().deadline_seconds.map(|n| n.get()), Some(3600));
    mock.assert_async().await;
}

/// Go encodes an empty slice as `null`; every array of an answer accepts it.
#[tokio::test]
async fn arrays_sent_as_null_decode_as_none() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/container-deployments");
            common::reply(
                then,
                200,
                json!([{
                    "name": "sdxl",
                    "containers": [{
                        "name": "worker",
                        "image": "ghcr.io/acme/sdxl:v3",
                        "exposed_port": 7860,
                        "env": null,
                        "volume_mounts": null,
                        "entrypoint_overrides": {"enabled": false, "entrypoint": null, "cmd": null}
                    }],
                    "compute": {"name": "RTX PRO 6000", "size": 1},
                    "is_spot": false
                }, {
                    "name": "draining",
                    "containers": null
                }]),
            );
        })
        .await;

    let list = client.get_container_deployments().send().await.unwrap().into_inner();

    let container = &list[0].containers.as_ref().unwrap()[0];
    assert_eq!((&container.env, &container.volume_mounts), (&None, &None));
    let overrides = container.entrypoint_overrides.as_ref().unwrap();
    assert_eq!((&overrides.entrypoint, &overrides.cmd), (&None, &None));
    assert_eq!(list[1].containers, None);
    mock.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// Answers: any 2xx status, with or without a body
// ---------------------------------------------------------------------------------------------

/// Restarting answers 202 Accepted with no body.
#[tokio::test]
async fn restart_answering_202_without_a_body_is_success() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/container-deployments/whisper/restart");
            then.status(202);
        })
        .await;

    let response = client
        .restart_container_deployment()
        .name("whisper")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 202);
    mock.assert_async().await;
}

/// Creating a secret answers 204 No Content.
#[tokio::test]
async fn create_secret_answering_204_is_success() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/secrets")
                .json_body(json!({"name": "hf-token", "value": "hf_abc"}));
            then.status(204);
        })
        .await;

    let body = CreateSecretRequest::builder().name("hf-token").value("hf_abc");
    let response = client.create_secret().body(body).send().await.unwrap();

    assert_eq!(response.status(), 204);
    mock.assert_async().await;
}

/// An update that answers 204 has no deployment to return: the typed answer is `None`.
#[tokio::test]
async fn an_update_answering_204_returns_none() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path("/v1/container-deployments/whisper/scaling")
                .json_body(json!({"max_replica_count": 3}));
            then.status(204);
        })
        .await;

    let body = ScalingOptionsRequest::builder().max_replica_count(Some(3));
    let response = client
        .update_container_deployment_scaling()
        .name("whisper")
        .body(body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 204);
    assert_eq!(response.into_inner(), None);
    mock.assert_async().await;
}

/// Environment-variable changes may answer `{}` or nothing at all.
#[tokio::test]
async fn env_var_changes_answering_empty_object_or_nothing_are_success() {
    let (server, client) = common::mock_api().await;
    let added = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/container-deployments/whisper/environment-variables");
            then.status(200).header("content-type", JSON).body("{}");
        })
        .await;
    let updated = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path("/v1/container-deployments/whisper/environment-variables");
            then.status(200);
        })
        .await;

    let env = || {
        ContainerEnvVars::builder().container_name("api-0").env(vec![
            EnvVar::builder()
                .name("LOG_LEVEL")
                .value_or_reference_to_secret("info")
                .type_(EnvVarType::Plain)
                .try_into()
                .unwrap(),
        ])
    };
    let answer = client
        .add_container_deployment_env_vars()
        .name("whisper")
        .body(env())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        matches!(answer, Some(EnvVarsResult::EnvVarsAck(ref ack)) if ack.is_empty()),
        "{answer:?}"
    );

    let answer = client
        .update_container_deployment_env_vars()
        .name("whisper")
        .body(env())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer, None);
    added.assert_async().await;
    updated.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// Answers: shapes the SDKs fall back to
// ---------------------------------------------------------------------------------------------

/// Some deployments answer a clone with the new id as bare text instead of a JSON array.
#[tokio::test]
async fn a_volume_clone_answering_bare_text_yields_the_id() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/v1/volumes")
                .json_body(json!({"id": "v-src", "action": "clone", "name": "v-src-copy"}));
            then.status(202)
                .header("content-type", "text/plain")
                .body("7d1e0000-0000-4000-8000-00000000c10e\n");
        })
        .await;

    let body = VolumeActionRequest::builder()
        .id(VolumeId::from("v-src"))
        .action(VolumeActionKind::Clone)
        .name("v-src-copy".to_string());
    let ids = client.volume_action().body(body).send().await.unwrap().into_inner();

    assert_eq!(
        ids.cloned_ids().unwrap().into_inner(),
        [VolumeId::from("7d1e0000-0000-4000-8000-00000000c10e")]
    );
    mock.assert_async().await;
}

/// An error body may carry a `details` object besides `code` and `message`.
#[tokio::test]
async fn an_error_keeps_its_details() {
    let (server, client) = common::mock_api().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/container-deployments/Whisper");
            common::reply(
                then,
                400,
                json!({
                    "code": "invalid_request",
                    "message": "name must be lower case",
                    "details": {"field": "name", "pattern": "^[a-z0-9-]+$"}
                }),
            );
        })
        .await;

    let err = client
        .get_container_deployment_by_name()
        .name("Whisper")
        .send()
        .await
        .unwrap_err();
    let (status, error) = common::api_error(err);

    assert_eq!(status.as_u16(), 400);
    assert_eq!(error.code, Some(datacrunch::types::ErrorCode::InvalidRequest));
    assert_eq!(error.message, "name must be lower case");
    assert_eq!(
        error.details.as_deref(),
        Some(&json!({"field": "name", "pattern": "^[a-z0-9-]+$"}))
    );
}

// ---------------------------------------------------------------------------------------------
// Requests: what the API expects
// ---------------------------------------------------------------------------------------------

/// Since 2026-03-23 the API rejects creations without `location_code`; the builders refuse them.
#[test]
fn creating_instances_clusters_and_volumes_requires_a_location() {
    let instance = DeployInstanceRequest::builder()
        .instance_type(InstanceType::H100x1_80S_22V)
        .image(ImageType::Ubuntu2404Cuda128OpenDocker)
        .hostname("trainer")
        .description("training box");
    let err = DeployInstanceRequest::try_from(instance).unwrap_err();
    assert!(err.to_string().contains("location_code"), "{err}");

    let cluster = CreateClusterRequest::builder()
        .cluster_type(ClusterType::B200x16)
        .image(ImageType::Ubuntu2204Cuda124Cluster)
        .hostname("bw")
        .shared_volume(ClusterSharedVolumeRequest::builder().name("bw-shared").size(30000));
    assert!(CreateClusterRequest::try_from(cluster).is_err());

    let volume = CreateVolumeRequest::builder()
        .type_(VolumeType::Nvme)
        .name("data")
        .size(100);
    assert!(CreateVolumeRequest::try_from(volume.clone()).is_err());
    assert!(CreateVolumeRequest::try_from(volume.location_code(LocationCode::Fin03)).is_ok());
}

/// Both official SDKs always send a cluster's description, empty unless set.
#[test]
fn a_cluster_without_description_sends_an_empty_one() {
    let cluster: CreateClusterRequest = CreateClusterRequest::builder()
        .cluster_type(ClusterType::B200x16)
        .image(ImageType::Ubuntu2204Cuda124Cluster)
        .hostname("bw")
        .location_code(LocationCode::Fin03)
        .ssh_key_ids(vec!["0f3e2d1c-aaaa-4bbb-8ccc-000000000001".into()])
        .shared_volume(ClusterSharedVolumeRequest::builder().name("bw-shared").size(30000))
        .try_into()
        .unwrap();
    let sent = serde_json::to_value(&cluster).unwrap();
    assert_eq!(sent["description"], "");
}

/// Both official SDKs always send `is_spot` and the registry settings of a new deployment; an
/// unset `scaling` goes as `null`, as the Python SDK posts it (`containers/_containers.py:414`
/// defaults it to `None`, `:822` posts `to_dict()`, which keeps `None`).
#[tokio::test]
async fn a_new_deployment_sends_is_spot_and_registry_settings_by_default() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/container-deployments").json_body(json!({
                "name": "whisper",
                "is_spot": false,
                "compute": {"name": "H100", "size": 1},
                "container_registry_settings": {"is_private": false},
                "scaling": null,
                "containers": [{"image": "ghcr.io/acme/whisper:1.4", "exposed_port": 8000}]
            }));
            common::reply(
                then,
                201,
                json!({
                    "name": "whisper",
                    "containers": [{"name": "whisper-0", "image": "ghcr.io/acme/whisper:1.4", "exposed_port": 8000}],
                    "compute": {"name": "H100", "size": 1},
                    "is_spot": false
                }),
            );
        })
        .await;

    let body = CreateDeploymentRequest::builder()
        .name("whisper")
        .compute(ComputeSpecRequest::builder().name("H100").size(1))
        .containers(vec![
            ContainerRequest::builder()
                .image("ghcr.io/acme/whisper:1.4")
                .exposed_port(8000)
                .try_into()
                .unwrap(),
        ]);
    let created = client
        .create_container_deployment()
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner()
        .expect("the answer has a body");

    assert_eq!(created.is_spot, Some(false));
    mock.assert_async().await;
}

/// The Go SDK deletes a volume for good with `?force=true`.
#[tokio::test]
async fn delete_volume_with_force() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/v1/volumes/v-old")
                .query_param("force", "true");
            then.status(202);
        })
        .await;

    let response = client
        .delete_volume_by_id()
        .id(VolumeId::from("v-old"))
        .force(true)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 202);
    mock.assert_async().await;
}
