//! A stateful fake of the DataCrunch API for tests, in-process on loopback (feature `test-util`).
//!
//! [`FakeApi`] behaves like the API rather than like a mock: it issues and checks tokens, keeps
//! SSH keys, startup scripts, volumes, instances, clusters, container and job deployments and
//! secrets in memory, moves instances, clusters and deployments through their lifecycles over
//! time, and answers in the API's own shapes (bare-text ids on create, a
//! one-element array for `GET /sshkeys/{id}`, `{"code", "message"}` errors). Faults, latency and
//! rate limits can be switched on, and counters tell what your code sent. Capacity is modelled
//! too: availability per location and market, prices, deploys that find no room and deploys
//! whose answer is lost ([`FakeApi::set_available`], [`FakeApi::no_capacity_in`],
//! [`FakeApi::lose_next_deploy_answer`], ...).
//!
//! # What it models
//!
//! Each operation below answers as the API does; every other operation of the API answers
//! 501 with the code `not_implemented` and a message naming the operation (never a 404, which
//! your code would read as "not found"), and still counts in [`FakeApi::requests_for`].
//! [`FakeApi::modelled_operations`] lists the same set.
//!
//! - tokens: `get_access_token` (both grants);
//! - catalogue: `get_balance`, `get_instances_types`, `get_images`, `get_locations`,
//!   `get_all_availability`, `get_availability`, and for clusters `get_cluster_types` and
//!   `get_all_cluster_availability` (availability per location and market, and prices, are
//!   yours to set: see [`FakeApi::set_available`]);
//! - SSH keys: `get_ssh_keys`, `add_ssh_keys`, `delete_ssh_keys`, `get_ssh_key_by_id`,
//!   `delete_ssh_key_by_id`;
//! - startup scripts: `get_scripts` (paginated), `add_scripts`, `delete_scripts`,
//!   `get_script_by_id`, `delete_script_by_id`;
//! - volumes, with their actions (attach, detach, rename, resize, clone, delete into the
//!   trash or for good with `is_permanent`, restore from the trash): `get_all_volumes`,
//!   `create_volume`, `volume_action`, `get_volumes_in_trash`, `get_volume_by_id`,
//!   `delete_volume_by_id`;
//! - instances: `get_all_instances`, `deploy_instance`, `instance_action`, `get_instance_by_id`;
//! - clusters, which provision as instances do and go on `discontinue`: `get_clusters`,
//!   `create_cluster`, `cluster_action`, `get_cluster_by_id`;
//! - container deployments, `initializing` for the provisioning time after creation or a resume,
//!   then `healthy`, or `paused`: `get_container_deployments`, `create_container_deployment`,
//!   `get_container_deployment_by_name`, `delete_container_deployment`,
//!   `get_container_deployment_status`, `pause_container_deployment`,
//!   `resume_container_deployment`;
//! - job deployments, `running` or `paused`: `get_job_deployments`, `create_job_deployment`,
//!   `get_job_deployment_by_name`, `delete_job_deployment`, `get_job_deployment_status`,
//!   `pause_job_deployment`, `resume_job_deployment`;
//! - secrets (names only; values are never answered): `get_secrets`, `create_secret`,
//!   `delete_secret`.
//!
//! Time is tokio's, so a test on paused time (`#[tokio::test(start_paused = true)]`) runs a
//! five-minute provisioning in no time. The server runs on the runtime that started it.
//!
//! A downstream test, with `datacrunch = { version = "…", features = ["test-util"] }` among its
//! dev-dependencies:
//!
//! ```
//! use std::time::Duration;
//! use datacrunch::testing::FakeApi;
//! use datacrunch::types::{DeployInstanceRequest, InstanceStatus, LocationCode};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), datacrunch::Error> {
//! let fake = FakeApi::start().await;
//! fake.provision_time(Duration::from_secs(60));
//! let client = fake.client();
//!
//! // The code under test:
//! let request = DeployInstanceRequest::builder()
//!     .instance_type("1H100.80S.22V")
//!     .image("ubuntu-24.04-cuda-12.8-open-docker")
//!     .hostname("trainer")
//!     .description("nightly training")
//!     .location_code(LocationCode::Fin03);
//! let id = client.deploy_instance().body(request).send().await?.into_inner().into_inner();
//!
//! tokio::time::sleep(Duration::from_secs(60)).await;
//! let instance = client.get_instance_by_id().id(&id).send().await?;
//! assert_eq!(instance.status, InstanceStatus::Running);
//! assert_eq!((fake.token_requests(), fake.requests_for("deploy_instance")), (1, 1));
//! # Ok(())
//! # }
//! ```

mod capacity;
mod clusters;
mod containers;
mod deployments;
mod jobs;
mod routes;
mod secrets;
mod state;
mod unmodelled;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::StatusCode;

