//! Credentials: environment variables, the config file, and `tweetstream configure`.
//!
//! The config file lives in `$XDG_CONFIG_HOME/tweetstream/config.toml`, else
//! `$HOME/.config/tweetstream/config.toml` (the XDG rule, on every Unix; the `dirs` crate
//! would pick `~/Library/Application Support` on macOS, where command-line users expect
//! `~/.config`, and it is one dependency less). `--config FILE` / `TWEETSTREAM_CONFIG`
//! override the location. Secrets are held in [`Secret`] and never printed.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use tweetstream::Secret;

use crate::cli::{ConfigureArgs, GlobalArgs};
pub use crate::config_file::FileConfig;
use crate::error::{CliError, Exit};

/// The environment variable names of the v2 bearer token, in order of precedence.
pub const BEARER_VARS: [&str; 2] = ["X_BEARER_TOKEN", "TWITTER_BEARER_TOKEN"];
/// The environment variable names of the four OAuth 1.0a values.
pub const OAUTH_VARS: [&str; 4] = [
    "X_CONSUMER_KEY",
    "X_CONSUMER_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
];

/// Each secret of the config: its name, its environment variable, its value.
fn slots(c: &mut FileConfig) -> [(&'static str, &'static str, &mut Option<String>); 5] {
    [
        ("bearer token", BEARER_VARS[0], &mut c.bearer_token),
        ("consumer key", OAUTH_VARS[0], &mut c.consumer_key),
        ("consumer secret", OAUTH_VARS[1], &mut c.consumer_secret),
        ("access token", OAUTH_VARS[2], &mut c.access_token),
        (
            "access token secret",
            OAUTH_VARS[3],
            &mut c.access_token_secret,
        ),
    ]
}

/// Where the config file is: `--config`, else `$XDG_CONFIG_HOME/tweetstream/config.toml`,
/// else `$HOME/.config/tweetstream/config.toml`.
pub fn config_path(global: &GlobalArgs) -> Option<PathBuf> {
    if let Some(p) = &global.config {
        return Some(p.clone());
    }
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(x) = nonempty("XDG_CONFIG_HOME").map(PathBuf::from) {
        if x.is_absolute() {
            return Some(x.join("tweetstream").join("config.toml"));
        }
    }
    nonempty("HOME").map(|h| {
        PathBuf::from(h)
            .join(".config")
            .join("tweetstream")
            .join("config.toml")
    })
}

