//! Asynchronous inference: the queued call ([`AsyncInference`]), its status, its result, and
//! [`ResultWait`], which polls until the result is ready.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::call::{Outgoing, Sent, decode_error};
use super::{Call, DEFAULT_WAIT_TIMEOUT, INFERENCE_ID_HEADER, InferenceClient, InferenceResponse, InferenceStatus};
use crate::Error;
use crate::retry::Backoff;

/// An inference queued with [`InferenceClient::run`], named by its id.
///
/// Keep the id to collect the result later, from another process too:
///
/// ```no_run
/// use datacrunch::inference::{AsyncInference, InferenceClient};
///
/// # async fn run(client: InferenceClient) -> Result<(), datacrunch::Error> {
/// let job = client.run("generate", &serde_json::json!({"prompt": "a cat"})).await?;
/// let id = job.id().to_owned();
/// // ... later
/// let result = client.wait(&AsyncInference::new(id)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AsyncInference {
    id: String,
}

impl AsyncInference {
    /// An inference known by its id.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }

    /// The inference's id, sent as `X-Inference-Id` when polling.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id from the answer to `Prefer: respond-async`: the body's `Id`, else the
    /// `X-Inference-Id` header.
    async fn read(sent: Sent) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Accepted {
            #[serde(rename = "Id")]
            id: Option<String>,
        }
        let header = sent
            .response
            .headers()
            .get(INFERENCE_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = sent.bytes().await?;
        let from_body = serde_json::from_slice::<Accepted>(&body)
            .ok()
            .and_then(|accepted| accepted.id);
        match from_body.or(header).filter(|id| !id.is_empty()) {
            Some(id) => Ok(Self { id }),
            None => Err(Error::decode(
                "the answer to an asynchronous call has no inference id (`Id` or X-Inference-Id)",
                &body,
            )),
        }
    }
}

/// Awaiting an asynchronous call queues it and returns its id.
impl<'c> IntoFuture for Call<'c, AsyncInference> {
    type Output = Result<AsyncInference, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { AsyncInference::read(self.send().await?).await })
    }
}

