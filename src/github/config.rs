//! What a client is told: the endpoints, the tokens (`Secret`, which never prints its value)
//! and every limit, timeout and back-off setting, with their defaults.

use std::time::Duration;

/// A token. Its `Debug` and `Display` never show the value.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The raw value, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Settings for `Client::new`. Build one with `ClientConfig::new`, `ClientConfig::from_env` or
/// `ClientConfig::default()` and override fields with struct-update syntax.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `GITHUB_GRAPHQL_URL`, default `https://api.github.com/graphql`.
    pub graphql_url: String,
    /// `GITHUB_API_URL`, default `https://api.github.com`.
    pub api_url: String,
    /// Token for issues (the `github-token` input).
    pub token: Option<Secret>,
    /// Token for Projects v2 (`project-token`); falls back to `token`.
    pub project_token: Option<Secret>,
    /// Requests in flight at once, process-wide (>= 1; 1 = strictly sequential). Default
    /// `DEFAULT_MAX_CONCURRENCY`.
    pub max_concurrency: usize,
    /// Retries of a transient failure (0 disables). Default `DEFAULT_MAX_RETRIES`.
    pub max_retries: u32,
    /// Total time the client may spend waiting on rate limits before giving up. Default
    /// `DEFAULT_MAX_WAIT`.
    pub max_wait: Duration,
    /// Time to establish a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Longest silence while reading an answer. Default 30 s.
    pub read_timeout: Duration,
    /// Longest time for a whole request and its answer. Default 60 s.
    pub request_timeout: Duration,
    /// Delay before the first retry of a transient failure; doubles each retry, plus up to 50 %
    /// jitter. Default 1 s.
    pub backoff_base: Duration,
    /// Longest delay between retries. Default 30 s.
    pub backoff_max: Duration,
    /// First wait on a secondary limit that gives no `retry-after`; doubles while limits keep
    /// coming. Default 60 s (GitHub's advice).
    pub secondary_min_wait: Duration,
    /// Added to `x-ratelimit-reset` when the primary budget is spent. Default 1 s.
    pub reset_margin: Duration,
    /// Consecutive failed requests that stop all requests (0 disables). Default 10.
    pub breaker_threshold: u32,
    /// Adaptive back-off on rate limits: a refusal pauses every worker (one shared gate) and
    /// halves the concurrency, which comes back one request per success. `false`: only the
    /// refused request waits, the others keep sending at the full concurrency (to measure what
    /// the back-off saves). Default `true`.
    pub adaptive_backoff: bool,
    /// `User-Agent` header. Default `planpilot/<version>`.
    pub user_agent: String,
    /// A PEM bundle of root certificates trusted besides the built-in and system ones
    /// (`SSL_CERT_FILE`), e.g. a company CA that signed a GitHub Enterprise Server's certificate.
    pub ca_file: Option<std::path::PathBuf>,
    /// The content-creation rate to pace to from the start (`content-rate`); `None`: learn it
    /// from the first refusal. Default `None`.
    pub content_rate: Option<ContentRate>,
}

/// A content-creation rate: at most `per_window` creations in any `window` (`80/min`, `20/5s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRate {
    pub per_window: u32,
    pub window: std::time::Duration,
}

impl std::fmt::Display for ContentRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.window.as_secs();
        match seconds {
            60 => write!(f, "{}/min", self.per_window),
            3600 => write!(f, "{}/h", self.per_window),
            _ if self.window.subsec_nanos() == 0 => write!(f, "{}/{seconds}s", self.per_window),
            _ => write!(f, "{}/{}ms", self.per_window, self.window.as_millis()),
        }
    }
}

impl std::str::FromStr for ContentRate {
    type Err = String;

    /// `COUNT/WINDOW`: a count of at least 1, and a window of `s`, `min` or `h`, optionally
    /// with a number before it (`80/min`, `20/5s`, `500/h`, `150/60min`), up to an hour.
    fn from_str(text: &str) -> Result<ContentRate, String> {
        let usage = || {
            format!("`{text}` is not a rate: write COUNT/WINDOW, e.g. `80/min`, `20/5s` or `500/h`")
        };
        let (count, window) = text.trim().split_once('/').ok_or_else(usage)?;
        let per_window: u32 = count.trim().parse().map_err(|_| usage())?;
        if per_window == 0 {
            return Err(format!("`{text}`: the count must be at least 1"));
        }
        let window = window.trim();
        let digits = window
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(window.len());
        let (number, unit) = window.split_at(digits);
        let number: u64 = if number.is_empty() {
            1
        } else {
            number.parse().map_err(|_| usage())?
        };
        let unit_seconds = match unit.trim() {
            "s" | "sec" => 1,
            "m" | "min" => 60,
            "h" | "hour" => 3600,
            _ => return Err(usage()),
        };
        let seconds = number.saturating_mul(unit_seconds);
        if seconds == 0 || seconds > 3600 {
            return Err(format!(
                "`{text}`: the window must be between 1 second and an hour"
            ));
        }
        Ok(ContentRate {
            per_window,
            window: std::time::Duration::from_secs(seconds),
        })
    }
}

