//! Wire tests for serverless containers: container types, compute resources, container
//! deployments (and their status, actions, scaling, replicas and environment variables),
//! secrets, file secrets and registry credentials. Most tests are `wire_test!` rows
//! (`common/wire.rs`).

use crate::common;
use crate::common::wire::wire_test;

use datacrunch::types::{
    Autoupdate, ComputeSpecRequest, ContainerEnvVars, ContainerImageField, ContainerRequest, CreateDeploymentRequest,
    CreateFileSecretRequest, CreateRegistryCredentialsRequest, CreateSecretRequest, Currency, DeleteEnvVarsRequest,
    DeploymentStatus, EntrypointOverridesRequest, EnvVar, EnvVarEntry, EnvVarType, EnvVarsResult, ErrorCode,
    HealthcheckRequest, QueueLoadTriggerRequest, RegistryCredentialsRef, RegistrySettings, RegistryType,
    ScalingOptionsRequest, ScalingPolicyRequest, ScalingTriggersRequest, SecretFile, SecretType,
    UpdateDeploymentRequest, UtilizationTriggerRequest, VolumeMountRequest, VolumeMountType,
};
use httpmock::prelude::*;
use serde_json::{Value, json};

/// Finishes a generated type builder (optional nested fields take the built value).
fn built<T, B>(builder: B) -> T
where
    T: TryFrom<B>,
    T::Error: std::fmt::Debug,
{
    T::try_from(builder).expect("a complete builder")
}

/// A deployment as the API describes it, with the container image in either shape.
fn deployment_json(name: &str, image: Value) -> Value {
    json!({
        "name": name,
        "containers": [{
            "name": "api-0",
            "image": image,
            "exposed_port": 8000,
            "healthcheck": {"enabled": true, "port": 8000, "path": "/ready"},
            "entrypoint_overrides": {"enabled": true, "entrypoint": ["uvicorn"], "cmd": ["app:main"]},
            "env": [{"name": "MODEL", "value_or_reference_to_secret": "llama-3", "type": "plain"}],
            "volume_mounts": [
                {"type": "scratch", "mount_path": "/scratch"},
                {"type": "memory", "mount_path": "/dev/shm", "size_in_mb": 1024.0},
                {"type": "tmpfs-v2", "mount_path": "/fast"}
            ],
            "autoupdate": {"enabled": false, "mode": "latest"}
        }],
        "compute": {"name": "L40S", "size": 2.0, "is_available": "true"},
        "container_registry_settings": {"is_private": true, "credentials": {"name": "ghcr-ci"}},
        "is_spot": true,
        "endpoint_base_url": format!("https://containers.datacrunch.io/{name}"),
        "scaling": scaling_json(json!(0.65), json!(75)),
        "created_at": "2025-03-14T09:26:53.000Z",
        "region_hint": "a field this SDK does not know"
    })
}

fn scaling_json(queue_threshold: Value, cpu_threshold: Value) -> Value {
    json!({
        "min_replica_count": 0,
        "max_replica_count": 6,
        "scale_down_policy": {"delay_seconds": 120},
        "scale_up_policy": {"delay_seconds": 15},
        "queue_message_ttl_seconds": 900,
        "concurrent_requests_per_replica": 4,
        "scaling_triggers": {
            "queue_load": {"threshold": queue_threshold},
            "cpu_utilization": {"enabled": true, "threshold": cpu_threshold},
            "gpu_utilization": {"enabled": false}
        }
    })
}

