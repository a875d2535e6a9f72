//! TLS trust: a GitHub Enterprise Server whose certificate a company CA signed. A CA generated
//! for the test signs a certificate for `localhost`; a TLS front on 127.0.0.1 forwards to the
//! fake. planpilot must trust the server exactly when the CA is in `SSL_CERT_FILE`.

use std::path::PathBuf;
use std::sync::Arc;

use planpilot::github::{ApiError, Client, ClientConfig, Request};
use serde_json::json;
use tokio_rustls::rustls;

/// A CA, a `localhost` certificate it signed, and the CA's PEM written to a file.
struct Pki {
    dir: tempfile::TempDir,
    leaf: rustls::pki_types::CertificateDer<'static>,
    leaf_key: rustls::pki_types::PrivateKeyDer<'static>,
}

impl Pki {
    fn generate() -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "planpilot test company CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &ca_cert, &ca_key)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("company-ca.pem"), ca_cert.pem()).unwrap();
        Pki {
            dir,
            leaf: leaf.der().clone(),
            leaf_key: rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        }
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.path().join("company-ca.pem")
    }
}

/// Accepts TLS on a free port and forwards every connection to `backend` in plain HTTP.
/// Returns the port.
async fn tls_front(pki: &Pki, backend: std::net::SocketAddr) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![pki.leaf.clone()], pki.leaf_key.clone_key())
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate ends the handshake: not an error.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    port
}

fn backend_of(fake: &fake_github::FakeGithub) -> std::net::SocketAddr {
    fake.url()
        .trim_start_matches("http://")
        .parse()
        .expect("the fake's address")
}

fn viewer() -> Request {
    Request::query("query { viewer { login } }", json!({}))
}

#[tokio::test]
async fn a_server_signed_by_a_ca_in_ssl_cert_file_is_trusted_and_not_otherwise() {
    let pki = Pki::generate();
    let fake = fake_github::FakeGithub::start(fake_github::Config::default())
        .await
        .unwrap();
    let port = tls_front(&pki, backend_of(&fake)).await;
    // GitHub Enterprise Server's layout: only the REST URL is known.
    let env = |ca: Option<PathBuf>| {
        move |name: &str| match name {
            "GITHUB_API_URL" => Some(format!("https://localhost:{port}/api/v3")),
            "SSL_CERT_FILE" => ca.as_ref().map(|p| p.display().to_string()),
            _ => None,
        }
    };
    let config = |ca| ClientConfig {
        max_retries: 0,
        ..ClientConfig::from_lookup(env(ca), Some("test-token".into()), None)
    };

    let trusting = config(Some(pki.ca_file()));
    assert_eq!(
        trusting.graphql_url,
        format!("https://localhost:{port}/api/graphql")
    );
    let response = Client::new(trusting)
        .unwrap()
        .graphql(viewer())
        .await
        .expect("the company CA is trusted");
    assert_eq!(response.data["viewer"]["login"], "octocat");

    let error = Client::new(config(None))
        .unwrap()
        .graphql(viewer())
        .await
        .expect_err("an unknown CA is not trusted");
    assert!(matches!(error, ApiError::Transient { .. }), "{error}");
    assert!(error.to_string().contains("certificate"), "{error}");
    assert_eq!(
        fake.stats().graphql_documents,
        1,
        "only the trusted one arrived"
    );
    fake.shutdown().await;
}

/// The binary as the runner starts it: `GITHUB_API_URL` of a GHES and `SSL_CERT_FILE` set in
/// the step's `env:`; nothing else about the server.
#[test]
fn the_binary_syncs_with_a_ghes_behind_a_company_ca() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pki = Pki::generate();
    let fake = runtime
        .block_on(fake_github::FakeGithub::start(
            fake_github::Config::default(),
        ))
        .unwrap();
    let port = runtime.block_on(tls_front(&pki, backend_of(&fake)));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let run = |ca: Option<PathBuf>| {
        let mut cmd = assert_cmd::Command::cargo_bin("planpilot").unwrap();
        cmd.env_clear()
            .current_dir(&root)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &root)
            .env("GITHUB_REPOSITORY", "acme/roadmap")
            .env("GITHUB_API_URL", format!("https://localhost:{port}/api/v3"))
            .env("INPUT_GITHUB-TOKEN", "test-token")
            .env("INPUT_PLAN-FILE", "examples/plan.yaml")
            .env("INPUT_MAX-RETRIES", "0");
        if let Some(ca) = ca {
            cmd.env("SSL_CERT_FILE", ca);
        }
        let output = cmd.output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).to_string(),
        )
    };
    let (code, stdout) = run(None);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("certificate"), "{stdout}");
    assert_eq!(fake.stats().mutations.total, 0);

    let (code, stdout) = run(Some(pki.ca_file()));
    assert_eq!(code, Some(0), "{stdout}");
    let issues = fake.state()["issues"].as_array().map_or(0, Vec::len);
    assert_eq!(issues, 15, "the example plan's items, created over TLS");
    runtime.block_on(fake.shutdown());
}