/// github.com's endpoints.
const GITHUB_GRAPHQL_URL: &str = "https://api.github.com/graphql";
const GITHUB_API_URL: &str = "https://api.github.com";

impl ClientConfig {
    /// The one default of each setting the action also takes as an input (`max-concurrency`,
    /// `max-retries`, `max-wait`): the client, the sync's options and the inputs' defaults
    /// (a test checks those) all read these.
    pub const DEFAULT_MAX_CONCURRENCY: usize = 5;
    pub const DEFAULT_MAX_RETRIES: u32 = 3;
    pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(15 * 60);
}

impl Default for ClientConfig {
    /// github.com, no token, and the defaults documented on each field.
    fn default() -> ClientConfig {
        ClientConfig {
            graphql_url: GITHUB_GRAPHQL_URL.to_string(),
            api_url: GITHUB_API_URL.to_string(),
            token: None,
            project_token: None,
            max_concurrency: ClientConfig::DEFAULT_MAX_CONCURRENCY,
            max_retries: ClientConfig::DEFAULT_MAX_RETRIES,
            max_wait: ClientConfig::DEFAULT_MAX_WAIT,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            secondary_min_wait: Duration::from_secs(60),
            reset_margin: Duration::from_secs(1),
            breaker_threshold: 10,
            adaptive_backoff: true,
            user_agent: concat!("planpilot/", env!("CARGO_PKG_VERSION")).to_string(),
            ca_file: None,
            content_rate: None,
        }
    }
}

impl ClientConfig {
    /// The defaults, for the GraphQL endpoint `graphql_url` (the REST URL is derived from it)
    /// and one token for everything.
    pub fn new(graphql_url: impl Into<String>, token: impl Into<Secret>) -> ClientConfig {
        let graphql_url = graphql_url.into();
        ClientConfig {
            api_url: api_url_for(&graphql_url),
            graphql_url,
            token: Some(token.into()),
            ..ClientConfig::default()
        }
    }

    /// The defaults, with the endpoints from `GITHUB_GRAPHQL_URL` and `GITHUB_API_URL` (set by
    /// the Actions runner; github.com when unset or empty) and the extra roots of
    /// `SSL_CERT_FILE`.
    pub fn from_env(token: Option<Secret>, project_token: Option<Secret>) -> ClientConfig {
        ClientConfig::from_lookup(|name| std::env::var(name).ok(), token, project_token)
    }

    /// `from_env` with the environment given as a function.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        token: Option<Secret>,
        project_token: Option<Secret>,
    ) -> ClientConfig {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let (graphql_url, api_url) = endpoints(
            var("GITHUB_GRAPHQL_URL").as_deref(),
            var("GITHUB_API_URL").as_deref(),
        );
        ClientConfig {
            api_url,
            graphql_url,
            token,
            project_token,
            ca_file: var("SSL_CERT_FILE").map(std::path::PathBuf::from),
            ..ClientConfig::default()
        }
    }
}

/// The GraphQL and REST endpoints from `GITHUB_GRAPHQL_URL` and `GITHUB_API_URL` (either may be
/// unset): each one given is used as it is, a missing one is derived from the other the way
/// GitHub lays them out, and github.com's are the default.
/// <https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables>
pub fn endpoints(graphql_url: Option<&str>, api_url: Option<&str>) -> (String, String) {
    let trim = |url: &str| url.trim().trim_end_matches('/').to_string();
    match (graphql_url.map(trim), api_url.map(trim)) {
        (Some(graphql), Some(api)) => (graphql, api),
        (Some(graphql), None) => {
            let api = api_url_for(&graphql);
            (graphql, api)
        }
        (None, Some(api)) => (graphql_url_for(&api), api),
        (None, None) => (GITHUB_GRAPHQL_URL.to_string(), GITHUB_API_URL.to_string()),
    }
}

/// The GraphQL URL that goes with a REST base URL: `https://api.github.com` →
/// `https://api.github.com/graphql`, and GitHub Enterprise Server's `https://HOST/api/v3` →
/// `https://HOST/api/graphql`.
/// <https://docs.github.com/en/enterprise-server@3.16/graphql/guides/forming-calls-with-graphql#the-graphql-endpoint>
fn graphql_url_for(api_url: &str) -> String {
    let trimmed = api_url.trim_end_matches('/');
    match trimmed.strip_suffix("/api/v3") {
        Some(base) => format!("{base}/api/graphql"),
        None => format!("{trimmed}/graphql"),
    }
}

