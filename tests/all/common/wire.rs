//! "Sends exactly this request" as a row: [`wire_test!`] turns one expected request, its canned
//! answer and the test's own statements into a named `#[tokio::test]`.

/// Declares one wire test against a fresh mock API ([`super::mock_api`]).
///
/// A row reads, in order:
/// - `name(client)`: the test's name, and the name its statements use for the client;
/// - optionally `setup { .. }`: statements that run first (values the expectation or the answer
///   is built from);
/// - `expect METHOD "/v1/path", matcher(args), ..;`: the request the API expects, as httpmock
///   `When` calls after `method` and `path` (`query_param`, `json_body`, `header`, `is_true`, ..);
/// - the answer: `answer STATUS, json!(..);` (a JSON body, as [`super::reply`]) or
///   `answer_with status(..), header(..), body(..);` (httpmock `Then` calls as they are);
/// - the test's statements: the call and the checks on what it decoded.
///
/// The test then asserts that the expected request arrived exactly once. Tests that need several
/// requests or their own mock server are written out in full beside the rows.
///
/// ```ignore
/// wire_test! { get_balance_amount_as_number(client)
///     expect GET "/v1/balance";
///     answer 200, json!({"amount": 73.25, "currency": "usd"});
///     let balance = client.get_balance().send().await.unwrap().into_inner();
///     assert_eq!(balance.amount.as_str(), "73.25");
/// }
/// ```
macro_rules! wire_test {
    (
        $name:ident($client:ident)
        $(setup { $($setup:tt)* })?
        expect $method:ident $path:expr $(, $matcher:ident($($arg:expr),* $(,)?))* ;
        answer $status:expr, $body:expr ;
        $($test:tt)*
    ) => {
        $crate::common::wire::wire_test! { @expand $name($client)
            [$($($setup)*)?]
            [$method, $path $(, $matcher($($arg),*))*]
            [|then: httpmock::Then| $crate::common::reply(then, $status, $body)]
            $($test)*
        }
    };
    (
        $name:ident($client:ident)
        $(setup { $($setup:tt)* })?
        expect $method:ident $path:expr $(, $matcher:ident($($arg:expr),* $(,)?))* ;
        answer_with $($answer:ident($($answer_arg:expr),* $(,)?)),+ ;
        $($test:tt)*
    ) => {
        $crate::common::wire::wire_test! { @expand $name($client)
            [$($($setup)*)?]
            [$method, $path $(, $matcher($($arg),*))*]
            [|then: httpmock::Then| then$(.$answer($($answer_arg),*))+]
            $($test)*
        }
    };
    (
        @expand $name:ident($client:ident)
        [$($setup:tt)*]
        [$method:ident, $path:expr $(, $matcher:ident($($arg:expr),*))*]
        [$answer:expr]
        $($test:tt)*
    ) => {
        #[tokio::test]
        async fn $name() {
            let (server, $client) = $crate::common::mock_api().await;
            $($setup)*
            let answer = $answer;
            let mock = server
                .mock_async(|when, then| {
                    when.method($method).path($path)$(.$matcher($($arg),*))*;
                    answer(then);
                })
                .await;
            $($test)*
            mock.assert_async().await;
        }
    };
}

pub(crate) use wire_test;
