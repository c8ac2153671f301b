//! The fake's HTTP surface: one axum handler per operation, behind a gatekeeper that counts,
//! delays, injects faults and checks the bearer token.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::capacity;
use super::state::{self, Fault};
use super::unmodelled::operation_for;
use super::{CLIENT_ID, CLIENT_SECRET};
use super::{clusters, containers, jobs, secrets};

pub(super) type Fake = Arc<Mutex<state::State>>;

/// `(method, route, operation id)` of every operation the fake models; any other operation of
/// the API answers 501 `not_implemented`. The module documentation lists them too.
const OPERATIONS: &[(&str, &str, &str)] = &[
    ("POST", "/v1/oauth2/token", "get_access_token"),
    ("GET", "/v1/balance", "get_balance"),
    ("GET", "/v1/instance-types", "get_instances_types"),
    ("GET", "/v1/images", "get_images"),
    ("GET", "/v1/locations", "get_locations"),
    ("GET", "/v1/instance-availability", "get_all_availability"),
    ("GET", "/v1/instance-availability/{instance_type}", "get_availability"),
    ("GET", "/v1/sshkeys", "get_ssh_keys"),
    ("POST", "/v1/sshkeys", "add_ssh_keys"),
    ("DELETE", "/v1/sshkeys", "delete_ssh_keys"),
    ("GET", "/v1/sshkeys/{id}", "get_ssh_key_by_id"),
    ("DELETE", "/v1/sshkeys/{id}", "delete_ssh_key_by_id"),
    ("GET", "/v1/scripts", "get_scripts"),
    ("POST", "/v1/scripts", "add_scripts"),
    ("DELETE", "/v1/scripts", "delete_scripts"),
    ("GET", "/v1/scripts/{id}", "get_script_by_id"),
    ("DELETE", "/v1/scripts/{id}", "delete_script_by_id"),
    ("GET", "/v1/volumes", "get_all_volumes"),
    ("POST", "/v1/volumes", "create_volume"),
    ("PUT", "/v1/volumes", "volume_action"),
    ("GET", "/v1/volumes/trash", "get_volumes_in_trash"),
    ("GET", "/v1/volumes/{id}", "get_volume_by_id"),
    ("DELETE", "/v1/volumes/{id}", "delete_volume_by_id"),
    ("GET", "/v1/instances", "get_all_instances"),
    ("POST", "/v1/instances", "deploy_instance"),
    ("PUT", "/v1/instances", "instance_action"),
    ("GET", "/v1/instances/{id}", "get_instance_by_id"),
];

pub(super) const CREATED_AT: &str = "2026-01-01T00:00:00Z";

pub(super) fn router(fake: Fake) -> Router {
    Router::new()
        .route("/v1/oauth2/token", axum::routing::post(token))
        .route(
            "/v1/balance",
            get(|| async { json_ok(json!({"amount": 250.75, "currency": "usd"})) }),
        )
        .route("/v1/instance-types", get(capacity::instance_types))
        .route("/v1/images", get(images))
        .route("/v1/locations", get(locations))
        .route("/v1/instance-availability", get(capacity::availability))
        .route(
            "/v1/instance-availability/{instance_type}",
            get(capacity::availability_of),
        )
        .route(
            "/v1/sshkeys",
            get(list_ssh_keys).post(add_ssh_key).delete(delete_ssh_keys),
        )
        .route("/v1/sshkeys/{id}", get(get_ssh_key).delete(delete_ssh_key))
        .route("/v1/scripts", get(list_scripts).post(add_script).delete(delete_scripts))
        .route("/v1/scripts/{id}", get(get_script).delete(delete_script))
        .route("/v1/volumes", get(list_volumes).post(create_volume).put(volume_action))
        .route("/v1/volumes/trash", get(list_trash))
        .route("/v1/volumes/{id}", get(get_volume).delete(delete_volume))
        .route(
            "/v1/instances",
            get(list_instances).post(deploy_instance).put(instance_action),
        )
        .route("/v1/instances/{id}", get(get_instance))
        .merge(capacity::routes())
        .merge(clusters::routes())
        .merge(containers::routes())
        .merge(jobs::routes())
        .merge(secrets::routes())
        .fallback(|| async { api_error(StatusCode::NOT_FOUND, "not_found", "no such route") })
        .layer(middleware::from_fn_with_state(fake.clone(), gatekeeper))
        .with_state(fake)
}

