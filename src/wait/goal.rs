//! What a wait waits for, and how one read is judged against it.

use super::StatusTable;
use crate::Error;
use crate::types::InstanceStatus;

/// What one read says about a wait.
pub enum Verdict<T> {
    /// The goal is reached; the wait resolves to this.
    Reached(T),
    /// Not yet; the resource's status as read.
    Pending(String),
}

impl<T> Verdict<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Verdict<U> {
        match self {
            Self::Reached(output) => Verdict::Reached(f(output)),
            Self::Pending(status) => Verdict::Pending(status),
        }
    }
}

/// A goal of a [`super::StatusWait`]. Sealed: it is only implemented here.
pub trait Goal<R, S>: Send {
    /// What the wait resolves to.
    type Output;

    /// Judges one read of the resource called `resource`: reached, pending, or an error that
    /// ends the wait.
    fn judge(
        &self,
        read: Result<R, Error>,
        table: &StatusTable<R, S>,
        resource: &str,
    ) -> Result<Verdict<Self::Output>, Error>;
}

/// The goal of `Client::wait_for_*`: a status the target accepts. The wait resolves to the
/// resource as read last.
///
/// The target is one status, several ([`super::StatusWait::until_any_of`]) or a predicate
/// ([`super::StatusWait::until`]).
pub struct ReachStatus<'a, S> {
    accepts: Box<dyn Fn(&S) -> bool + Send + 'a>,
}

impl<'a, S: PartialEq + Send + 'a> ReachStatus<'a, S> {
    /// The goal of reaching one of `statuses`.
    pub(super) fn any_of(statuses: impl IntoIterator<Item = S>) -> Self {
        let statuses: Vec<S> = statuses.into_iter().collect();
        Self {
            accepts: Box::new(move |status| statuses.contains(status)),
        }
    }
}

/// Judges a read against `accepts`: any error ends the wait, an unreachable status fails it.
fn reach<R, S: AsRef<str>>(
    read: Result<R, Error>,
    accepts: impl Fn(&S) -> bool,
    table: &StatusTable<R, S>,
    resource: &str,
) -> Result<Verdict<R>, Error> {
    let read = read?;
    let status = (table.status_of)(&read);
    if accepts(status) {
        return Ok(Verdict::Reached(read));
    }
    let unreachable = (table.unreachable)(status);
    let status = status.as_ref().to_owned();
    if unreachable {
        return Err(Error::UnreachableState {
            resource: resource.to_owned(),
            status,
        });
    }
    Ok(Verdict::Pending(status))
}

impl<R, S: AsRef<str>> Goal<R, S> for ReachStatus<'_, S> {
    type Output = R;

    fn judge(&self, read: Result<R, Error>, table: &StatusTable<R, S>, resource: &str) -> Result<Verdict<R>, Error> {
        reach(read, &self.accepts, table, resource)
    }
}

impl<'a, R, S: PartialEq + Send + 'a> super::StatusWait<'a, R, S, ReachStatus<'a, S>> {
    /// Waits until `accepts` holds for the status instead of for the target status.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::InstanceStatus;
    ///
    /// // What the provider's CLI waits for after a deploy: anything but `ordered`.
    /// let instance = client
    ///     .wait_for_instance(&id, InstanceStatus::Running)
    ///     .until(|status| *status != InstanceStatus::Ordered)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn until(mut self, accepts: impl Fn(&S) -> bool + Send + 'a) -> Self {
        self.goal = ReachStatus {
            accepts: Box::new(accepts),
        };
        self
    }

    /// Waits until the status is any of `statuses` instead of the target status.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
    /// use datacrunch::types::InstanceStatus::{Offline, Running};
    ///
    /// let instance = client.wait_for_instance(&id, Running).until_any_of([Running, Offline]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn until_any_of(mut self, statuses: impl IntoIterator<Item = S>) -> Self {
        self.goal = ReachStatus::any_of(statuses);
        self
    }
}

/// The goal of `Client::wait_for_*_gone`: the resource is deleted, that is, reading it answers
/// 404 or a status that means deleted (see [the module](super)). The wait resolves to `()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gone;

impl<R, S: AsRef<str>> Goal<R, S> for Gone {
    type Output = ();

    fn judge(&self, read: Result<R, Error>, table: &StatusTable<R, S>, _: &str) -> Result<Verdict<()>, Error> {
        match read {
            Err(error) if error.is_not_found() => Ok(Verdict::Reached(())),
            Err(error) => Err(error),
            Ok(read) => {
                let status = (table.status_of)(&read);
                Ok(match (table.gone)(status) {
                    true => Verdict::Reached(()),
                    false => Verdict::Pending(status.as_ref().to_owned()),
                })
            }
        }
    }
}

impl<R> Goal<R, InstanceStatus> for super::ActionTarget {
    type Output = Option<R>;

    fn judge(
        &self,
        read: Result<R, Error>,
        table: &StatusTable<R, InstanceStatus>,
        resource: &str,
    ) -> Result<Verdict<Option<R>>, Error> {
        Ok(match self {
            Self::Status(target) => reach(read, |status| status == target, table, resource)?.map(Some),
            Self::Gone => Gone.judge(read, table, resource)?.map(|()| None),
        })
    }
}