wire_test! { container_types_accept_prices_as_strings_and_numbers(client)
    expect GET "/v1/container-types", query_param("currency", "eur");
    answer 200, json!([
        {
            "id": "ct-l40s", "model": "L40S", "name": "L40S 48GB", "instance_type": "1L40S.20V",
            "cpu": {"description": "20 CPU", "number_of_cores": 20},
            "gpu": {"description": "1x L40S 48GB", "number_of_gpus": 1},
            "gpu_memory": {"description": "48GB GPU RAM", "size_in_gigabytes": 48},
            "memory": {"description": "120GB RAM", "size_in_gigabytes": 120.0},
            "serverless_price": "1.15", "serverless_spot_price": "0.46",
            "currency": "eur", "manufacturer": "NVIDIA"
        },
        {
            "id": "ct-b300", "model": "B300", "name": "B300 288GB", "instance_type": "1B300.36V",
            "cpu": {"description": "36 CPU", "number_of_cores": 36},
            "gpu": {"description": "1x B300", "number_of_gpus": 1},
            "gpu_memory": {"description": "288GB GPU RAM", "size_in_gigabytes": 288},
            "memory": {"description": "275GB RAM", "size_in_gigabytes": 275},
            "serverless_price": 0.00412, "serverless_spot_price": 0.0021,
            "currency": "EUR", "manufacturer": "NVIDIA"
        }
    ]);
    let types = client.get_container_types().currency(Currency::Eur).send().await.unwrap().into_inner();

    assert_eq!(types.len(), 2);
    assert_eq!(types[0].serverless_price, Some("1.15".parse().unwrap()));
    assert_eq!(types[0].serverless_spot_price.as_ref().unwrap().as_str(), "0.46");
    assert_eq!(types[0].memory.as_ref().unwrap().size_in_gigabytes.map(|n| n.get()), Some(120));
    assert_eq!(types[0].currency, Some(Currency::Eur));
    assert_eq!(types[1].serverless_price, Some("0.00412".parse().unwrap()));
    assert_eq!(types[1].instance_type.to_string(), "1B300.36V");
    assert!(!types[1].instance_type.is_known());
    assert_eq!(types[1].currency, Some(Currency::from("EUR")));
    assert_eq!(serde_json::to_value(&types[1].currency).unwrap(), json!("EUR"));
}

wire_test! { serverless_compute_resources_decode(client)
    expect GET "/v1/serverless-compute-resources";
    answer 200, json!([
        {"name": "RTX PRO 6000", "size": 1, "is_available": true},
        {"name": "H200", "size": 8.0, "is_available": "false"}
    ]);
    let resources = client.get_serverless_compute_resources().send().await.unwrap().into_inner();

    assert_eq!(resources.len(), 2);
    assert_eq!(resources[0].name, "RTX PRO 6000");
    assert!(resources[0].is_available.unwrap().get());
    assert_eq!(resources[1].size.unwrap().get(), 8);
    assert!(!resources[1].is_available.unwrap().get());
}

wire_test! { list_deployments_accepts_both_image_shapes(client)
    setup {
        let mut minimal = deployment_json(
            "sdxl",
            json!({"image": "ghcr.io/acme/sdxl:v3", "last_updated_at": "2025-03-01T00:00:00Z"}),
        );
        minimal.as_object_mut().unwrap().remove("scaling");
    }
    expect GET "/v1/container-deployments", query_param("projectId", "proj-42");
    answer 200, json!([deployment_json("whisper", json!("ghcr.io/acme/whisper:1.4")), minimal]);
    let list = client.get_container_deployments().project_id("proj-42").send().await.unwrap().into_inner();

    assert_eq!(list.len(), 2);
    let first = &list[0];
    assert_eq!(first.name, "whisper");
    assert_eq!(
        first.containers.as_ref().unwrap()[0].image,
        ContainerImageField::String("ghcr.io/acme/whisper:1.4".into())
    );
    assert_eq!(first.compute.as_ref().unwrap().size.get(), 2);
    assert_eq!(first.compute.as_ref().unwrap().is_available.map(|b| b.get()), Some(true));
    assert_eq!(
        first
            .container_registry_settings
            .as_ref()
            .unwrap()
            .credentials
            .as_ref()
            .map(|c| c.name.as_str()),
        Some("ghcr-ci")
    );
    let mounts = first.containers.as_ref().unwrap()[0].volume_mounts.as_ref().unwrap();
    assert_eq!(mounts[0].type_, VolumeMountType::Scratch);
    assert_eq!(mounts[1].size_in_mb.map(|n| n.get()), Some(1024));
    assert_eq!(mounts[2].type_, VolumeMountType::from("tmpfs-v2"));
    assert_eq!(serde_json::to_value(&mounts[2].type_).unwrap(), json!("tmpfs-v2"));
    let cpu = first.scaling.as_ref().unwrap().scaling_triggers.as_ref().unwrap().cpu_utilization.as_ref().unwrap();
    assert_eq!(cpu.threshold.as_ref().map(|t| t.as_str()), Some("75"));

    let second = &list[1];
    assert!(second.scaling.is_none());
    match &second.containers.as_ref().unwrap()[0].image {
        ContainerImageField::ContainerImage(image) => {
            assert_eq!(image.image, "ghcr.io/acme/sdxl:v3");
            assert_eq!(image.last_updated_at.as_deref(), Some("2025-03-01T00:00:00Z"));
        }
        other => panic!("expected an image object, got {other:?}"),
    }
}

