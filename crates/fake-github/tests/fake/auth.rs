//! Tokens: the configured one is accepted as `Bearer` or `token`; anything else is a 401.

use serde_json::{json, Value};

use crate::common;

#[tokio::test]
async fn missing_or_wrong_token_is_401_bad_credentials() {
    let api = common::default().await;
    let query = json!({"query": "{ viewer { login } }"});
    let missing = api
        .http
        .post(api.fake.graphql_url())
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["message"], "Bad credentials");
    assert!(body["documentation_url"].is_string());
    let wrong = api
        .http
        .post(api.fake.graphql_url())
        .bearer_auth("nope")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(api.fake.stats().unauthorized, 2);
    assert_eq!(api.fake.stats().graphql_documents, 0);
}

#[tokio::test]
async fn bearer_and_token_schemes_are_accepted() {
    let api = common::default().await;
    let query = json!({"query": "{ viewer { login } }"});
    for scheme in ["Bearer test-token", "token test-token"] {
        let response = api
            .http
            .post(api.fake.graphql_url())
            .header("authorization", scheme)
            .json(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"]["viewer"]["login"], "octocat");
    }
}

#[tokio::test]
async fn shutdown_and_drop_stop_serving() {
    for shut_down in [true, false] {
        let api = common::default().await;
        let url = api.fake.graphql_url();
        api.ok("{ viewer { login } }", json!({})).await;
        if shut_down {
            api.fake.shutdown().await;
        } else {
            drop(api.fake);
            tokio::task::yield_now().await;
        }
        let mut refused = false;
        for _ in 0..50 {
            let fresh = reqwest::Client::new();
            if fresh
                .post(&url)
                .bearer_auth("test-token")
                .json(&json!({"query": "{ viewer { login } }"}))
                .send()
                .await
                .is_err()
            {
                refused = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(
            refused,
            "the fake still answers after {}",
            if shut_down { "shutdown" } else { "drop" }
        );
    }
}
