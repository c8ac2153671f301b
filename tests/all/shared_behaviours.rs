//! Behaviours many endpoints share, as tables: one test per behaviour, one row per endpoint.

use crate::common;

use std::future::Future;
use std::pin::Pin;

use datacrunch::types::{
    AddSshKeyRequest, AddStartupScriptRequest, CreateVolumeRequest, DeployInstanceRequest, LocationCode,
};
use datacrunch::{Client, Error};
use progenitor_client::ClientInfo as _;
use reqwest::StatusCode;
use serde_json::json;

type Call = Box<dyn Fn(Client) -> Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>>;

/// A table row: the method and path the call sends, and the call, reduced to a string to compare.
macro_rules! row {
    ($method:ident $path:literal, |$client:ident| $call:expr) => {
        (
            stringify!($method),
            $path,
            Box::new(
                move |$client: Client| -> Pin<Box<dyn Future<Output = Result<String, Error>> + Send>> {
                    Box::pin(async move { $call })
                },
            ) as Call,
        )
    };
}

/// Calls that change something and may answer 200, 202 or 204 without a body.
fn actions_without_a_body() -> Vec<(&'static str, &'static str, Call)> {
    let status = |r: datacrunch::ResponseValue<()>| r.status().as_str().to_owned();
    vec![
        row!(DELETE "/v1/sshkeys/k-1", |c| c.delete_ssh_key_by_id().id("k-1").send().await.map(status)),
        row!(DELETE "/v1/scripts/s-1", |c| c.delete_script_by_id().id("s-1").send().await.map(status)),
        row!(DELETE "/v1/volumes/v-1/tags/team", |c| c.delete_volume_tag().id("v-1").key("team").send().await.map(status)),
        row!(DELETE "/v1/instances/i-1/tags/team", |c| c.delete_instance_tag().id("i-1").key("team").send().await.map(status)),
        row!(POST "/v1/job-deployments/batch/pause", |c| c.pause_job_deployment().name("batch").send().await.map(status)),
        row!(POST "/v1/container-deployments/web/restart", |c| c.restart_container_deployment().name("web").send().await.map(status)),
        row!(DELETE "/v1/container-deployments/web", |c| c.delete_container_deployment().name("web").send().await.map(status)),
        row!(DELETE "/v1/secrets/token", |c| c.delete_secret().name("token").send().await.map(status)),
    ]
}

#[tokio::test]
async fn actions_accept_200_202_and_204_without_a_body() {
    for (method, path, call) in actions_without_a_body() {
        for status in [200, 202, 204] {
            let (server, client) = common::mock_api().await;
            let mock = server.mock(|when, then| {
                when.method(method).path(path);
                then.status(status);
            });
            let answer = call(client)
                .await
                .unwrap_or_else(|e| panic!("{path} answering {status}: {e}"));
            assert_eq!(answer, status.to_string(), "{path}");
            assert_eq!(mock.calls(), 1, "{path}");
        }
    }
}

const ID: &str = "7f3e2d1c-0000-4000-8000-00000000abcd";

/// Create calls, which answer with the new id.
fn creates() -> Vec<(&'static str, &'static str, Call)> {
    vec![
        row!(POST "/v1/instances", |c| {
            let request = DeployInstanceRequest::builder()
                .instance_type("1H100.80S.22V")
                .image("ubuntu-24.04")
                .hostname("h")
                .description("d")
                .location_code(LocationCode::Fin03);
            c.deploy_instance().body(request).send().await.map(|id| id.into_inner().to_string())
        }),
        row!(POST "/v1/volumes", |c| {
            let request = CreateVolumeRequest::builder().type_("NVMe").name("data").size(100).location_code(LocationCode::Fin03);
            c.create_volume().body(request).send().await.map(|id| id.into_inner().to_string())
        }),
        row!(POST "/v1/sshkeys", |c| {
            let request = AddSshKeyRequest::builder().name("laptop").key("ssh-ed25519 AAAA");
            c.add_ssh_keys().body(request).send().await.map(|id| id.into_inner().to_string())
        }),
        row!(POST "/v1/scripts", |c| {
            let request = AddStartupScriptRequest::builder().name("setup").script("#!/bin/sh");
            c.add_scripts().body(request).send().await.map(|id| id.into_inner().to_string())
        }),
    ]
}

#[tokio::test]
async fn creates_read_the_id_as_bare_text_a_json_string_or_an_object() {
    let shapes: [(&str, String); 3] = [
        ("text/plain", ID.to_owned()),
        ("application/json", json!(ID).to_string()),
        ("application/json", json!({"id": ID}).to_string()),
    ];
    for (method, path, call) in creates() {
        for (content_type, body) in &shapes {
            let (server, client) = common::mock_api().await;
            server.mock(|when, then| {
                when.method(method).path(path);
                then.status(201).header("content-type", *content_type).body(body);
            });
            let id = call(client)
                .await
                .unwrap_or_else(|e| panic!("{path} answering {body}: {e}"));
            assert_eq!(id, ID, "{path} answering {body}");
        }
    }
}

/// Drops a successful answer: only errors matter in [`reads`].
fn done<T>(_: T) -> String {
    String::new()
}

/// Reads whose error answers may come from a proxy rather than the API.
fn reads() -> Vec<(&'static str, &'static str, Call)> {
    vec![
        row!(GET "/v1/balance", |c| c.get_balance().send().await.map(done)),
        row!(GET "/v1/instances", |c| c.get_all_instances().send().await.map(done)),
        row!(GET "/v1/instances/i-1", |c| c.get_instance_by_id().id("i-1").send().await.map(done)),
        row!(GET "/v1/volumes/v-1", |c| c.get_volume_by_id().id("v-1").send().await.map(done)),
        row!(GET "/v1/sshkeys", |c| c.get_ssh_keys().send().await.map(done)),
        row!(GET "/v1/locations", |c| c.get_locations().send().await.map(done)),
    ]
}

#[tokio::test]
async fn error_answers_that_are_not_json_keep_their_status_and_text() {
    let bodies = [
        (502, "text/html", "<html><body>502 Bad Gateway</body></html>"),
        (500, "text/plain", "upstream connect error"),
        (404, "text/plain", ""),
    ];
    for (method, path, call) in reads() {
        for (status, content_type, body) in bodies {
            let (server, client) = common::mock_api().await;
            server.mock(|when, then| {
                when.method(method).path(path);
                then.status(status).header("content-type", content_type).body(body);
            });
            match call(client).await {
                Err(Error::Api { status: got, error }) => {
                    assert_eq!(got, StatusCode::from_u16(status).unwrap(), "{path}");
                    assert_eq!((error.code, error.message.as_str()), (None, body), "{path}");
                }
                other => panic!("{path} answering {status}: expected an API error, got {other:?}"),
            }
        }
    }
}

/// Every operation names the API version it was generated for, and asks for JSON, exactly once
/// per header (build.rs writes these headers straight onto the request).
#[tokio::test]
async fn every_call_sends_the_api_version_and_accept_headers_once() {
    for (method, path, call) in actions_without_a_body() {
        let (server, client) = common::mock_api().await;
        let mock = server.mock(|when, then| {
            when.method(method)
                .path(path)
                .header("api-version", Client::api_version())
                .header("accept", "application/json")
                .is_true(|request| {
                    let headers = request.headers();
                    headers.get_all("api-version").iter().count() == 1 && headers.get_all("accept").iter().count() == 1
                });
            then.status(204);
        });
        call(client).await.unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(mock.calls(), 1, "{path}");
    }
}
