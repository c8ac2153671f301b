//! The test kit's fake API, exercised through the SDK as a downstream test would, on paused time.

use crate::common;

use std::time::Duration;

use datacrunch::Error;
use datacrunch::retry::RetryPolicy;
use datacrunch::testing::FakeApi;
use datacrunch::types::{
    AddSshKeyRequest, AddStartupScriptRequest, CreateVolumeRequest, DeployInstanceRequest, InstanceActionRequest,
    InstanceId, InstanceStatus, LocationCode, VolumeStatus,
};
use reqwest::StatusCode;

const SECOND: Duration = Duration::from_secs(1);

fn deploy_request(hostname: &str) -> datacrunch::types::builder::DeployInstanceRequest {
    DeployInstanceRequest::builder()
        .instance_type("1H100.80S.22V")
        .image("ubuntu-24.04-cuda-12.8-open-docker")
        .hostname(hostname)
        .description("test instance")
        .location_code(LocationCode::Fin03)
}

fn action(id: &InstanceId, action: &str) -> datacrunch::types::builder::InstanceActionRequest {
    InstanceActionRequest::builder().id(id.clone()).action(action)
}

#[tokio::test(start_paused = true)]
async fn a_whole_flow_token_create_list_act_delete() {
    let fake = FakeApi::start().await;
    fake.provision_time(60 * SECOND);
    let client = fake.client();

    let key = client
        .add_ssh_keys()
        .body(
            AddSshKeyRequest::builder()
                .name("laptop")
                .key("ssh-ed25519 AAAA me@laptop"),
        )
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_inner();
    let ssh_key = client.get_ssh_key_by_id().id(&key).send().await.unwrap().into_inner();
    assert_eq!(ssh_key.name, "laptop");

    let id = client
        .deploy_instance()
        .body(deploy_request("trainer").ssh_key_ids(vec![key.clone()]))
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_inner();
    let status = |client: datacrunch::Client, id: datacrunch::types::InstanceId| async move {
        client
            .get_instance_by_id()
            .id(&id)
            .send()
            .await
            .unwrap()
            .into_inner()
            .status
    };
    assert_eq!(status(client.clone(), id.clone()).await, InstanceStatus::Ordered);
    tokio::time::sleep(30 * SECOND).await;
    assert_eq!(status(client.clone(), id.clone()).await, InstanceStatus::Provisioning);
    tokio::time::sleep(30 * SECOND).await;
    let running = client.get_instance_by_id().id(&id).send().await.unwrap().into_inner();
    assert_eq!(running.status, InstanceStatus::Running);
    assert!(running.ip.is_some());
    let listed = client.get_all_instances().status("running").send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(fake.volume_count(), 1, "the OS volume");

    client
        .instance_action()
        .body(action(&id, "shutdown"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(client.clone(), id.clone()).await, InstanceStatus::Offline);
    client
        .instance_action()
        .body(action(&id, "delete"))
        .send()
        .await
        .unwrap();
    let gone = client.get_instance_by_id().id(&id).send().await.unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    assert_eq!(fake.volume_count(), 0, "the OS volume goes with its instance");

    assert_eq!(fake.token_requests(), 1);
    assert_eq!(
        (
            fake.requests_for("deploy_instance"),
            fake.requests_for("instance_action")
        ),
        (1, 2)
    );
    assert_eq!(fake.requests(), 11);
}

#[tokio::test(start_paused = true)]
async fn a_volume_attached_to_an_instance_is_detached_when_the_instance_goes() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    let instance = client
        .deploy_instance()
        .body(deploy_request("db"))
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_inner();
    let volume = client
        .create_volume()
        .body(
            CreateVolumeRequest::builder()
                .type_("NVMe")
                .name("data")
                .size(500)
                .location_code(LocationCode::Fin03)
                .instance_id(instance.clone()),
        )
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_inner();
    let read = |client: datacrunch::Client, id: datacrunch::types::VolumeId| async move {
        client.get_volume_by_id().id(&id).send().await.unwrap().into_inner()
    };
    assert_eq!(
        read(client.clone(), volume.clone()).await.status,
        VolumeStatus::Attached
    );

    client
        .instance_action()
        .body(action(&instance, "delete"))
        .send()
        .await
        .unwrap();
    let detached = read(client.clone(), volume.clone()).await;
    assert_eq!(detached.status, VolumeStatus::Detached);
    assert_eq!(detached.instance_id, None);
}

