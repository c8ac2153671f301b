//! [`EventStream`]: a streamed answer, as server-sent events or NDJSON lines.

use std::future::{Future, IntoFuture, ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use super::Call;
use super::call::{Sent, decode_error, transport_error};
use crate::Error;

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

/// The longest line (NDJSON) or event (server-sent events) an [`EventStream`] accepts unless
/// set with [`InferenceClientBuilder::max_event_size`](super::InferenceClientBuilder::max_event_size):
/// 16 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

/// A streamed answer, event by event, ending at the server's `[DONE]` or at the end of the body.
///
/// A `text/event-stream` answer yields its events' `data` (comments and events without data
/// skipped; an event left unfinished by the end of the body is dropped, as the standard says);
/// any other answer (`application/x-ndjson`, JSON lines) yields its non-empty lines. Events and
/// lines may arrive split across any number of network chunks, and are parsed in time linear in
/// the body's size.
///
/// - A line or event larger than the limit
///   ([`InferenceClientBuilder::max_event_size`](super::InferenceClientBuilder::max_event_size),
///   default [`DEFAULT_MAX_EVENT_SIZE`]) is [`Error::TooLarge`], and ends the stream.
/// - Bytes that are not UTF-8 become U+FFFD in a server-sent event (as browsers do), and an
///   [`Error::Decode`] for that one NDJSON line (the stream goes on with the next).
/// - A broken connection is an error that ends the stream.
///
/// The stream is fused: after its end, or an error that ends it, it yields `None`. Dropping it
/// closes the connection.
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
        let limit = sent.max_event_size;
        let content_type = sent.response.headers().get(reqwest::header::CONTENT_TYPE);
        let sse =
            crate::wire::media_type(content_type).is_some_and(|media| media.eq_ignore_ascii_case("text/event-stream"));
        let bytes = sent
            .response
            .bytes_stream()
            .map_err(move |error| transport_error(error, started))
            .boxed();
        let format = if sse { Format::ServerSent } else { Format::Lines };
        Self {
            events: Parser::new(bytes, format, limit)
                .try_take_while(|event| ready(Ok(event.data != DONE)))
                .fuse()
                .boxed(),
        }
    }
}

impl Stream for EventStream {
    type Item = Result<Event, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }
}

/// How a streamed body is cut into events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// `text/event-stream`: lines end in `\n`, `\r\n` or `\r`; a blank line ends an event.
    ServerSent,
    /// NDJSON and the like: lines end in `\n` (a `\r` before it is trimmed); each non-blank line
    /// is an event.
    Lines,
}

/// The bytes received and not yet cut into lines. Each byte is looked at once to find line
/// ends, and copied at most twice (once out as its line, once when the buffer moves the start
/// of an unfinished line to its front), so parsing is linear in the size of the body.
#[derive(Debug, Default)]
struct LineBuffer {
    bytes: Vec<u8>,
    /// Where the next line starts.
    start: usize,
    /// Bytes before this index hold no line end.
    scanned: usize,
    /// The last line ended in `\r` (server-sent events): a `\n` right after it belongs to it.
    after_cr: bool,
}

impl LineBuffer {
    fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 {
            self.bytes.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        self.bytes.extend_from_slice(chunk);
    }

    /// The next complete line, without its end.
    fn next_line(&mut self, cr_ends_line: bool) -> Option<&[u8]> {
        if self.after_cr {
            match self.bytes.get(self.start) {
                None => return None,
                Some(b'\n') => self.start += 1,
                Some(_) => {}
            }
            self.after_cr = false;
            self.scanned = self.scanned.max(self.start);
        }
        let unscanned = self.bytes.get(self.scanned..).unwrap_or_default();
        let Some(offset) = unscanned
            .iter()
            .position(|&b| b == b'\n' || (cr_ends_line && b == b'\r'))
        else {
            self.scanned = self.bytes.len();
            return None;
        };
        let end = self.scanned + offset;
        self.after_cr = self.bytes.get(end) == Some(&b'\r');
        let start = std::mem::replace(&mut self.start, end + 1);
        self.scanned = self.start;
        self.bytes.get(start..end)
    }

    /// How many bytes wait for their line's end.
    fn pending(&self) -> usize {
        self.bytes.len() - self.start
    }

    /// What is left at the end of the body: a last line without its end.
    fn rest(&mut self) -> &[u8] {
        let start = std::mem::replace(&mut self.start, self.bytes.len());
        self.bytes.get(start..).unwrap_or_default()
    }
}

/// The server-sent event being read: its fields so far.
#[derive(Debug, Default)]
struct EventFields {
    event: String,
    data: String,
    /// The last event id the server set; it carries over to later events.
    id: String,
}

