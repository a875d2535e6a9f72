//! A minimal HTTP/1.0 GET for the fake's `/_fake/*` endpoints on the loopback interface.
//!
//! HTTP/1.0 with `Connection: close` makes the server send a plain body ended by the close (no
//! chunked encoding), which keeps this to a few lines instead of pulling a client stack into a
//! binary that must stay out of the measured process's way.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// `GET base_url + path`; returns the body of a 200 answer.
pub fn get(base_url: &str, path: &str) -> Result<String> {
    request(base_url, "GET", path)
}

/// `POST base_url + path` with an empty body; succeeds on any 2xx answer.
pub fn post_empty(base_url: &str, path: &str) -> Result<()> {
    request(base_url, "POST", path).map(|_| ())
}

fn request(base_url: &str, method: &str, path: &str) -> Result<String> {
    let authority = base_url
        .strip_prefix("http://")
        .with_context(|| format!("expected an http:// URL, got {base_url}"))?
        .trim_end_matches('/');
    let mut stream =
        TcpStream::connect(authority).with_context(|| format!("connecting to {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {authority}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .with_context(|| format!("reading {path}"))?;
    let text = String::from_utf8(raw).with_context(|| format!("{path}: body is not UTF-8"))?;
    parse_response(&text).with_context(|| format!("{method} {path}"))
}

/// Splits a raw response into status and body; only 2xx is accepted.
fn parse_response(text: &str) -> Result<String> {
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("response has no header end")?;
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line.split_whitespace().nth(1).unwrap_or_default();
    if !status.starts_with('2') || status.len() != 3 {
        bail!("answered {status_line:?}: {body}");
    }
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        bail!("answered with chunked encoding to an HTTP/1.0 request");
    }
    Ok(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_2xx_body() {
        let raw = "HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{\"requests\":3}";
        assert_eq!(parse_response(raw).unwrap(), "{\"requests\":3}");
        assert_eq!(
            parse_response("HTTP/1.0 204 No Content\r\n\r\n").unwrap(),
            ""
        );
    }

    #[test]
    fn rejects_other_statuses_and_chunked_bodies() {
        let err = parse_response("HTTP/1.1 404 Not Found\r\n\r\nnope").unwrap_err();
        assert!(err.to_string().contains("404"), "{err}");
        assert!(
            parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc")
                .is_err()
        );
        assert!(parse_response("garbage").is_err());
    }
}
