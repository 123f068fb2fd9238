//! Exit codes and the error type every command returns.

use std::fmt;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done (limit or duration reached, or stopped with Ctrl-C / SIGTERM).
    Done = 0,
    /// 1: anything else (network, server, file errors).
    Failure = 1,
    /// 2: bad usage (invalid flag, parameter or rule; missing credentials).
    Usage = 2,
    /// 3: authentication or permission refused (HTTP 401 / 403).
    Auth = 3,
    /// 4: gave up after `--max-retries` failed attempts.
    GaveUp = 4,
    /// 5: the output could not be written (full disk, removed file or directory, closed
    /// stdout…). Every file still ends on a complete line, and the summary and provenance
    /// count exactly the lines stored.
    Write = 5,
}

/// The exit-code section of `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  done: --limit or --duration reached, or stopped with Ctrl-C / SIGTERM
  1  anything else (network, server or file error)
  2  bad usage: invalid flag, parameter or rule, missing credentials
  3  authentication or permission refused (HTTP 401 / 403)
  4  gave up after --max-retries failed connection attempts
  5  the output could not be written (full disk, file or directory removed, stdout
     closed): files end on their last complete line; the summary counts what is stored
Each non-zero exit prints a one-line reason on stderr.";

/// An error that ends the command with an exit code and a one-line reason.
#[derive(Debug, Clone)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// The reason (one line).
    pub message: String,
}

impl CliError {
    /// An error with this exit code.
    pub fn new(exit: Exit, message: impl Into<String>) -> CliError {
        CliError {
            exit,
            message: one_line(&message.into()),
        }
    }

    /// Exit 2: bad usage.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Usage, message)
    }

    /// Exit 1: anything else.
    pub fn failure(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Failure, message)
    }

    /// A library error, classified into an exit code; `context` says what was being done.
    pub fn from_lib(context: &str, e: &tweetstream::Error) -> CliError {
        let exit = exit_for(e);
        let message = if context.is_empty() {
            e.to_string()
        } else {
            format!("{context}: {e}")
        };
        let hint = match (exit, e.status()) {
            (Exit::Auth, Some(401)) => {
                " (check X_BEARER_TOKEN / the OAuth variables, or run `tweetstream configure`)"
            }
            (Exit::Auth, _) => " (your app or access level is not allowed to use this endpoint)",
            _ => "",
        };
        let hint = match e {
            tweetstream::Error::GaveUp { attempts, .. } => format!(
                " (the first attempt and --max-retries {} retries; raise it to keep trying longer, \
                 or leave it out to retry forever)",
                attempts.saturating_sub(1)
            ),
            _ => hint.to_string(),
        };
        CliError::new(exit, format!("{message}{hint}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The exit code for a library error.
pub fn exit_for(e: &tweetstream::Error) -> Exit {
    use tweetstream::Error as E;
    match e {
        E::InvalidParameter { .. } | E::InvalidRule { .. } | E::Config(_) => Exit::Usage,
        E::GaveUp { .. } => Exit::GaveUp,
        E::Http(h) if h.status == 401 || h.status == 403 => Exit::Auth,
        _ => Exit::Failure,
    }
}

/// Collapse whitespace runs containing line breaks so a reason stays on one line.
pub fn one_line(s: &str) -> String {
    if !s.contains(['\n', '\r']) {
        return s.to_string();
    }
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_one_line() {
        assert_eq!(one_line("a\n  b\r\nc"), "a b c");
        assert_eq!(CliError::usage("x\ny").message, "x y");
    }
}
