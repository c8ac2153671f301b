//! Serverless container deployments, by name: `initializing` for the fake's provisioning time
//! after creation (or after a resume), then `healthy`; `paused` while paused; deleting one
//! removes it, so that it answers 404.

use axum::Router;

use super::deployments::{self, Kind, Phase};
use super::routes::Fake;

/// `(method, route, operation id)` of the container deployment operations the fake models.
pub(super) const OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/v1/container-deployments", "get_container_deployments"),
    ("POST", "/v1/container-deployments", "create_container_deployment"),
    (
        "GET",
        "/v1/container-deployments/{name}",
        "get_container_deployment_by_name",
    ),
    (
        "DELETE",
        "/v1/container-deployments/{name}",
        "delete_container_deployment",
    ),
    (
        "GET",
        "/v1/container-deployments/{name}/status",
        "get_container_deployment_status",
    ),
    (
        "POST",
        "/v1/container-deployments/{name}/pause",
        "pause_container_deployment",
    ),
    (
        "POST",
        "/v1/container-deployments/{name}/resume",
        "resume_container_deployment",
    ),
];

static CONTAINER_DEPLOYMENTS: Kind = Kind {
    what: "container deployment",
    all: |state| &mut state.container_deployments,
    status: |phase| match phase {
        Phase::Starting => "initializing",
        Phase::Up => "healthy",
        Phase::Paused => "paused",
    },
    listed: |deployment| deployment.clone(),
};

pub(super) fn routes() -> Router<Fake> {
    deployments::routes(&CONTAINER_DEPLOYMENTS, "/v1/container-deployments")
}