wire_test! { create_deployment_sends_the_full_body(client)
    expect POST "/v1/container-deployments", json_body(json!({
        "name": "whisper",
        "is_spot": false,
        "compute": {"name": "L40S", "size": 1},
        "container_registry_settings": {"is_private": true, "credentials": {"name": "ghcr-ci"}},
        "scaling": {
            "min_replica_count": 1,
            "max_replica_count": 4,
            "scale_up_policy": {"delay_seconds": 30},
            "scale_down_policy": {"delay_seconds": 600}
        },
        "containers": [{
            "name": "api-0",
            "image": "ghcr.io/acme/whisper:1.4",
            "exposed_port": 8000,
            "healthcheck": {"enabled": true, "port": 8000, "path": "/ready"},
            "entrypoint_overrides": {"enabled": true, "cmd": ["--workers", "2"]},
            "env": [
                {"name": "MODEL", "value_or_reference_to_secret": "large-v3", "type": "plain"},
                {"name": "HF_TOKEN", "value_or_reference_to_secret": "hf-token", "type": "secret"}
            ],
            "volume_mounts": [
                {"type": "secret", "mount_path": "/etc/certs", "secret_name": "tls", "file_names": ["ca.pem"]},
                {"type": "shared", "mount_path": "/models", "volume_id": "7f3a0c52-5b8e-4d1e-9c1f-2a6b7d8e9f01"},
                {"type": "memory", "mount_path": "/dev/shm", "size_in_mb": 2048}
            ],
            "autoupdate": {"enabled": true, "mode": "semantic", "tag_filter": "1.*"}
        }]
    }));
    answer 201, deployment_json("whisper", json!({"image": "ghcr.io/acme/whisper:1.4"}));
    let container = ContainerRequest::builder()
        .name("api-0".to_string())
        .image("ghcr.io/acme/whisper:1.4")
        .exposed_port(8000)
        .healthcheck(built::<HealthcheckRequest, _>(
            HealthcheckRequest::builder()
                .enabled(true)
                .port(8000)
                .path("/ready".to_string()),
        ))
        .entrypoint_overrides(built::<EntrypointOverridesRequest, _>(
            EntrypointOverridesRequest::builder()
                .enabled(true)
                .cmd(vec!["--workers".into(), "2".into()]),
        ))
        .env(vec![
            env_var("MODEL", "large-v3", EnvVarType::Plain),
            env_var("HF_TOKEN", "hf-token", EnvVarType::Secret),
        ])
        .volume_mounts(vec![
            VolumeMountRequest::try_from(
                VolumeMountRequest::builder()
                    .type_(VolumeMountType::Secret)
                    .mount_path("/etc/certs")
                    .secret_name("tls".to_string())
                    .file_names(vec!["ca.pem".to_string()]),
            )
            .unwrap(),
            VolumeMountRequest::try_from(
                VolumeMountRequest::builder()
                    .type_(VolumeMountType::Shared)
                    .mount_path("/models")
                    .volume_id(datacrunch::types::VolumeId::from(
                        "7f3a0c52-5b8e-4d1e-9c1f-2a6b7d8e9f01".to_string(),
                    )),
            )
            .unwrap(),
            VolumeMountRequest::try_from(
                VolumeMountRequest::builder()
                    .type_(VolumeMountType::Memory)
                    .mount_path("/dev/shm")
                    .size_in_mb(2048),
            )
            .unwrap(),
        ])
        .autoupdate(built::<Autoupdate, _>(
            Autoupdate::builder()
                .enabled(true)
                .mode("semantic".to_string())
                .tag_filter("1.*".to_string()),
        ));
    let body = CreateDeploymentRequest::builder()
        .name("whisper")
        .is_spot(false)
        .compute(ComputeSpecRequest::builder().name("L40S").size(1))
        .container_registry_settings(built::<RegistrySettings, _>(
            RegistrySettings::builder()
                .is_private(true)
                .credentials(built::<RegistryCredentialsRef, _>(
                    RegistryCredentialsRef::builder().name("ghcr-ci"),
                )),
        ))
        .scaling(built::<ScalingOptionsRequest, _>(
            ScalingOptionsRequest::builder()
                .min_replica_count(1)
                .max_replica_count(4)
                .scale_up_policy(built::<ScalingPolicyRequest, _>(
                    ScalingPolicyRequest::builder().delay_seconds(30),
                ))
                .scale_down_policy(built::<ScalingPolicyRequest, _>(
                    ScalingPolicyRequest::builder().delay_seconds(600),
                )),
        ))
        .containers(vec![ContainerRequest::try_from(container).unwrap()]);

    let created = client.create_container_deployment().body(body).send().await.unwrap();

    assert_eq!(created.status(), 201);
    let created = created.into_inner().expect("the answer has a body");
    assert_eq!(created.name, "whisper");
    assert_eq!(created.is_spot, Some(true));
    assert_eq!(created.containers.as_ref().unwrap()[0].exposed_port.unwrap().get(), 8000);
    assert!(
        matches!(&created.containers.as_ref().unwrap()[0].image, ContainerImageField::ContainerImage(i) if i.last_updated_at.is_none())
    );
}

