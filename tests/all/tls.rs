//! The default TLS stack (feature `rustls`: rustls with *ring*, configured by the SDK itself since
//! reqwest only brings a provider of its own with aws-lc-rs).

use datacrunch::retry::RetryPolicy;
use datacrunch::{Client, Error};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// Reads one TLS record (5-byte header, then the length it announces) from the first connection.
async fn first_tls_record(listener: TcpListener) -> Vec<u8> {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut record = vec![0; 5];
    socket.read_exact(&mut record).await.unwrap();
    let length = usize::from(u16::from_be_bytes([record[3], record[4]]));
    record.resize(5 + length, 0);
    socket.read_exact(&mut record[5..]).await.unwrap();
    record // the connection closes here: the handshake fails
}

#[tokio::test]
async fn an_https_call_opens_with_a_client_hello_offering_http1_only() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("https://127.0.0.1:{}/v1", listener.local_addr().unwrap().port());
    let server = tokio::spawn(first_tls_record(listener));
    let client = Client::builder()
        .base_url(&base_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let error = client.get_balance().send().await.unwrap_err();
    let record = server.await.unwrap();

    assert_eq!(record[0], 0x16, "a handshake record");
    assert_eq!(record[5], 0x01, "a ClientHello");
    // The ALPN extension (type 16): 11 bytes, a list of 9 bytes holding "http/1.1" alone, since
    // the `http2` feature is off.
    let alpn = b"\x00\x10\x00\x0b\x00\x09\x08http/1.1";
    assert!(
        record.windows(alpn.len()).any(|w| w == alpn),
        "ALPN http/1.1 alone in {record:02x?}"
    );
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}