/// What the status endpoint says of an asynchronous inference.
///
/// ```
/// use datacrunch::inference::{InferenceStatus, StatusReport};
///
/// let report: StatusReport = serde_json::from_str(r#"{"Id": "abc", "Status": 2}"#).unwrap();
/// assert_eq!(report.status, InferenceStatus::Inference);
/// assert_eq!(report.other["Id"], "abc");
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct StatusReport {
    /// The inference's state.
    #[serde(rename = "Status")]
    pub status: InferenceStatus,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl InferenceClient {
    /// Asks where an asynchronous inference stands: `GET {base domain}/status/{deployment}` with
    /// its `X-Inference-Id`. An id the deployment does not know is an [`Error::Api`] (404).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::inference::InferenceClient, job: datacrunch::inference::AsyncInference) -> Result<(), datacrunch::Error> {
    /// println!("{}", client.status(&job).await?.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn status(&self, inference: &AsyncInference) -> Result<StatusReport, Error> {
        let status_url = &self.endpoint.polling()?.0;
        let body = self.poll(status_url, inference).await?.bytes().await?;
        serde_json::from_slice(&body).map_err(|e| decode_error(e, &body))
    }

    /// Collects an asynchronous inference's result: `GET {base domain}/result/{deployment}` with
    /// its `X-Inference-Id`. `None` while the result is not ready (the endpoint answers 202).
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::inference::InferenceClient, job: datacrunch::inference::AsyncInference) -> Result<(), datacrunch::Error> {
    /// match client.result(&job).await? {
    ///     Some(result) => println!("{}", result.value()?),
    ///     None => println!("not ready yet"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn result(&self, inference: &AsyncInference) -> Result<Option<InferenceResponse>, Error> {
        let result_url = &self.endpoint.polling()?.1;
        let sent = self.poll(result_url, inference).await?;
        if sent.response.status() == StatusCode::ACCEPTED {
            return Ok(None);
        }
        InferenceResponse::read(sent).await.map(Some)
    }

    /// Polls an asynchronous inference until its result is ready, and returns it. Await the
    /// returned [`ResultWait`], after adjusting it if need be.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # async fn run(client: datacrunch::inference::InferenceClient, job: datacrunch::inference::AsyncInference) -> Result<(), datacrunch::Error> {
    /// let result = client.wait(&job).timeout(Duration::from_secs(600)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait(&self, inference: &AsyncInference) -> ResultWait<'_> {
        ResultWait {
            client: self,
            inference: inference.clone(),
            timeout: DEFAULT_WAIT_TIMEOUT,
            backoff: Backoff::exact(Duration::from_secs(1), Duration::from_secs(5)),
        }
    }

    /// A GET of a status or result address for `inference`.
    async fn poll(&self, url: &Url, inference: &AsyncInference) -> Result<Sent, Error> {
        let id = HeaderValue::from_str(inference.id()).map_err(|_| {
            Error::InvalidRequest(format!("inference id {:?} cannot be sent in a header", inference.id()))
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(INFERENCE_ID_HEADER, id);
        self.execute(Outgoing {
            method: Method::GET,
            url: url.clone(),
            body: None,
            headers,
            timeout: None,
        })
        .await
    }
}

/// Polls an asynchronous inference until its result is ready; made by
/// [`InferenceClient::wait`], run by awaiting it.
///
/// It asks for the status, then waits before asking again, 1 s at first and twice as long each
/// time up to 5 s (see [`ResultWait::poll_interval`]). Once the state is no longer pending (completed,
/// or a state this SDK does not know), it asks for the result, and returns it unless the result
/// is still not ready. After [`ResultWait::timeout`] (default [`DEFAULT_WAIT_TIMEOUT`]) it fails with
/// [`Error::Timeout`]; the inference itself goes on.
#[derive(Debug)]
#[must_use = "a wait does nothing until it is awaited"]
pub struct ResultWait<'c> {
    client: &'c InferenceClient,
    inference: AsyncInference,
    timeout: Duration,
    /// The pauses between polls: exponential, without jitter.
    backoff: Backoff,
}

impl ResultWait<'_> {
    /// Sets how long to wait for the result in all.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// Sets the first pause between polls and the longest one (default 1 s and 5 s); each
    /// pause doubles the one before.
    pub fn poll_interval(mut self, first: Duration, longest: Duration) -> Self {
        self.backoff = self.backoff.between(first, longest);
        self
    }
}

impl<'c> IntoFuture for ResultWait<'c> {
    type Output = Result<InferenceResponse, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let started = Instant::now();
            let polling = async {
                let mut polls = 0u32;
                loop {
                    let report = self.client.status(&self.inference).await?;
                    if !report.status.is_pending()
                        && let Some(result) = self.client.result(&self.inference).await?
                    {
                        return Ok(result);
                    }
                    tokio::time::sleep(self.backoff.delay(polls)).await;
                    polls = polls.saturating_add(1);
                }
            };
            tokio::time::timeout(self.timeout, polling).await.unwrap_or_else(|_| {
                Err(Error::Timeout {
                    waited: started.elapsed(),
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_longest_and_never_overflow() {
        let client = InferenceClient::new("https://containers.datacrunch.io/my-llm", "key").unwrap();
        let wait = client.wait(&AsyncInference::new("job"));
        let pauses: Vec<u64> = [0, 1, 2, 3, 4, u32::MAX]
            .map(|polls| wait.backoff.delay(polls).as_secs())
            .to_vec();
        assert_eq!(pauses, [1, 2, 4, 5, 5, 5]);

        let inverted = wait.poll_interval(Duration::from_secs(3), Duration::from_secs(1));
        assert_eq!(inverted.backoff.delay(0), Duration::from_secs(3));
        assert_eq!(inverted.backoff.delay(9), Duration::from_secs(3));
    }
}
