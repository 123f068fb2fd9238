//! Parsers for `SIZE` and `DURATION` arguments, and human-readable formatting.

use std::time::Duration;

/// Parse a size: a number with an optional unit, `B`, `K`/`KB` (1,000), `KiB` (1,024),
/// `M`/`MB`, `MiB`, `G`/`GB`, `GiB`, `T`/`TB`, `TiB` (case-insensitive): `500MB`, `1.5GiB`,
/// `65536`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    if t.starts_with('-') {
        return Err(format!("{s:?}: the size must be at least 1 byte"));
    }
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (examples: 500MB, 1GiB, 65536)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1e12,
        "tib" => 1024.0f64.powi(4),
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {s:?} (use B, KB, KiB, MB, MiB, GB, GiB, TB or TiB)"
            ))
        }
    };
    let bytes = n * mult;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(format!("{s:?} is too large (the most is 16 EiB)"));
    }
    if bytes < 1.0 {
        return Err(format!("{s:?}: the size must be at least 1 byte"));
    }
    Ok(bytes as u64)
}

/// Parse a duration: `30s`, `15min`, `1h 30m`, `7days` (humantime), or a bare number of
/// seconds (`90`, `0.5`). Must be greater than zero.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!(
            "{s:?}: the duration must be positive (examples: 30s, 15min, 2h, 7days, 90)"
        ));
    }
    let d = match t.parse::<f64>() {
        Ok(secs) if (0.0..1e12).contains(&secs) => Duration::from_secs_f64(secs),
        Ok(_) => return Err(format!("{s:?} is out of range")),
        Err(_) => humantime::parse_duration(t).map_err(|e| {
            format!("{s:?} is not a duration ({e}; examples: 30s, 15min, 2h, 7days, 90)")
        })?,
    };
    if d.is_zero() {
        return Err(format!("{s:?}: the duration must be greater than zero"));
    }
    Ok(d)
}

/// Parse a whole number of at least `min` (`--limit` takes 1 or more, `--max-retries` 0 or
/// more): a clear message for a negative number, a fraction or a number past the type's range.
pub fn parse_count<T: TryFrom<u64>>(s: &str, min: u64) -> Result<T, String> {
    let t = s.trim();
    let least = if min == 0 {
        "must be 0 or more".to_string()
    } else {
        format!("must be at least {min}")
    };
    if t.starts_with('-') {
        return Err(least);
    }
    let n: u64 = t
        .parse()
        .map_err(|_| format!("not a whole number ({least})"))?;
    if n < min {
        return Err(least);
    }
    T::try_from(n).map_err(|_| "too large".to_string())
}

/// `--limit`, `--partition`: 1 or more.
pub fn parse_positive(s: &str) -> Result<u64, String> {
    parse_count(s, 1)
}

/// `sample --partition`: 1 or more (the stream's own range is checked with the endpoint).
pub fn parse_positive_u32(s: &str) -> Result<u32, String> {
    parse_count(s, 1)
}

/// `--max-retries`, `--backfill-minutes`: 0 or more.
pub fn parse_u32(s: &str) -> Result<u32, String> {
    parse_count(s, 0)
}

/// `1.2 MB`-style byte counts (decimal units).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// A duration as `12.3s`, `4m05s` or `2h03m`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s as u64) % 60)
    } else {
        format!("{}h{:02}m", (s / 3600.0) as u64, ((s as u64) / 60) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536").unwrap(), 65536);
        assert_eq!(parse_size("500MB").unwrap(), 500_000_000);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("1.5 kib").unwrap(), 1536);
        assert_eq!(parse_size("2k").unwrap(), 2000);
        assert!(parse_size("12XB").unwrap_err().contains("unit"));
        assert!(parse_size("MB").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("-5").unwrap_err().contains("at least 1 byte"));
        assert!(parse_size("99999999TiB").unwrap_err().contains("too large"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("15min").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("7days").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").unwrap_err().contains("positive"));
    }

    #[test]
    fn counts() {
        assert_eq!(parse_positive("5"), Ok(5));
        assert_eq!(parse_positive("0").unwrap_err(), "must be at least 1");
        assert_eq!(parse_positive("-5").unwrap_err(), "must be at least 1");
        assert_eq!(parse_u32("0"), Ok(0));
        assert_eq!(parse_u32("-1").unwrap_err(), "must be 0 or more");
        assert!(parse_u32("1.5").unwrap_err().contains("not a whole number"));
        assert!(parse_u32("99999999999").unwrap_err().contains("too large"));
    }

    #[test]
    fn formatting() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_234_567), "1.2 MB");
        assert_eq!(human_duration(Duration::from_secs(65)), "1m05s");
        assert_eq!(human_duration(Duration::from_secs(7380)), "2h03m");
    }
}
