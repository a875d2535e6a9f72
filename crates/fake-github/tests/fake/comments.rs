//! The REST issue-comments API: comments on pull requests and issues, created, listed across
//! `Link` pages and edited, with GitHub's limits, wording and permission refusals.

use fake_github::Config;
use serde_json::{json, Value};

use crate::common::{self, Api};

impl Api {
    fn rest_url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.url())
    }

    async fn rest(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth("test-token")
            .header("accept", "application/vnd.github+json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    async fn comment_on(&self, number: u64, body: &str) -> reqwest::Response {
        let url = self.rest_url(&format!("/repos/acme/roadmap/issues/{number}/comments"));
        self.rest(reqwest::Method::POST, &url, Some(json!({ "body": body })))
            .await
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON answer")
}

#[tokio::test]
async fn a_comment_on_a_pull_request_is_created_listed_and_edited_in_place() {
    let api = common::default().await;
    let pr = api.fake.open_pull_request("Plan: add the export epic");
    let created = api.comment_on(pr, "first version").await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.headers()["x-ratelimit-resource"],
        "core",
        "REST spends its own budget"
    );
    let created = json_of(created).await;
    let id = created["id"].as_u64().expect("a numeric id");
    assert_eq!(created["body"], "first version");
    assert_eq!(
        created["html_url"],
        format!("https://github.com/acme/roadmap/pull/{pr}#issuecomment-{id}")
    );
    assert_eq!(created["user"]["login"], "octocat");

    let url = api.rest_url(&format!("/repos/acme/roadmap/issues/comments/{id}"));
    let edited = api
        .rest(
            reqwest::Method::PATCH,
            &url,
            Some(json!({"body": "second version"})),
        )
        .await;
    assert_eq!(edited.status(), 200);
    assert_eq!(json_of(edited).await["id"], id);

    let list = api.rest_url(&format!("/repos/acme/roadmap/issues/{pr}/comments"));
    let listed = json_of(api.rest(reqwest::Method::GET, &list, None).await).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["body"], "second version");
    let comments = api.fake.comments(pr);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["id"], id);
    // A pull request is not an issue: the issue list stays empty.
    assert_eq!(api.fake.state()["issues"].as_array().map(Vec::len), Some(0));
    let stats = api.fake.stats();
    assert_eq!((stats.rest_calls, stats.rest_writes), (3, 2));
    assert_eq!(stats.mutations.total, 0);
}

#[tokio::test]
async fn pages_follow_the_link_header_to_repositories_urls() {
    let api = common::default().await;
    let pr = api.fake.open_pull_request("Long discussion");
    for i in 0..65 {
        api.fake.add_comment(pr, &format!("comment {i}")).unwrap();
    }
    let repository_id = {
        let page = api
            .rest(
                reqwest::Method::GET,
                &api.rest_url(&format!(
                    "/repos/acme/roadmap/issues/{pr}/comments?per_page=30"
                )),
                None,
            )
            .await;
        let link = page.headers()["link"].to_str().unwrap().to_string();
        let body = json_of(page).await;
        assert_eq!(body.as_array().map(Vec::len), Some(30));
        assert_eq!(body[0]["body"], "comment 0");
        let next = link
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .expect("a next link");
        let prefix = format!("<{}/repositories/", api.fake.url());
        assert!(next.starts_with(&prefix), "{link}");
        assert!(
            next.contains(&format!("/issues/{pr}/comments?per_page=30&page=2>")),
            "{link}"
        );
        assert!(link.contains("page=3>; rel=\"last\""), "{link}");
        next[prefix.len()..].split('/').next().unwrap().to_string()
    };
    let second = api
        .rest(
            reqwest::Method::GET,
            &api.rest_url(&format!(
                "/repositories/{repository_id}/issues/{pr}/comments?per_page=30&page=3"
            )),
            None,
        )
        .await;
    let link = second.headers()["link"].to_str().unwrap().to_string();
    assert!(!link.contains("rel=\"next\""), "{link}");
    assert!(link.contains("page=2>; rel=\"prev\""), "{link}");
    let body = json_of(second).await;
    assert_eq!(body.as_array().map(Vec::len), Some(5));
    assert_eq!(body[4]["body"], "comment 64");
    // Without per_page GitHub sends 30; more than 100 is cut to 100.
    let all = api
        .rest(
            reqwest::Method::GET,
            &api.rest_url(&format!(
                "/repos/acme/roadmap/issues/{pr}/comments?per_page=500"
            )),
            None,
        )
        .await;
    assert!(all.headers().get("link").is_none());
    assert_eq!(json_of(all).await.as_array().map(Vec::len), Some(65));
    let default = api
        .rest(
            reqwest::Method::GET,
            &api.rest_url(&format!("/repos/acme/roadmap/issues/{pr}/comments")),
            None,
        )
        .await;
    assert_eq!(json_of(default).await.as_array().map(Vec::len), Some(30));
}

