//! Opt-in deletes that treat "already gone" as success, so that cleanup code
//! can run twice, or after someone else cleaned up.
//!
//! ```no_run
//! # async fn run(client: datacrunch::Client, id: datacrunch::types::VolumeId) -> Result<(), datacrunch::Error> {
//! use datacrunch::deletion::Deletion;
//!
//! match client.delete_volume_if_exists(&id).await? {
//!     Deletion::Deleted => println!("deleted {id}"),
//!     Deletion::AlreadyGone => println!("{id} was already gone"),
//! }
//! # Ok(())
//! # }
//! ```

use crate::types::{InstanceActionKind, InstanceId, VolumeId};
use crate::wait::{act_on_instance, instance_is_gone};
use crate::{Client, Error};

/// What an idempotent delete found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deletion {
    /// The delete was accepted now.
    Deleted,
    /// The resource was already deleted.
    AlreadyGone,
}

/// The outcome of a delete call, with 404 counting as already gone.
fn deletion<T>(result: Result<T, Error>) -> Result<Deletion, Error> {
    match result {
        Ok(_) => Ok(Deletion::Deleted),
        Err(error) if error.is_not_found() => Ok(Deletion::AlreadyGone),
        Err(error) => Err(error),
    }
}

/// # Idempotent deletes
///
/// Hand-written: deletes that treat "already gone" as success (see [`crate::deletion`]).
impl Client {
    /// Deletes the instance `id` (with its OS volume, as the `delete` action does), or finds it
    /// already deleted: the API answers 404, or 403 while the instance reads as 404,
    /// `discontinued` or `notfound`. Any other 403 is returned as it came.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
    /// client.delete_instance_if_exists(&id).await?;
    /// client.wait_for_instance_gone(&id).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_instance_if_exists(&self, id: &InstanceId) -> Result<Deletion, Error> {
        let result = act_on_instance(self, id.clone(), InstanceActionKind::Delete).await;
        match result {
            Err(error) if error.status() == Some(http::StatusCode::FORBIDDEN) => {
                match instance_is_gone(self, id).await? {
                    true => Ok(Deletion::AlreadyGone),
                    false => Err(error),
                }
            }
            other => deletion(other),
        }
    }

    /// Deletes the volume `id` (to the trash), or finds it already deleted (404).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::VolumeId) -> Result<(), datacrunch::Error> {
    /// client.delete_volume_if_exists(&id).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_volume_if_exists(&self, id: &VolumeId) -> Result<Deletion, Error> {
        deletion(self.delete_volume_by_id().id(id.clone()).send().await)
    }

    /// Deletes the container deployment `name`, or finds it already deleted (404).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// client.delete_container_deployment_if_exists("llm").await?;
    /// client.wait_for_container_deployment_gone("llm").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_container_deployment_if_exists(&self, name: &str) -> Result<Deletion, Error> {
        deletion(self.delete_container_deployment().name(name).send().await)
    }

    /// Deletes the job deployment `name`, or finds it already deleted (404).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// client.delete_job_deployment_if_exists("batch").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_job_deployment_if_exists(&self, name: &str) -> Result<Deletion, Error> {
        deletion(self.delete_job_deployment().name(name).send().await)
    }
}
