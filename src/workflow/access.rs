//! Access control of a Consumption logic app: who may call the triggers,
//! read run history (`contents`), call the actions' endpoints (`actions`)
//! and manage the workflow (`workflowManagement`).
//!
//! ```json
//! "accessControl": {
//!   "triggers": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/24"}]},
//!   "contents": {"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]}
//! }
//! ```
//!
//! A range is an IPv4 or IPv6 CIDR block (`10.0.0.0/24`, `2001:db8::/32`),
//! a single address, or an IPv4 span `a.b.c.d-e.f.g.h`. An empty list
//! means "only other logic apps" (no direct caller); for `contents`,
//! `0.0.0.0-0.0.0.0` means nobody.

use serde_json::{json, Map, Value};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

/// The sections of `accessControl`, in the order the portal shows them.
pub const SECTIONS: [(&str, &str); 4] = [
    ("triggers", "Trigger callers"),
    ("contents", "Run history (inputs and outputs)"),
    ("actions", "Action callers"),
    ("workflowManagement", "Workflow management"),
];

/// The range that lets nobody in.
pub const NOBODY: &str = "0.0.0.0-0.0.0.0";

/// An allowed caller range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpRange {
    /// A CIDR block (a single address is a /32 or /128).
    Cidr {
        /// The network address as written.
        addr: IpAddr,
        /// Prefix length.
        prefix: u8,
    },
    /// An inclusive span of addresses of one family.
    Span {
        /// First address.
        start: IpAddr,
        /// Last address.
        end: IpAddr,
    },
}

impl IpRange {
    /// True when `ip` lies in the range. Addresses of the other family
    /// never do (an IPv4-mapped IPv6 address is compared as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match *self {
            IpRange::Cidr { addr, prefix } => match (addr, ip) {
                (IpAddr::V4(a), IpAddr::V4(b)) => {
                    let mask = if prefix == 0 {
                        0
                    } else {
                        u32::MAX << (32 - prefix)
                    };
                    u32::from(a) & mask == u32::from(b) & mask
                }
                (IpAddr::V6(a), IpAddr::V6(b)) => {
                    let mask = if prefix == 0 {
                        0
                    } else {
                        u128::MAX << (128 - prefix)
                    };
                    u128::from(a) & mask == u128::from(b) & mask
                }
                _ => false,
            },
            IpRange::Span { start, end } => match (start, end, ip) {
                (IpAddr::V4(s), IpAddr::V4(e), IpAddr::V4(b)) => {
                    (u32::from(s)..=u32::from(e)).contains(&u32::from(b))
                }
                (IpAddr::V6(s), IpAddr::V6(e), IpAddr::V6(b)) => {
                    (u128::from(s)..=u128::from(e)).contains(&u128::from(b))
                }
                _ => false,
            },
        }
    }

    /// True for `0.0.0.0-0.0.0.0`, which lets nobody in.
    pub fn is_nobody(&self) -> bool {
        matches!(self, IpRange::Span { start, end }
            if *start == IpAddr::V4(Ipv4Addr::UNSPECIFIED) && *end == IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpRange::Cidr { addr, prefix } => write!(f, "{addr}/{prefix}"),
            IpRange::Span { start, end } => write!(f, "{start}-{end}"),
        }
    }
}

impl FromStr for IpRange {
    type Err = String;

    /// Parses a range, with a message that says what is wrong.
    fn from_str(text: &str) -> Result<IpRange, String> {
        let s = text.trim();
        if s.is_empty() {
            return Err("the range is empty".into());
        }
        if s != text {
            return Err("remove the spaces around the range".into());
        }
        if let Some((a, b)) = s.split_once('-') {
            let start = parse_addr(a, "the first address")?;
            let end = parse_addr(b, "the last address")?;
            return match (start, end) {
                (IpAddr::V4(x), IpAddr::V4(y)) if u32::from(x) <= u32::from(y) => {
                    Ok(IpRange::Span { start, end })
                }
                (IpAddr::V6(x), IpAddr::V6(y)) if u128::from(x) <= u128::from(y) => {
                    Ok(IpRange::Span { start, end })
                }
                (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => Err(format!(
                    "the range goes backwards: {start} comes after {end}"
                )),
                _ => Err("the two ends of a range must both be IPv4 or both IPv6".into()),
            };
        }
        if let Some((a, p)) = s.split_once('/') {
            let addr = parse_addr(a, "the address")?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix: u8 = p
                .parse()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("`/{p}` is not a prefix length; use 0 to {max}"))?;
            return Ok(IpRange::Cidr { addr, prefix });
        }
        let addr = parse_addr(s, "the address")?;
        Ok(IpRange::Cidr {
            addr,
            prefix: if addr.is_ipv4() { 32 } else { 128 },
        })
    }
}

