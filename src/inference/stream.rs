//! [`EventStream`]: a streamed answer, as server-sent events or NDJSON lines.

use std::future::{Future, IntoFuture, ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::stream::{self, BoxStream};
use futures_util::{Stream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use super::Call;
use super::call::{Sent, decode_error, transport_error};
use crate::Error;
use crate::error::excerpt;

/// The `data` that ends an LLM server's stream.
const DONE: &str = "[DONE]";

/// One piece of a streamed answer: a server-sent event, or one line of NDJSON.
///
/// ```
/// # fn show(event: datacrunch::inference::Event) -> Result<(), datacrunch::Error> {
/// let chunk: serde_json::Value = event.json()?;
/// println!("{} {}", event.event(), chunk);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    event: String,
    data: String,
    id: String,
}

impl Event {
    /// The payload: an event's `data` lines joined by `\n`, or one NDJSON line.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The event's type: its `event:` field, or `message` when it has none (always `message`
    /// for NDJSON).
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The last event id the server set with an `id:` field, if any.
    pub fn id(&self) -> Option<&str> {
        Some(self.id.as_str()).filter(|id| !id.is_empty())
    }

    /// Decodes the payload as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_str(&self.data).map_err(|e| decode_error(e, self.data.as_bytes()))
    }

    /// One NDJSON line.
    fn line(data: String) -> Self {
        Self {
            event: "message".into(),
            data,
            id: String::new(),
        }
    }
}

impl From<eventsource_stream::Event> for Event {
    fn from(event: eventsource_stream::Event) -> Self {
        Self {
            event: event.event,
            data: event.data,
            id: event.id,
        }
    }
}

/// A streamed answer, event by event, ending at the server's `[DONE]` or at the end of the body.
///
/// A `text/event-stream` answer yields its events' `data` (comments and empty events skipped);
/// any other answer (`application/x-ndjson`, JSON lines) yields its non-empty lines. Events and
/// lines may arrive split across any number of network chunks. Dropping the stream closes the
/// connection.
pub struct EventStream {
    events: BoxStream<'static, Result<Event, Error>>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl EventStream {
    fn new(sent: Sent) -> Self {
        let started = sent.started;
        let content_type = sent.response.headers().get(reqwest::header::CONTENT_TYPE);
        let sse =
            crate::wire::media_type(content_type).is_some_and(|media| media.eq_ignore_ascii_case("text/event-stream"));
        let bytes = sent
            .response
            .bytes_stream()
            .map_err(move |error| transport_error(error, started))
            .boxed();
        let events = if sse {
            bytes.eventsource().map(server_sent).boxed()
        } else {
            lines(bytes).map_ok(Event::line).boxed()
        };
        Self {
            events: events.try_take_while(|event| ready(Ok(event.data != DONE))).boxed(),
        }
    }
}

impl Stream for EventStream {
    type Item = Result<Event, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }
}

/// One parsed server-sent event, or why there is none.
fn server_sent(item: Result<eventsource_stream::Event, EventStreamError<Error>>) -> Result<Event, Error> {
    match item {
        Ok(event) => Ok(event.into()),
        Err(EventStreamError::Transport(error)) => Err(error),
        Err(other) => Err(Error::Decode {
            reason: format!("event stream: {other}"),
            body: String::new(),
        }),
    }
}

/// The non-empty lines of a byte stream, ending in `\n` or `\r\n`; the last may lack its ending.
/// After an error the stream ends.
fn lines(bytes: BoxStream<'static, Result<Bytes, Error>>) -> impl Stream<Item = Result<String, Error>> {
    /// The bytes still to split, how many of them hold no `\n`, and whether the body ended.
    struct State {
        bytes: BoxStream<'static, Result<Bytes, Error>>,
        buffer: Vec<u8>,
        scanned: usize,
        ended: bool,
    }

    fn decode(line: &[u8]) -> Result<String, Error> {
        String::from_utf8(line.trim_ascii().to_vec()).map_err(|e| Error::Decode {
            reason: format!("a streamed line is not UTF-8: {e}"),
            body: excerpt(line),
        })
    }

    let state = State {
        bytes,
        buffer: Vec::new(),
        scanned: 0,
        ended: false,
    };
    stream::unfold(state, |mut state| async move {
        loop {
            let newline = state.buffer[state.scanned..].iter().position(|&b| b == b'\n');
            let line = match newline {
                Some(at) => {
                    let line: Vec<u8> = state.buffer.drain(..=state.scanned + at).collect();
                    state.scanned = 0;
                    line
                }
                None if state.ended => {
                    state.scanned = 0;
                    std::mem::take(&mut state.buffer)
                }
                None => {
                    state.scanned = state.buffer.len();
                    match state.bytes.next().await {
                        Some(Ok(chunk)) => state.buffer.extend_from_slice(&chunk),
                        Some(Err(error)) => {
                            state.buffer.clear();
                            state.ended = true;
                            return Some((Err(error), state));
                        }
                        None => state.ended = true,
                    }
                    continue;
                }
            };
            if !line.trim_ascii().is_empty() {
                return Some((decode(&line), state));
            }
            if state.ended && state.buffer.is_empty() {
                return None;
            }
        }
    })
}

/// Awaiting a streamed call sends it and checks its status; the events follow as they arrive.
impl<'c> IntoFuture for Call<'c, EventStream> {
    type Output = Result<EventStream, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { Ok(EventStream::new(self.send().await?)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn split(chunks: &[&'static [u8]]) -> Vec<Result<String, String>> {
        let chunks: Vec<_> = chunks.iter().map(|chunk| Ok(Bytes::from_static(chunk))).collect();
        let bytes = stream::iter(chunks).boxed();
        lines(bytes).map(|line| line.map_err(|e| e.to_string())).collect().await
    }

    #[tokio::test]
    async fn lines_are_split_whatever_the_chunks() {
        let lines = split(&[b"{\"a\"", b":1}\r", b"\n\n  \n{\"b\":2}\n{\"c\"", b":3}"]).await;
        assert_eq!(
            lines,
            [
                Ok(r#"{"a":1}"#.into()),
                Ok(r#"{"b":2}"#.into()),
                Ok(r#"{"c":3}"#.into())
            ]
        );
        assert_eq!(split(&[]).await, []);
        assert_eq!(split(&[b"\n", b"\r\n"]).await, []);
    }

    #[tokio::test]
    async fn a_line_split_inside_a_character_decodes_and_a_broken_one_is_an_error() {
        let lines = split(&["é".as_bytes().split_at(1).0, "é".as_bytes().split_at(1).1, b"\n"]).await;
        assert_eq!(lines, [Ok("é".into())]);
        let broken = split(&[b"\xff\n", b"ok\n"]).await;
        assert!(broken[0].as_ref().is_err_and(|e| e.contains("not UTF-8")), "{broken:?}");
        assert_eq!(broken[1], Ok("ok".into()));
    }
}
