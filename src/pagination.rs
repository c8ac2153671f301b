//! Lists the API serves one page at a time.
//!
//! `GET /scripts` answers at most `pageSize` items (10 unless asked, 100 at most) and describes the
//! page in the `X-Page`, `X-Page-Size` and `X-Total-Count` headers. [`pages`] turns any operation
//! paged that way into a [`Stream`] of [`Page`]s; one `paginated!` line below then gives
//! [`Client`](crate::Client) a stream of pages and a method that collects every item, such as
//! [`Client::script_pages`](crate::Client::script_pages) and
//! [`Client::all_scripts`](crate::Client::all_scripts). A new paginated endpoint needs its
//! `page`/`pageSize` parameters in `openapi.yaml` and one more such line.

use std::future::Future;
use std::num::NonZeroU64;

use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt, TryStreamExt, stream};
use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;

use crate::Error;
use crate::types::StartupScript;

/// The largest page the API serves; the `all_*` methods ask for it to need the fewest requests.
pub const MAX_PAGE_SIZE: NonZeroU64 = NonZeroU64::MIN.saturating_add(99);

/// The most pages one listing follows. A server that ignores the paging parameters and sends no
/// total would otherwise be asked for more pages forever.
pub const MAX_PAGES: u64 = 10_000;

/// One page of a paginated list.
///
/// ```
/// use datacrunch::pagination::Page;
///
/// let page = Page { number: 1.try_into().unwrap(), items: vec!["a", "b"], total: Some(2) };
/// assert_eq!(page.items.len() as u64, page.total.unwrap());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// Which page this is, counting from 1.
    pub number: NonZeroU64,
    /// The items of the page, in the order the API sent them.
    pub items: Vec<T>,
    /// How many items the whole list holds, when the API said so (`X-Total-Count`).
    pub total: Option<u64>,
}

/// A numeric response header, if present and well-formed.
fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Where a listing stands between two pages.
struct Cursor<F, T> {
    /// Fetches one page: `(page number, page size)`.
    fetch: F,
    /// The next page to ask for; `None` once the list is complete.
    next: Option<NonZeroU64>,
    /// How many items the earlier pages held.
    seen: u64,
    /// The first item of the previous page, to notice a server that keeps sending the same page.
    previous_first: Option<T>,
}

/// The pages of a paginated operation, fetched one at a time as the stream is polled.
///
/// `fetch(page, page_size)` sends one request. The stream ends once `X-Total-Count` items have
/// arrived, or, when the API sends no total, after a page shorter than the page size
/// (`X-Page-Size` when the API sends it, else `page_size`); a short page followed by more is
/// normal when a total says more remain. It also ends after an empty page, when a page starts
/// with the same item as the one before (a server that ignores `page`), or after [`MAX_PAGES`]
/// pages. An error ends it after being yielded. Dropping the
/// stream stops the listing early.
///
/// ```no_run
/// use datacrunch::pagination::pages;
/// use futures_util::TryStreamExt;
///
/// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
/// let size = 25.try_into().unwrap();
/// let listing = pages(size, |page, size| client.get_scripts().page(page).page_size(size).send());
/// let mut listing = std::pin::pin!(listing);
/// while let Some(page) = listing.try_next().await? {
///     println!("page {}: {} scripts", page.number, page.items.len());
/// }
/// # Ok(())
/// # }
/// ```
pub fn pages<T, L, E, F, Fut>(page_size: NonZeroU64, fetch: F) -> impl Stream<Item = Result<Page<T>, Error>>
where
    T: Clone + PartialEq,
    L: Into<Vec<T>>,
    Error: From<E>,
    F: FnMut(NonZeroU64, NonZeroU64) -> Fut,
    Fut: Future<Output = Result<ResponseValue<L>, E>>,
{
    let cursor = Cursor {
        fetch,
        next: Some(NonZeroU64::MIN),
        seen: 0,
        previous_first: None,
    };
    stream::unfold(cursor, move |mut cursor| async move {
        let number = cursor.next.take()?;
        let response = match (cursor.fetch)(number, page_size).await {
            Ok(response) => response,
            Err(error) => return Some((Err(Error::from(error)), cursor)),
        };
        let total = header_number(response.headers(), "x-total-count");
        // The API may serve smaller pages than asked for; it says so in `X-Page-Size`.
        let served_size = header_number(response.headers(), "x-page-size")
            .filter(|&size| size > 0)
            .unwrap_or(page_size.get());
        let items: Vec<T> = response.into_inner().into();
        if items
            .first()
            .is_some_and(|first| cursor.previous_first.as_ref() == Some(first))
        {
            tracing::warn!(
                page = number.get(),
                "the API sent the same page again; stopping the listing"
            );
            return None;
        }
        let count = u64::try_from(items.len()).unwrap_or(u64::MAX);
        cursor.seen = cursor.seen.saturating_add(count);
        // `X-Total-Count`, when present, decides: a short page ends the listing only when the
        // API gave no total. An empty page ends it in any case.
        let complete = match total {
            Some(total) => cursor.seen >= total,
            None => count < served_size,
        } || count == 0
            || number.get() >= MAX_PAGES;
        cursor.next = if complete { None } else { number.checked_add(1) };
        cursor.previous_first = items.first().cloned();
        Some((Ok(Page { number, items, total }), cursor))
    })
}

/// Every item of every page, in order.
async fn collect_all<T>(pages: impl Stream<Item = Result<Page<T>, Error>>) -> Result<Vec<T>, Error> {
    pages
        .try_fold(Vec::new(), |mut all, page| async move {
            all.extend(page.items);
            Ok(all)
        })
        .await
}

/// Adds to [`Client`](crate::Client) a stream of the pages of `$op` (`$pages`) and a method that
/// returns every item (`$all`), both asking for pages of [`MAX_PAGE_SIZE`].
macro_rules! paginated {
    ($op:ident => $item:ty, $pages:ident, $all:ident) => {
        /// # Pages
        ///
        /// Hand-written: every page of a paginated list (see [`crate::pagination`]).
        impl crate::Client {
            #[doc = concat!("Every page of [`Client::", stringify!($op), "`](crate::Client::", stringify!($op), "), ")]
            #[doc = concat!("each of [`MAX_PAGE_SIZE`](crate::pagination::MAX_PAGE_SIZE) items, fetched as the stream is polled; stop polling to stop early.")]
            ///
            /// ```no_run
            /// use futures_util::TryStreamExt;
            ///
            /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
            #[doc = concat!("let first = client.", stringify!($pages), "().try_next().await?;")]
            /// println!("{:?}", first.map(|page| page.items.len()));
            /// # Ok(())
            /// # }
            /// ```
            pub fn $pages(&self) -> BoxStream<'_, Result<Page<$item>, Error>> {
                pages(MAX_PAGE_SIZE, move |page, size| self.$op().page(page).page_size(size).send()).boxed()
            }

            #[doc = concat!("Every item of [`Client::", stringify!($op), "`](crate::Client::", stringify!($op), "), ")]
            #[doc = concat!("fetched page by page (see [`Client::", stringify!($pages), "`](crate::Client::", stringify!($pages), ")).")]
            ///
            /// ```no_run
            /// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
            #[doc = concat!("let all = client.", stringify!($all), "().await?;")]
            /// println!("{} in all", all.len());
            /// # Ok(())
            /// # }
            /// ```
            pub async fn $all(&self) -> Result<Vec<$item>, Error> {
                collect_all(self.$pages()).await
            }
        }
    };
}

paginated!(get_scripts => StartupScript, script_pages, all_scripts);