fn parse_addr(s: &str, what: &str) -> Result<IpAddr, String> {
    if s.is_empty() {
        return Err(format!("{what} is missing"));
    }
    s.parse::<IpAddr>().map_err(|_| {
        if s.contains(':') {
            format!("{what} `{s}` is not an IPv6 address")
        } else {
            format!("{what} `{s}` is not an IPv4 address (four numbers 0–255 joined by dots)")
        }
    })
}

/// What a section allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// No restriction: the section is absent.
    Anyone,
    /// An empty list: only other logic apps may call.
    OnlyLogicApps,
    /// `0.0.0.0-0.0.0.0`: nobody (run history only).
    Nobody,
    /// The listed ranges (as written).
    Ranges(Vec<String>),
}

/// The policy of `section` in an `accessControl` value.
pub fn policy(access_control: Option<&Value>, section: &str) -> Policy {
    let Some(list) = access_control
        .and_then(|a| a.get(section))
        .and_then(|s| s.get("allowedCallerIpAddresses"))
        .and_then(Value::as_array)
    else {
        return Policy::Anyone;
    };
    let ranges: Vec<String> = list
        .iter()
        .filter_map(|e| e.get("addressRange").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    if ranges.is_empty() {
        Policy::OnlyLogicApps
    } else if ranges.len() == 1 && ranges[0] == NOBODY {
        Policy::Nobody
    } else {
        Policy::Ranges(ranges)
    }
}

/// `policy` as the `accessControl` section value; `None` for
/// [`Policy::Anyone`] (the section is removed).
pub fn section_value(policy: &Policy) -> Option<Value> {
    let list = match policy {
        Policy::Anyone => return None,
        Policy::OnlyLogicApps => vec![],
        Policy::Nobody => vec![json!({ "addressRange": NOBODY })],
        Policy::Ranges(r) => r.iter().map(|r| json!({ "addressRange": r })).collect(),
    };
    Some(json!({ "allowedCallerIpAddresses": list }))
}

/// True when `ip` may call under `policy` (a direct caller, not another
/// logic app).
pub fn allows(policy: &Policy, ip: IpAddr) -> bool {
    match policy {
        Policy::Anyone => true,
        Policy::OnlyLogicApps | Policy::Nobody => false,
        Policy::Ranges(r) => r
            .iter()
            .filter_map(|r| r.parse::<IpRange>().ok())
            .any(|r| r.contains(ip)),
    }
}

/// A mistake in an `accessControl` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessProblem {
    /// JSON pointer, relative to the `accessControl` object.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// True for a mistake Azure refuses; false for a likely mistake.
    pub error: bool,
}

/// Checks an `accessControl` value.
pub fn check(access_control: &Value) -> Vec<AccessProblem> {
    let mut out = Vec::new();
    let Some(obj) = access_control.as_object() else {
        out.push(AccessProblem {
            pointer: String::new(),
            message: "`accessControl` must be an object".into(),
            error: true,
        });
        return out;
    };
    for (key, section) in obj {
        let known = SECTIONS.iter().any(|(k, _)| k == key);
        if !known {
            out.push(AccessProblem {
                pointer: format!("/{key}"),
                message: format!(
                    "`{key}` is not a section of access control; use triggers, contents, actions or workflowManagement"
                ),
                error: true,
            });
            continue;
        }
        let Some(sec) = section.as_object() else {
            out.push(AccessProblem {
                pointer: format!("/{key}"),
                message: format!("`{key}` must be an object"),
                error: true,
            });
            continue;
        };
        let Some(list) = sec.get("allowedCallerIpAddresses") else {
            continue;
        };
        let Some(list) = list.as_array() else {
            out.push(AccessProblem {
                pointer: format!("/{key}/allowedCallerIpAddresses"),
                message: "`allowedCallerIpAddresses` must be a list of `{\"addressRange\": …}`"
                    .into(),
                error: true,
            });
            continue;
        };
        for (i, entry) in list.iter().enumerate() {
            let pointer = format!("/{key}/allowedCallerIpAddresses/{i}/addressRange");
            match entry.get("addressRange").and_then(Value::as_str) {
                None => out.push(AccessProblem {
                    pointer,
                    message: "each allowed caller needs an `addressRange` string".into(),
                    error: true,
                }),
                Some(r) => match r.parse::<IpRange>() {
                    Err(e) => out.push(AccessProblem {
                        pointer,
                        message: format!("`{r}`: {e}"),
                        error: true,
                    }),
                    Ok(range) if range.is_nobody() && key != "contents" => {
                        out.push(AccessProblem {
                            pointer,
                            message: format!(
                                "`{NOBODY}` (nobody) is meant for run history; for {key} use an empty list for \"only other logic apps\""
                            ),
                            error: false,
                        })
                    }
                    Ok(_) => {}
                },
            }
        }
    }
    out
}