use crate::Client;
use crate::auth::Credentials;
use state::{Fault, State};

/// The client id the fake accepts (see [`FakeApi::credentials`]).
pub const CLIENT_ID: &str = "fake-client-id";
/// The client secret the fake accepts.
pub const CLIENT_SECRET: &str = "fake-client-secret";

/// A fake DataCrunch API on a loopback port. It stops when dropped.
///
/// See the [module documentation](self) for an example.
#[derive(Debug)]
pub struct FakeApi {
    shared: Arc<Mutex<State>>,
    base_url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeApi {
    /// Starts the fake on a free loopback port, serving from a task of the current tokio
    /// runtime, with a catalogue of three instance types and a balance of 250.75 usd.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound, which leaves a test nothing to run against.
    pub async fn start() -> Self {
        let shared = Arc::new(Mutex::new(State::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port for the fake API");
        let address = listener.local_addr().expect("a bound listener has an address");
        let app = routes::router(shared.clone());
        let server = tokio::spawn(async move {
            // Serving ends only when the task is aborted; an accept error ends the fake.
            let _ = axum::serve(listener, app).await;
        });
        Self {
            shared,
            base_url: format!("http://{address}/v1"),
            server,
        }
    }

    /// The base URL to give a client, ending in `/v1`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The client id and secret the fake accepts.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(CLIENT_ID, CLIENT_SECRET)
    }

    /// A [`Client`] pointed at the fake with its credentials and the default retry policy.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("the fake's own base URL is valid")
    }

    /// A client builder pointed at the fake with its credentials, to configure further.
    pub fn client_builder(&self) -> crate::ClientBuilder {
        Client::builder()
            .base_url(&self.base_url)
            .credentials(CLIENT_ID, CLIENT_SECRET)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the lifetime of tokens issued from now on (default one hour).
    pub fn token_lifetime(&self, lifetime: Duration) -> &Self {
        self.state().token_lifetime = lifetime;
        self
    }

    /// Revokes every access and refresh token issued so far: requests with them answer 401
    /// `unauthorized_request`, as after a credential rotation.
    pub fn revoke_tokens(&self) -> &Self {
        self.state().revoke_tokens();
        self
    }

    /// Sets how long instances and clusters deployed from now on take to run: `ordered` for the
    /// first half, `provisioning` for the second, then `running` (default 30 s). Container
    /// deployments created or resumed from now on are `initializing` for as long, then `healthy`.
    pub fn provision_time(&self, time: Duration) -> &Self {
        self.state().provision_time = time;
        self
    }

    /// Answers the next `n` API requests (not token requests) with `status` and the API's error
    /// body, without acting on them.
    pub fn fail_next(&self, n: usize, status: StatusCode) -> &Self {
        self.state().faults.extend(std::iter::repeat_n(Fault::Api(status), n));
        self
    }

    /// Answers the next `n` API requests with `status` and an HTML page, as a proxy in front of
    /// the API would.
    pub fn fail_next_with_html(&self, n: usize, status: StatusCode) -> &Self {
        self.state().faults.extend(std::iter::repeat_n(Fault::Html(status), n));
        self
    }

    /// Answers the next `n` API requests with 429 and `Retry-After: retry_after` (in whole
    /// seconds).
    pub fn rate_limit_next(&self, n: usize, retry_after: Duration) -> &Self {
        self.state()
            .faults
            .extend(std::iter::repeat_n(Fault::RateLimited(retry_after), n));
        self
    }

    /// Delays every answer by `latency` (default none).
    pub fn latency(&self, latency: Duration) -> &Self {
        self.state().latency = latency;
        self
    }

    /// How many API requests arrived (token requests not included).
    pub fn requests(&self) -> usize {
        self.state().counters.values().sum()
    }

    /// How many token requests arrived.
    pub fn token_requests(&self) -> usize {
        self.state().token_requests
    }

    /// How many requests arrived for one operation, by its id (such as `deploy_instance`; see
    /// `docs/operations.md`).
    pub fn requests_for(&self, operation: &str) -> usize {
        self.state().counters.get(operation).copied().unwrap_or(0)
    }

    /// The operations the fake answers (by their [`Client`] method names, such as
    /// `deploy_instance`); every other operation answers 501 `not_implemented`.
    pub fn modelled_operations() -> impl Iterator<Item = &'static str> {
        routes::modelled_operations()
    }

    /// The instances the fake holds, as `(id, status)` pairs, in the order they were deployed.
    pub fn instances(&self) -> Vec<(String, String)> {
        self.state().instance_statuses()
    }

    /// How many volumes the fake holds.
    pub fn volume_count(&self) -> usize {
        self.state().volumes.len()
    }
}
