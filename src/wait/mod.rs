//! Waiting until a resource reaches a state: "create, then wait until it is ready", and "act,
//! then wait until it took effect".
//!
//! Every `Client::wait_for_*` method returns a [`StatusWait`]: configure it if you like, then `.await`
//! it. It resolves to the resource as read last.
//!
//! ```no_run
//! # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
//! use std::time::Duration;
//! use datacrunch::types::InstanceStatus;
//!
//! let instance = client
//!     .wait_for_instance(&id, InstanceStatus::Running)
//!     .timeout(Duration::from_secs(600))
//!     .await?;
//! println!("{} runs at {:?}", instance.hostname, instance.ip);
//!
//! client.instance_action_and_wait(&id, datacrunch::types::InstanceActionKind::Delete)?.await?;
//! # Ok(())
//! # }
//! ```
//!
//! How a wait behaves:
//!
//! - It reads the resource at once, then again after the poll interval, which doubles after every
//!   read up to a maximum ([`StatusWait::poll_interval`], [`StatusWait::max_poll_interval`]).
//! - It fails early with [`Error::UnreachableState`] when the resource reaches a status from which
//!   the target can no longer be reached (table below), and with [`Error::WaitTimeout`], carrying
//!   the status read last, once [`StatusWait::timeout`] has passed. A read under way is never cut short,
//!   and the last read happens at the deadline.
//! - Transient failures of a read (503, 429, lost connections) are retried by the client's
//!   [`crate::retry::RetryPolicy`] and do not end the wait; any other error does, as it came.
//! - Dropping the future cancels it; nothing keeps running in the background.
//! - A long wait need not be silent: [`StatusWait::on_progress`] calls you after every read that has
//!   not reached the goal yet, with the status and the time waited so far ([`Progress`]). Each
//!   such read is also a `tracing` event `still waiting` at DEBUG.
//! - Creating never waits: a create call returns the new id, and waiting is a separate step, so
//!   an id is never lost to a failed wait.
//!
//! | resource | `Client` methods | reads | fails early on | gone | first poll, max, timeout |
//! |---|---|---|---|---|---|
//! | instance | `wait_for_instance`, `wait_for_instance_gone` | `GET /instances/{id}` | `error`, `discontinued`, `no_capacity`, `notfound` | 404, `discontinued`, `notfound` | 2 s, 10 s, 5 min |
//! | volume | `wait_for_volume`, `wait_for_volume_gone` | `GET /volumes/{id}` | `deleted`, `canceled` | 404, `deleted` | 1 s, 5 s, 5 min |
//! | cluster | `wait_for_cluster`, `wait_for_cluster_gone` | `GET /clusters/{id}` | `error`, `discontinued` | 404, `discontinued` | 1 s, 10 s, 15 min |
//! | container deployment | `wait_for_container_deployment`, `wait_for_container_deployment_gone` | `GET /container-deployments/{name}/status` | none: a paused deployment resumes and an unhealthy one recovers | 404 | 2 s, 10 s, 5 min |
//! | job deployment | `wait_for_job_deployment`, `wait_for_job_deployment_gone` | `GET /job-deployments/{name}/status` | `terminating` | 404 | 2 s, 10 s, 5 min |
//!
//! A status the target accepts always wins over the failure list, so
//! `.until(|status| *status != InstanceStatus::Ordered)` resolves on `error` too. A status this
//! SDK does not know (`Unknown`) is never a failure: the wait goes on.

mod action;
mod goal;
mod resources;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use crate::retry::Backoff;
use crate::{Client, Error};

pub use action::ActionTarget;
pub(crate) use action::{act_on_instance, instance_is_gone};
use goal::{Goal, Verdict};
pub use goal::{Gone, ReachStatus};
use resources::StatusTable;
pub(crate) use resources::{CLUSTER, INSTANCE};