pub(super) fn lock(fake: &Fake) -> MutexGuard<'_, state::State> {
    fake.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts the request, waits the configured latency, answers a queued fault, refuses API
/// requests without a valid bearer token, and answers 501 `not_implemented` for an operation of
/// the API that the fake does not model.
async fn gatekeeper(State(fake): State<Fake>, request: Request, next: Next) -> Response {
    let method = request.method().as_str();
    let route = request
        .uri()
        .path()
        .strip_prefix("/v1")
        .and_then(|path| operation_for(method, path));
    let operation = route.map_or("unknown", |(_, operation)| operation);
    let modelled = route.is_none_or(|(template, operation)| is_modelled(method, template, operation));
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let (latency, fault, authorized) = {
        let mut state = lock(&fake);
        if operation == "get_access_token" {
            state.token_requests += 1;
            (state.latency, None, true)
        } else {
            *state.counters.entry(operation).or_default() += 1;
            let authorized = bearer.is_some_and(|token| state.accepts(token, Instant::now()));
            (state.latency, state.faults.pop_front(), authorized)
        }
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::Api(status)) => api_error(status, code_for(status), "injected failure"),
        Some(Fault::Html(status)) => (
            status,
            [(header::CONTENT_TYPE, "text/html")],
            format!("<html><body><h1>{status}</h1></body></html>"),
        )
            .into_response(),
        Some(Fault::RateLimited(wait)) => {
            let mut response = api_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "slow down");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, wait.as_secs().into());
            response
        }
        None if !authorized => api_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_request",
            "Invalid or expired access token",
        ),
        None if !modelled => {
            let message = format!("FakeApi does not model the operation {operation}");
            api_error(StatusCode::NOT_IMPLEMENTED, "not_implemented", &message)
        }
        None => next.run(request).await,
    }
}

/// Whether the fake answers `operation` (on `template`, the spec's route after `/v1`).
fn is_modelled(method: &str, template: &str, operation: &str) -> bool {
    modelled().any(|(m, r, o)| *m == method && r.strip_prefix("/v1") == Some(template) && *o == operation)
}

/// The tables of modelled operations: this file's, then each resource file's.
const MODELLED: &[&[(&str, &str, &str)]] = &[
    OPERATIONS,
    capacity::OPERATIONS,
    clusters::OPERATIONS,
    containers::OPERATIONS,
    jobs::OPERATIONS,
    secrets::OPERATIONS,
];

fn modelled() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    MODELLED.iter().flat_map(|table| table.iter())
}

/// The operations the fake answers, by their `Client` method names.
pub(super) fn modelled_operations() -> impl Iterator<Item = &'static str> {
    modelled().map(|(_, _, operation)| *operation)
}

/// The API's error code for a status.
pub(super) fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized_request",
        402 => "insufficient_funds",
        403 => "forbidden_action",
        404 => "not_found",
        503 => "service_unavailable",
        _ => "server_error",
    }
}

pub(super) fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({"code": code, "message": message}))).into_response()
}

pub(super) fn json_ok(body: Value) -> Response {
    axum::Json(body).into_response()
}

pub(super) fn not_found(what: &str, id: &str) -> Response {
    api_error(StatusCode::NOT_FOUND, "not_found", &format!("{what} {id} not found"))
}

/// A create answer: the new id as bare text, as the API sends it.
pub(super) fn created(status: StatusCode, id: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], id).into_response()
}