#[tokio::test(start_paused = true)]
async fn tokens_expire_rotate_and_can_be_revoked() {
    let fake = FakeApi::start().await;
    fake.token_lifetime(100 * SECOND);
    let client = fake.client();

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(60 * SECOND).await; // past the renewal point (half the life)
    client.get_balance().send().await.unwrap();
    tokio::time::sleep(SECOND).await;
    assert_eq!(fake.token_requests(), 2, "one renewal with the rotated refresh token");

    // Revoked: the API answers 401, the refresh token is refused too, client credentials work.
    fake.revoke_tokens();
    client.get_balance().send().await.unwrap();
    assert_eq!(fake.token_requests(), 4);
    assert_eq!(fake.requests_for("get_balance"), 4);

    let wrong = datacrunch::Client::builder()
        .base_url(fake.base_url())
        .credentials("fake-client-id", "not-the-secret")
        .build()
        .unwrap();
    let error = wrong.get_balance().send().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Auth(datacrunch::auth::AuthError::InvalidCredentials { .. })
        ),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_expired_token_is_refused_by_the_fake() {
    let fake = FakeApi::start().await;
    fake.token_lifetime(10 * SECOND);
    let client = fake.client();
    client.get_balance().send().await.unwrap();
    // The SDK renews on time; a hand-made request with the first, now dead, token shows the
    // fake's answer.
    tokio::time::sleep(11 * SECOND).await;
    let raw = common::plain_http()
        .get(format!("{}/balance", fake.base_url()))
        .bearer_auth("fake-access-1")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized_request");
    client.get_balance().send().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn bodies_are_validated_and_unknown_ids_are_not_found() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    let missing_hostname = serde_json::json!({
        "instance_type": "1H100.80S.22V",
        "image": "ubuntu-24.04",
        "description": "no hostname",
        "location_code": "FIN-03"
    });
    let answer = client
        .http()
        .post(format!("{}/instances", fake.base_url()))
        .json(&missing_hostname)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "invalid_request");
    assert!(body["message"].as_str().unwrap().contains("hostname"), "{body}");

    let error = client
        .get_instance_by_id()
        .id("no-such-instance")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_not_found());
    let error = client.get_ssh_key_by_id().id("no-such-key").send().await.unwrap_err();
    assert_eq!(error.code(), Some(&datacrunch::types::ErrorCode::NotFound));
    let error = client
        .deploy_instance()
        .body(deploy_request("x").instance_type("9X999.1V"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
}

#[tokio::test(start_paused = true)]
async fn startup_scripts_are_paginated_as_the_live_api() {
    let fake = FakeApi::start().await;
    let client = fake.client();
    for n in 0..25 {
        client
            .add_scripts()
            .body(
                AddStartupScriptRequest::builder()
                    .name(format!("script-{n}"))
                    .script("#!/bin/sh"),
            )
            .send()
            .await
            .unwrap();
    }
    let first_page = client.get_scripts().send().await.unwrap();
    assert_eq!(first_page.len(), 10);
    assert_eq!(first_page.headers()["x-total-count"], "25");
    let last = client
        .http()
        .get(format!("{}/scripts?page=3&pageSize=10", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(last.headers()["x-page"], "3");
    assert_eq!(last.json::<Vec<serde_json::Value>>().await.unwrap().len(), 5);

    let all = client.all_scripts().await.unwrap();
    assert_eq!(all.len(), 25);
    assert_eq!(all[24].name, "script-24");
}

#[tokio::test(start_paused = true)]
async fn faults_latency_and_rate_limits_on_demand() {
    let fake = FakeApi::start().await;
    let client = fake
        .client_builder()
        .retry_policy(RetryPolicy::default().without_jitter())
        .build()
        .unwrap();
    client.get_balance().send().await.unwrap();

    fake.fail_next(2, StatusCode::SERVICE_UNAVAILABLE);
    client.get_balance().send().await.unwrap(); // retried by the client
    assert_eq!(fake.requests_for("get_balance"), 4);

    fake.fail_next_with_html(1, StatusCode::BAD_GATEWAY);
    let no_retries = fake.client_builder().retry_policy(RetryPolicy::none()).build().unwrap();
    let error = no_retries.get_balance().send().await.unwrap_err();
    match &error {
        Error::Api { status, error } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(error.message.contains("<html>"), "{error:?}");
        }
        other => panic!("expected an API error, got {other:?}"),
    }

    fake.rate_limit_next(1, 2 * SECOND);
    let started = tokio::time::Instant::now();
    client.get_balance().send().await.unwrap();
    assert_eq!(started.elapsed(), 2 * SECOND);

    fake.latency(3 * SECOND);
    let started = tokio::time::Instant::now();
    client.get_balance().send().await.unwrap();
    assert_eq!(started.elapsed(), 3 * SECOND);
}

#[tokio::test]
async fn the_fake_token_endpoint_refuses_malformed_grants() {
    let fake = FakeApi::start().await;
    let token_url = format!("{}/oauth2/token", fake.base_url());
    let http = common::plain_http();
    for body in [
        serde_json::json!({"grant_type": "password", "username": "u"}),
        serde_json::json!({"grant_type": "refresh_token"}),
        serde_json::json!({"client_id": "fake-client-id"}),
    ] {
        let answer = http.post(&token_url).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(error["code"], "invalid_request", "{body}");
    }
    let unknown = serde_json::json!({"grant_type": "refresh_token", "refresh_token": "never-issued"});
    let answer = http.post(&token_url).json(&unknown).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(fake.token_requests(), 4);
}

#[tokio::test(start_paused = true)]
async fn an_operation_the_fake_does_not_model_answers_501_naming_it() {
    let fake = FakeApi::start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::none()).build().unwrap();
    assert!(!FakeApi::modelled_operations().any(|operation| operation == "add_volume_tag"));
    let tag = datacrunch::types::TagRequest::builder()
        .key("team")
        .value("ml".to_owned());
    let error = client.add_volume_tag().id("v-1").body(tag).send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_IMPLEMENTED));
    assert!(!error.is_not_found());
    match &error {
        Error::Api { error, .. } => {
            assert_eq!(error.code, Some(datacrunch::types::ErrorCode::from("not_implemented")));
            assert!(error.message.contains("add_volume_tag"), "{error:?}");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert_eq!(fake.requests_for("add_volume_tag"), 1);

    // A path the API does not have at all stays a 404.
    let answer = client
        .http()
        .get(format!("{}/no-such-resource", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    // Modelled operations are untouched.
    assert_eq!(client.get_all_volumes().send().await.unwrap().len(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_wait_reports_its_progress_after_every_read_short_of_the_goal() {
    let fake = FakeApi::start().await;
    fake.provision_time(30 * SECOND);
    let client = fake.client();
    let id = client
        .deploy_instance()
        .body(deploy_request("progress"))
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_inner();
    let mut reported = Vec::new();
    let mut shown = Vec::new();
    let instance = client
        .wait_for_instance(&id, InstanceStatus::Running)
        .on_progress(|progress| {
            assert_eq!(progress.resource, format!("instance {id}"));
            reported.push((progress.reads, progress.status.to_owned(), progress.elapsed.as_secs()));
            shown.push(progress.to_string());
        })
        .await
        .unwrap();
    assert_eq!(instance.status, InstanceStatus::Running);
    // Reads at 0, 2, 6, 14, 24 s (doubling from 2 s, at most 10 s apart) fall short; 34 s runs.
    let expected: Vec<(u32, String, u64)> = [
        (1, "ordered", 0),
        (2, "ordered", 2),
        (3, "ordered", 6),
        (4, "ordered", 14),
        (5, "provisioning", 24),
    ]
    .into_iter()
    .map(|(reads, status, at)| (reads, status.to_owned(), at))
    .collect();
    assert_eq!(reported, expected);
    assert_eq!(fake.requests_for("get_instance_by_id"), 6);
    assert_eq!(shown[4], format!("instance {id} is provisioning after 24 s"));
}
