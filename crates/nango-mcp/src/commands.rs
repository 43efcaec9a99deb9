//! `nango-mcp tools` and `nango-mcp call`: the tools for a person at a terminal.

use std::{
    io::{IsTerminal, Write},
    process::ExitCode,
    sync::Arc,
    time::Duration,
};

use nango_api::NangoError;
use serde_json::{Map, Value};

use crate::{
    errors::ToolError,
    server::NangoMcp,
    tools::{Progress, Registry},
};

/// Writes to stdout; a reader that went away (`| head`) ends the output quietly, like any tool.
fn print(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Lists the tools; needs no key, because it never talks to Nango.
pub fn print_tools(registry: &Registry) -> ExitCode {
    let entries = registry.entries();
    let width = entries
        .iter()
        .map(|entry| entry.name().len())
        .max()
        .unwrap_or(0);
    let lines: Vec<String> = entries
        .iter()
        .map(|entry| {
            let description = entry.definition.description.as_deref().unwrap_or_default();
            format!("{:<width$}  {}", entry.name(), first_sentence(description))
        })
        .collect();
    match print(&lines.join("\n")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

/// Up to the first ". " that starts a new sentence (so "e.g. Contact" does not end it).
fn first_sentence(text: &str) -> &str {
    let mut search_from = 0;
    while let Some(found) = text.get(search_from..).and_then(|rest| rest.find(". ")) {
        let end = search_from + found;
        let next = text.get(end + 2..).and_then(|rest| rest.chars().next());
        let before = text.get(..end).unwrap_or_default();
        let abbreviation = ["e.g", "i.e", "incl", "etc", "vs"]
            .iter()
            .any(|short| before.ends_with(short));
        if next.is_some_and(char::is_uppercase) && !abbreviation {
            return text.get(..end).unwrap_or(text);
        }
        search_from = end + 2;
    }
    text.trim_end_matches('.')
}

#[allow(clippy::print_stderr)]
pub async fn call(
    server: &NangoMcp,
    tool: &str,
    arguments: Option<&str>,
    json: bool,
    yes: bool,
) -> anyhow::Result<ExitCode> {
    let arguments: Map<String, Value> =
        match arguments.map(str::trim).filter(|text| !text.is_empty()) {
            None => Map::new(),
            Some(text) => match serde_json::from_str(text) {
                Ok(Value::Object(map)) => map,
                Ok(_) => {
                    eprintln!("error: arguments must be a JSON object, e.g. '{{\"limit\": 5}}'");
                    return Ok(ExitCode::from(2));
                }
                Err(error) => {
                    eprintln!("error: arguments are not valid JSON: {error}");
                    return Ok(ExitCode::from(2));
                }
            },
        };
    let progress: Progress = Arc::new(|done, total, message| {
        if std::io::stderr().is_terminal() {
            let total = total.map(|total| format!("/{total}")).unwrap_or_default();
            eprint!("\r\x1b[2K[{done}{total}] {message}");
        }
    });
    let mut waited = 0;
    let result = loop {
        let result = server
            .run_tool_asking(
                tool,
                arguments.clone(),
                Some(Arc::clone(&progress)),
                Some(terminal_ask(yes)),
                None,
            )
            .await;
        match result {
            Err(error) if waited < MAX_RATE_WAITS => match rate_limit_reset(&error) {
                Some(reset) if offer_to_wait(&error, reset).await => {
                    waited += 1;
                    wait_out(reset).await;
                }
                _ => break Err(error),
            },
            other => break other,
        }
    };
    match result {
        Ok(outcome) => {
            if std::io::stderr().is_terminal() {
                eprint!("\r\x1b[2K");
            }
            let text = if json {
                serde_json::to_string_pretty(&outcome.structured)?
            } else if std::io::stdout().is_terminal() {
                crate::terminal::colourise(&outcome.text)
            } else {
                outcome.text
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {}", error.message());
            Ok(ExitCode::from(1))
        }
    }
}

/// How many rate-limit windows one `call` at a terminal may wait out.
const MAX_RATE_WAITS: u32 = 3;

/// When the call failed on Nango's per-minute limit: how long until the window resets. The
/// client already waited when the reset was within its retry budget, so this is the longer case.
fn rate_limit_reset(error: &ToolError) -> Option<Duration> {
    match error {
        ToolError::Nango(failure) => match &failure.source {
            NangoError::RateLimited { retry_after, .. } => {
                Some(retry_after.unwrap_or(Duration::from_secs(60)))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A person at a terminal is asked whether to wait for the reset (Enter says yes); an agent or
/// a script (stdin not a terminal) gets the error at once, as before.
#[allow(clippy::print_stderr)]
async fn offer_to_wait(error: &ToolError, reset: Duration) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let question = format!(
        "error: {}\nNango's rate-limit window resets in {} s. Wait and try again? [Y/n] ",
        error.message(),
        reset.as_secs().max(1)
    );
    let answer = tokio::task::spawn_blocking(move || {
        eprint!("{question}");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await;
    wants_to_wait(answer.ok().and_then(Result::ok).as_deref())
}

/// Enter or yes waits; no, or a closed stdin, does not.
fn wants_to_wait(line: Option<&str>) -> bool {
    match line {
        None => false,
        Some(line) => {
            matches!(line.trim().to_lowercase().as_str(), "" | "y" | "yes") && !line.is_empty()
        }
    }
}

/// Sleeps until the window resets (plus a second for clock skew), counting down on stderr.
#[allow(clippy::print_stderr)]
async fn wait_out(reset: Duration) {
    let total = reset.as_secs() + 1;
    for left in (1..=total).rev() {
        eprint!("\r\x1b[2Kwaiting {left} s for Nango's rate limit…");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    eprint!("\r\x1b[2K");
}

/// How a person at a terminal confirms a write: `--yes`, or y/N on stdin when it is a
/// terminal. Anything else (a pipe, no answer) is a no.
#[allow(clippy::print_stderr)]
fn terminal_ask(yes: bool) -> crate::writes::Ask {
    use crate::writes::Answer;
    Arc::new(move |sentence: String| {
        Box::pin(async move {
            if yes {
                return Answer::Accept;
            }
            if !std::io::stdin().is_terminal() {
                eprintln!(
                    "{sentence}\nNot confirmed: stdin is not a terminal (pass --yes to confirm in scripts)."
                );
                return Answer::Decline;
            }
            let answer = tokio::task::spawn_blocking(move || {
                eprint!("{sentence}\nProceed? [y/N] ");
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map(|_| line)
            })
            .await;
            match answer {
                Ok(Ok(line)) if matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes") => {
                    Answer::Accept
                }
                _ => Answer::Decline,
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{Duration, NangoError, ToolError, first_sentence, rate_limit_reset, wants_to_wait};

    #[test]
    fn only_a_rate_limit_offers_to_wait_and_enter_means_yes() {
        let limited = ToolError::nango(
            NangoError::RateLimited {
                attempts: 1,
                retry_after: Some(Duration::from_secs(51)),
            },
            "NANGO_SECRET_KEY",
            "http://127.0.0.1:3003",
        );
        assert_eq!(rate_limit_reset(&limited), Some(Duration::from_secs(51)));
        assert_eq!(
            rate_limit_reset(&ToolError::invalid("limit", "too big")),
            None
        );
        assert!(
            wants_to_wait(Some("\n")) && wants_to_wait(Some("Y\n")) && wants_to_wait(Some("yes\n"))
        );
        assert!(!wants_to_wait(Some("n\n")) && !wants_to_wait(Some("")) && !wants_to_wait(None));
    }

    #[test]
    fn first_sentence_skips_abbreviations() {
        assert_eq!(
            first_sentence("Records of a model (e.g. Contact) for one. Filter by x."),
            "Records of a model (e.g. Contact) for one"
        );
        assert_eq!(first_sentence("One sentence only."), "One sentence only");
    }
}