/// Decodes a JSON body, answering 400 `invalid_request` naming what is wrong.
#[allow(clippy::result_large_err)] // the error is the answer to send
pub(super) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(|error| {
        let message = error.to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        api_error(StatusCode::BAD_REQUEST, "invalid_request", message)
    })
}

/// One id or a list of ids, as action requests take them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Ids {
    One(String),
    Many(Vec<String>),
}

impl Ids {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(id) => vec![id],
            Self::Many(ids) => ids,
        }
    }
}

// ---------------------------------------------------------------- token endpoint

#[derive(Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
enum Grant {
    ClientCredentials { client_id: String, client_secret: String },
    RefreshToken { refresh_token: String },
}

async fn token(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let grant = match body::<Grant>(&bytes) {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    let valid = match &grant {
        Grant::ClientCredentials {
            client_id,
            client_secret,
        } => client_id == CLIENT_ID && client_secret == CLIENT_SECRET,
        Grant::RefreshToken { refresh_token } => state.redeem_refresh_token(refresh_token),
    };
    if !valid {
        let message = match grant {
            Grant::ClientCredentials { .. } => "Invalid client id or client secret",
            Grant::RefreshToken { .. } => "Invalid or expired refresh token",
        };
        return api_error(StatusCode::UNAUTHORIZED, "unauthorized_request", message);
    }
    json_ok(state.issue_token(Instant::now()))
}

// ---------------------------------------------------------------- catalogue

async fn images() -> Response {
    json_ok(json!([
        {"id": "img-1", "image_type": "ubuntu-24.04-cuda-12.8-open-docker", "name": "Ubuntu 24.04 + CUDA 12.8 Open + Docker", "is_default": true},
        {"id": "img-2", "image_type": "ubuntu-24.04", "name": "Ubuntu 24.04", "is_default": false},
    ]))
}

async fn locations() -> Response {
    json_ok(json!([
        {"code": "FIN-01", "name": "Finland 1", "country_code": "FI"},
        {"code": "FIN-03", "name": "Finland 3", "country_code": "FI"},
        {"code": "ICE-01", "name": "Iceland 1", "country_code": "IS"},
    ]))
}

// ---------------------------------------------------------------- SSH keys and startup scripts

/// Finds a resource by id in a list of bodies.
pub(super) fn find<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items.iter().find(|item| item["id"] == id)
}

/// Removes the resources with these ids; false (and nothing removed) when one is unknown.
pub(super) fn remove_all(items: &mut Vec<Value>, ids: &[String]) -> bool {
    if !ids.iter().all(|id| find(items, id).is_some()) {
        return false;
    }
    take_ids(items, ids);
    true
}

/// Takes the resources with these ids out of `items`, in their order there.
pub(super) fn take_ids(items: &mut Vec<Value>, ids: &[String]) -> Vec<Value> {
    items
        .extract_if(.., |item| ids.iter().any(|id| item["id"] == id.as_str()))
        .collect()
}

#[derive(Deserialize)]
struct NewSshKey {
    name: String,
    key: String,
}

async fn list_ssh_keys(State(fake): State<Fake>) -> Response {
    json_ok(Value::Array(lock(&fake).ssh_keys.clone()))
}

async fn add_ssh_key(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let new = match body::<NewSshKey>(&bytes) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    let id = state.new_id(0x55);
    let key =
        json!({"id": id, "name": new.name, "key": new.key, "fingerprint": "SHA256:fake", "created_at": CREATED_AT});
    state.ssh_keys.push(key);
    created(StatusCode::CREATED, id)
}

async fn get_ssh_key(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    match find(&lock(&fake).ssh_keys, &id) {
        Some(key) => json_ok(json!([key])), // the API answers a one-element array
        None => not_found("SSH key", &id),
    }
}

async fn delete_ssh_key(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    delete_listed(&mut lock(&fake).ssh_keys, vec![id], "SSH key")
}

