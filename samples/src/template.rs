//! The placeholder language of recipes and scenarios: `{name}` takes a value of the
//! connection, host or scenario (`{client_ip}`, `{target}`, `{conn_no}` …), `{fn:args}` draws a
//! random value from the generator's seeded stream, `{{` and `}}` are literal braces.
//!
//! Functions: `{rand:LO-HI}` (decimal), `{hex:N}` / `{hexl:N}` (N random hex digits, upper /
//! lower case), `{pick:a|b|c}`, `{guid}` / `{GUID}` (braced, lower / upper case),
//! `{public_ip}` (an address outside the private, loopback and documentation ranges),
//! `{sel:a|b|c}` (the choice at the index the occurrence drew once, held in the `_sel` value:
//! every `sel` of one event sequence with the same number of choices picks the same index, so
//! a service's display name and key name stay paired).

use crate::rng::Rng;

/// Why a template cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{` without its `}`.
    #[error("unclosed '{{' at byte {at} of {template:?}")]
    Unclosed {
        /// The template.
        template: String,
        /// Byte offset of the `{`.
        at: usize,
    },
    /// A `}` that closes nothing.
    #[error("unmatched '}}' at byte {at} of {template:?} (write '}}}}' for a literal brace)")]
    Unmatched {
        /// The template.
        template: String,
        /// Byte offset of the `}`.
        at: usize,
    },
    /// A name with no value here.
    #[error("{{{name}}} has no value here (in {template:?})")]
    Unknown {
        /// The placeholder.
        name: String,
        /// The template.
        template: String,
    },
    /// A function with arguments it cannot use.
    #[error("{{{call}}}: {problem}")]
    BadCall {
        /// The placeholder text.
        call: String,
        /// What is wrong.
        problem: String,
    },
}

/// Render `template`, taking names from `lookup` and random values from `rng`.
pub fn render(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    rng: &mut Rng,
) -> Result<String, TemplateError> {
    if !template.contains(['{', '}']) {
        return Ok(template.to_owned());
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    let mut offset = 0usize;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
            offset += pos + 2;
            continue;
        }
        if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
            offset += pos + 2;
            continue;
        }
        if tail.starts_with('}') {
            return Err(TemplateError::Unmatched {
                template: template.to_owned(),
                at: offset + pos,
            });
        }
        let Some(end) = closing_brace(tail) else {
            return Err(TemplateError::Unclosed {
                template: template.to_owned(),
                at: offset + pos,
            });
        };
        let inner = &tail[1..end];
        out.push_str(&expand(inner, template, lookup, rng)?);
        rest = &tail[end + 1..];
        offset += pos + end + 1;
    }
    out.push_str(rest);
    Ok(out)
}

/// The byte index of the `}` that closes the `{` at the start of `text` (nesting counted).
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `args` split at the `|` that are not inside a nested placeholder.
fn split_choices(args: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    for (i, c) in args.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                out.push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&args[start..]);
    out
}

fn bad(call: &str, problem: impl Into<String>) -> TemplateError {
    TemplateError::BadCall {
        call: call.to_owned(),
        problem: problem.into(),
    }
}

fn expand(
    inner: &str,
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    rng: &mut Rng,
) -> Result<String, TemplateError> {
    let (name, args) = match inner.split_once(':') {
        Some((name, args)) => (name, Some(args)),
        None => (inner, None),
    };
    match (name, args) {
        ("rand", Some(args)) => {
            let (lo, hi) = args
                .split_once('-')
                .and_then(|(lo, hi)| {
                    Some((
                        lo.trim().parse::<u64>().ok()?,
                        hi.trim().parse::<u64>().ok()?,
                    ))
                })
                .ok_or_else(|| bad(inner, "expected {rand:LO-HI} with decimal bounds"))?;
            if hi < lo {
                return Err(bad(inner, "the upper bound is below the lower one"));
            }
            Ok(rng.between(lo, hi).to_string())
        }
        ("hex" | "hexl", Some(args)) => {
            let digits: usize = args
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| bad(inner, "expected a digit count from 1 to 64"))?;
            let text: String = (0..digits)
                .map(|_| char::from_digit(rng.below(16) as u32, 16).unwrap_or('0'))
                .collect();
            Ok(if name == "hex" {
                text.to_ascii_uppercase()
            } else {
                text
            })
        }
        ("pick", Some(args)) => {
            let choices = split_choices(args);
            let choice = rng.pick(&choices).copied().unwrap_or_default();
            render(choice, lookup, rng)
        }
        ("sel", Some(args)) => {
            let choices = split_choices(args);
            let drawn: u64 = lookup("_sel")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad(inner, "no `_sel` value here"))?;
            let choice = choices
                .get((drawn % choices.len() as u64) as usize)
                .copied()
                .unwrap_or_default();
            render(choice, lookup, rng)
        }
        ("guid", None) => Ok(rng.guid().to_string()),
        ("GUID", None) => Ok(rng.guid().to_string().to_ascii_uppercase()),
        ("public_ip", None) => Ok(public_ip(rng)),
        _ => lookup(inner).ok_or_else(|| TemplateError::Unknown {
            name: inner.to_owned(),
            template: template.to_owned(),
        }),
    }
}

