//! Windows Firewall profile bitmasks (Firewall 2003 `Profiles`, 2004/2097 `Profiles`, 2010
//! `OldProfile`/`NewProfile`).
//!
//! Source: EVENTS.md §3.11 (1 domain, 2 private, 4 public; real values 2147483647 = all and
//! 0x80000001) and the NET_FW_PROFILE_TYPE2 constants of netfw.h (ALL = 0x7FFFFFFF).

use serde::Serialize;

/// The profile bits, in bit order. Source: netfw.h NET_FW_PROFILE2_*.
pub static PROFILE_BITS: &[(u32, &str)] = &[(0x1, "Domain"), (0x2, "Private"), (0x4, "Public")];

/// NET_FW_PROFILE2_ALL: every profile.
pub const ALL_PROFILES: u32 = 0x7FFF_FFFF;

/// A decoded profile mask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProfileSet {
    /// The mask.
    pub mask: u32,
    /// True for NET_FW_PROFILE2_ALL.
    pub all: bool,
    /// The named profiles set (all three when `all`).
    pub profiles: Vec<&'static str>,
    /// Set bits that name no profile (e.g. 0x80000000 in a real 2010 `OldProfile`), unless `all`.
    pub other_bits: u32,
}

impl ProfileSet {
    /// `"Domain, Public"`, `"all profiles"`, `"none"`, with unnamed bits in hex.
    pub fn describe(&self) -> String {
        if self.all {
            return "all profiles".to_owned();
        }
        let mut parts: Vec<String> = self.profiles.iter().map(|p| (*p).to_owned()).collect();
        if self.other_bits != 0 {
            parts.push(format!("other bits {:#X}", self.other_bits));
        }
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Decodes a firewall profile mask.
pub fn firewall_profiles(mask: u32) -> ProfileSet {
    let all = mask == ALL_PROFILES;
    let profiles = PROFILE_BITS
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    let named = PROFILE_BITS.iter().fold(0, |acc, (bit, _)| acc | bit);
    ProfileSet {
        mask,
        all,
        profiles,
        other_bits: if all { 0 } else { mask & !named },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(firewall_profiles(1).profiles, vec!["Domain"]);
        assert_eq!(firewall_profiles(6).describe(), "Private, Public");
        let all = firewall_profiles(2147483647);
        assert!(all.all);
        assert_eq!(all.profiles, vec!["Domain", "Private", "Public"]);
        assert_eq!(all.describe(), "all profiles");
        let real = firewall_profiles(2147483649);
        assert_eq!(real.profiles, vec!["Domain"]);
        assert_eq!(real.other_bits, 0x8000_0000);
        assert_eq!(real.describe(), "Domain, other bits 0x80000000");
        assert_eq!(firewall_profiles(0).describe(), "none");
    }
}