impl EventFields {
    /// Reads one line of an event; a blank line returns the finished event, if it has data.
    fn line(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let mut data = std::mem::take(&mut self.data);
            if data.is_empty() {
                return None;
            }
            data.pop(); // the `\n` after the last data line
            let event = if event.is_empty() { "message".to_owned() } else { event };
            return Some(Event {
                event,
                data,
                id: self.id.clone(),
            });
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => value.clone_into(&mut self.id),
            _ => {} // comments (an empty field name), `retry` and unknown fields
        }
        None
    }

    fn size(&self) -> usize {
        self.event.len() + self.data.len()
    }
}

/// Cuts a body into [`Event`]s, as [`EventStream`] describes.
struct Parser {
    bytes: BoxStream<'static, Result<Bytes, Error>>,
    format: Format,
    limit: usize,
    lines: LineBuffer,
    fields: EventFields,
    /// No line was read yet (a byte order mark may start the body).
    first_line: bool,
    /// The body has ended.
    ended: bool,
    /// The stream has yielded its last item.
    done: bool,
}

impl Parser {
    fn new(bytes: BoxStream<'static, Result<Bytes, Error>>, format: Format, limit: usize) -> Self {
        Self {
            bytes,
            format,
            limit,
            lines: LineBuffer::default(),
            fields: EventFields::default(),
            first_line: true,
            ended: false,
            done: false,
        }
    }

    fn too_large(&mut self) -> Error {
        self.done = true;
        let what = match self.format {
            Format::ServerSent => "streamed event",
            Format::Lines => "streamed line",
        };
        Error::TooLarge {
            what,
            limit: self.limit,
        }
    }

    /// What one complete line yields, if anything.
    fn line(&mut self, line: Vec<u8>) -> Option<Result<Event, Error>> {
        let first = std::mem::replace(&mut self.first_line, false);
        match self.format {
            Format::Lines => {
                let line = line.trim_ascii();
                if line.is_empty() {
                    return None;
                }
                Some(
                    String::from_utf8(line.to_vec())
                        .map(Event::line)
                        .map_err(|e| Error::decode(format!("a streamed line is not UTF-8: {e}"), line)),
                )
            }
            Format::ServerSent => {
                let text = String::from_utf8_lossy(&line);
                let text = if first {
                    text.trim_start_matches('\u{feff}')
                } else {
                    &text
                };
                if self.fields.size() + text.len() > self.limit {
                    return Some(Err(self.too_large()));
                }
                self.fields.line(text).map(Ok)
            }
        }
    }
}