/// A random IPv4 address outside private (10/8, 172.16/12, 192.168/16), loopback, link-local,
/// CGNAT, multicast and documentation ranges.
pub fn public_ip(rng: &mut Rng) -> String {
    loop {
        let [a, b, c, d] = rng.bytes::<4>();
        let reserved = matches!(a, 0 | 10 | 127 | 224..=255)
            || (a == 100 && (64..128).contains(&b))
            || (a == 169 && b == 254)
            || (a == 172 && (16..32).contains(&b))
            || (a == 192 && (b == 168 || (b == 0 && c == 2)))
            || (a == 198 && (b == 18 || b == 19 || (b == 51 && c == 100)))
            || (a == 203 && b == 0 && c == 113);
        if !reserved && d != 0 && d != 255 {
            return format!("{a}.{b}.{c}.{d}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "target" => Some("srv01.corp.example".into()),
            "conn_no" => Some("17".into()),
            "_sel" => Some("4".into()),
            _ => None,
        }
    }

    #[test]
    fn names_and_escapes() {
        let mut rng = Rng::new(1);
        assert_eq!(
            render("RDP-Tcp#{conn_no} to {target} {{x}}", &vars, &mut rng).unwrap(),
            "RDP-Tcp#17 to srv01.corp.example {x}"
        );
        assert_eq!(render("plain", &vars, &mut rng).unwrap(), "plain");
    }

    #[test]
    fn functions_draw_from_the_stream() {
        let mut a = Rng::new(9);
        let mut b = Rng::new(9);
        let t = "{rand:49152-65535} {hex:8} {pick:a|b|c} {guid} {public_ip}";
        let x = render(t, &vars, &mut a).unwrap();
        assert_eq!(x, render(t, &vars, &mut b).unwrap());
        let port: u64 = x.split(' ').next().unwrap().parse().unwrap();
        assert!((49152..=65535).contains(&port));
    }

    #[test]
    fn sel_pairs_choices_by_one_index() {
        let mut rng = Rng::new(2);
        assert_eq!(
            render("{sel:a|b|c}/{sel:A|B|C}", &vars, &mut rng).unwrap(),
            "b/B"
        );
        assert!(render("{sel:a|b}", &|_: &str| None, &mut rng).is_err());
        assert_eq!(
            render("{{{sel:{target}|y}}}", &vars, &mut rng).unwrap(),
            "{srv01.corp.example}"
        );
    }

    #[test]
    fn errors_are_located() {
        let mut rng = Rng::new(1);
        assert!(matches!(
            render("a {nope} b", &vars, &mut rng),
            Err(TemplateError::Unknown { name, .. }) if name == "nope"
        ));
        assert!(matches!(
            render("a {target", &vars, &mut rng),
            Err(TemplateError::Unclosed { at: 2, .. })
        ));
        assert!(matches!(
            render("a } b", &vars, &mut rng),
            Err(TemplateError::Unmatched { at: 2, .. })
        ));
        assert!(render("{rand:9-1}", &vars, &mut rng).is_err());
        assert!(render("{hex:0}", &vars, &mut rng).is_err());
    }

    #[test]
    fn public_addresses_avoid_private_ranges() {
        let mut rng = Rng::new(3);
        for _ in 0..500 {
            let ip = public_ip(&mut rng);
            assert!(
                !ip.starts_with("10.") && !ip.starts_with("192.168."),
                "{ip}"
            );
        }
    }
}
