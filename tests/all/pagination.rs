//! Paginated listings against a local mock API: `Client::all_scripts` and `Client::script_pages`
//! page through `GET /scripts` with `pageSize=100`, stop at a short page or the total, stop early
//! when the caller does, and never loop forever on a server that ignores the paging.

use crate::common;

use datacrunch::types::StartupScriptId;
use futures_util::{StreamExt, TryStreamExt};
use httpmock::Method::GET;
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};

use common::JSON;

/// `count` startup scripts as the API lists them, numbered from `first`.
fn scripts(first: usize, count: usize) -> Value {
    (first..first + count)
        .map(|n| {
            json!({
                "id": format!("5c7d0000-0000-4000-8000-{n:012}"),
                "name": format!("setup-{n}"),
                "script": "#!/bin/bash\napt-get update\n",
                "created_at": "2026-04-01T08:00:00Z"
            })
        })
        .collect()
}

/// Serves page `page` (asked for in pages of 100) with `body`, the paging headers with the page
/// size the server used, and, when given, the total.
async fn serve_page<'a>(
    server: &'a MockServer,
    page: u64,
    body: Value,
    served_size: u32,
    total: Option<usize>,
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/scripts")
                .query_param("page", page.to_string())
                .query_param("pageSize", "100");
            let then = then
                .status(200)
                .header("content-type", JSON)
                .header("X-Page", page.to_string())
                .header("X-Page-Size", served_size.to_string());
            match total {
                Some(total) => then.header("X-Total-Count", total.to_string()).json_body(body),
                None => then.json_body(body),
            };
        })
        .await
}

#[tokio::test]
async fn all_scripts_follows_pages_until_a_short_one() {
    let (server, client) = common::mock_api().await;
    let first = serve_page(&server, 1, scripts(0, 100), 100, Some(130)).await;
    let second = serve_page(&server, 2, scripts(100, 30), 100, Some(130)).await;

    let all = client.all_scripts().await.unwrap();

    assert_eq!(all.len(), 130);
    assert_eq!(all[0].name, "setup-0");
    assert_eq!(
        all[129].id,
        StartupScriptId::from("5c7d0000-0000-4000-8000-000000000129")
    );
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn all_scripts_stops_at_the_total_without_asking_for_an_empty_page() {
    let (server, client) = common::mock_api().await;
    let first = serve_page(&server, 1, scripts(0, 100), 100, Some(200)).await;
    let second = serve_page(&server, 2, scripts(100, 100), 100, Some(200)).await;
    let third = serve_page(&server, 3, json!([]), 100, Some(200)).await;

    let all = client.all_scripts().await.unwrap();

    assert_eq!(all.len(), 200);
    assert_eq!((first.calls(), second.calls(), third.calls()), (1, 1, 0));
}

/// A server that serves smaller pages than asked for says so in `X-Page-Size`; paging goes on.
#[tokio::test]
async fn smaller_pages_than_asked_for_are_followed() {
    let (server, client) = common::mock_api().await;
    let mut mocks = Vec::new();
    for (page, first, count) in [(1, 0, 50), (2, 50, 50), (3, 100, 20)] {
        mocks.push(serve_page(&server, page, scripts(first, count), 50, None).await);
    }

    let all = client.all_scripts().await.unwrap();

    assert_eq!(all.len(), 120);
    assert!(mocks.iter().all(|mock| mock.calls() == 1));
}

/// A page shorter than asked for is not the last while `X-Total-Count` says more remain.
#[tokio::test]
async fn a_short_page_does_not_end_the_listing_while_the_total_says_more_remain() {
    let (server, client) = common::mock_api().await;
    let first = serve_page(&server, 1, scripts(0, 60), 100, Some(130)).await;
    let second = serve_page(&server, 2, scripts(60, 70), 100, Some(130)).await;
    let third = serve_page(&server, 3, json!([]), 100, Some(130)).await;

    let all = client.all_scripts().await.unwrap();

    assert_eq!(all.len(), 130);
    assert_eq!((first.calls(), second.calls(), third.calls()), (1, 1, 0));
}

/// A total that promises more than the API ever sends ends at the first empty page.
#[tokio::test]
async fn a_total_that_is_never_reached_ends_at_an_empty_page() {
    let (server, client) = common::mock_api().await;
    let first = serve_page(&server, 1, scripts(0, 40), 100, Some(500)).await;
    let second = serve_page(&server, 2, json!([]), 100, Some(500)).await;

    assert_eq!(client.all_scripts().await.unwrap().len(), 40);
    assert_eq!((first.calls(), second.calls()), (1, 1));
}

#[tokio::test]
async fn an_empty_account_is_one_request() {
    let (server, client) = common::mock_api().await;
    let only = serve_page(&server, 1, json!([]), 100, Some(0)).await;

    assert!(client.all_scripts().await.unwrap().is_empty());
    only.assert_async().await;
}

#[tokio::test]
async fn script_pages_stops_when_the_caller_does() {
    let (server, client) = common::mock_api().await;
    let first = serve_page(&server, 1, scripts(0, 100), 100, Some(1000)).await;
    let second = serve_page(&server, 2, scripts(100, 100), 100, Some(1000)).await;

    let pages: Vec<_> = client.script_pages().take(1).try_collect().await.unwrap();

    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].number.get(), 1);
    assert_eq!(pages[0].total, Some(1000));
    assert_eq!(pages[0].items.len(), 100);
    assert_eq!((first.calls(), second.calls()), (1, 0));
}

/// An older deployment ignores `page` and sends the same full page, with no total, every time.
#[tokio::test]
async fn a_server_that_ignores_the_page_does_not_loop_forever() {
    let (server, client) = common::mock_api().await;
    let same = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/scripts");
            common::reply(then, 200, scripts(0, 100));
        })
        .await;

    let all = client.all_scripts().await.unwrap();

    assert_eq!(all.len(), 100);
    assert_eq!(same.calls(), 2, "the repeated page is noticed on the second request");
}

#[tokio::test]
async fn an_error_on_a_later_page_is_returned_and_ends_the_stream() {
    let (server, client) = common::mock_api().await;
    serve_page(&server, 1, scripts(0, 100), 100, None).await;
    let failing = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/scripts").query_param("page", "2");
            common::reply(
                then,
                503,
                json!({"code": "service_unavailable", "message": "try again later"}),
            );
        })
        .await;

    let outcomes: Vec<_> = client.script_pages().collect().await;

    assert_eq!(outcomes.len(), 2);
    assert!(outcomes[0].is_ok());
    match &outcomes[1] {
        Err(datacrunch::Error::Api { status, error }) => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(error.message, "try again later");
        }
        other => panic!("expected the API error, got {other:?}"),
    }
    assert!(client.all_scripts().await.is_err());
    assert_eq!(failing.calls(), 2);
}
