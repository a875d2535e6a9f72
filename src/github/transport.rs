//! Getting one request to GitHub and its answer back — a GraphQL document, or a REST call
//! (`rest`): HTTPS (rustls, HTTP/2 when offered) or plain HTTP for a local fake, timeouts,
//! `User-Agent`, `Authorization: Bearer`.
//!
//! Trusted roots: Mozilla's (built in), the system's store (which `SSL_CERT_FILE` and
//! `SSL_CERT_DIR` override, as OpenSSL does), and the PEM bundle of `ClientConfig::ca_file`, so
//! a GitHub Enterprise Server behind a company CA works wherever its CA is installed.
//!
//! Behind the `Transport` trait so the client's retry and pause logic can be tested on paused
//! time with scripted answers. Nothing here retries or interprets an answer.

use futures::future::BoxFuture;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LINK};

use super::config::{ClientConfig, Secret};
use super::ratelimit::RateHeaders;
use super::types::{ApiError, TokenRole};

/// An answer, whatever its status.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: RateHeaders,
    pub body: Vec<u8>,
    /// The `Link` header (REST pagination), when there is one.
    pub link: Option<String>,
}

/// One REST call: the method, the absolute URL and the JSON body, if any.
#[derive(Debug, Clone)]
pub(crate) struct RestCall {
    pub method: reqwest::Method,
    pub url: reqwest::Url,
    pub body: Option<String>,
}

/// What one request carries: a serialized GraphQL request, or a REST call.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wire<'a> {
    Graphql(&'a str),
    Rest(&'a RestCall),
}

/// No (complete) answer.
#[derive(Debug, Clone)]
pub(crate) struct TransportError {
    pub message: String,
    /// Whether the request may have reached GitHub (false only when connecting failed).
    pub sent: bool,
}

/// Sends a request with the token of `role`.
pub(crate) trait Transport: Send + Sync {
    fn send<'a>(
        &'a self,
        wire: Wire<'a>,
        role: TokenRole,
    ) -> BoxFuture<'a, Result<RawResponse, TransportError>>;
}

/// The REST API version planpilot is written against
/// (https://docs.github.com/en/rest/about-the-rest-api/api-versions).
const REST_API_VERSION: &str = "2022-11-28";

/// The real transport: one `reqwest` client (one connection pool) for the process.
pub(crate) struct HttpTransport {
    http: reqwest::Client,
    url: reqwest::Url,
    issues_auth: Option<HeaderValue>,
    project_auth: Option<HeaderValue>,
}

impl HttpTransport {
    pub fn new(config: &ClientConfig) -> Result<HttpTransport, ApiError> {
        let url = parse_url(&config.graphql_url)?;
        let mut builder = reqwest::Client::builder();
        if let Some(path) = &config.ca_file {
            for certificate in read_roots(path)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .user_agent(config.user_agent.as_str())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .timeout(config.request_timeout)
            .build()
            .map_err(|error| ApiError::Invalid {
                message: format!("cannot set up the HTTP client: {error}"),
            })?;
        let issues_auth = config.token.as_ref().map(bearer).transpose()?;
        let project_auth = match &config.project_token {
            Some(token) => Some(bearer(token)?),
            None => issues_auth.clone(),
        };
        Ok(HttpTransport {
            http,
            url,
            issues_auth,
            project_auth,
        })
    }

    fn request(&self, wire: Wire<'_>) -> reqwest::RequestBuilder {
        match wire {
            Wire::Graphql(body) => self
                .http
                .post(self.url.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string()),
            Wire::Rest(call) => {
                let request = self
                    .http
                    .request(call.method.clone(), call.url.clone())
                    .header(ACCEPT, "application/vnd.github+json")
                    .header("x-github-api-version", REST_API_VERSION);
                match &call.body {
                    Some(body) => request
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone()),
                    None => request,
                }
            }
        }
    }

