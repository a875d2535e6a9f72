//! The GitHub client over real HTTP: against the fake GitHub for GitHub's behaviours, and a
//! tiny scripted server for what the fake does not do on purpose (429s, hangs, echoed tokens).
//!
//! No test measures wall-clock time: they assert the fake's and the client's counters. Waits
//! are configured down to milliseconds; `retry-after: 1` (GitHub's smallest) is used twice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_github::{Config, FakeGithub, Faults};
use planpilot::github::ops::{batch_request, Mutation};
use planpilot::github::{
    ApiError, Client, ClientConfig, Request, Safety, Secret, TokenInput, TokenRole,
};
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

// ---- Against the fake GitHub ----

async fn fake(config: Config) -> FakeGithub {
    FakeGithub::start(config).await.unwrap()
}

async fn fake_with(faults: Faults) -> FakeGithub {
    fake(Config {
        faults,
        ..Config::default()
    })
    .await
}

fn client_for(fake: &FakeGithub, tune: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut config = quick(&fake.graphql_url());
    tune(&mut config);
    Client::new(config).unwrap()
}

async fn repository_id(client: &Client) -> String {
    let document = r#"query { repository(owner: "acme", name: "roadmap") { id } }"#;
    let response = client
        .graphql(Request::query(document, json!({})))
        .await
        .unwrap();
    response.data["repository"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs `count` reads at once through clones of `client`.
async fn reads(client: &Client, count: usize) {
    let calls = (0..count).map(|_| {
        let client = client.clone();
        async move { client.graphql(read()).await }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
}

#[tokio::test]
async fn fake_502s_and_something_went_wrong_are_retried_until_success() {
    let fake = fake_with(Faults {
        error_502_rate: 0.3,
        something_went_wrong_rate: 0.2,
        ..Faults::default()
    })
    .await;
    let client = client_for(&fake, |c| c.max_retries = 8);
    reads(&client, 20).await;
    let (stats, metrics) = (fake.stats(), client.metrics());
    assert!(stats.faults_injected > 0, "the seeded fake injected faults");
    assert_eq!(
        metrics.retries.get("transient"),
        Some(&stats.faults_injected)
    );
    assert_eq!(metrics.requests, 20 + stats.faults_injected);
    assert_eq!(stats.requests, metrics.requests);
}

#[tokio::test]
async fn fake_max_retries_zero_sends_once() {
    let fake = fake_with(Faults {
        error_502_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let client = client_for(&fake, |c| c.max_retries = 0);
    let error = client.graphql(read()).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Transient { attempts: 1, .. }),
        "{error}"
    );
    assert_eq!(fake.stats().requests, 1);
}

/// Four reads at once against a fake that refuses more than one request in flight.
async fn secondary_limit_run(
    omit_retry_after: bool,
) -> (fake_github::Stats, planpilot::github::Metrics) {
    let fake = fake_with(Faults {
        max_concurrent: Some(1),
        latency: Duration::from_millis(200),
        retry_after_secs: 1,
        retry_after_omit_rate: if omit_retry_after { 1.0 } else { 0.0 },
        ..Faults::default()
    })
    .await;
    let client = client_for(&fake, |c| c.max_concurrency = 3);
    reads(&client, 4).await;
    (fake.stats(), client.metrics())
}

#[tokio::test]
async fn fake_403_secondary_limit_with_retry_after() {
    let (stats, metrics) = secondary_limit_run(false).await;
    assert!(stats.secondary_limited >= 1);
    // Refused in the first burst (the concurrency halves, 3 → 1), and at most once more when
    // the concurrency, recovered by a success, probes the limit again.
    assert!(stats.secondary_limited <= 3, "{stats:?}");
    assert_eq!(
        metrics.retries.get("secondary"),
        Some(&stats.secondary_limited)
    );
    assert_eq!(metrics.rate_limit_hits, stats.secondary_limited);
    assert!(
        [1_000, 2_000].contains(&metrics.rate_limit_wait_ms),
        "one shared pause of retry-after per burst: {metrics:?}"
    );
}

#[tokio::test]
async fn fake_403_secondary_limit_without_retry_after() {
    let (stats, metrics) = secondary_limit_run(true).await;
    assert!((1..=3).contains(&stats.secondary_limited), "{stats:?}");
    assert_eq!(
        metrics.retries.get("secondary"),
        Some(&stats.secondary_limited)
    );
    assert!(
        [5, 10].contains(&metrics.rate_limit_wait_ms),
        "one shared pause of the minimum wait per burst: {metrics:?}"
    );
}

#[tokio::test]
async fn fake_rate_limited_in_a_200_waits_for_the_reset() {
    // The fake's clock an hour behind: its budget window resets now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let fake = fake(Config {
        now: Some(now - 3600),
        faults: Faults {
            rate_limited_every: Some(2),
            ..Faults::default()
        },
        ..Config::default()
    })
    .await;
    let client = client_for(&fake, |c| c.max_concurrency = 1);
    for _ in 0..4 {
        client.graphql(read()).await.unwrap();
    }
    let (stats, metrics) = (fake.stats(), client.metrics());
    assert!(stats.rate_limited >= 2, "{stats:?}");
    assert_eq!(metrics.retries.get("primary"), Some(&stats.rate_limited));
    assert!(metrics.ratelimit_remaining.is_some_and(|left| left > 0));
}

#[tokio::test]
async fn fake_primary_limit_beyond_max_wait_stops_cleanly() {
    let fake = fake_with(Faults {
        rate_limited_every: Some(1),
        ..Faults::default()
    })
    .await;
    let client = client_for(&fake, |c| c.max_wait = Duration::from_secs(60));
    let error = client.graphql(read()).await.unwrap_err();
    let ApiError::RateLimited { until } = &error else {
        panic!("expected RateLimited, got {error}");
    };
    assert!(until.ends_with('Z'), "{until}");
    assert!(client.graphql(read()).await.is_err());
    assert_eq!(fake.stats().requests, 1, "nothing sent after giving up");
}

#[tokio::test]
async fn fake_401_fails_fast() {
    let fake = fake(Config::default()).await;
    let client = Client::new(ClientConfig::new(fake.graphql_url(), "wrong-token")).unwrap();
    let error = client.graphql(read()).await.unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::Unauthorized {
                input: TokenInput::GithubToken
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("`github-token`"), "{error}");
    let stats = fake.stats();
    assert_eq!((stats.requests, stats.unauthorized), (1, 1));
    assert_eq!(client.metrics().requests, 1);
}

#[tokio::test]
async fn a_rejected_board_token_is_named_as_project_token() {
    let fake = fake(Config::default()).await;
    let config = ClientConfig {
        project_token: Some(Secret::new("ghp_expired")),
        ..ClientConfig::new(fake.graphql_url(), "test-token")
    };
    let client = Client::new(config).unwrap();
    client
        .graphql(read())
        .await
        .expect("the issues token works");
    let error = client
        .graphql(read().with_token(TokenRole::Project))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::Unauthorized {
                input: TokenInput::ProjectToken
            }
        ),
        "{error}"
    );
    let text = error.to_string();
    assert!(
        text.contains("`project-token`") && !text.contains("github-token"),
        "{text}"
    );
    assert!(!text.contains("ghp_expired"), "{text}");
    // The same token given as both inputs is the issues token.
    let same = ClientConfig {
        project_token: Some(Secret::new("wrong-token")),
        ..ClientConfig::new(fake.graphql_url(), "wrong-token")
    };
    let error = Client::new(same)
        .unwrap()
        .graphql(read().with_token(TokenRole::Project))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("`github-token`"), "{error}");
}

