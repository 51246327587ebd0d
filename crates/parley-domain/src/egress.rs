//! Which addresses Parley's outgoing calls may reach: workflow webhooks and bots' model
//! endpoints. Their URLs are written by a workspace manager, but the host a URL names may
//! resolve to anything, including the machine Parley runs on or its private network
//! (server-side request forgery). So the callers resolve the host first and connect only to
//! the addresses checked here: private, loopback, link-local and other special-purpose
//! addresses are refused unless the operator listed the host in
//! `PARLEY_WEBHOOK_ALLOW_HOSTS` (a local model server such as Ollama goes there too).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Hosts (optionally with a port) webhooks may reach even on private addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowHosts {
    entries: Vec<(String, Option<u16>)>,
}

impl AllowHosts {
    /// Parses `host[:port],host[:port]` (`[::1]:8080` for IPv6). Errors name the bad entry.
    pub fn parse(list: &str) -> Result<AllowHosts, String> {
        let mut entries = Vec::new();
        for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (host, port) = split_host_port(raw)
                .ok_or_else(|| format!("`{raw}` is not a host or host:port"))?;
            entries.push((host.to_ascii_lowercase(), port));
        }
        Ok(AllowHosts { entries })
    }

    /// Whether `host` is listed on any port: for a resolver, which is not told the port.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.entries
            .iter()
            .any(|(h, _)| h.eq_ignore_ascii_case(host))
    }

    /// Whether `host` on `port` is listed (an entry without a port allows every port).
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.entries
            .iter()
            .any(|(h, p)| h.eq_ignore_ascii_case(host) && p.is_none_or(|p| p == port))
    }
}

fn split_host_port(raw: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = raw.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host, port));
    }
    let (host, port) = match raw.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p.parse().ok()?)),
        _ => (raw, None),
    };
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    valid.then_some((host, port))
}

/// Whether an address is on the public internet (not private, loopback, link-local,
/// shared, documentation, multicast, reserved or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
        || (first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64: embeds any IPv4
        || ip.to_ipv4().is_some_and(|v4| !is_public_v4(v4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_special_purpose_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "64:ff9b::7f00:1",
        ] {
            assert!(!is_public(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn allow_list_matches_host_and_optional_port() {
        let allow = AllowHosts::parse("localhost, 127.0.0.1:9000,[::1]:80").unwrap();
        assert!(allow.allows("localhost", 1234));
        assert!(allow.allows("LOCALHOST", 80));
        assert!(allow.allows("127.0.0.1", 9000));
        assert!(!allow.allows("127.0.0.1", 9001));
        assert!(allow.allows("[::1]", 80));
        assert!(!allow.allows("example.com", 80));
        assert!(AllowHosts::parse("a b").is_err());
        assert!(AllowHosts::parse("host:notaport").is_err());
        assert_eq!(AllowHosts::parse("").unwrap(), AllowHosts::default());
    }
}