fn env_var(name: &str, value: &str, kind: EnvVarType) -> EnvVar {
    EnvVar::try_from(
        EnvVar::builder()
            .name(name)
            .value_or_reference_to_secret(value)
            .type_(kind),
    )
    .unwrap()
}

wire_test! { get_deployment_by_name(client)
    expect GET "/v1/container-deployments/whisper";
    answer 200, deployment_json("whisper", json!("ghcr.io/acme/whisper:1.4"));
    let deployment = client.get_container_deployment_by_name().name("whisper").send().await.unwrap().into_inner();

    assert_eq!(
        deployment.endpoint_base_url.as_deref(),
        Some("https://containers.datacrunch.io/whisper")
    );
    assert_eq!(deployment.created_at.as_deref(), Some("2025-03-14T09:26:53.000Z"));
    let container = &deployment.containers.as_ref().unwrap()[0];
    assert_eq!(container.healthcheck.as_ref().and_then(|h| h.path.as_deref()), Some("/ready"));
    assert_eq!(container.entrypoint_overrides.as_ref().unwrap().entrypoint, Some(vec!["uvicorn".to_string()]));
    assert_eq!(container.env.as_ref().unwrap()[0].type_, EnvVarType::Plain);
    assert_eq!(container.autoupdate.as_ref().and_then(|a| a.mode.as_deref()), Some("latest"));
}

wire_test! { get_deployment_error_with_upper_case_code(client)
    expect GET "/v1/container-deployments/missing";
    answer 400, json!({"code": "INVALID_REQUEST", "message": "deployment name is not valid"});
    let err = client.get_container_deployment_by_name().name("missing").send().await.unwrap_err();

    let (status, error) = common::api_error(err);
    assert_eq!(status, 400);
    assert_eq!(error.code, Some(ErrorCode::from("INVALID_REQUEST")));
    assert_eq!(error.message, "deployment name is not valid");
}

wire_test! { error_with_a_non_json_body_keeps_status_and_text(client)
    expect GET "/v1/container-deployments/whisper/replicas";
    answer_with status(503), header("content-type", "text/html"), body("<h1>upstream unavailable</h1>");
    let err = client.get_container_deployment_replicas().name("whisper").send().await.unwrap_err();

    let (status, error) = common::api_error(err);
    assert_eq!(status, 503);
    assert_eq!(error.code, None);
    assert_eq!(error.message, "<h1>upstream unavailable</h1>");
}

wire_test! { update_deployment(client)
    expect PATCH "/v1/container-deployments/whisper", json_body(json!({
        "is_spot": true,
        "containers": [{"name": "api-0", "image": "ghcr.io/acme/whisper:1.5", "exposed_port": 8000}]
    }));
    answer 200, deployment_json("whisper", json!("ghcr.io/acme/whisper:1.5"));
    let body = UpdateDeploymentRequest::builder().is_spot(true).containers(vec![
        ContainerRequest::try_from(
            ContainerRequest::builder()
                .name("api-0".to_string())
                .image("ghcr.io/acme/whisper:1.5")
                .exposed_port(8000),
        )
        .unwrap(),
    ]);
    let updated = client.update_container_deployment().name("whisper").body(body)
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(
        updated.containers.as_ref().unwrap()[0].image,
        ContainerImageField::String("ghcr.io/acme/whisper:1.5".into())
    );
}