#[derive(Deserialize)]
struct SshKeyIds {
    keys: Vec<String>,
}

async fn delete_ssh_keys(State(fake): State<Fake>, bytes: Bytes) -> Response {
    match body::<SshKeyIds>(&bytes) {
        Ok(ids) => delete_listed(&mut lock(&fake).ssh_keys, ids.keys, "SSH key"),
        Err(response) => response,
    }
}

fn delete_listed(items: &mut Vec<Value>, ids: Vec<String>, what: &str) -> Response {
    if remove_all(items, &ids) {
        StatusCode::OK.into_response()
    } else {
        not_found(what, &ids.join(", "))
    }
}

#[derive(Deserialize)]
struct NewScript {
    name: String,
    script: String,
}

#[derive(Deserialize)]
struct Paging {
    page: Option<usize>,
    #[serde(rename = "pageSize")]
    page_size: Option<usize>,
}

/// `GET /scripts` pages as the live API does: `page` from 1, `pageSize` 10 by default and at
/// most 100, the paging in `X-Page`, `X-Page-Size` and `X-Total-Count`.
async fn list_scripts(State(fake): State<Fake>, Query(paging): Query<Paging>) -> Response {
    let page = paging.page.unwrap_or(1);
    let size = paging.page_size.unwrap_or(10);
    if page == 0 || !(1..=100).contains(&size) {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "page must be at least 1 and pageSize between 1 and 100",
        );
    }
    let state = lock(&fake);
    let items: Vec<Value> = state
        .scripts
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .cloned()
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert("x-page", page.into());
    headers.insert("x-page-size", size.into());
    headers.insert("x-total-count", state.scripts.len().into());
    (headers, axum::Json(Value::Array(items))).into_response()
}

async fn add_script(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let new = match body::<NewScript>(&bytes) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    let id = state.new_id(0x5c);
    let script = json!({"id": id, "name": new.name, "script": new.script, "created_at": CREATED_AT});
    state.scripts.push(script);
    created(StatusCode::CREATED, id)
}

async fn get_script(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    match find(&lock(&fake).scripts, &id) {
        Some(script) => json_ok(json!([script])),
        None => not_found("startup script", &id),
    }
}

async fn delete_script(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    delete_listed(&mut lock(&fake).scripts, vec![id], "startup script")
}

#[derive(Deserialize)]
struct ScriptIds {
    scripts: Vec<String>,
}

async fn delete_scripts(State(fake): State<Fake>, bytes: Bytes) -> Response {
    match body::<ScriptIds>(&bytes) {
        Ok(ids) => delete_listed(&mut lock(&fake).scripts, ids.scripts, "startup script"),
        Err(response) => response,
    }
}

// ---------------------------------------------------------------- volumes

#[derive(Deserialize)]
struct NewVolume {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    size: u64,
    location_code: Option<String>,
    instance_id: Option<String>,
}

fn volume(id: &str, name: &str, size: u64, kind: &str, location: &str, instance_id: Option<&str>, os: bool) -> Value {
    json!({
        "id": id,
        "name": name,
        "status": if instance_id.is_some() { "attached" } else { "detached" },
        "size": size,
        "type": kind,
        "location": location,
        "is_os_volume": os,
        "created_at": CREATED_AT,
        "instance_id": instance_id,
    })
}

async fn list_volumes(State(fake): State<Fake>) -> Response {
    json_ok(Value::Array(lock(&fake).volumes.clone()))
}

async fn create_volume(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let new = match body::<NewVolume>(&bytes) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    if let Some(instance) = &new.instance_id
        && state.instance_mut(instance).is_none()
    {
        return not_found("instance", instance);
    }
    let id = state.new_id(0x70);
    let location = new.location_code.as_deref().unwrap_or("FIN-03");
    let body = volume(
        &id,
        &new.name,
        new.size,
        &new.kind,
        location,
        new.instance_id.as_deref(),
        false,
    );
    state.volumes.push(body);
    created(StatusCode::ACCEPTED, id)
}

