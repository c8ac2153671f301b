//! Shared setup for the wire tests: a local mock API and a client pointed at it.
#![allow(dead_code)] // each test crate uses a different subset

pub mod local;
pub mod logs;

use httpmock::MockServer;

/// Starts a mock API and returns it with a client (no credentials, no retries, so each mocked
/// answer is seen once) whose base URL is `{server}/v1`.
pub async fn mock_api() -> (MockServer, datacrunch::Client) {
    let server = MockServer::start_async().await;
    let client = datacrunch::Client::builder()
        .base_url(server.url("/v1"))
        .retry_policy(datacrunch::retry::RetryPolicy::none())
        .build()
        .expect("valid base URL");
    (server, client)
}

/// The status and body of an API error; panics (failing the test) on any other outcome.
pub fn api_error(error: datacrunch::Error) -> (http::StatusCode, datacrunch::types::ApiError) {
    match error {
        datacrunch::Error::Api { status, error } => (status, error),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Calls `$callback!` with the name of every open enum in `datacrunch::types`.
#[allow(unused_macros)] // only some test crates use it
macro_rules! with_open_enums {
    ($callback:ident) => {
        $callback!(
            InstanceType,
            ClusterType,
            LocationCode,
            ImageType,
            InstanceStatus,
            InstanceActionKind,
            VolumeStatus,
            VolumeActionKind,
            VolumeType,
            ClusterStatus,
            ClusterActionKind,
            Currency,
            Contract,
            Pricing,
            OnSpotDiscontinue,
            ErrorCode,
            DeploymentStatus,
            JobStatus,
            SecretType,
            RegistryType,
            VolumeMountType,
            EnvVarType,
            LongTermPeriodCode,
        )
    };
}
#[allow(unused_imports)]
pub(crate) use with_open_enums;