wire_test! { delete_deployment_with_timeout_answers_204(client)
    expect DELETE "/v1/container-deployments/whisper", query_param("timeout", "0");
    answer_with status(204);
    let response = client.delete_container_deployment().name("whisper").timeout(0).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

wire_test! { delete_deployment_answers_200(client)
    expect DELETE "/v1/container-deployments/sdxl", query_param("timeout", "120000");
    answer_with status(200);
    let response = client.delete_container_deployment().name("sdxl").timeout(120_000).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn deployment_status_known_and_unknown() {
    let (server, client) = common::mock_api().await;
    let healthy = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/container-deployments/whisper/status");
            common::reply(then, 200, json!({"status": "image_pulling"}));
        })
        .await;
    let future = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/container-deployments/sdxl/status");
            common::reply(then, 200, json!({"status": "hibernating_cold"}));
        })
        .await;

    let status = client
        .get_container_deployment_status()
        .name("whisper")
        .send()
        .await
        .unwrap()
        .into_inner();
    healthy.assert_async().await;
    assert_eq!(status.status, DeploymentStatus::ImagePulling);

    let status = client
        .get_container_deployment_status()
        .name("sdxl")
        .send()
        .await
        .unwrap()
        .into_inner();
    future.assert_async().await;
    assert_eq!(status.status, DeploymentStatus::Unknown("hibernating_cold".into()));
    assert_eq!(
        serde_json::to_value(&status).unwrap(),
        json!({"status": "hibernating_cold"})
    );
}

#[tokio::test]
async fn restart_pause_resume_and_purge_queue_answer_204() {
    let (server, client) = common::mock_api().await;
    let mut mocks = Vec::new();
    for action in ["restart", "pause", "resume", "purge-queue"] {
        let path = format!("/v1/container-deployments/whisper/{action}");
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(POST).path(path);
                    then.status(204);
                })
                .await,
        );
    }

    let restarted = client
        .restart_container_deployment()
        .name("whisper")
        .send()
        .await
        .unwrap();
    let paused = client
        .pause_container_deployment()
        .name("whisper")
        .send()
        .await
        .unwrap();
    let resumed = client
        .resume_container_deployment()
        .name("whisper")
        .send()
        .await
        .unwrap();
    let purged = client
        .purge_container_deployment_queue()
        .name("whisper")
        .send()
        .await
        .unwrap();
    for mock in &mocks {
        mock.assert_async().await;
    }
    for response in [restarted, paused, resumed, purged] {
        assert_eq!(response.status(), 204);
    }
}

wire_test! { pause_answering_200_is_also_success(client)
    expect POST "/v1/container-deployments/sdxl/pause";
    answer_with status(200);
    let response = client.pause_container_deployment().name("sdxl").send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn scaling_thresholds_as_fraction_or_percentage() {
    let (server, client) = common::mock_api().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/container-deployments/whisper/scaling");
            common::reply(then, 200, scaling_json(json!(0.9), json!(60)));
        })
        .await;
    let strings = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/container-deployments/sdxl/scaling");
            let mut body = scaling_json(json!("0.25"), json!(0.7));
            body["max_replica_count"] = json!(10.0);
            common::reply(then, 200, body);
        })
        .await;

    let scaling = client
        .get_container_deployment_scaling()
        .name("whisper")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(scaling.min_replica_count.map(|n| n.get()), Some(0));
    assert_eq!(
        scaling
            .scale_up_policy
            .as_ref()
            .and_then(|p| p.delay_seconds)
            .map(|n| n.get()),
        Some(15)
    );
    let triggers = scaling.scaling_triggers.as_ref().unwrap();
    assert_eq!(
        triggers
            .queue_load
            .as_ref()
            .unwrap()
            .threshold
            .as_ref()
            .unwrap()
            .to_f64(),
        0.9
    );
    assert_eq!(
        triggers.cpu_utilization.as_ref().unwrap().threshold,
        Some("60".parse().unwrap())
    );
    assert_eq!(triggers.gpu_utilization.as_ref().unwrap().enabled, Some(false));

    let scaling = client
        .get_container_deployment_scaling()
        .name("sdxl")
        .send()
        .await
        .unwrap()
        .into_inner();
    strings.assert_async().await;
    assert_eq!(scaling.max_replica_count.map(|n| n.get()), Some(10));
    let triggers = scaling.scaling_triggers.unwrap();
    assert_eq!(triggers.queue_load.unwrap().threshold, Some("0.25".parse().unwrap()));
    assert_eq!(
        triggers.cpu_utilization.unwrap().threshold,
        Some("0.7".parse().unwrap())
    );
}