/// The shortest poll interval a wait uses, so that a zero interval cannot flood the API.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A boxed future of the SDK's result, as the reads and actions of a [`StatusWait`] are stored
/// (and capacity's listings and placements run).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Reads the resource once per call.
type Read<'a, R> = Box<dyn FnMut() -> BoxFuture<'a, R> + Send + 'a>;

/// When a wait reads: the first interval, the longest interval and the time it may take in all.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    first: Duration,
    max: Duration,
    timeout: Duration,
}

impl Schedule {
    /// A schedule from whole seconds.
    pub(crate) const fn seconds(first: u64, max: u64, timeout: u64) -> Self {
        Self {
            first: Duration::from_secs(first),
            max: Duration::from_secs(max),
            timeout: Duration::from_secs(timeout),
        }
    }
}

/// What a wait read last, as [`StatusWait::on_progress`] reports it after every read that has not
/// reached the goal yet. Its `Display` is one line for a log or a terminal.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Progress<'p> {
    /// The resource, as errors name it: `instance 26d4…`.
    pub resource: &'p str,
    /// The status read (`ordered`, `provisioning`, ...).
    pub status: &'p str,
    /// The time since the first read.
    pub elapsed: Duration,
    /// How many reads there were so far, this one included.
    pub reads: u32,
}

/// `instance 26d4… is provisioning after 14 s`.
impl fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is {} after {} s",
            self.resource,
            self.status,
            self.elapsed.as_secs()
        )
    }
}

/// The callback of [`StatusWait::on_progress`].
type OnProgress<'a> = Box<dyn FnMut(Progress<'_>) + Send + 'a>;

/// A wait until a resource reaches a goal: a status ([`ReachStatus`], from `wait_for_*`), deletion
/// ([`Gone`], from `wait_for_*_gone`) or the effect of an instance action ([`ActionTarget`]).
///
/// `R` is the resource as read (such as [`crate::types::Instance`]), `S` its status (such as
/// [`crate::types::InstanceStatus`]) and `G` the goal. `.await` runs it; the methods below
/// configure it first. See [the module](self) for how it polls and when it fails.
///
/// ```no_run
/// # async fn run(client: datacrunch::Client, id: datacrunch::types::VolumeId) -> Result<(), datacrunch::Error> {
/// use std::time::Duration;
/// use datacrunch::types::VolumeStatus;
///
/// let volume = client
///     .wait_for_volume(&id, VolumeStatus::Detached)
///     .until_any_of([VolumeStatus::Attached, VolumeStatus::Detached])
///     .poll_interval(Duration::from_secs(2))
///     .max_poll_interval(Duration::from_secs(20))
///     .timeout(Duration::from_secs(120))
///     .await?;
/// println!("{} is {}", volume.name, volume.status);
/// # Ok(())
/// # }
/// ```
#[must_use = "a wait does nothing until it is awaited"]
pub struct StatusWait<'a, R: 'static, S: 'static, G = ReachStatus<'a, S>> {
    table: &'static StatusTable<R, S>,
    resource: String,
    read: Read<'a, R>,
    goal: G,
    schedule: Schedule,
    action: Option<BoxFuture<'a, ()>>,
    on_progress: Option<OnProgress<'a>>,
}

impl<R, S, G> fmt::Debug for StatusWait<'_, R, S, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusWait")
            .field("resource", &self.resource)
            .field("schedule", &self.schedule)
            .finish_non_exhaustive()
    }
}

impl<'a, R, S, G> StatusWait<'a, R, S, G> {
    /// A wait for the resource `id` of the kind `table` describes.
    fn new(table: &'static StatusTable<R, S>, client: &'a Client, id: &str, goal: G) -> Self {
        let resource = format!("{} {id}", table.kind);
        let id = id.to_owned();
        Self {
            table,
            resource,
            read: Box::new(move || (table.read)(client, &id)),
            goal,
            schedule: table.schedule,
            action: None,
            on_progress: None,
        }
    }

