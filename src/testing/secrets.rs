//! Secrets, by name. The fake keeps only their names: a value is never answered, as the API
//! never answers one.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::Deserialize;
use serde_json::{Value, json};

use super::routes::{CREATED_AT, Fake, api_error, body, json_ok, lock, not_found};

/// `(method, route, operation id)` of the secret operations the fake models.
pub(super) const OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/v1/secrets", "get_secrets"),
    ("POST", "/v1/secrets", "create_secret"),
    ("DELETE", "/v1/secrets/{name}", "delete_secret"),
];

pub(super) fn routes() -> Router<Fake> {
    Router::new()
        .route("/v1/secrets", get(list).post(create))
        .route("/v1/secrets/{name}", delete(remove))
}

#[derive(Deserialize)]
struct NewSecret {
    name: String,
    /// Required, as by the API, and then forgotten.
    #[serde(rename = "value")]
    _value: serde::de::IgnoredAny,
}

async fn list(State(fake): State<Fake>) -> Response {
    json_ok(Value::Array(lock(&fake).secrets.clone()))
}

/// Adds a secret: 201 without a body, or 400 when a field is missing or the name is taken.
async fn create(State(fake): State<Fake>, bytes: Bytes) -> Response {
    let new = match body::<NewSecret>(&bytes) {
        Ok(new) => new,
        Err(response) => return response,
    };
    let mut state = lock(&fake);
    if state.secrets.iter().any(|secret| secret["name"] == new.name.as_str()) {
        let message = format!("a secret named {} already exists", new.name);
        return api_error(StatusCode::BAD_REQUEST, "invalid_request", &message);
    }
    let secret = json!({"name": new.name, "created_at": CREATED_AT, "secret_type": "generic"});
    state.secrets.push(secret);
    StatusCode::CREATED.into_response()
}

async fn remove(State(fake): State<Fake>, Path(name): Path<String>) -> Response {
    let mut state = lock(&fake);
    let before = state.secrets.len();
    state.secrets.retain(|secret| secret["name"] != name.as_str());
    match state.secrets.len() < before {
        true => StatusCode::OK.into_response(),
        false => not_found("secret", &name),
    }
}