async fn list_trash(State(fake): State<Fake>) -> Response {
    json_ok(Value::Array(lock(&fake).volume_trash.clone()))
}

/// A volume in use or in the trash (there with the status `deleted`).
async fn get_volume(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    let state = lock(&fake);
    match find(&state.volumes, &id).or_else(|| find(&state.volume_trash, &id)) {
        Some(volume) => json_ok(volume.clone()),
        None => not_found("volume", &id),
    }
}

#[derive(Default, Deserialize)]
struct DeleteVolume {
    is_permanent: Option<bool>,
}

/// Deletes a volume into the trash, or for good with `{"is_permanent": true}`.
async fn delete_volume(State(fake): State<Fake>, Path(id): Path<String>, bytes: Bytes) -> Response {
    let request = match bytes.is_empty() {
        true => DeleteVolume::default(),
        false => match body::<DeleteVolume>(&bytes) {
            Ok(request) => request,
            Err(response) => return response,
        },
    };
    let mut state = lock(&fake);
    if find(&state.volumes, &id).is_none() {
        return not_found("volume", &id);
    }
    state.delete_volumes(&[id], request.is_permanent.unwrap_or(false));
    StatusCode::ACCEPTED.into_response()
}

#[derive(Deserialize)]
struct VolumeAction {
    id: Ids,
    action: String,
    instance_id: Option<String>,
    name: Option<String>,
    size: Option<u64>,
    is_permanent: Option<bool>,
}

async fn volume_action(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let request = match body::<VolumeAction>(&bytes) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    let ids = request.id.into_vec();
    // Only a volume in the trash can be restored; every other action needs one in use.
    let restoring = request.action == "restore";
    let held = match restoring {
        true => &state.volume_trash,
        false => &state.volumes,
    };
    if let Some(unknown) = ids.iter().find(|id| find(held, id).is_none()) {
        return not_found("volume", unknown);
    }
    match request.action.as_str() {
        "delete" => {
            state.delete_volumes(&ids, request.is_permanent.unwrap_or(false));
            return StatusCode::ACCEPTED.into_response();
        }
        "restore" => {
            state.restore_volumes(&ids);
            return StatusCode::ACCEPTED.into_response();
        }
        "clone" => {
            let clones = state.clone_volumes(&ids, request.name.as_deref());
            return (StatusCode::ACCEPTED, axum::Json(clones)).into_response();
        }
        _ => {}
    }
    let change: Box<dyn Fn(&mut Value)> =
        match (request.action.as_str(), request.instance_id, request.name, request.size) {
            ("attach", Some(instance), ..) => Box::new(move |volume| {
                volume["status"] = json!("attached");
                volume["instance_id"] = json!(instance);
            }),
            ("detach", ..) => Box::new(|volume| {
                volume["status"] = json!("detached");
                volume["instance_id"] = Value::Null;
            }),
            ("rename", _, Some(name), _) => Box::new(move |volume| volume["name"] = json!(name)),
            ("resize", _, _, Some(size)) => Box::new(move |volume| volume["size"] = json!(size)),
            (action, ..) => {
                let message = format!("action {action:?} is unknown or lacks a field it needs");
                return api_error(StatusCode::BAD_REQUEST, "invalid_request", &message);
            }
        };
    for volume in state
        .volumes
        .iter_mut()
        .filter(|volume| ids.iter().any(|id| volume["id"] == id.as_str()))
    {
        change(volume);
    }
    StatusCode::ACCEPTED.into_response()
}

// ---------------------------------------------------------------- instances

#[derive(Deserialize)]
struct NewInstance {
    instance_type: String,
    image: String,
    hostname: String,
    description: String,
    location_code: String,
    ssh_key_ids: Option<Value>,
    startup_script_id: Option<String>,
    #[serde(default)]
    is_spot: bool,
}