    /// Runs `action` before the first read; its error ends the wait.
    fn after(mut self, action: BoxFuture<'a, ()>) -> Self {
        self.action = Some(action);
        self
    }

    /// Sets how long to poll before failing with [`Error::WaitTimeout`], counted from the first
    /// read (default per resource, see [the module](self)).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::ClusterId) {
    /// use std::time::Duration;
    /// use datacrunch::Error;
    /// use datacrunch::types::ClusterStatus;
    ///
    /// let wait = client.wait_for_cluster(&id, ClusterStatus::Running).timeout(Duration::from_secs(1800));
    /// if let Err(Error::WaitTimeout { last_status, .. }) = wait.await {
    ///     eprintln!("still {last_status} after 30 minutes");
    /// }
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.schedule.timeout = timeout;
        self
    }

    /// Sets the wait between the first two reads (default per resource, at least
    /// [`MIN_POLL_INTERVAL`]). Each later wait is twice the one before, up to
    /// [`max_poll_interval`](Self::max_poll_interval).
    ///
    /// ```
    /// # fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) {
    /// use std::time::Duration;
    /// use datacrunch::types::InstanceStatus;
    ///
    /// // Every 5 s, as the provider's CLI polls.
    /// let wait = client
    ///     .wait_for_instance(&id, InstanceStatus::Running)
    ///     .poll_interval(Duration::from_secs(5))
    ///     .max_poll_interval(Duration::from_secs(5));
    /// # }
    /// ```
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.schedule.first = interval;
        self
    }

    /// Calls `report` after every read that has not reached the goal yet, before the wait
    /// sleeps until the next one, so that a wait of minutes is not silent.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::InstanceStatus;
    ///
    /// client
    ///     .wait_for_instance(&id, InstanceStatus::Running)
    ///     .on_progress(|progress| eprintln!("{progress}")) // instance … is ordered after 2 s
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_progress(mut self, report: impl FnMut(Progress<'_>) + Send + 'a) -> Self {
        self.on_progress = Some(Box::new(report));
        self
    }

    /// Sets the longest wait between two reads (default per resource). A maximum below
    /// [`poll_interval`](Self::poll_interval) is raised to it.
    pub fn max_poll_interval(mut self, max: Duration) -> Self {
        self.schedule.max = max;
        self
    }
}

impl<'a, R, S, G> StatusWait<'a, R, S, G>
where
    S: AsRef<str>,
    G: Goal<R, S>,
{
    /// Runs the action, if any, then reads until the goal is reached, unreachable or too late.
    async fn run(mut self) -> Result<G::Output, Error> {
        if let Some(action) = self.action.take() {
            action.await?;
        }
        let intervals = Backoff::exact(self.schedule.first.max(MIN_POLL_INTERVAL), self.schedule.max);
        let started = Instant::now();
        let mut reads: u32 = 0;
        loop {
            let read = (self.read)().await;
            let status = match self.goal.judge(read, self.table, &self.resource)? {
                Verdict::Reached(output) => return Ok(output),
                Verdict::Pending(status) => status,
            };
            let waited = started.elapsed();
            reads = reads.saturating_add(1);
            if let Some(report) = &mut self.on_progress {
                report(Progress {
                    resource: &self.resource,
                    status: status.as_ref(),
                    elapsed: waited,
                    reads,
                });
            }
            let left = self.schedule.timeout.saturating_sub(waited);
            if left.is_zero() {
                return Err(Error::WaitTimeout {
                    resource: self.resource,
                    last_status: status,
                    waited,
                });
            }
            tracing::debug!(resource = %self.resource, %status, ?waited, "still waiting");
            tokio::time::sleep(intervals.delay(reads - 1).min(left)).await;
        }
    }
}

impl<'a, R, S, G> IntoFuture for StatusWait<'a, R, S, G>
where
    R: Send + 'a,
    S: AsRef<str> + 'a,
    G: Goal<R, S> + 'a,
{
    type Output = Result<G::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
