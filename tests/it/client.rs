//! The GitHub client over real HTTP: against the fake GitHub for GitHub's behaviours, and a
//! tiny scripted server for what the fake does not do on purpose (429s, hangs, echoed tokens).
//!
//! No test measures wall-clock time: they assert the fake's and the client's counters. Waits
//! are configured down to milliseconds; `retry-after: 1` (GitHub's smallest) is used twice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use planpilot::github::{ApiError, Client, ClientConfig, Request, Safety, Secret, TokenRole};
use serde_json::json;

/// What the scripted server does with one request.
#[derive(Clone)]
enum Step {
    /// Answer with this status, extra headers and JSON body.
    Reply {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Answer with this status and a message quoting the request's `Authorization` header.
    Echo { status: u16 },
    /// Read the request, then say nothing for this long and close.
    Hang(Duration),
    /// Read the request and close the connection without answering.
    Drop,
}

fn reply(status: u16, headers: &[(&'static str, &str)], body: serde_json::Value) -> Step {
    Step::Reply {
        status,
        headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        body: body.to_string(),
    }
}

fn ok_step() -> Step {
    reply(200, &[], json!({"data": {"viewer": {"login": "octocat"}}}))
}

/// One request as the scripted server received it.
#[derive(Debug, Clone)]
struct Received {
    /// Header names lower-cased.
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// An HTTP/1.1 server on a local port that plays `steps` in order (then answers `ok_step`),
/// one request per connection. Its threads live until the test binary exits.
struct Scripted {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Scripted {
    fn start(steps: Vec<Step>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/graphql", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let steps = Arc::new(Mutex::new(steps.into_iter()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (steps, log) = (steps.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &steps, &log));
            }
        });
        Scripted { url, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, steps: &Mutex<std::vec::IntoIter<Step>>, log: &Mutex<Vec<Received>>) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let step = steps.lock().unwrap().next().unwrap_or_else(ok_step);
    let authorization = request.header("authorization").unwrap_or("").to_string();
    log.lock().unwrap().push(request);
    let (status, headers, body) = match step {
        Step::Reply {
            status,
            headers,
            body,
        } => (status, headers, body),
        Step::Echo { status } => {
            let message =
                format!("You have exceeded a secondary rate limit; you sent {authorization}");
            (
                status,
                Vec::new(),
                json!({ "message": message }).to_string(),
            )
        }
        Step::Hang(duration) => {
            std::thread::sleep(duration);
            return;
        }
        Step::Drop => return,
    };
    let mut head = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let mut stream = stream;
    let _ = stream.write_all(format!("{head}\r\n{body}").as_bytes());
}

fn read_request(stream: &TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.push((name.trim().to_lowercase(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Small waits everywhere, so failures and limits cost milliseconds.
fn quick(url: &str) -> ClientConfig {
    ClientConfig {
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        secondary_min_wait: Duration::from_millis(5),
        reset_margin: Duration::from_millis(5),
        max_wait: Duration::from_secs(10),
        read_timeout: Duration::from_millis(300),
        ..ClientConfig::new(url, "test-token")
    }
}

fn read() -> Request {
    Request::query("query { viewer { login } }", json!({}))
}

fn create_issue() -> Request {
    Request::mutation(
        "mutation($input: CreateIssueInput!) { createIssue(input: $input) { issue { id } } }",
        json!({"input": {"repositoryId": "R_1", "title": "One"}}),
        Safety::Create,
    )
}

#[tokio::test]
async fn sends_user_agent_json_and_the_token_of_the_role() {
    let server = Scripted::start(vec![]);
    let config = ClientConfig {
        project_token: Some(Secret::new("project-pat")),
        ..quick(&server.url)
    };
    let client = Client::new(config).unwrap();
    client.graphql(read()).await.unwrap();
    client
        .graphql(read().with_token(TokenRole::Project))
        .await
        .unwrap();
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("authorization"),
        Some("Bearer test-token")
    );
    assert_eq!(
        received[1].header("authorization"),
        Some("Bearer project-pat")
    );
    let agent = received[0].header("user-agent").unwrap();
    assert_eq!(agent, concat!("planpilot/", env!("CARGO_PKG_VERSION")));
    assert_eq!(received[0].header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(body["query"], "query { viewer { login } }");
    assert_eq!(body["variables"], json!({}));
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let limited = reply(
        429,
        &[("retry-after", "1")],
        json!({"message": "Too Many Requests"}),
    );
    let server = Scripted::start(vec![limited]);
    let client = Client::new(quick(&server.url)).unwrap();
    client.graphql(read()).await.unwrap();
    let metrics = client.metrics();
    assert_eq!(metrics.requests, 2);
    assert_eq!(metrics.retries.get("secondary"), Some(&1));
    assert_eq!(metrics.rate_limit_hits, 1);
    assert_eq!(
        metrics.rate_limit_wait_ms, 1_000,
        "the pause retry-after asked for"
    );
}

#[tokio::test]
async fn a_429_without_retry_after_waits_the_growing_minimum() {
    let limited = reply(429, &[], json!({"message": "Too Many Requests"}));
    let server = Scripted::start(vec![limited.clone(), limited]);
    let client = Client::new(quick(&server.url)).unwrap();
    client.graphql(read()).await.unwrap();
    let metrics = client.metrics();
    assert_eq!(metrics.requests, 3);
    assert_eq!(metrics.retries.get("secondary"), Some(&2));
    assert_eq!(metrics.rate_limit_wait_ms, 5 + 10, "5 ms, then doubled");
}

#[tokio::test]
async fn a_timeout_on_a_create_is_ambiguous_and_not_resent() {
    let server = Scripted::start(vec![Step::Hang(Duration::from_secs(2))]);
    let client = Client::new(quick(&server.url)).unwrap();
    let error = client.graphql(create_issue()).await.unwrap_err();
    assert!(matches!(error, ApiError::Ambiguous { .. }), "{error}");
    assert_eq!(client.metrics().requests, 1);
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_on_a_create_is_ambiguous_and_not_resent() {
    let server = Scripted::start(vec![Step::Drop]);
    let client = Client::new(quick(&server.url)).unwrap();
    let error = client.graphql(create_issue()).await.unwrap_err();
    assert!(matches!(error, ApiError::Ambiguous { .. }), "{error}");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn timeouts_and_dropped_connections_on_a_read_are_retried() {
    let server = Scripted::start(vec![Step::Hang(Duration::from_secs(2)), Step::Drop]);
    let client = Client::new(quick(&server.url)).unwrap();
    client.graphql(read()).await.unwrap();
    assert_eq!(client.metrics().retries.get("transient"), Some(&2));
    assert_eq!(server.received().len(), 3);
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_create() {
    // A port that was just free: nothing listens, so connecting fails and nothing was sent.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = ClientConfig {
        max_retries: 2,
        ..quick(&format!("http://127.0.0.1:{port}/graphql"))
    };
    let client = Client::new(config).unwrap();
    let error = client.graphql(create_issue()).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Transient { attempts: 3, .. }),
        "{error}"
    );
    assert_eq!(client.metrics().retries.get("transient"), Some(&2));
}

/// Collects everything `tracing` writes while it is the thread's default subscriber.
#[derive(Clone, Default)]
struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_logs() {
    let logs = LogCapture::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime is single-threaded, so the client's work all logs to this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);

    // Refusals and failures whose messages quote the token back.
    let steps = vec![
        Step::Echo { status: 429 },
        Step::Echo { status: 502 },
        Step::Echo { status: 422 },
    ];
    let server = Scripted::start(steps);
    let config = quick(&server.url);
    assert!(!format!("{config:?}").contains("test-token"));
    let client = Client::new(config).unwrap();
    let error = client.graphql(read()).await.unwrap_err();
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();

    assert_eq!(server.received().len(), 3, "the server did see the token");
    assert!(matches!(error, ApiError::Invalid { .. }), "{error}");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("you sent Bearer ***"), "{shown}");
    assert!(logged.contains("secondary rate limit"), "{logged}");
    assert!(logged.contains("retrying in"), "{logged}");
    assert!(logged.contains("you sent Bearer ***"), "{logged}");
    assert!(!shown.contains("test-token"), "{shown}");
    assert!(!logged.contains("test-token"), "{logged}");
}