#[tokio::test]
async fn bodies_over_65536_characters_are_refused_with_githubs_wording() {
    let api = common::default().await;
    let pr = api.fake.open_pull_request("Big preview");
    // Characters, not bytes: 65,536 two-byte characters fit.
    assert_eq!(api.comment_on(pr, &"é".repeat(65_536)).await.status(), 201);
    let refused = api.comment_on(pr, &"x".repeat(65_537)).await;
    assert_eq!(refused.status(), 422);
    let body = json_of(refused).await;
    assert_eq!(body["message"], "Validation Failed");
    assert_eq!(
        body["errors"][0]["message"],
        "Body is too long (maximum is 65536 characters)"
    );
    let missing = api.comment_on(pr, "").await;
    assert_eq!(missing.status(), 422);
    assert_eq!(json_of(missing).await["errors"][0]["code"], "missing_field");
    // An edit has the same limit.
    let id = api.fake.comments(pr)[0]["id"].as_u64().unwrap();
    let url = api.rest_url(&format!("/repos/acme/roadmap/issues/comments/{id}"));
    let too_long = api
        .rest(
            reqwest::Method::PATCH,
            &url,
            Some(json!({"body": "y".repeat(70_000)})),
        )
        .await;
    assert_eq!(too_long.status(), 422);
    assert_eq!(api.fake.comments(pr).len(), 1);
}

#[tokio::test]
async fn without_pull_requests_write_pull_request_comments_are_forbidden() {
    let api = common::start(Config::without_pull_requests_write()).await;
    let (_, issue) = api.create_issue("An issue").await;
    let pr = api.fake.open_pull_request("A pull request");
    let refused = api.comment_on(pr, "preview").await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        json_of(refused).await["message"],
        "Resource not accessible by integration"
    );
    // Issues stay writable (`issues: write`), and reading the pull request's comments works.
    assert_eq!(api.comment_on(issue, "hello").await.status(), 201);
    let someone = api.fake.add_comment(pr, "a reviewer's note").unwrap();
    let list = api.rest_url(&format!("/repos/acme/roadmap/issues/{pr}/comments"));
    assert_eq!(
        api.rest(reqwest::Method::GET, &list, None).await.status(),
        200
    );
    let url = api.rest_url(&format!("/repos/acme/roadmap/issues/comments/{someone}"));
    let edit = api
        .rest(
            reqwest::Method::PATCH,
            &url,
            Some(json!({"body": "changed"})),
        )
        .await;
    assert_eq!(edit.status(), 403);
    assert_eq!(api.fake.comments(pr)[0]["body"], "a reviewer's note");
}

#[tokio::test]
async fn unknown_targets_and_tokens_get_githubs_answers() {
    let api = common::default().await;
    let missing = api.comment_on(99, "nobody here").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(json_of(missing).await["message"], "Not Found");
    let url = api.rest_url("/repos/acme/other/issues/1/comments");
    assert_eq!(
        api.rest(reqwest::Method::GET, &url, None).await.status(),
        404
    );
    let url = api.rest_url("/repos/acme/roadmap/issues/comments/12345");
    let edit = api
        .rest(reqwest::Method::PATCH, &url, Some(json!({"body": "x"})))
        .await;
    assert_eq!(edit.status(), 404);
    let pr = api.fake.open_pull_request("A pull request");
    let anonymous = api
        .http
        .get(api.rest_url(&format!("/repos/acme/roadmap/issues/{pr}/comments")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(json_of(anonymous).await["message"], "Bad credentials");
}

#[tokio::test]
async fn ghes_paths_under_api_v3_link_under_api_v3() {
    let api = common::default().await;
    let pr = api.fake.open_pull_request("On a server");
    for i in 0..3 {
        api.fake.add_comment(pr, &format!("c{i}")).unwrap();
    }
    let url = api.rest_url(&format!(
        "/api/v3/repos/acme/roadmap/issues/{pr}/comments?per_page=2"
    ));
    let page = api.rest(reqwest::Method::GET, &url, None).await;
    assert_eq!(page.status(), 200);
    let link = page.headers()["link"].to_str().unwrap().to_string();
    assert!(
        link.starts_with(&format!("<{}/api/v3/repositories/", api.fake.url())),
        "{link}"
    );
}
