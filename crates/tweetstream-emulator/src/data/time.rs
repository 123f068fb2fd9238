//! Timestamp conversions between v1.1 (`Sun Aug 31 00:29:15 +0000 2014`), v2
//! (`2014-08-31T00:29:15.000Z`) and epoch milliseconds. Panic-free; invalid input gives `None`.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Smallest and largest instants we format (years 1..=9999).
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[allow(clippy::too_many_arguments)]
fn to_ms(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32, off_min: i64) -> Option<i64> {
    if !(1..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(y, mo)
        || h > 23
        || mi > 59
        || s > 60
        || ms > 999
    {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400
        + i64::from(h) * 3600
        + i64::from(mi) * 60
        + i64::from(s)
        - off_min * 60;
    Some(secs * 1000 + i64::from(ms))
}

fn hms(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split(':');
    let h = num(it.next()?)?;
    let m = num(it.next()?)?;
    let sec = num(it.next()?)?;
    if it.next().is_some() {
        return None;
    }
    Some((h, m, sec))
}

/// Parse a v1.1 `created_at` (`Sun Aug 31 00:29:15 +0000 2014`) into epoch milliseconds.
pub(crate) fn parse_v1(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_ascii_whitespace().collect();
    let [_dow, mon, day, time, off, year] = parts.as_slice() else {
        return None;
    };
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
    let d = num(day)?;
    let (h, mi, sec) = hms(time)?;
    let y: i64 = num(year)?;
    let off = parse_offset(off)?;
    to_ms(y, mo, d, h, mi, sec, 0, off)
}

/// `+0000`, `-0530`, `+05:30`, `Z` → minutes east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i64 = num(digits.get(..2)?)?;
    let m: i64 = num(digits.get(2..)?)?;
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 60 + m))
}

/// Parse an RFC 3339 / ISO-8601 instant (`2021-04-01T15:52:31.000Z`, fraction and offset
/// optional) into epoch milliseconds.
pub(crate) fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    let date = s.get(..10)?;
    let rest = s.get(10..)?;
    let mut dp = date.split('-');
    let y: i64 = num(dp.next()?)?;
    let mo = num(dp.next()?)?;
    let d = num(dp.next()?)?;
    if dp.next().is_some() {
        return None;
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let time = rest.get(..8)?;
    let (h, mi, sec) = hms(time)?;
    let mut rest = rest.get(8..)?;
    let mut ms = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let digits = frac.get(..n)?;
        let mut padded: String = digits.chars().take(3).collect();
        while padded.len() < 3 {
            padded.push('0');
        }
        ms = num(&padded)?;
        rest = frac.get(n..)?;
    }
    let off = if rest.is_empty() {
        0
    } else {
        parse_offset(rest)?
    };
    to_ms(y, mo, d, h, mi, sec, ms, off)
}

fn split(ms: i64) -> (i64, u32, u32, u32, u32, u32, u32, usize) {
    let ms = ms.clamp(MIN_MS, MAX_MS);
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let h = (rem / 3_600_000) as u32;
    let mi = (rem / 60_000 % 60) as u32;
    let s = (rem / 1000 % 60) as u32;
    let msec = (rem % 1000) as u32;
    let dow = days.rem_euclid(7) as usize;
    (y, mo, d, h, mi, s, msec, dow)
}

/// Format epoch milliseconds as v2 `2021-01-06T18:40:40.000Z`.
pub(crate) fn fmt_iso(ms: i64) -> String {
    let (y, mo, d, h, mi, s, msec, _) = split(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{msec:03}Z")
}

/// Format epoch milliseconds as v1.1 `Wed Oct 10 20:19:24 +0000 2018`.
pub(crate) fn fmt_v1(ms: i64) -> String {
    let (y, mo, d, h, mi, s, _, dow) = split(ms);
    let mon = MONTHS.get(mo as usize - 1).copied().unwrap_or("Jan");
    let day = DAYS.get(dow).copied().unwrap_or("Thu");
    format!("{day} {mon} {d:02} {h:02}:{mi:02}:{s:02} +0000 {y:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let ms = parse_v1("Sun Aug 31 00:29:15 +0000 2014").unwrap();
        assert_eq!(ms, 1_409_444_955_000);
        assert_eq!(fmt_iso(ms), "2014-08-31T00:29:15.000Z");
        assert_eq!(fmt_v1(ms), "Sun Aug 31 00:29:15 +0000 2014");
        assert_eq!(parse_iso("2014-08-31T00:29:15.000Z"), Some(ms));
        assert_eq!(parse_iso("2014-08-31T00:29:15Z"), Some(ms));
        assert_eq!(parse_iso("2014-08-31T02:29:15.5+02:00"), Some(ms + 500));
        assert_eq!(fmt_v1(0), "Thu Jan 01 00:00:00 +0000 1970");
        assert_eq!(
            fmt_v1(parse_iso("2021-04-01T15:52:31.000Z").unwrap()),
            "Thu Apr 01 15:52:31 +0000 2021"
        );
    }

    #[test]
    fn garbage() {
        for s in [
            "",
            "Sun Aug 31",
            "Sun Foo 31 00:29:15 +0000 2014",
            "Sun Feb 30 00:29:15 +0000 2014",
            "Sun Aug 31 25:29:15 +0000 2014",
            "Sun Aug 31 00:29:15 +00 2014",
            "Sun Aug 31 00:29:15 +0000 99999999999999999999",
        ] {
            assert_eq!(parse_v1(s), None, "{s}");
        }
        for s in [
            "2021-13-01T00:00:00Z",
            "2021-04-01",
            "2021-04-01T00:00:00.Z",
            "é",
        ] {
            assert_eq!(parse_iso(s), None, "{s}");
        }
        let _ = fmt_iso(i64::MIN);
        let _ = fmt_v1(i64::MAX);
    }
}
