//! Instant clusters: created `ordered`, `provisioning` half-way through the fake's provisioning
//! time, then `running`, like instances; `discontinue` removes one, so that it answers 404.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::capacity;
use super::routes::{CREATED_AT, Fake, api_error, body, created, json_ok, lock, not_found};
use super::state;

/// `(method, route, operation id)` of the cluster operations the fake models.
pub(super) const OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/v1/clusters", "get_clusters"),
    ("POST", "/v1/clusters", "create_cluster"),
    ("PUT", "/v1/clusters", "cluster_action"),
    ("GET", "/v1/clusters/{id}", "get_cluster_by_id"),
];

pub(super) fn routes() -> Router<Fake> {
    Router::new()
        .route("/v1/clusters", get(list).post(create).put(action))
        .route("/v1/clusters/{id}", get(get_one))
}

#[derive(Deserialize)]
struct SharedVolume {
    name: String,
    size: u64,
}

#[derive(Deserialize)]
struct NewCluster {
    cluster_type: String,
    image: String,
    hostname: String,
    description: Option<String>,
    location_code: String,
    shared_volume: SharedVolume,
    ssh_key_ids: Option<Vec<String>>,
}

async fn list(State(fake): State<Fake>) -> Response {
    let now = Instant::now();
    let clusters = lock(&fake)
        .clusters
        .iter()
        .map(|cluster| cluster.current(now))
        .collect();
    json_ok(Value::Array(clusters))
}

async fn create(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let new = match body::<NewCluster>(&bytes) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let Some(price) = capacity::cluster_price(&new.cluster_type) else {
        let message = format!("cluster type {} is not offered", new.cluster_type);
        return api_error(StatusCode::BAD_REQUEST, "invalid_request", &message);
    };
    let answer = {
        let mut state = lock(&fake);
        match state.capacity.refusal(&new.location_code) {
            Some(refusal) => refusal,
            None => order(&mut state, new, price),
        }
    };
    capacity::unless_lost(&fake, answer).await
}

/// Creates the cluster `new` describes and answers its id.
fn order(state: &mut state::State, new: NewCluster, price: &str) -> Response {
    let id = state.new_id(0xc1);
    let shared_volume = state.new_id(0x70);
    let cluster = json!({
        "id": id,
        "cluster_type": new.cluster_type,
        "status": "ordered",
        "hostname": new.hostname,
        "description": new.description,
        "created_at": CREATED_AT,
        "location": new.location_code,
        "image": new.image,
        "ip": null,
        "price_per_hour": price,
        "ssh_key_ids": new.ssh_key_ids.unwrap_or_default(),
        "shared_volumes": [{
            "id": shared_volume,
            "name": new.shared_volume.name,
            "size_in_gigabytes": new.shared_volume.size,
            "mount_point": "/mnt/shared",
        }],
    });
    let cluster = state.machine(cluster, Instant::now());
    state.clusters.push(cluster);
    created(StatusCode::ACCEPTED, id)
}

async fn get_one(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    let state = lock(&fake);
    match state.clusters.iter().find(|cluster| cluster.body["id"] == id.as_str()) {
        Some(cluster) => json_ok(cluster.current(Instant::now())),
        None => not_found("cluster", &id),
    }
}

#[derive(Deserialize)]
struct Actions {
    actions: Vec<Action>,
}

#[derive(Deserialize)]
struct Action {
    id: String,
    action: String,
}

/// Applies every action, or none when one names an unknown cluster or action.
async fn action(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let request = match body::<Actions>(&bytes) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    for action in &request.actions {
        if action.action != "discontinue" {
            let message = format!("action {:?} is not supported", action.action);
            return api_error(StatusCode::BAD_REQUEST, "invalid_request", &message);
        }
        if !state
            .clusters
            .iter()
            .any(|cluster| cluster.body["id"] == action.id.as_str())
        {
            return not_found("cluster", &action.id);
        }
    }
    state.clusters.retain(|cluster| {
        !request
            .actions
            .iter()
            .any(|action| cluster.body["id"] == action.id.as_str())
    });
    StatusCode::ACCEPTED.into_response()
}
