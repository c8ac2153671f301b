//! A fake of the API's token, balance, catalogue and instance endpoints, on localhost.

use httpmock::MockServer;
use httpmock::prelude::*;
use serde_json::json;

pub const CLIENT_ID: &str = "quickstart-client";
pub const CLIENT_SECRET: &str = "quickstart-secret";

const INSTANCE_ID: &str = "3f2b7c1e-8d4a-4e6f-9a0b-1c2d3e4f5a6b";

/// Starts the fake API; it stops when the returned server is dropped.
pub fn start() -> MockServer {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token").json_body_includes(
            json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
                .to_string(),
        );
        then.status(200).json_body(json!({
            "access_token": "fake-access-token",
            "refresh_token": "fake-refresh-token",
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "fullAccess"
        }));
    });
    let authorized = |when: httpmock::When| when.header("authorization", "Bearer fake-access-token");
    server.mock(|when, then| {
        authorized(when.method(GET).path("/v1/balance"));
        then.status(200).json_body(json!({"amount": 250.75, "currency": "usd"}));
    });
    server.mock(|when, then| {
        authorized(when.method(GET).path("/v1/instance-types"));
        then.status(200).json_body(json!([
            offer("1H100.80S.22V", "H100", "2.19"),
            offer("8B300.240V", "B300", "39.92"),
            offer("CPU.4V.16G", "CPU", "0.0360"),
        ]));
    });
    server.mock(|when, then| {
        authorized(when.method(GET).path("/v1/instances"));
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        authorized(
            when.method(POST)
                .path("/v1/instances")
                .json_body_includes(r#"{"hostname":"quickstart"}"#),
        );
        then.status(202).header("content-type", "text/plain").body(INSTANCE_ID);
    });
    server.mock(|when, then| {
        authorized(when.method(GET).path(format!("/v1/instances/{INSTANCE_ID}")));
        then.status(200).json_body(json!({
            "id": INSTANCE_ID,
            "instance_type": "1H100.80S.22V",
            "status": "provisioning",
            "hostname": "quickstart",
            "description": "deployed by the datacrunch quickstart",
            "location": "FIN-03",
            "image": "ubuntu-24.04-cuda-12.8-open-docker",
            "price_per_hour": 2.19,
            "ip": null,
            "is_spot": false,
            "created_at": "2026-11-28T12:00:00Z"
        }));
    });
    server
}

fn offer(instance_type: &str, model: &str, price: &str) -> serde_json::Value {
    json!({
        "id": format!("type-{instance_type}"),
        "instance_type": instance_type,
        "model": model,
        "name": model,
        "price_per_hour": price,
        "spot_price": price,
        "currency": "usd"
    })
}
