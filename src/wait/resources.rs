//! What each kind of resource brings to a wait (its status, the statuses that end a wait, its
//! default schedule), and the `Client::wait_for_*` methods that read it.

use std::future::Future;

use progenitor_client::ResponseValue;

use super::{BoxFuture, Gone, ReachStatus, Schedule, StatusWait};
use crate::types::{
    Cluster, ClusterId, ClusterStatus, DeploymentStatus, DeploymentStatusInfo, Instance, InstanceId, InstanceStatus,
    JobDeploymentStatus, JobStatus, Volume, VolumeId, VolumeStatus,
};
use crate::{Client, Error};

/// The facts a wait needs about one kind of resource (public only to the sealed [`super::goal::Goal`]).
pub struct StatusTable<R, S> {
    /// How errors and logs name it, such as `instance`.
    pub(crate) kind: &'static str,
    /// Its status.
    pub(crate) status_of: fn(&R) -> &S,
    /// Statuses from which no other status can be reached.
    pub(crate) unreachable: fn(&S) -> bool,
    /// Statuses that mean it is deleted, though it can still be read.
    pub(crate) gone: fn(&S) -> bool,
    /// When a wait reads it, unless configured.
    pub(crate) schedule: Schedule,
    /// Reads it once, by id or name.
    pub(crate) read: for<'a> fn(&'a Client, &str) -> BoxFuture<'a, R>,
}

/// Instances: the provider's CLI polls every 5 s and gives up after 5 min.
pub(crate) static INSTANCE: StatusTable<Instance, InstanceStatus> = StatusTable {
    kind: "instance",
    status_of: |instance| &instance.status,
    unreachable: |status| {
        use InstanceStatus::*;
        matches!(status, Error | Discontinued | NoCapacity | NotFound)
    },
    gone: |status| matches!(status, InstanceStatus::Discontinued | InstanceStatus::NotFound),
    schedule: Schedule::seconds(2, 10, 5 * 60),
    read: |client, id| body(client.get_instance_by_id().id(id).send()),
};

/// Volumes are ready within seconds.
static VOLUME: StatusTable<Volume, VolumeStatus> = StatusTable {
    kind: "volume",
    status_of: |volume| &volume.status,
    unreachable: |status| matches!(status, VolumeStatus::Deleted | VolumeStatus::Canceled),
    gone: |status| *status == VolumeStatus::Deleted,
    schedule: Schedule::seconds(1, 5, 5 * 60),
    read: |client, id| body(client.get_volume_by_id().id(id).send()),
};

/// Clusters: the provider's SDK waits up to 900 s, polling from 1 s doubling to 10 s.
pub(crate) static CLUSTER: StatusTable<Cluster, ClusterStatus> = StatusTable {
    kind: "cluster",
    status_of: |cluster| &cluster.status,
    unreachable: |status| matches!(status, ClusterStatus::Error | ClusterStatus::Discontinued),
    gone: |status| *status == ClusterStatus::Discontinued,
    schedule: Schedule::seconds(1, 10, 15 * 60),
    read: |client, id| body(client.get_cluster_by_id().id(id).send()),
};

/// Container deployments: no status is final (a paused deployment resumes, an unhealthy one
/// recovers); the provider's Terraform provider polls every 10 s for 300 s.
static CONTAINER_DEPLOYMENT: StatusTable<DeploymentStatusInfo, DeploymentStatus> = StatusTable {
    kind: "container deployment",
    status_of: |info| &info.status,
    unreachable: |_| false,
    gone: |_| false,
    schedule: Schedule::seconds(2, 10, 5 * 60),
    read: |client, id| body(client.get_container_deployment_status().name(id).send()),
};

/// Job deployments: `terminating` leads only to deletion.
static JOB_DEPLOYMENT: StatusTable<JobDeploymentStatus, JobStatus> = StatusTable {
    kind: "job deployment",
    status_of: |info| &info.status,
    unreachable: |status| *status == JobStatus::Terminating,
    gone: |_| false,
    schedule: Schedule::seconds(2, 10, 5 * 60),
    read: |client, id| body(client.get_job_deployment_status().name(id).send()),
};

/// The body of the answer `call` will get.
fn body<'a, R>(call: impl Future<Output = Result<ResponseValue<R>, Error>> + Send + 'a) -> BoxFuture<'a, R> {
    Box::pin(async move { call.await.map(ResponseValue::into_inner) })
}