#[tokio::test]
async fn fake_404_fails_fast() {
    let fake = fake(Config::default()).await;
    let url = format!("{}/no-such-endpoint", fake.url());
    let client = Client::new(quick(&url)).unwrap();
    let error = client.graphql(read()).await.unwrap_err();
    assert!(matches!(error, ApiError::NotFound { .. }), "{error}");
    assert_eq!(client.metrics().requests, 1);
}

#[tokio::test]
async fn fake_in_flight_bound_holds_with_more_work_than_the_bound() {
    for bound in [1, 3, 5] {
        let fake = fake_with(Faults {
            latency: Duration::from_millis(50),
            ..Faults::default()
        })
        .await;
        let client = client_for(&fake, |c| c.max_concurrency = bound);
        reads(&client, bound * 4 + 3).await;
        assert_eq!(fake.stats().max_in_flight, bound as u64, "bound {bound}");
        assert_eq!(
            client.metrics().max_in_flight,
            bound as u64,
            "bound {bound}"
        );
    }
}

#[tokio::test]
async fn fake_ambiguous_create_is_surfaced_not_resent() {
    let fake = fake(Config::default()).await;
    let client = client_for(&fake, |_| {});
    let repository = repository_id(&client).await;
    fake.set_faults(Faults {
        drop_after_apply_rate: 1.0,
        ..Faults::default()
    });
    let create = Request::mutation(
        "mutation($r: ID!) { createIssue(input: {repositoryId: $r, title: \"Once\"}) { issue { id } } }",
        json!({"r": repository}),
        Safety::Create,
    );
    let error = client.graphql(create).await.unwrap_err();
    assert!(matches!(error, ApiError::Ambiguous { .. }), "{error}");
    let stats = fake.stats();
    assert_eq!(stats.dropped_after_apply, 1);
    assert_eq!(stats.mutations.total, 1, "applied once, never resent");
    assert_eq!(
        client.metrics().requests,
        2,
        "the lookup and the one create"
    );
}

