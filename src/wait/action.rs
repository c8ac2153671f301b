//! Instance actions and what each leads to: `Client::instance_action_and_wait`.

use super::goal::{Goal, Gone, Verdict};
use super::{INSTANCE, StatusWait};
use crate::types::{ApiError, Instance, InstanceActionKind, InstanceId, InstanceStatus};
use crate::{Client, Error};

/// What an instance action leads to, and what [`Client::instance_action_and_wait`] waits for.
///
/// ```
/// use datacrunch::types::{InstanceActionKind, InstanceStatus};
/// use datacrunch::wait::ActionTarget;
///
/// assert_eq!(InstanceActionKind::Start.wait_target(), Some(ActionTarget::Status(InstanceStatus::Running)));
/// assert_eq!(InstanceActionKind::Delete.wait_target(), Some(ActionTarget::Gone));
/// assert_eq!(InstanceActionKind::Transfer.wait_target(), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionTarget {
    /// The instance reaches this status; the wait resolves to `Some(instance)`.
    Status(InstanceStatus),
    /// The instance is deleted; the wait resolves to `None`.
    Gone,
}

impl InstanceActionKind {
    /// What this action leads to, when known: `start` to `running`; `shutdown`,
    /// `force_shutdown` and `hibernate` to `offline`; `delete` to deletion.
    pub fn wait_target(&self) -> Option<ActionTarget> {
        match self {
            Self::Start => Some(ActionTarget::Status(InstanceStatus::Running)),
            Self::Shutdown | Self::ForceShutdown | Self::Hibernate => {
                Some(ActionTarget::Status(InstanceStatus::Offline))
            }
            Self::Delete => Some(ActionTarget::Gone),
            _ => None,
        }
    }
}

/// Sends `action` for the instance `id`, failing when the API reports that it failed for it (a
/// result with an `error`, or the status `error`).
pub(crate) async fn act_on_instance(client: &Client, id: InstanceId, action: InstanceActionKind) -> Result<(), Error> {
    let results = client
        .instance_action()
        .body_map(|body| body.action(action).id(id))
        .send()
        .await?
        .into_inner();
    let failed = results
        .0
        .into_iter()
        .flatten()
        .find(|result| result.error.is_some() || result.status.eq_ignore_ascii_case("error"));
    match failed {
        None => Ok(()),
        Some(result) => Err(Error::Api {
            status: result
                .status_code
                .and_then(|code| u16::try_from(code.get()).ok())
                .and_then(|code| http::StatusCode::from_u16(code).ok())
                .unwrap_or(http::StatusCode::MULTI_STATUS),
            error: ApiError {
                code: None,
                message: result.error.unwrap_or(result.status),
                details: None,
            },
        }),
    }
}

/// Whether the instance `id` reads as deleted (see [`Gone`]).
pub(crate) async fn instance_is_gone(client: &Client, id: &InstanceId) -> Result<bool, Error> {
    let read = (INSTANCE.read)(client, id.as_str()).await;
    Ok(matches!(Gone.judge(read, &INSTANCE, "")?, Verdict::Reached(())))
}

/// # Acting and waiting
///
/// Hand-written: an instance action, then a wait until it took effect.
impl Client {
    /// Sends `action` for the instance `id`, then waits until it took effect, as
    /// [`InstanceActionKind::wait_target`] says. The wait resolves to the instance as read last,
    /// or `None` after `delete`.
    ///
    /// An action without a known target is an [`Error::InvalidRequest`], returned before anything
    /// is sent: send it with [`Client::instance_action`] and wait with
    /// [`Client::wait_for_instance`].
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client, id: datacrunch::types::InstanceId) -> Result<(), datacrunch::Error> {
    /// use std::time::Duration;
    /// use datacrunch::types::InstanceActionKind;
    ///
    /// let instance = client
    ///     .instance_action_and_wait(&id, InstanceActionKind::Shutdown)?
    ///     .timeout(Duration::from_secs(120))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn instance_action_and_wait(
        &self,
        id: &InstanceId,
        action: InstanceActionKind,
    ) -> Result<StatusWait<'_, Instance, InstanceStatus, ActionTarget>, Error> {
        let target = action
            .wait_target()
            .ok_or_else(|| Error::InvalidRequest(format!("no known status follows the instance action `{action}`")))?;
        let send = Box::pin(act_on_instance(self, id.clone(), action));
        Ok(StatusWait::new(&INSTANCE, self, id.as_str(), target).after(send))
    }
}