/// # Waiting
///
/// Hand-written: wait until a resource reaches a status or is gone (see [`crate::wait`]).
impl Client {
    /// Waits until the instance `id` has the status `target` (see [`crate::wait`]).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::InstanceStatus;
    ///
    /// let instance = client.wait_for_instance(&id, InstanceStatus::Running).await?;
    /// println!("ssh root@{}", instance.ip.unwrap_or_default());
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_instance(
        &self,
        id: &InstanceId,
        target: InstanceStatus,
    ) -> StatusWait<'_, Instance, InstanceStatus> {
        StatusWait::new(&INSTANCE, self, id.as_str(), ReachStatus::any_of([target]))
    }

    /// Waits until the instance `id` is deleted: it answers 404, `discontinued` or `notfound`.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
    /// client.wait_for_instance_gone(&id).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_instance_gone(&self, id: &InstanceId) -> StatusWait<'_, Instance, InstanceStatus, Gone> {
        StatusWait::new(&INSTANCE, self, id.as_str(), Gone)
    }

    /// Waits until the volume `id` has the status `target` (see [`crate::wait`]).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::VolumeId) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::VolumeStatus;
    ///
    /// let volume = client.wait_for_volume(&id, VolumeStatus::Detached).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_volume(&self, id: &VolumeId, target: VolumeStatus) -> StatusWait<'_, Volume, VolumeStatus> {
        StatusWait::new(&VOLUME, self, id.as_str(), ReachStatus::any_of([target]))
    }

    /// Waits until the volume `id` is deleted: it answers 404 or `deleted` (in the trash).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::VolumeId) -> Result<(), datacrunch::Error> {
    /// client.wait_for_volume_gone(&id).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_volume_gone(&self, id: &VolumeId) -> StatusWait<'_, Volume, VolumeStatus, Gone> {
        StatusWait::new(&VOLUME, self, id.as_str(), Gone)
    }

    /// Waits until the cluster `id` has the status `target` (see [`crate::wait`]).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::ClusterId) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::ClusterStatus;
    ///
    /// let cluster = client.wait_for_cluster(&id, ClusterStatus::Running).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_cluster(&self, id: &ClusterId, target: ClusterStatus) -> StatusWait<'_, Cluster, ClusterStatus> {
        StatusWait::new(&CLUSTER, self, id.as_str(), ReachStatus::any_of([target]))
    }

    /// Waits until the cluster `id` is deleted: it answers 404 or `discontinued`.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::ClusterId) -> Result<(), datacrunch::Error> {
    /// client.wait_for_cluster_gone(&id).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_cluster_gone(&self, id: &ClusterId) -> StatusWait<'_, Cluster, ClusterStatus, Gone> {
        StatusWait::new(&CLUSTER, self, id.as_str(), Gone)
    }

    /// Waits until the container deployment `name` has the status `target`, as its status
    /// endpoint says (see [`crate::wait`]).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::DeploymentStatus;
    ///
    /// client.wait_for_container_deployment("llm", DeploymentStatus::Healthy).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_container_deployment(
        &self,
        name: &str,
        target: DeploymentStatus,
    ) -> StatusWait<'_, DeploymentStatusInfo, DeploymentStatus> {
        StatusWait::new(&CONTAINER_DEPLOYMENT, self, name, ReachStatus::any_of([target]))
    }

    /// Waits until the container deployment `name` is deleted: its status endpoint answers 404.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// client.delete_container_deployment().name("llm").send().await?;
    /// client.wait_for_container_deployment_gone("llm").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_container_deployment_gone(
        &self,
        name: &str,
    ) -> StatusWait<'_, DeploymentStatusInfo, DeploymentStatus, Gone> {
        StatusWait::new(&CONTAINER_DEPLOYMENT, self, name, Gone)
    }

    /// Waits until the job deployment `name` has the status `target`, as its status endpoint
    /// says (see [`crate::wait`]).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::JobStatus;
    ///
    /// client.pause_job_deployment().name("batch").send().await?;
    /// client.wait_for_job_deployment("batch", JobStatus::Paused).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_job_deployment(
        &self,
        name: &str,
        target: JobStatus,
    ) -> StatusWait<'_, JobDeploymentStatus, JobStatus> {
        StatusWait::new(&JOB_DEPLOYMENT, self, name, ReachStatus::any_of([target]))
    }

    /// Waits until the job deployment `name` is deleted: its status endpoint answers 404.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// client.wait_for_job_deployment_gone("batch").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_job_deployment_gone(&self, name: &str) -> StatusWait<'_, JobDeploymentStatus, JobStatus, Gone> {
        StatusWait::new(&JOB_DEPLOYMENT, self, name, Gone)
    }
}
