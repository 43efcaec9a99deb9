//! A scriptable Nango stand-in on 127.0.0.1:0: every request is recorded exactly as it arrived
//! (raw, still-encoded path and query, headers) and answered by a closure, so tests control
//! faults, headers and timing precisely.

#![allow(dead_code)]
// Test scaffolding: a broken test server should fail the test loudly, like an assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nango_api::{ClientConfig, ManualClock, NangoClient, RetryPolicy, SecretKey};

pub const KEY: &str = "0b7c9d5e-1f2a-4b3c-9d4e-5f6a7b8c9d0e";

/// What the server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Raw path, percent-encoding intact.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    pub headers: HeaderMap,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }
}

/// How to answer one request.
pub enum Reply {
    Json(u16, serde_json::Value),
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Body,
    },
    /// Never answer (the client's timeout must fire).
    Hang,
    /// Answer only once the test releases it (orders answers of concurrent requests).
    Held(Arc<tokio::sync::Notify>, Box<Reply>),
}

impl Reply {
    pub fn ok(body: serde_json::Value) -> Self {
        Self::Json(200, body)
    }

    /// JSON with extra headers.
    pub fn json_with(
        status: u16,
        body: &serde_json::Value,
        headers: Vec<(&'static str, String)>,
    ) -> Self {
        let mut headers = headers;
        headers.push(("content-type", "application/json; charset=utf-8".to_owned()));
        Self::Raw {
            status,
            headers,
            body: Body::from(body.to_string()),
        }
    }

    pub fn text(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        Self::Raw {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: Body::from(body.into()),
        }
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

pub struct TestServer {
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server answering each request with `handler(request, index)`.
    pub async fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let app = Router::new().fallback({
            let seen = Arc::clone(&seen);
            move |request: Request| {
                let seen = Arc::clone(&seen);
                let handler = Arc::clone(&handler);
                async move {
                    let record = Seen {
                        method: request.method().to_string(),
                        path: request.uri().path().to_owned(),
                        query: request.uri().query().map(str::to_owned),
                        headers: request.headers().clone(),
                    };
                    let index = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(record.clone());
                        seen.len() - 1
                    };
                    respond(handler(&record, index)).await
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{address}"),
            seen,
            task,
        }
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn last(&self) -> Seen {
        self.seen().pop().expect("no request reached the server")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn respond(reply: Reply) -> Response {
    let reply = match reply {
        Reply::Held(release, reply) => {
            release.notified().await;
            *reply
        }
        other => other,
    };
    match reply {
        Reply::Json(status, body) => Response::builder()
            .status(StatusCode::from_u16(status).unwrap())
            .header("content-type", "application/json; charset=utf-8")
            .body(Body::from(body.to_string()))
            .unwrap(),
        Reply::Raw {
            status,
            headers,
            body,
        } => {
            let mut builder = Response::builder().status(StatusCode::from_u16(status).unwrap());
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            builder.body(body).unwrap()
        }
        Reply::Hang | Reply::Held(..) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Response::new(Body::empty())
        }
    }
}

/// The virtual start of time for tests: a whole minute, so windows line up.
pub fn epoch() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// An HTTP `Date` header value for `time`, so a test server's clock agrees with its
/// `X-RateLimit-Reset` (hyper would otherwise stamp the real date).
pub fn http_date(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

pub fn config(base_url: &str) -> ClientConfig {
    let mut config = ClientConfig::new(base_url, SecretKey::new(KEY.to_owned()).unwrap());
    config.request_timeout = Duration::from_secs(10);
    config
}

/// A client on a virtual clock, so retry and rate-limit waits are instant and recorded.
pub fn client_with(config: ClientConfig) -> (NangoClient, ManualClock) {
    let clock = ManualClock::new(epoch());
    let client = NangoClient::with_clock(config, Arc::new(clock.clone())).unwrap();
    (client, clock)
}

pub fn client(server: &TestServer) -> (NangoClient, ManualClock) {
    client_with(config(&server.base_url))
}

pub fn policy(max_attempts: u32, max_total_wait: Duration) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        max_total_wait,
        ..RetryPolicy::default()
    }
}