#[tokio::test]
async fn fake_counts_aliased_mutations_like_the_client() {
    let fake = fake(Config::default()).await;
    let client = client_for(&fake, |_| {});
    let repository = repository_id(&client).await;
    // The count the batch builder states is the count GitHub (the fake) runs.
    let mutations = [
        Mutation::create_issue(json!({"repositoryId": repository, "title": "One"})),
        Mutation::create_issue(json!({"repositoryId": repository, "title": "Two"})),
    ];
    let response = client
        .graphql(batch_request(&mutations, Safety::Create, TokenRole::Issues))
        .await
        .unwrap();
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let metrics = client.metrics();
    assert_eq!((metrics.mutations, metrics.mutation_fields), (1, 2));
    let stats = fake.stats();
    assert_eq!(stats.mutations.total, metrics.mutation_fields);
    assert_eq!(stats.validation_failures, 0);
}

#[tokio::test]
async fn fake_forbidden_project_access_says_what_token_to_pass() {
    let fake = fake(Config::github_token_like()).await;
    let client = client_for(&fake, |_| {});
    let document = r#"query { organization(login: "acme") { projectV2(number: 1) { id } } }"#;
    let request = Request::query(document, json!({})).with_token(TokenRole::Project);
    let text = match client.graphql(request).await {
        // Real GitHub answers `organization` with a null `projectV2` and a per-field error.
        Ok(response) => {
            let error = response.errors.first().expect("a FORBIDDEN error");
            assert_eq!(error.kind.as_deref(), Some("FORBIDDEN"));
            error.to_api_error(TokenRole::Project).to_string()
        }
        Err(error) => error.to_string(),
    };
    assert!(
        text.contains("Resource not accessible by integration"),
        "{text}"
    );
    assert!(
        text.contains("GITHUB_TOKEN cannot use Projects v2"),
        "{text}"
    );
    assert!(text.contains("`project-token`"), "{text}");
}

/// GitHub accepting two requests at once while `max-concurrency` is 5: the first sync is
/// refused a handful of times, then the client settles at two and the engine's documents with
/// it; the run completes and a re-run writes nothing.
#[tokio::test]
async fn a_server_that_accepts_two_at_once_refuses_a_handful_and_the_sync_settles() {
    use crate::reliability::support::{assert_converged, Model, ORG_BOARD};
    let fake = fake_with(Faults {
        max_concurrent: Some(2),
        latency: Duration::from_millis(15),
        retry_after_secs: 0,
        ..Faults::default()
    })
    .await;
    let client = client_for(&fake, |c| c.max_concurrency = 5);
    let plan = Model::grid("capped", 2, 3, 4).plan();
    let mut options = planpilot::sync::SyncOptions::new("acme/roadmap".parse().unwrap());
    options.project = Some(ORG_BOARD.parse().unwrap());
    let report = planpilot::sync::run(&plan, &client, &options, &planpilot::sync::Silent)
        .await
        .expect("sync runs");
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let refused = fake.stats().secondary_limited;
    assert!(
        (1..=5).contains(&refused),
        "refused {refused} times: the back-off climbed back into the limit"
    );
    assert!(client.concurrency() <= 2, "below the refused level");
    // More work at once: the bound grows back to what GitHub accepts and stays there.
    reads(&client, 60).await;
    assert_eq!(client.concurrency(), 2, "settled at what GitHub accepts");
    assert_eq!(
        fake.stats().secondary_limited,
        refused,
        "and is not refused again"
    );
    assert_converged(&plan, &fake.state());
    let before = fake.stats();
    let again = planpilot::sync::run(&plan, &client, &options, &planpilot::sync::Silent)
        .await
        .expect("re-run");
    assert!(again.changes.is_empty(), "{:#?}", again.changes);
    assert_eq!(
        fake.stats().secondary_limited,
        before.secondary_limited,
        "settled: the re-run is not refused"
    );
}

#[tokio::test]
async fn a_pause_on_a_limit_is_announced_with_how_far_the_run_is() {
    // GitHub refusing a second request in flight, asking for 3 s: every request pauses, and
    // the log says so once, with the run's progress.
    let fake = fake_with(Faults {
        max_concurrent: Some(1),
        retry_after_secs: 3,
        latency: Duration::from_millis(50),
        ..Faults::default()
    })
    .await;
    let client = client_for(&fake, |c| c.max_concurrency = 2);
    client.expect_content(7);
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = notices.clone();
    client.on_wait(move |line| sink.lock().unwrap().push(line.to_string()));
    let (first, second) = tokio::join!(client.graphql(read()), client.graphql(read()));
    assert!(first.is_ok() && second.is_ok());
    assert!(fake.stats().secondary_limited >= 1, "the limit was reached");
    let notices = notices.lock().unwrap().clone();
    assert_eq!(
        notices,
        [
            "GitHub's secondary rate limit, retry-after 3s: every request waits about 3 s; \
          0 of 7 issues, labels and links created"
        ],
    );
}
