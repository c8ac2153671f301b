//! What container deployments and job deployments share: a body kept by name, a start-up
//! timeline, pausing and resuming, and the handlers that read, delete, pause and resume one.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::routes::{CREATED_AT, Fake, api_error, body, json_ok, lock, not_found};
use super::state;

/// A deployment and where it is in its life.
#[derive(Debug)]
pub(super) struct Deployment {
    pub(super) body: Value,
    /// When it was created or last resumed.
    started_at: Instant,
    startup_time: Duration,
    paused: bool,
}

impl Deployment {
    /// A deployment created now, that starts up over `startup_time`.
    pub(super) fn new(body: Value, startup_time: Duration) -> Self {
        Self {
            body,
            started_at: Instant::now(),
            startup_time,
            paused: false,
        }
    }

    fn name(&self) -> &str {
        self.body["name"].as_str().unwrap_or_default()
    }

    /// Whether it is paused, else whether it has finished starting up.
    pub(super) fn phase(&self, now: Instant) -> Phase {
        match self.paused {
            true => Phase::Paused,
            false if now.duration_since(self.started_at) >= self.startup_time => Phase::Up,
            false => Phase::Starting,
        }
    }
}

/// Where a deployment is; each kind names the phases with its own statuses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Phase {
    Starting,
    Up,
    Paused,
}

/// One kind of deployment: how errors name it, where the fake keeps it, its statuses, and how
/// its list shows each one.
pub(super) struct Kind {
    pub(super) what: &'static str,
    pub(super) all: fn(&mut state::State) -> &mut Vec<Deployment>,
    pub(super) status: fn(Phase) -> &'static str,
    pub(super) listed: fn(&Value) -> Value,
}

#[derive(Deserialize)]
struct Compute {
    name: String,
    size: u64,
}

#[derive(Deserialize)]
struct Container {
    image: String,
    exposed_port: u16,
}

/// What both kinds' create requests need.
#[derive(Deserialize)]
struct NewDeployment {
    name: String,
    compute: Compute,
    containers: Vec<Container>,
}

impl Kind {
    /// Adds a deployment from a create request, answering 400 when a field is missing or the
    /// name is taken (a name identifies a deployment).
    fn create(&self, fake: &Fake, bytes: &[u8]) -> Response {
        let new = match body::<NewDeployment>(bytes) {
            Ok(new) => new,
            Err(response) => return response,
        };
        let containers: Vec<Value> = new
            .containers
            .iter()
            .map(|container| json!({"image": container.image, "exposed_port": container.exposed_port}))
            .collect();
        let body = json!({
            "name": new.name,
            "containers": containers,
            "compute": {"name": new.compute.name, "size": new.compute.size},
            "endpoint_base_url": format!("https://containers.datacrunch.io/{}", new.name),
            "created_at": CREATED_AT,
        });
        let mut state = lock(fake);
        let startup_time = state.provision_time;
        let all = (self.all)(&mut state);
        let name = new.name.as_str();
        if all.iter().any(|deployment| deployment.name() == name) {
            let message = format!("a {} named {name} already exists", self.what);
            return api_error(StatusCode::BAD_REQUEST, "invalid_request", &message);
        }
        all.push(Deployment::new(body.clone(), startup_time));
        (StatusCode::CREATED, axum::Json(body)).into_response()
    }

    fn list(&self, fake: &Fake) -> Response {
        let mut state = lock(fake);
        json_ok(
            (self.all)(&mut state)
                .iter()
                .map(|deployment| (self.listed)(&deployment.body))
                .collect(),
        )
    }

    /// Runs `act` on the deployment named `name`, or answers 404.
    fn with(&self, fake: &Fake, name: &str, act: impl FnOnce(&mut Vec<Deployment>, usize) -> Response) -> Response {
        let mut state = lock(fake);
        let all = (self.all)(&mut state);
        match all.iter().position(|deployment| deployment.name() == name) {
            Some(index) => act(all, index),
            None => not_found(self.what, name),
        }
    }

    fn get(&self, fake: &Fake, name: &str) -> Response {
        self.with(fake, name, |all, index| json_ok(all[index].body.clone()))
    }

    fn status(&self, fake: &Fake, name: &str) -> Response {
        let now = Instant::now();
        self.with(fake, name, |all, index| {
            json_ok(json!({"status": (self.status)(all[index].phase(now))}))
        })
    }

    fn delete(&self, fake: &Fake, name: &str) -> Response {
        self.with(fake, name, |all, index| {
            all.remove(index);
            StatusCode::NO_CONTENT.into_response()
        })
    }

    /// Pauses it; resuming starts it up again from now.
    fn pause(&self, fake: &Fake, name: &str, paused: bool) -> Response {
        self.with(fake, name, |all, index| {
            let deployment = &mut all[index];
            if deployment.paused && !paused {
                deployment.started_at = Instant::now();
            }
            deployment.paused = paused;
            StatusCode::NO_CONTENT.into_response()
        })
    }
}

/// The routes of a kind: its collection (list, create), and `/{name}` (read, delete),
/// `/{name}/status`, `/{name}/pause` and `/{name}/resume` under it.
pub(super) fn routes(kind: &'static Kind, collection: &str) -> axum::Router<Fake> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            collection,
            get(move |State(fake): State<Fake>| async move { kind.list(&fake) })
                .post(move |State(fake): State<Fake>, bytes: Bytes| async move { kind.create(&fake, &bytes) }),
        )
        .route(
            &format!("{collection}/{{name}}"),
            get(move |State(fake): State<Fake>, Path(name): Path<String>| async move { kind.get(&fake, &name) })
                .delete(move |State(fake): State<Fake>, Path(name): Path<String>| async move { kind.delete(&fake, &name) }),
        )
        .route(
            &format!("{collection}/{{name}}/status"),
            get(move |State(fake): State<Fake>, Path(name): Path<String>| async move { kind.status(&fake, &name) }),
        )
        .route(
            &format!("{collection}/{{name}}/pause"),
            post(move |State(fake): State<Fake>, Path(name): Path<String>| async move { kind.pause(&fake, &name, true) }),
        )
        .route(
            &format!("{collection}/{{name}}/resume"),
            post(move |State(fake): State<Fake>, Path(name): Path<String>| async move { kind.pause(&fake, &name, false) }),
        )
}