wire_test! { update_scaling_sends_a_subset(client)
    setup {
        let mut answer = scaling_json(json!(0.5), json!(75));
        answer["max_replica_count"] = json!(12);
        answer["concurrent_requests_per_replica"] = json!(2);
    }
    expect PATCH "/v1/container-deployments/whisper/scaling", json_body(json!({
        "max_replica_count": 12,
        "concurrent_requests_per_replica": 2,
        "scaling_triggers": {
            "queue_load": {"threshold": 0.5},
            "gpu_utilization": {"enabled": true, "threshold": 85.0}
        }
    }));
    answer 200, answer;
    let body = ScalingOptionsRequest::builder()
        .max_replica_count(12)
        .concurrent_requests_per_replica(2)
        .scaling_triggers(built::<ScalingTriggersRequest, _>(
            ScalingTriggersRequest::builder()
                .queue_load(built::<QueueLoadTriggerRequest, _>(
                    QueueLoadTriggerRequest::builder().threshold(0.5),
                ))
                .gpu_utilization(built::<UtilizationTriggerRequest, _>(
                    UtilizationTriggerRequest::builder().enabled(true).threshold(85.0),
                )),
        ));
    let scaling = client.update_container_deployment_scaling().name("whisper").body(body)
        .send().await.unwrap().into_inner().expect("the answer has a body");

    assert_eq!(scaling.max_replica_count.map(|n| n.get()), Some(12));
    assert_eq!(scaling.concurrent_requests_per_replica.map(|n| n.get()), Some(2));
}

wire_test! { replicas_are_wrapped_in_list(client)
    expect GET "/v1/container-deployments/whisper/replicas";
    answer 200, json!({"list": [
        {"id": "whisper-7c9d-0", "status": "running", "started_at": "2025-03-14T09:30:00Z"},
        {"id": "whisper-7c9d-1", "status": "warming_up", "started_at": null}
    ]});
    let replicas = client.get_container_deployment_replicas().name("whisper").send().await.unwrap().into_inner();

    assert_eq!(replicas.list.as_ref().unwrap().len(), 2);
    assert_eq!(replicas.list.as_ref().unwrap()[0].id, "whisper-7c9d-0");
    assert_eq!(replicas.list.as_ref().unwrap()[0].started_at.as_deref(), Some("2025-03-14T09:30:00Z"));
    assert_eq!(replicas.list.as_ref().unwrap()[1].status, "warming_up");
    assert_eq!(replicas.list.as_ref().unwrap()[1].started_at, None);
}

wire_test! { env_vars_grouped_by_container(client)
    expect GET "/v1/container-deployments/whisper/environment-variables";
    answer 200, json!([{"container_name": "api-0", "env": [
        {"name": "MODEL", "value_or_reference_to_secret": "large-v3", "type": "plain"},
        {"name": "HF_TOKEN", "value_or_reference_to_secret": "hf-token", "type": "vault-ref"}
    ]}]);
    let listing = client.get_container_deployment_env_vars().name("whisper").send().await.unwrap().into_inner();

    assert_eq!(listing.len(), 1);
    match &listing[0] {
        EnvVarEntry::ContainerEnvVarGroup(group) => {
            assert_eq!(group.container_name, "api-0");
            assert_eq!(group.env.as_ref().unwrap()[0].value_or_reference_to_secret, "large-v3");
            assert_eq!(
                group.env.as_ref().unwrap()[1].type_,
                EnvVarType::Unknown("vault-ref".into())
            );
            assert_eq!(
                serde_json::to_value(&group.env.as_ref().unwrap()[1].type_).unwrap(),
                json!("vault-ref")
            );
        }
        other => panic!("expected a container group, got {other:?}"),
    }
}

wire_test! { env_vars_as_a_flat_list(client)
    expect GET "/v1/container-deployments/sdxl/environment-variables";
    answer 200, json!([
        {"name": "STEPS", "value_or_reference_to_secret": "30", "type": "plain"},
        {"name": "API_KEY", "value_or_reference_to_secret": "sdxl-key", "type": "secret"}
    ]);
    let listing = client.get_container_deployment_env_vars().name("sdxl").send().await.unwrap().into_inner();

    assert_eq!(listing.len(), 2);
    assert_eq!(listing[1], EnvVarEntry::EnvVar(env_var("API_KEY", "sdxl-key", EnvVarType::Secret)));
}

