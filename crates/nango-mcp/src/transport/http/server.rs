//! Opening the socket, running the server, and stopping it gracefully.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::error::HttpError;
use super::host_guard::HostGuard;
use super::oauth::Gatekeeper;
use super::router;
use super::settings::HttpSettings;

/// After the grace period calls are cancelled; this is how long their error replies get to go out.
const CANCELLED_REPLY_WINDOW: Duration = Duration::from_secs(1);

/// A server that is listening. Call [`RunningHttp::shutdown`] then [`RunningHttp::wait`] to stop.
#[derive(Debug)]
pub struct RunningHttp {
    local_addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), HttpError>>,
}

impl RunningHttp {
    /// The address actually bound (useful when the settings asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Starts a graceful shutdown: the listener closes at once, calls in flight get the grace
    /// period to finish, then whatever is left is cancelled. Calling it again does nothing.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Waits until the server has stopped.
    pub async fn wait(self) -> Result<(), HttpError> {
        self.task
            .await
            .map_err(|error| HttpError::Server(format!("server task ended abnormally: {error}")))?
    }
}

/// Validates the settings, opens the socket and starts serving in the background.
///
/// `make_handler` builds a fresh MCP handler for every request (the server is stateless);
/// `readiness` backs `/readyz`: whether this replica can do its work (see `app.rs`).
pub async fn bind<S, F, R>(
    settings: HttpSettings,
    make_handler: F,
    readiness: R,
) -> Result<RunningHttp, HttpError>
where
    S: rmcp::ServerHandler + Send + 'static,
    F: Fn() -> S + Send + Sync + 'static,
    R: Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static,
{
    settings.validate()?;
    let guard = HostGuard::new(&allowed_hosts(&settings), &settings.allowed_origins)?;
    let gatekeeper = match &settings.oauth {
        Some(oauth) => Some(Arc::new(Gatekeeper::new(
            oauth.clone(),
            settings.accepted_tokens(),
        )?)),
        None => None,
    };
    let listener = TcpListener::bind(settings.bind)
        .await
        .map_err(|source| HttpError::Bind {
            addr: settings.bind,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| HttpError::Bind {
        addr: settings.bind,
        source,
    })?;
    let mcp_cancel = CancellationToken::new();
    if let Some(gatekeeper) = &gatekeeper {
        gatekeeper.warm_up();
    }
    let app = router::build(
        &settings,
        guard,
        gatekeeper,
        make_handler,
        Arc::new(readiness),
        mcp_cancel.clone(),
    );
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(run(
        listener,
        app,
        shutdown.clone(),
        mcp_cancel,
        settings.shutdown_grace,
    ));
    tracing::info!(
        url = %format!("http://{local_addr}/mcp"),
        authenticated = !settings.accepted_tokens().is_empty() || settings.oauth.is_some(),
        oauth_issuer = settings.oauth.as_ref().map(|oauth| oauth.issuer.as_str()),
        allowed_hosts = ?settings.allowed_hosts,
        "MCP Streamable HTTP transport listening"
    );
    Ok(RunningHttp {
        local_addr,
        shutdown,
        task,
    })
}

/// The configured hosts, plus the public URL's host with sign-in: clients reach the server there
/// by definition, so it need not be listed twice.
fn allowed_hosts(settings: &HttpSettings) -> Vec<String> {
    let mut hosts = settings.allowed_hosts.clone();
    let public = settings
        .oauth
        .as_ref()
        .and_then(|oauth| oauth.public.host_str());
    if let Some(host) = public
        && !hosts.iter().any(|listed| listed.eq_ignore_ascii_case(host))
    {
        hosts.push(host.to_owned());
    }
    hosts
}

/// Serves until SIGTERM or SIGINT, then shuts down gracefully; a second signal stops at once.
pub async fn serve<S, F, R>(
    settings: HttpSettings,
    make_handler: F,
    readiness: R,
) -> Result<(), HttpError>
where
    S: rmcp::ServerHandler + Send + 'static,
    F: Fn() -> S + Send + Sync + 'static,
    R: Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static,
{
    // Installed before binding so a failure is reported before anyone can connect.
    let mut signals = ShutdownSignals::install()?;
    let running = bind(settings, make_handler, readiness).await?;
    let stop = running.shutdown.clone();
    let finished = running.wait();
    tokio::pin!(finished);
    tokio::select! {
        result = &mut finished => return result,
        name = signals.next() => {
            tracing::info!(signal = name, "shutdown requested; finishing calls in flight");
            stop.cancel();
        }
    }
    tokio::select! {
        result = &mut finished => result,
        name = signals.next() => {
            tracing::warn!(signal = name, "second shutdown signal; stopping without waiting");
            Ok(())
        }
    }
}

async fn run(
    listener: TcpListener,
    app: axum::Router,
    shutdown: CancellationToken,
    mcp_cancel: CancellationToken,
    grace: Duration,
) -> Result<(), HttpError> {
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    // Its own task, so it can be abandoned if calls outlive the grace period.
    let mut server = tokio::spawn(server.into_future());
    tokio::select! {
        result = &mut server => return server_outcome(result),
        () = shutdown.cancelled() => {}
    }
    if let Ok(result) = tokio::time::timeout(grace, &mut server).await {
        tracing::info!("HTTP transport stopped");
        return server_outcome(result);
    }
    tracing::warn!(
        grace_secs = grace.as_secs_f64(),
        "calls still running after the grace period; cancelling them"
    );
    mcp_cancel.cancel();
    if let Ok(result) = tokio::time::timeout(CANCELLED_REPLY_WINDOW, &mut server).await {
        return server_outcome(result);
    }
    server.abort();
    Ok(())
}

fn server_outcome(
    result: Result<std::io::Result<()>, tokio::task::JoinError>,
) -> Result<(), HttpError> {
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(HttpError::Server(error.to_string())),
        Err(error) => Err(HttpError::Server(format!(
            "server task ended abnormally: {error}"
        ))),
    }
}

/// SIGTERM (what orchestrators send) and SIGINT (Ctrl-C).
struct ShutdownSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    #[cfg(unix)]
    fn install() -> Result<Self, HttpError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate()).map_err(HttpError::Signal)?,
            interrupt: signal(SignalKind::interrupt()).map_err(HttpError::Signal)?,
        })
    }

    #[cfg(not(unix))]
    fn install() -> Result<Self, HttpError> {
        Ok(Self {})
    }

    #[cfg(unix)]
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> &'static str {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a handler there is no signal to wait for; serve until stopped otherwise.
            std::future::pending::<()>().await;
        }
        "Ctrl-C"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::http::oauth::OAuthSettings;

    #[test]
    fn the_public_host_is_allowed_with_sign_in() {
        let mut settings = HttpSettings::new("0.0.0.0:8080".parse().unwrap());
        assert!(!allowed_hosts(&settings).contains(&"mcp.example.com".to_owned()));
        settings.oauth = Some(
            OAuthSettings::new(
                "https://id.example.com",
                "https://mcp.example.com/mcp",
                "r",
                "w",
            )
            .unwrap(),
        );
        let hosts = allowed_hosts(&settings);
        assert!(hosts.contains(&"mcp.example.com".to_owned()), "{hosts:?}");
        assert!(hosts.contains(&"127.0.0.1".to_owned()));
    }
}