#[derive(Deserialize)]
struct StatusFilter {
    status: Option<String>,
}

async fn list_instances(State(fake): State<Fake>, Query(filter): Query<StatusFilter>) -> Response {
    let now = Instant::now();
    let state = lock(&fake);
    let instances: Vec<Value> = state
        .instances
        .iter()
        .filter(|instance| {
            filter
                .status
                .as_deref()
                .is_none_or(|status| instance.status(now) == status)
        })
        .map(|instance| instance.current(now))
        .collect();
    json_ok(Value::Array(instances))
}

async fn deploy_instance(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let answer = create_instance(&fake, &bytes);
    capacity::unless_lost(&fake, answer).await
}

fn create_instance(fake: &Fake, bytes: &[u8]) -> Response {
    let new = match body::<NewInstance>(bytes) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let mut state = lock(fake);
    let Some(price) = state.capacity.price_of(&new.instance_type).map(str::to_owned) else {
        let message = format!("instance type {} is not offered", new.instance_type);
        return api_error(StatusCode::BAD_REQUEST, "invalid_request", &message);
    };
    if let Some(refusal) = state.capacity.refusal(&new.location_code) {
        return refusal;
    }
    let id = state.new_id(0x1a);
    let os_volume = state.new_id(0x70);
    let os_name = format!("os-{}", new.hostname);
    let os = volume(&os_volume, &os_name, 100, "NVMe", &new.location_code, Some(&id), true);
    state.volumes.push(os);
    let ssh_key_ids = match new.ssh_key_ids {
        Some(Value::String(id)) => json!([id]),
        Some(ids @ Value::Array(_)) => ids,
        _ => json!([]),
    };
    let body = json!({
        "id": id,
        "instance_type": new.instance_type,
        "status": "ordered",
        "hostname": new.hostname,
        "description": new.description,
        "created_at": CREATED_AT,
        "ip": null,
        "location": new.location_code,
        "image": new.image,
        "price_per_hour": price,
        "is_spot": new.is_spot,
        "ssh_key_ids": ssh_key_ids,
        "startup_script_id": new.startup_script_id,
        "os_volume_id": os_volume,
    });
    state.deploy(body, Instant::now());
    created(StatusCode::ACCEPTED, id)
}

async fn get_instance(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    let now = Instant::now();
    let state = lock(&fake);
    match state
        .instances
        .iter()
        .find(|instance| instance.body["id"] == id.as_str())
    {
        Some(instance) => json_ok(instance.current(now)),
        None => not_found("instance", &id),
    }
}

#[derive(Deserialize)]
struct InstanceAction {
    id: Ids,
    action: String,
}

async fn instance_action(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let request = match body::<InstanceAction>(&bytes) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    let ids = request.id.into_vec();
    if let Some(unknown) = ids.iter().find(|id| state.instance_mut(id).is_none()) {
        return not_found("instance", unknown);
    }
    for id in &ids {
        if !state.instance_action(id, &request.action) {
            let message = format!("action {:?} is not supported", request.action);
            return api_error(StatusCode::BAD_REQUEST, "invalid_request", &message);
        }
    }
    StatusCode::ACCEPTED.into_response()
}

#[cfg(test)]
mod tests {
    use super::modelled;

    #[test]
    fn every_counted_operation_is_an_operation_of_the_api() {
        let table = include_str!("../../docs/operations.md");
        for (method, route, operation) in modelled() {
            let path = route.trim_start_matches("/v1");
            let row = format!("| {method} | `{path}` | `{operation}` |");
            assert!(table.contains(&row), "{row} is not in docs/operations.md");
        }
    }

    #[test]
    fn the_module_documentation_lists_every_modelled_operation() {
        let docs = include_str!("mod.rs");
        for (_, _, operation) in modelled() {
            assert!(
                docs.contains(&format!("`{operation}`")),
                "{operation} is not in the testing docs"
            );
        }
    }
}