wire_test! { add_env_vars_answers_a_listing(client)
    expect POST "/v1/container-deployments/whisper/environment-variables", json_body(json!({
        "container_name": "api-0",
        "env": [{"name": "LOG_LEVEL", "value_or_reference_to_secret": "debug", "type": "plain"}]
    }));
    answer 201, json!([{"container_name": "api-0", "env": [
        {"name": "MODEL", "value_or_reference_to_secret": "large-v3", "type": "plain"},
        {"name": "LOG_LEVEL", "value_or_reference_to_secret": "debug", "type": "plain"}
    ]}]);
    let body = ContainerEnvVars::builder().container_name("api-0")
        .env(vec![env_var("LOG_LEVEL", "debug", EnvVarType::Plain)]);
    let result = client.add_container_deployment_env_vars().name("whisper").body(body).send().await.unwrap();

    assert_eq!(result.status(), 201);
    match result.into_inner().expect("the answer has a body") {
        EnvVarsResult::EnvVarListing(listing) => match &listing[0] {
            EnvVarEntry::ContainerEnvVarGroup(group) => assert_eq!(group.env.as_ref().unwrap()[1].name, "LOG_LEVEL"),
            other => panic!("expected a container group, got {other:?}"),
        },
        other => panic!("expected a listing, got {other:?}"),
    }
}

wire_test! { update_env_vars_answers_one_group(client)
    expect PATCH "/v1/container-deployments/whisper/environment-variables", json_body(json!({
        "container_name": "api-0",
        "env": [{"name": "HF_TOKEN", "value_or_reference_to_secret": "hf-token-2", "type": "secret"}]
    }));
    answer 200, json!({"container_name": "api-0", "env": [
        {"name": "HF_TOKEN", "value_or_reference_to_secret": "hf-token-2", "type": "secret"}
    ]});
    let body = ContainerEnvVars::builder().container_name("api-0").env(vec![env_var(
        "HF_TOKEN",
        "hf-token-2",
        EnvVarType::Secret,
    )]);
    let result = client.update_container_deployment_env_vars().name("whisper").body(body)
        .send().await.unwrap().into_inner();

    match result.expect("the answer has a body") {
        EnvVarsResult::ContainerEnvVarGroup(group) => {
            assert_eq!(group.container_name, "api-0");
            assert_eq!(
                group.env,
                Some(vec![env_var("HF_TOKEN", "hf-token-2", EnvVarType::Secret)])
            );
        }
        other => panic!("expected one group, got {other:?}"),
    }
}

wire_test! { delete_env_vars_sends_a_json_body(client)
    expect DELETE "/v1/container-deployments/whisper/environment-variables",
        json_body(json!({"container_name": "api-0", "env": ["LOG_LEVEL", "MODEL"]}));
    answer 200, json!([{"container_name": "api-0", "env": []}]);
    let body = DeleteEnvVarsRequest::builder().container_name("api-0")
        .env(vec!["LOG_LEVEL".to_string(), "MODEL".to_string()]);
    let result = client.delete_container_deployment_env_vars().name("whisper").body(body)
        .send().await.unwrap().into_inner();

    match result.expect("the answer has a body") {
        EnvVarsResult::EnvVarListing(listing) => {
            assert!(
                matches!(&listing[0], EnvVarEntry::ContainerEnvVarGroup(group) if group.env.as_ref().is_some_and(Vec::is_empty))
            );
        }
        other => panic!("expected a listing, got {other:?}"),
    }
}

wire_test! { list_secrets_with_unknown_type(client)
    expect GET "/v1/secrets";
    answer 200, json!([
        {"name": "hf-token", "created_at": "2025-02-02T10:00:00Z", "secret_type": "generic"},
        {"name": "db-url", "created_at": "2025-02-03T11:30:00Z", "secret_type": "sealed-box"}
    ]);
    let secrets = client.get_secrets().send().await.unwrap().into_inner();

    assert_eq!(secrets.len(), 2);
    assert_eq!(secrets[0].secret_type, Some(SecretType::Generic));
    assert_eq!(secrets[1].name, "db-url");
    assert_eq!(secrets[1].secret_type, Some(SecretType::Unknown("sealed-box".into())));
    assert_eq!(serde_json::to_value(&secrets[1]).unwrap()["secret_type"], json!("sealed-box"));
}

wire_test! { create_secret_answers_201_without_body(client)
    expect POST "/v1/secrets", json_body(json!({"name": "hf-token", "value": "hf_abc123"}));
    answer_with status(201);
    let response = client.create_secret().body(CreateSecretRequest::builder().name("hf-token").value("hf_abc123"))
        .send().await.unwrap();
    assert_eq!(response.status(), 201);
}