    async fn send_now(
        &self,
        mut request: reqwest::RequestBuilder,
        role: TokenRole,
    ) -> Result<RawResponse, TransportError> {
        let auth = match role {
            TokenRole::Issues => &self.issues_auth,
            TokenRole::Project => &self.project_auth,
        };
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let response = request.send().await.map_err(|error| TransportError {
            sent: !error.is_connect(),
            message: describe(&error),
        })?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let link = headers
            .get(LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let headers =
            RateHeaders::from_lookup(|name| headers.get(name).and_then(|v| v.to_str().ok()));
        let body = response.bytes().await.map_err(|error| TransportError {
            sent: true,
            message: format!("the answer broke off: {}", describe(&error)),
        })?;
        Ok(RawResponse {
            status,
            headers,
            body: body.to_vec(),
            link,
        })
    }
}

impl Transport for HttpTransport {
    fn send<'a>(
        &'a self,
        wire: Wire<'a>,
        role: TokenRole,
    ) -> BoxFuture<'a, Result<RawResponse, TransportError>> {
        Box::pin(self.send_now(self.request(wire), role))
    }
}

/// The GraphQL endpoint; `http://` is allowed so tests and benchmarks can use a local fake.
fn parse_url(text: &str) -> Result<reqwest::Url, ApiError> {
    let url = reqwest::Url::parse(text).map_err(|error| ApiError::Invalid {
        message: format!("the GraphQL URL {text:?} is not a URL ({error})"),
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(ApiError::Invalid {
            message: format!("the GraphQL URL {text:?} must start with https:// or http://"),
        });
    }
    Ok(url)
}

/// The certificates of a PEM bundle. A file that cannot be read or holds no certificate is an
/// error: trusting less than the user asked for would fail later with a vaguer message.
fn read_roots(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, ApiError> {
    let invalid = |why: String| ApiError::Invalid {
        message: format!("SSL_CERT_FILE {}: {why}", path.display()),
    };
    let pem = std::fs::read(path).map_err(|error| invalid(format!("cannot be read ({error})")))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|error| invalid(format!("is not a PEM certificate bundle ({error})")))?;
    if certificates.is_empty() {
        return Err(invalid("holds no PEM certificate".to_string()));
    }
    Ok(certificates)
}

/// `Bearer <token>`, marked sensitive so it is never printed.
fn bearer(token: &Secret) -> Result<HeaderValue, ApiError> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose().trim())).map_err(|_| {
            ApiError::Invalid {
                message: "the token contains characters that cannot be sent in an HTTP header"
                    .to_string(),
            }
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The error and its causes, e.g. "error sending request …: connection closed before message
/// completed". reqwest's messages hold the URL but never headers, so no token.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    if error.is_timeout() {
        text.push_str(" (timed out)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_only() {
        assert!(parse_url("https://api.github.com/graphql").is_ok());
        assert!(parse_url("http://127.0.0.1:8080/graphql").is_ok());
        assert!(parse_url("ftp://example.com/graphql").is_err());
        assert!(parse_url("api.github.com/graphql").is_err());
    }

    #[test]
    fn an_unusable_ca_file_is_refused_with_its_path() {
        let dir = std::env::temp_dir().join(format!("planpilot-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for path in [empty.clone(), dir.join("missing.pem")] {
            let config = ClientConfig {
                ca_file: Some(path.clone()),
                ..ClientConfig::default()
            };
            let error = HttpTransport::new(&config).err().expect("refused");
            let text = error.to_string();
            assert!(text.contains("SSL_CERT_FILE"), "{text}");
            assert!(text.contains(&path.display().to_string()), "{text}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bad_token_is_refused_without_showing_it() {
        let error = bearer(&Secret::new("ghp_secret\nvalue")).unwrap_err();
        assert!(!error.to_string().contains("ghp_secret"));
        let value = bearer(&Secret::new("ghp_ok")).unwrap();
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("ghp_ok"));
    }
}
