//! Start-up: from parsed arguments to a running server or a one-off command.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use futures::future::BoxFuture;
use nango_state::{RateWindows, RedisStore, SharedState};
use rmcp::ServiceExt;

use crate::{
    cli::{Cli, Command, ServerArgs},
    commands,
    config::{ClientTuning, Environments},
    output::TokenBudget,
    sandbox::{self, Sandbox},
    server::NangoMcp,
    tools::Registry,
    transport::http::{self, AuthToken, HttpSettings},
};

pub async fn run(mut cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    if let Some(Command::Tools) = cli.command {
        return Ok(commands::print_tools(&selected_tools(&cli.server)?));
    }
    if matches!(cli.command, Some(Command::Report { .. })) {
        // A report is a file for people, not an agent's context: no reason to cut it short.
        cli.server.token_budget = crate::report::BUDGET;
    }
    let store = shared_store(&cli.server)?;
    let (server, _sandbox) = build_server(&cli.server, store.clone()).await?;
    match cli.command {
        Some(Command::Tools) => Ok(commands::print_tools(server.registry())),
        Some(Command::Report { out }) => crate::report::run(&server, &out).await,
        Some(Command::Call {
            tool,
            arguments,
            json,
            yes,
        }) => commands::call(&server, &tool, arguments.as_deref(), json, yes).await,
        None => {
            if let Some(addr) = cli.server.metrics_addr {
                crate::telemetry::metrics_server::start(addr)
                    .await
                    .with_context(|| format!("cannot serve metrics at {addr}"))?;
            }
            crate::memory::trim_after_bursts();
            match cli.server.http {
                Some(addr) => serve_http(server, addr, &cli.server, store).await?,
                None => serve_stdio(server).await?,
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

async fn serve_http(
    server: NangoMcp,
    addr: SocketAddr,
    args: &ServerArgs,
    store: Option<Arc<RedisStore>>,
) -> anyhow::Result<()> {
    let mut settings = HttpSettings::new(addr).with_auth_token(AuthToken::from_env()?);
    settings.more_auth_tokens = AuthToken::many_from_env()?;
    args.http_limits.apply(&mut settings);
    settings.oauth = args.oauth.settings()?;
    if !args.allowed_hosts.is_empty() {
        settings.allowed_hosts = args.allowed_hosts.clone();
    }
    if !args.allowed_origins.is_empty() {
        settings.allowed_origins = args.allowed_origins.clone();
    }
    // Ready means configured (we got here) and, when replicas share a store, that it answers:
    // without it no write can be confirmed. Nango is not asked: a probe every few seconds from
    // every replica would spend its budget, and Nango being down is no reason to take replicas
    // out of rotation (they answer with a clear error, which a load balancer cannot improve).
    let readiness = move || -> BoxFuture<'static, Result<(), String>> {
        let store = store.clone();
        Box::pin(async move {
            match store {
                Some(store) => store.ping().await.map_err(|error| error.to_string()),
                None => Ok(()),
            }
        })
    };
    let keys = http::WebhookKeys::from_vars(&std::env::vars().collect());
    if keys.is_empty() {
        tracing::info!(
            "webhook history off: set NANGO_WEBHOOK_SIGNING_KEY to receive Nango's webhooks at {}",
            http::WEBHOOK_PATH
        );
    } else {
        let history = server.history().clone();
        history.start_maintenance();
        tracing::info!(path = http::WEBHOOK_PATH, database = %history.label(), "receiving Nango's webhooks");
        settings.webhooks = Some(http::WebhookReceiver::new(keys, history));
    }
    tracing::info!(%addr, "serving MCP over Streamable HTTP at /mcp");
    http::serve(settings, move || server.clone(), readiness).await?;
    Ok(())
}

async fn serve_stdio(server: NangoMcp) -> anyhow::Result<()> {
    tracing::info!("serving MCP on stdio");
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .context("MCP initialisation over stdio failed")?;
    running
        .waiting()
        .await
        .context("stdio session ended with an error")?;
    Ok(())
}

/// The tools `--tools`, `--exclude-tools` and `--toolsets` leave.
fn selected_tools(args: &ServerArgs) -> anyhow::Result<Registry> {
    Registry::for_writes(args.allow_writes)
        .select(&args.tools, &args.exclude_tools, &args.toolsets)
        .map_err(anyhow::Error::msg)
}

/// The server for these arguments: a real Nango from the environment, or the sandbox.
/// The Valkey/Redis store replicas share, when `--redis-url` names one. Connects lazily: a
/// store that is down at start-up does not stop the server.
fn shared_store(args: &ServerArgs) -> anyhow::Result<Option<Arc<RedisStore>>> {
    let Some(url) = args
        .redis_url
        .as_deref()
        .filter(|url| !url.trim().is_empty())
    else {
        return Ok(None);
    };
    let store = RedisStore::connect_lazily(url).context("NANGO_MCP_REDIS_URL / --redis-url")?;
    tracing::info!("sharing confirmation codes and the Nango rate budget through Valkey/Redis");
    Ok(Some(Arc::new(store)))
}

/// The server for these arguments, sharing state through `store` when there is one.
pub async fn build_server(
    args: &ServerArgs,
    store: Option<Arc<RedisStore>>,
) -> anyhow::Result<(NangoMcp, Sandbox)> {
    let registry = selected_tools(args)?;
    let budget = TokenBudget {
        tokens: args.token_budget as usize,
    };
    let tuning = ClientTuning {
        request_timeout: Duration::from_secs(args.request_timeout),
        max_retry_wait: Duration::from_secs(args.max_retry_wait),
        cache_ttl: Duration::from_secs(args.cache_ttl),
    };
    let (environments, sandbox) = if args.demo {
        sandbox::start(tuning).await?
    } else {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        (
            Environments::from_vars(&vars, args.nango_host.as_deref(), tuning)?,
            Sandbox::default(),
        )
    };
    let secret = std::env::var(crate::writes::codes::SECRET_VARIABLE).ok();
    let mut codes = crate::writes::ConfirmCodes::from_env_or_random(secret.as_deref())
        .map_err(|error| anyhow::anyhow!("no randomness for confirmation codes: {error}"))?;
    if let Some(store) = store {
        codes = codes.with_store(store.clone());
        environments.share_rate_budget(&(store as Arc<dyn RateWindows>));
    }
    if args.allow_writes {
        tracing::info!("write actions enabled: each one needs a person's confirmation");
    }
    let writes = crate::server::WriteSettings {
        enabled: args.allow_writes,
        codes: Arc::new(codes),
    };
    let history = crate::history::HistoryStore::resolve(
        args.database_url.as_deref(),
        args.http.is_some()
            && !args.demo
            && !http::WebhookKeys::from_vars(&std::env::vars().collect()).is_empty(),
        args.history_days,
    );
    let server = NangoMcp::new_with_writes(registry, environments, budget, args.demo, writes)
        .with_history(std::sync::Arc::new(history));
    Ok((server, sandbox))
}