wire_test! { delete_secret_with_force(client)
    expect DELETE "/v1/secrets/hf-token", query_param("force", "true");
    answer_with status(200);
    let response = client.delete_secret().name("hf-token").force(true).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

wire_test! { list_file_secrets(client)
    expect GET "/v1/file-secrets";
    answer 200, json!([{"name": "tls", "created_at": "2025-01-20T08:00:00Z", "secret_type": "file-secret",
    "file_names": ["ca.pem", "server.key"]}]);
    let secrets = client.get_file_secrets().send().await.unwrap().into_inner();

    assert_eq!(secrets[0].name, "tls");
    assert_eq!(secrets[0].secret_type, Some(SecretType::FileSecret));
    assert_eq!(secrets[0].file_names, Some(vec!["ca.pem".to_string(), "server.key".to_string()]));
}

wire_test! { create_file_secret(client)
    expect POST "/v1/file-secrets", json_body(json!({
        "name": "tls",
        "files": [{"file_name": "ca.pem", "base64_content": "LS0tLS1CRUdJTg=="}]
    }));
    answer_with status(201);
    let file = SecretFile::try_from(
        SecretFile::builder()
            .file_name("ca.pem")
            .base64_content("LS0tLS1CRUdJTg=="),
    )
    .unwrap();
    let response = client.create_file_secret().body(CreateFileSecretRequest::builder().name("tls").files(vec![file]))
        .send().await.unwrap();
    assert_eq!(response.status(), 201);
}

wire_test! { delete_file_secret_without_force(client)
    expect DELETE "/v1/file-secrets/tls", query_param("force", "false");
    answer_with status(204);
    let response = client.delete_file_secret().name("tls").force(false).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

wire_test! { list_registry_credentials(client)
    expect GET "/v1/container-registry-credentials";
    answer 200, json!([
        {"name": "ghcr-ci", "created_at": "2024-12-01T12:00:00Z"},
        {"name": "ecr-prod", "created_at": "2025-01-05T06:45:00Z", "type": "aws-ecr"}
    ]);
    let credentials = client.get_registry_credentials().send().await.unwrap().into_inner();

    assert_eq!(credentials.len(), 2);
    assert_eq!(credentials[0].name, "ghcr-ci");
    assert_eq!(credentials[1].created_at.as_deref(), Some("2025-01-05T06:45:00Z"));
}

wire_test! { add_registry_credentials_for_ecr(client)
    expect POST "/v1/container-registry-credentials", json_body(json!({
        "name": "ecr-prod",
        "type": "aws-ecr",
        "access_key_id": "AKIAEXAMPLE",
        "secret_access_key": "s3cr3t",
        "region": "eu-north-1",
        "ecr_repo": "123456789012.dkr.ecr.eu-north-1.amazonaws.com/models"
    }));
    answer_with status(201);
    let body = CreateRegistryCredentialsRequest::builder().name("ecr-prod").type_(RegistryType::AwsEcr)
        .access_key_id("AKIAEXAMPLE".to_string()).secret_access_key("s3cr3t".to_string())
        .region("eu-north-1".to_string()).ecr_repo("123456789012.dkr.ecr.eu-north-1.amazonaws.com/models".to_string());
    let response = client.add_registry_credentials().body(body).send().await.unwrap();
    assert_eq!(response.status(), 201);
}

wire_test! { add_registry_credentials_with_an_unknown_type(client)
    expect POST "/v1/container-registry-credentials", json_body(json!({
        "name": "quay-mirror",
        "type": "quay",
        "username": "robot+ci",
        "access_token": "tok-987"
    }));
    answer_with status(201);
    let body = CreateRegistryCredentialsRequest::builder().name("quay-mirror").type_(RegistryType::from("quay"))
        .username("robot+ci".to_string()).access_token("tok-987".to_string());
    let response = client.add_registry_credentials().body(body).send().await.unwrap();
    assert_eq!(response.status(), 201);
}

wire_test! { delete_registry_credentials_with_force(client)
    expect DELETE "/v1/container-registry-credentials/ghcr-ci", query_param("force", "true");
    answer_with status(200);
    let response = client.delete_registry_credentials().name("ghcr-ci").force(true).send().await.unwrap();
    assert_eq!(response.status(), 200);
}