/// Read the config file; a missing file is an empty config.
pub fn load(global: &GlobalArgs) -> Result<FileConfig, CliError> {
    let Some(path) = config_path(global) else {
        return Ok(FileConfig::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if global.config.is_some() {
                return Err(CliError::usage(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            return Ok(FileConfig::default());
        }
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot read config file {}: {e}",
                path.display()
            )))
        }
    };
    warn_if_readable_by_others(&path);
    crate::config_file::parse(&text).map_err(|e| {
        let at = e.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        CliError::usage(format!(
            "config file {} is not valid{at}: expected lines like bearer_token = \"...\" (keys: bearer_token, consumer_key, consumer_secret, access_token, access_token_secret, api_base)",
            path.display()
        ))
    })
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    if WARNED.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(m) = std::fs::metadata(path) {
        let mode = m.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            WARNED.store(true, Ordering::Relaxed);
            eprintln!(
                "tweetstream: warning: {} is readable by other users (mode {mode:03o}); run: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The v2 bearer token: `X_BEARER_TOKEN`, `TWITTER_BEARER_TOKEN`, then the config file.
pub fn bearer_token(global: &GlobalArgs) -> Result<Secret, CliError> {
    for var in BEARER_VARS {
        if let Some(v) = env_value(var) {
            return Ok(Secret::new(v.trim()));
        }
    }
    if let Some(t) = load(global)?.bearer_token.filter(|t| !t.trim().is_empty()) {
        return Ok(Secret::new(t.trim()));
    }
    Err(CliError::usage(
        "no bearer token: set X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN), or save one with `tweetstream configure`",
    ))
}

/// The v1.1 OAuth 1.0a credentials: each from its environment variable, else the config file.
pub fn oauth_credentials(global: &GlobalArgs) -> Result<tweetstream::oauth::Credentials, CliError> {
    let mut file = load(global)?;
    let mut values: Vec<String> = Vec::with_capacity(4);
    let mut missing = Vec::new();
    for (i, (_, var, slot)) in slots(&mut file).into_iter().skip(1).enumerate() {
        debug_assert_eq!(var, OAUTH_VARS[i]);
        match env_value(var).or_else(|| slot.clone().filter(|v| !v.trim().is_empty())) {
            Some(v) => values.push(v.trim().to_string()),
            None => missing.push(var),
        }
    }
    if !missing.is_empty() {
        return Err(CliError::usage(format!(
            "missing v1.1 credentials: set {} (or save them with `tweetstream configure`)",
            missing.join(", ")
        )));
    }
    let [ck, cs, at, ats]: [String; 4] = values
        .try_into()
        .map_err(|_| CliError::usage("missing v1.1 credentials"))?;
    Ok(tweetstream::oauth::Credentials::new(ck, cs, at, ats))
}

/// The API base: `--api-base` / `X_API_BASE`, else the config file's `api_base`.
pub fn api_base(global: &GlobalArgs) -> Result<Option<String>, CliError> {
    if let Some(b) = &global.api_base {
        return Ok(Some(b.clone()));
    }
    Ok(load(global)?.api_base)
}

/// `tweetstream configure`.
pub fn configure(global: &GlobalArgs, args: &ConfigureArgs) -> Result<(), CliError> {
    let path = config_path(global).ok_or_else(|| {
        CliError::usage(
            "cannot find a config directory: set HOME or XDG_CONFIG_HOME, or pass --config FILE",
        )
    })?;
    // A malformed file is repaired: what can be read is kept, the rest named by line number
    // (never quoted: a line may hold a secret), and the file is rewritten below.
    let (mut cfg, repaired) = match load(global) {
        Ok(c) => (c, None),
        Err(e) if e.exit == Exit::Usage && path.exists() => {
            let text = std::fs::read_to_string(&path).map_err(|err| {
                CliError::failure(format!("cannot read config file {}: {err}", path.display()))
            })?;
            let (kept, bad) = crate::config_file::salvage(&text);
            let numbers: Vec<String> = bad.iter().map(|n| n.to_string()).collect();
            let word = if numbers.len() == 1 { "line" } else { "lines" };
            (kept, Some(format!("{word} {}", numbers.join(", "))))
        }
        Err(e) => return Err(e),
    };
    if args.show {
        match &repaired {
            Some(lines) => println!(
                "config file: {} (not valid: {lines} cannot be read; run `tweetstream configure` to repair it)",
                path.display()
            ),
            None => println!("config file: {}", path.display()),
        }
        for (name, var, slot) in slots(&mut cfg) {
            let from = if env_value(var).is_some() {
                format!("set in the environment ({var})")
            } else if slot.is_some() {
                "set in the config file".to_string()
            } else {
                "not set".to_string()
            };
            println!("  {name:<20} {from}");
        }
        return Ok(());
    }
    if args.from_env {
        let mut found = 0;
        for (_, var, slot) in slots(&mut cfg) {
            let v = if var == BEARER_VARS[0] {
                BEARER_VARS.iter().find_map(|v| env_value(v))
            } else {
                env_value(var)
            };
            if let Some(v) = v {
                *slot = Some(v.trim().to_string());
                found += 1;
            }
        }
        if found == 0 {
            return Err(CliError::usage(format!(
                "none of {}, {} is set",
                BEARER_VARS.join(", "),
                OAUTH_VARS.join(", ")
            )));
        }
    } else {
        if let Some(lines) = &repaired {
            eprintln!(
                "tweetstream: config file {} is not valid ({lines}); the values that can be read are kept and the file will be rewritten",
                path.display()
            );
        }
        prompt_all(&mut cfg)?;
    }
    if let Some(lines) = &repaired {
        eprintln!(
            "tweetstream: repaired {}: {lines} could not be read (dropped)",
            path.display()
        );
    }
    write_config(&path, &cfg)?;
    let summary: Vec<String> = slots(&mut cfg)
        .into_iter()
        .map(|(name, _, slot)| {
            format!("{name}: {}", if slot.is_some() { "set" } else { "not set" })
        })
        .collect();
    eprintln!(
        "tweetstream: wrote {} (permissions 0600); {}",
        path.display(),
        summary.join(", ")
    );
    Ok(())
}

fn prompt_all(cfg: &mut FileConfig) -> Result<(), CliError> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!("Enter each value (input is hidden); press Enter to keep the current value.");
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for (name, _, slot) in slots(cfg) {
        let state = if slot.is_some() { "set" } else { "not set" };
        let answer = if interactive {
            rpassword::prompt_password(format!("{name} [{state}]: "))
                .map_err(|e| CliError::failure(format!("cannot read the {name}: {e}")))?
        } else {
            match lines.next() {
                Some(Ok(l)) => l,
                Some(Err(e)) => {
                    return Err(CliError::failure(format!("cannot read the {name}: {e}")))
                }
                None => String::new(),
            }
        };
        let answer = answer.trim();
        if !answer.is_empty() {
            *slot = Some(answer.to_string());
        }
    }
    Ok(())
}

/// Write the file with permissions 0600 (via a temporary file in the same directory, renamed).
fn write_config(path: &Path, cfg: &FileConfig) -> Result<(), CliError> {
    let fail = |what: &str, e: std::io::Error| {
        CliError::failure(format!("cannot {what} {}: {e}", path.display()))
    };
    let text =
        toml::to_string(cfg).map_err(|_| CliError::failure("cannot encode the configuration"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)
            .map_err(|e| fail("create the directory of", e))?;
    }
    let tmp = path.with_extension("toml.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(&tmp).map_err(|e| fail("create", e))?;
    let header =
        "# tweetstream credentials (written by `tweetstream configure`; keep this file private)\n";
    f.write_all(header.as_bytes())
        .and_then(|_| f.write_all(text.as_bytes()))
        .and_then(|_| f.sync_all())
        .map_err(|e| fail("write", e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| fail("write", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| fail("set the permissions of", e))?;
    }
    Ok(())
}