/// Where the access control of workflow `i` lives in a document:
/// `properties.accessControl` of its ARM resource. A bare definition or a
/// Standard `workflow.json` has no place for it (Standard restricts
/// callers in the app's networking settings).
pub fn pointer(doc: &super::Document, i: usize) -> Option<String> {
    use super::Container;
    match doc.container {
        Container::Arm | Container::Resource => {
            let def = &doc.workflows.get(i)?.definition_pointer;
            Some(format!(
                "{}/accessControl",
                def.strip_suffix("/definition")?
            ))
        }
        Container::Definition | Container::Standard => None,
    }
}

/// The `accessControl` object of workflow `i`, if it has one.
pub fn get(doc: &super::Document, i: usize) -> Option<&Map<String, Value>> {
    doc.root.pointer(&pointer(doc, i)?)?.as_object()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn accepted_ranges() {
        for r in [
            "10.0.0.0/24",
            "10.0.0.5",
            "0.0.0.0/0",
            "2001:db8::/32",
            "::1",
            "fe80::/10",
            "192.168.1.10-192.168.1.20",
            "0.0.0.0-0.0.0.0",
            "2001:db8::1-2001:db8::ff",
            "13.67.236.76/32",
        ] {
            assert!(r.parse::<IpRange>().is_ok(), "{r}");
        }
    }

    #[test]
    fn refused_ranges_say_why() {
        for (r, why) in [
            ("", "empty"),
            ("10.0.0.0/33", "prefix length"),
            ("10.0.0/24", "not an IPv4 address"),
            ("256.1.1.1", "not an IPv4 address"),
            ("10.0.0.9-10.0.0.1", "backwards"),
            ("10.0.0.1-::1", "IPv4 or both IPv6"),
            ("2001:db8::/129", "0 to 128"),
            ("gggg::1", "not an IPv6 address"),
            ("10.0.0.1-", "last address is missing"),
            (" 10.0.0.1", "spaces"),
            ("10.0.0.0/x", "not a prefix length"),
        ] {
            let e = r.parse::<IpRange>().unwrap_err();
            assert!(e.contains(why), "{r}: {e}");
        }
    }

    #[test]
    fn containment() {
        let r: IpRange = "10.0.0.0/24".parse().unwrap();
        assert!(r.contains(ip("10.0.0.255")));
        assert!(!r.contains(ip("10.0.1.0")));
        assert!(r.contains(ip("::ffff:10.0.0.7")));
        let r: IpRange = "192.168.1.10-192.168.1.20".parse().unwrap();
        assert!(r.contains(ip("192.168.1.10")) && r.contains(ip("192.168.1.20")));
        assert!(!r.contains(ip("192.168.1.21")));
        let r: IpRange = "2001:db8::/32".parse().unwrap();
        assert!(r.contains(ip("2001:db8:ffff::1")));
        assert!(!r.contains(ip("2001:db9::1")));
        assert!(!r.contains(ip("10.0.0.1")));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        assert!(NOBODY.parse::<IpRange>().unwrap().is_nobody());
    }

    #[test]
    fn policies_round_trip() {
        let ac = json!({
            "triggers": {"allowedCallerIpAddresses": []},
            "contents": {"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]},
            "actions": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/8"}]}
        });
        assert_eq!(policy(Some(&ac), "triggers"), Policy::OnlyLogicApps);
        assert_eq!(policy(Some(&ac), "contents"), Policy::Nobody);
        assert_eq!(
            policy(Some(&ac), "actions"),
            Policy::Ranges(vec!["10.0.0.0/8".into()])
        );
        assert_eq!(policy(Some(&ac), "workflowManagement"), Policy::Anyone);
        for s in ["triggers", "contents", "actions"] {
            assert_eq!(section_value(&policy(Some(&ac), s)).as_ref(), ac.get(s));
        }
        assert!(!allows(&Policy::OnlyLogicApps, ip("10.0.0.1")));
        assert!(allows(&policy(Some(&ac), "actions"), ip("10.1.2.3")));
        assert!(!allows(&policy(Some(&ac), "actions"), ip("11.0.0.1")));
        assert!(check(&ac).is_empty());
    }

    #[test]
    fn check_locates_mistakes() {
        let ac = json!({
            "triggers": {"allowedCallerIpAddresses": [{"addressRange": "10.0.0.0/40"}, {"range": "x"}]},
            "contents": {"allowedCallerIpAddresses": "10.0.0.0/8"},
            "action": {},
            "actions": {"allowedCallerIpAddresses": [{"addressRange": "0.0.0.0-0.0.0.0"}]}
        });
        let p = check(&ac);
        let ptrs: Vec<&str> = p.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/triggers/allowedCallerIpAddresses/0/addressRange",
                "/triggers/allowedCallerIpAddresses/1/addressRange",
                "/contents/allowedCallerIpAddresses",
                "/action",
                "/actions/allowedCallerIpAddresses/0/addressRange",
            ]
        );
        assert!(p[0].message.contains("0 to 32"));
        assert!(!p[4].error);
    }
}