impl Stream for Parser {
    type Item = Result<Event, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let cr_ends_line = this.format == Format::ServerSent;
            if let Some(line) = this.lines.next_line(cr_ends_line).map(<[u8]>::to_vec) {
                if line.len() > this.limit {
                    return Poll::Ready(Some(Err(this.too_large())));
                }
                match this.line(line) {
                    Some(item) => return Poll::Ready(Some(item)),
                    None => continue,
                }
            }
            if this.lines.pending() > this.limit {
                return Poll::Ready(Some(Err(this.too_large())));
            }
            if this.ended {
                this.done = true;
                // A last NDJSON line may lack its end; an unfinished event is dropped.
                let rest = this.lines.rest().to_vec();
                return Poll::Ready(match this.format {
                    Format::Lines => this.line(rest),
                    Format::ServerSent => None,
                });
            }
            match this.bytes.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.lines.push(&chunk),
                Poll::Ready(Some(Err(error))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(error)));
                }
                Poll::Ready(None) => this.ended = true,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
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
    use futures_util::stream;
    use proptest::prelude::*;

    use super::*;

    const LIMIT: usize = 64;

    /// Everything a parser yields for `chunks`, errors as text, polled in a spawned task so a
    /// panic fails the test as a `JoinError`, and polled once more after its end.
    fn parse(chunks: Vec<Result<Vec<u8>, ()>>, format: Format, limit: usize) -> Vec<Result<String, String>> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async move {
            let task = tokio::spawn(async move {
                let chunks = chunks.into_iter().map(|chunk| {
                    chunk
                        .map(Bytes::from)
                        .map_err(|()| Error::Timeout { waited: Duration::ZERO })
                });
                let mut parser = Parser::new(stream::iter(chunks).boxed(), format, limit);
                let mut items = Vec::new();
                while let Some(item) = parser.next().await {
                    items.push(item.map(|event| event.data).map_err(|e| e.to_string()));
                }
                assert!(parser.next().await.is_none(), "not fused");
                items
            });
            task.await.unwrap()
        })
    }

    fn ok_chunks(chunks: &[&[u8]]) -> Vec<Result<Vec<u8>, ()>> {
        chunks.iter().map(|chunk| Ok(chunk.to_vec())).collect()
    }

    use std::time::Duration;

    #[test]
    fn lines_are_split_whatever_the_chunks() {
        let lines = parse(
            ok_chunks(&[b"{\"a\"", b":1}\r", b"\n\n  \n{\"b\":2}\n{\"c\"", b":3}"]),
            Format::Lines,
            LIMIT,
        );
        assert_eq!(
            lines,
            [
                Ok(r#"{"a":1}"#.into()),
                Ok(r#"{"b":2}"#.into()),
                Ok(r#"{"c":3}"#.into())
            ]
        );
        assert_eq!(parse(ok_chunks(&[]), Format::Lines, LIMIT), []);
        assert_eq!(parse(ok_chunks(&[b"\n", b"\r\n"]), Format::Lines, LIMIT), []);
    }

    #[test]
    fn a_line_split_inside_a_character_decodes_and_a_broken_one_is_an_error() {
        let (head, tail) = "é".as_bytes().split_at(1);
        assert_eq!(
            parse(ok_chunks(&[head, tail, b"\n"]), Format::Lines, LIMIT),
            [Ok("é".into())]
        );
        let broken = parse(ok_chunks(&[b"\xff\n", b"ok\n"]), Format::Lines, LIMIT);
        assert!(broken[0].as_ref().is_err_and(|e| e.contains("not UTF-8")), "{broken:?}");
        assert_eq!(broken[1], Ok("ok".into()));
    }

    #[test]
    fn a_network_error_mid_line_ends_the_stream_without_a_panic() {
        for format in [Format::Lines, Format::ServerSent] {
            let chunks = vec![Ok(b"data: one\n\n{\"half".to_vec()), Err(()), Ok(b"\n".to_vec())];
            let items = parse(chunks, format, LIMIT);
            assert!(items.last().is_some_and(Result::is_err), "{format:?}: {items:?}");
        }
    }

    #[test]
    fn a_line_or_event_over_the_limit_is_an_error_that_ends_the_stream() {
        let endless = vec![Ok(vec![b'x'; 40]); 10];
        for format in [Format::Lines, Format::ServerSent] {
            let items = parse(endless.clone(), format, LIMIT);
            assert_eq!(items.len(), 1, "{items:?}");
            assert!(
                items[0]
                    .as_ref()
                    .is_err_and(|e| e.contains("larger than the limit of 64")),
                "{items:?}"
            );
        }
        // Many data lines of one event add up.
        let many_lines = vec![Ok(b"data: 0123456789\n".to_vec()); 10];
        let items = parse(many_lines, Format::ServerSent, LIMIT);
        assert!(items.len() == 1 && items[0].is_err(), "{items:?}");
    }

    #[test]
    fn server_sent_events_follow_the_standard() {
        let body: &[&[u8]] = &[
            b"\xef\xbb\xbf: a comment\r\n",
            b"event: delta\rdata: a\r",
            b"\ndata:b\n\nid: 7\ndata\n\n",
            b"retry: 10\n\ndata: \xffbad\n\ndata: unfinished",
        ];
        let items = parse(ok_chunks(body), Format::ServerSent, LIMIT);
        assert_eq!(items, [Ok("a\nb".into()), Ok(String::new()), Ok("\u{fffd}bad".into())]);
    }

    /// A body of events, and the data each should yield.
    fn events() -> impl Strategy<Value = (Vec<u8>, Vec<String>)> {
        prop::collection::vec("[a-z0-9 {}\":,é]{0,20}", 0..8).prop_map(|payloads| {
            let mut body = Vec::new();
            for (n, payload) in payloads.iter().enumerate() {
                let end = ["\n", "\r\n", "\r"][n % 3];
                body.extend_from_slice(format!(": comment{end}data: {payload}{end}{end}").as_bytes());
            }
            (body, payloads)
        })
    }

    /// Cuts `body` at the given fractions of its length.
    fn chunked(body: &[u8], cuts: &[prop::sample::Index]) -> Vec<Result<Vec<u8>, ()>> {
        let mut at: Vec<usize> = cuts.iter().map(|cut| cut.index(body.len() + 1)).collect();
        at.sort_unstable();
        let mut chunks = Vec::new();
        let mut from = 0;
        for to in at.into_iter().chain([body.len()]) {
            chunks.push(Ok(body[from..to].to_vec()));
            from = to;
        }
        chunks
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_in_any_chunks_never_panic_nor_pass_the_limit(
            body in prop::collection::vec(any::<u8>(), 0..400),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            for format in [Format::Lines, Format::ServerSent] {
                for item in parse(chunked(&body, &cuts), format, LIMIT).into_iter().flatten() {
                    prop_assert!(item.len() <= LIMIT);
                }
            }
        }

        #[test]
        fn valid_events_in_any_chunks_yield_exactly_their_data(
            (body, expected) in events(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let items = parse(chunked(&body, &cuts), Format::ServerSent, 1024);
            prop_assert_eq!(items, expected.into_iter().map(Ok).collect::<Vec<_>>());
        }

        #[test]
        fn valid_lines_in_any_chunks_yield_exactly_their_lines(
            lines in prop::collection::vec("[a-z0-9{}\":,é]{1,20}", 0..8),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let body = lines.iter().map(|line| format!("{line}\r\n")).collect::<String>();
            let items = parse(chunked(body.as_bytes(), &cuts), Format::Lines, 1024);
            prop_assert_eq!(items, lines.into_iter().map(Ok).collect::<Vec<_>>());
        }
    }
}
