//! A transaction whose answer is lost after it committed: the SDK sends it again with the same
//! client request token (it gives every `TransactWriteItems` one), so DynamoDB answers the
//! first outcome rather than a failed condition ("taken") for the writes the first attempt
//! made.

use functions::store::dynamodb::DynamoStore;
use functions::store::{Condition, Item, Store, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one HTTP/1.1 message (its head, then `Content-Length` bytes of body).
async fn read_message(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = s.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf);
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A proxy on loopback in front of `upstream`: one request per connection, each answer with
/// `Connection: close`; the answer to the first `TransactWriteItems` is lost (the connection
/// closes once DynamoDB has answered it). Counts the `TransactWriteItems` it passed on.
async fn losing_proxy(upstream: String) -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let transactions = Arc::new(AtomicUsize::new(0));
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let (seen, kept) = (transactions.clone(), tokens.clone());
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (upstream, seen, kept) = (upstream.clone(), seen.clone(), kept.clone());
            tokio::spawn(async move {
                let Ok(request) = read_message(&mut client).await else {
                    return;
                };
                let text = String::from_utf8_lossy(&request).into_owned();
                let transaction = text
                    .to_ascii_lowercase()
                    .contains("x-amz-target: dynamodb_20120810.transactwriteitems");
                if transaction {
                    let token = text
                        .split_once("\"ClientRequestToken\":\"")
                        .and_then(|(_, rest)| rest.split_once('"'))
                        .map(|(token, _)| token.to_owned())
                        .unwrap_or_default();
                    kept.lock().expect("tokens").push(token);
                }
                let Ok(mut server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                if server.write_all(&request).await.is_err() {
                    return;
                }
                let Ok(answer) = read_message(&mut server).await else {
                    return;
                };
                if transaction && seen.fetch_add(1, Ordering::SeqCst) == 0 {
                    // Committed, and the answer never arrives.
                    return;
                }
                let text = String::from_utf8_lossy(&answer);
                let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
                let mut lines: Vec<&str> = head
                    .lines()
                    .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
                    .collect();
                lines.push("Connection: close");
                let out = format!("{}\r\n\r\n{body}", lines.join("\r\n"));
                let _ = client.write_all(out.as_bytes()).await;
                let _ = client.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), transactions, tokens)
}

fn item(pk: &str, sk: &str) -> Item {
    Item {
        pk: pk.into(),
        sk: sk.into(),
        version: 1,
        expires_at: None,
        data: serde_json::json!({ "n": 1 }),
    }
}

#[tokio::test]
async fn a_transaction_whose_answer_was_lost_is_not_refused_when_sent_again() {
    let direct = crate::common::fresh_dynamo_store().await;
    let table = direct.table().to_owned();
    let upstream = crate::common::dynamodb_endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let (proxy, transactions, tokens) = losing_proxy(upstream).await;
    let store = DynamoStore::new(crate::common::dynamodb_client_at(&proxy), table);
    // Two new records in one transaction: a second attempt without the token would find
    // them and fail its conditions.
    let writes = vec![
        Write::put(item("B#1#U#1", "LOGIN"), Condition::NotExists),
        Write::put(item("EMAIL#a@example.com", "EMAIL"), Condition::NotExists),
    ];
    store
        .transact(writes)
        .await
        .expect("the retry answers the first outcome");
    assert_eq!(
        transactions.load(Ordering::SeqCst),
        2,
        "the first answer was lost and the SDK sent it again"
    );
    let tokens = tokens.lock().expect("tokens").clone();
    assert!(
        tokens.len() == 2 && !tokens[0].is_empty() && tokens[0] == tokens[1],
        "the retry carries the first attempt's token: {tokens:?}"
    );
    for (pk, sk) in [("B#1#U#1", "LOGIN"), ("EMAIL#a@example.com", "EMAIL")] {
        let found = direct.get(pk, sk).await.expect("get");
        assert!(found.is_some_and(|i| i.version == 1), "{pk} written once");
    }
}
