//! Durations as written in atlas.toml and on the command line: `150ms`, `90s`, `10m`, `2h`.

use std::time::Duration;

/// Parse `150ms`, `90s`, `10m`, `2h`, `1d` (or several run together: `1h30m`). A number
/// needs its unit (`30` could be seconds or minutes), except `0`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("an empty duration; write e.g. 150ms, 90s, 10m or 2h".into());
    }
    if let Ok(n) = t.parse::<f64>() {
        if n == 0.0 {
            return Ok(Duration::ZERO);
        }
        return Err(format!(
            "`{text}` has no unit; write e.g. {t}s, {t}m or {t}h"
        ));
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad(text));
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad(text))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let factor = match unit.trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" => 86400.0,
            _ => return Err(bad(text)),
        };
        total += Duration::from_secs_f64(value * factor);
    }
    Ok(total)
}

fn bad(text: &str) -> String {
    format!("`{text}` is not a duration; write e.g. 150ms, 90s, 10m or 2h")
}

/// Write a duration the way atlas.toml does (`150ms`, `90s`, `10m`, `2h`).
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else if ms.is_multiple_of(3_600_000) && ms > 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else {
        format!("{}s", ms / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse("150ms").unwrap(), Duration::from_millis(150));
        assert_eq!(parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
    }

    #[test]
    fn a_number_needs_its_unit() {
        let e = parse("30").unwrap_err();
        assert!(e.contains("`30` has no unit"), "{e}");
        assert!(e.contains("30s, 30m or 30h"), "{e}");
        assert!(parse("1.5").is_err());
    }

    #[test]
    fn refuses_nonsense() {
        assert!(parse("").is_err());
        assert!(parse("ten minutes").is_err());
        assert!(parse("10x").is_err());
        assert!(parse("ms").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for s in ["150ms", "90s", "10m", "2h"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }
}
