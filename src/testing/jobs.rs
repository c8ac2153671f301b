//! Serverless job deployments, by name: `running` once created, `paused` while paused; deleting
//! one removes it, so that it answers 404.

use axum::Router;

use super::deployments::{self, Kind, Phase};
use super::routes::Fake;

/// `(method, route, operation id)` of the job deployment operations the fake models.
pub(super) const OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/v1/job-deployments", "get_job_deployments"),
    ("POST", "/v1/job-deployments", "create_job_deployment"),
    ("GET", "/v1/job-deployments/{name}", "get_job_deployment_by_name"),
    ("DELETE", "/v1/job-deployments/{name}", "delete_job_deployment"),
    ("GET", "/v1/job-deployments/{name}/status", "get_job_deployment_status"),
    ("POST", "/v1/job-deployments/{name}/pause", "pause_job_deployment"),
    ("POST", "/v1/job-deployments/{name}/resume", "resume_job_deployment"),
];

/// A job deployment takes jobs at once: it has no start-up phase of its own.
static JOB_DEPLOYMENTS: Kind = Kind {
    what: "job deployment",
    all: |state| &mut state.job_deployments,
    status: |phase| match phase {
        Phase::Starting | Phase::Up => "running",
        Phase::Paused => "paused",
    },
    // The list answers summaries.
    listed: |job| serde_json::json!({"name": job["name"], "created_at": job["created_at"], "compute": job["compute"]}),
};

pub(super) fn routes() -> Router<Fake> {
    deployments::routes(&JOB_DEPLOYMENTS, "/v1/job-deployments")
}