/// The REST base URL that goes with a GraphQL URL: `…/graphql` → `…`, and GitHub Enterprise
/// Server's `…/api/graphql` → `…/api/v3`.
fn api_url_for(graphql_url: &str) -> String {
    let trimmed = graphql_url.trim_end_matches('/');
    if let Some(base) = trimmed.strip_suffix("/api/graphql") {
        return format!("{base}/api/v3");
    }
    trimmed
        .strip_suffix("/graphql")
        .unwrap_or(trimmed)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_rates_read_as_count_per_window() {
        let rate = |text: &str| {
            text.parse::<ContentRate>()
                .map(|r| (r.per_window, r.window.as_secs()))
        };
        assert_eq!(rate("80/min"), Ok((80, 60)));
        assert_eq!(rate(" 20 / 5s "), Ok((20, 5)));
        assert_eq!(rate("500/h"), Ok((500, 3600)));
        assert_eq!(rate("150/60min"), Ok((150, 3600)));
        assert_eq!(rate("3/s"), Ok((3, 1)));
        for bad in [
            "80", "fast", "0/min", "-1/min", "80/week", "80/0s", "80/2h", "/min", "x/min",
        ] {
            assert!(rate(bad).is_err(), "{bad} accepted");
        }
        assert!(rate("80/week")
            .unwrap_err()
            .contains("`80/week` is not a rate"));
    }

    #[test]
    fn content_rates_print_as_they_are_written() {
        for text in ["80/min", "20/5s", "500/h"] {
            assert_eq!(text.parse::<ContentRate>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn config_defaults_and_endpoints() {
        let config = ClientConfig::default();
        assert_eq!(config.graphql_url, "https://api.github.com/graphql");
        assert_eq!(config.api_url, "https://api.github.com");
        assert_eq!((config.max_concurrency, config.max_retries), (5, 3));
        assert_eq!(config.max_wait, Duration::from_secs(15 * 60));
        assert_eq!(config.breaker_threshold, 10);
        assert!(config.user_agent.starts_with("planpilot/"));
        let local = ClientConfig::new("http://127.0.0.1:9000/graphql", "t");
        assert_eq!(local.api_url, "http://127.0.0.1:9000");
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        let ghes = ClientConfig::from_lookup(
            env(&[("GITHUB_GRAPHQL_URL", "https://ghe.example/api/graphql")]),
            None,
            None,
        );
        assert_eq!(ghes.api_url, "https://ghe.example/api/v3");
        let unset = ClientConfig::from_lookup(env(&[("GITHUB_GRAPHQL_URL", " ")]), None, None);
        assert_eq!(unset.graphql_url, "https://api.github.com/graphql");
        let both = ClientConfig::from_lookup(
            env(&[
                ("GITHUB_GRAPHQL_URL", "http://localhost:1/graphql"),
                ("GITHUB_API_URL", "http://localhost:1/rest"),
            ]),
            Some(Secret::new("a")),
            None,
        );
        assert_eq!(both.api_url, "http://localhost:1/rest");
        assert!(!format!("{both:?}").contains("\"a\""));
    }

    #[test]
    fn the_api_url_alone_gives_the_graphql_endpoint_as_github_lays_them_out() {
        let api_only = |api: &str| endpoints(None, Some(api));
        assert_eq!(
            api_only("https://api.github.com"),
            (
                "https://api.github.com/graphql".into(),
                "https://api.github.com".into()
            )
        );
        assert_eq!(
            api_only("https://ghe.example.com/api/v3/"),
            (
                "https://ghe.example.com/api/graphql".into(),
                "https://ghe.example.com/api/v3".into()
            )
        );
        // A data-residency host (`api.HOST`) has the github.com layout.
        assert_eq!(
            api_only("https://api.acme.ghe.com").0,
            "https://api.acme.ghe.com/graphql"
        );
        let graphql_only = endpoints(Some("https://ghe.example.com/api/graphql"), None);
        assert_eq!(graphql_only.1, "https://ghe.example.com/api/v3");
        // Both given: both used as they are.
        let both = endpoints(Some("http://a/graphql"), Some("http://b/rest"));
        assert_eq!(both, ("http://a/graphql".into(), "http://b/rest".into()));
        let env = ClientConfig::from_lookup(
            |name| (name == "GITHUB_API_URL").then(|| "https://ghe.example.com/api/v3".into()),
            None,
            None,
        );
        assert_eq!(env.graphql_url, "https://ghe.example.com/api/graphql");
    }
}
