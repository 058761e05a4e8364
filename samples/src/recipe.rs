//! Recipes: what each connection, cause and background activity writes, as data.
//!
//! A [`Step`] is one event (or `pfirewall.log` line) at an offset from an anchor, on one side
//! of the connection, with field values in the [`crate::template`] language. A [`Flow`] is a
//! shared sequence (the successful session on client and host, the 0x904 client flow, the
//! host's accept-then-drop flow…), defined once in `recipes/flows.toml`. A [`CauseRecipe`]
//! (`recipes/<cause>.toml`) has [`Variant`]s: which flows an attempt runs, the client's
//! disconnect reason, and the evidence laid down per attempt, once at the onset of the
//! incident, and at its fix. A [`NoiseGroup`] (`recipes/noise.toml`) is a short sequence of
//! unrelated or red-herring events placed at random times.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::defs::Activity;

/// An offset in milliseconds: one value or a `[low, high]` range drawn uniformly.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Offset {
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
}

impl Offset {
    /// A fixed offset.
    pub const fn fixed(ms: f64) -> Self {
        Offset { lo: ms, hi: ms }
    }

    fn scaled(self, factor: f64) -> Self {
        Offset {
            lo: self.lo * factor,
            hi: self.hi * factor,
        }
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(f64),
            Range(Vec<f64>),
        }
        match Raw::deserialize(deserializer)? {
            Raw::One(ms) => Ok(Offset::fixed(ms)),
            Raw::Range(range) => match range.as_slice() {
                [lo, hi] if lo <= hi => Ok(Offset { lo: *lo, hi: *hi }),
                _ => Err(serde::de::Error::custom(
                    "an offset is a number or [low, high] with low <= high",
                )),
            },
        }
    }
}

/// The moment a step's offset counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The attempt's start (the client's 1024), or the incident's onset / fix for incident
    /// steps, or the occurrence time for noise.
    #[default]
    Start,
    /// When the failing connection is closed (the variant's `close`).
    Close,
    /// When a successful session ends (its duration after the start).
    End,
    /// The previous step of the same list that was laid down (the anchor itself for the
    /// first one).
    Prev,
}

/// Which machine logs a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The RDP client.
    Client,
    /// The host connected to (for incident steps: the incident's host; for noise: the host
    /// the noise is placed on).
    #[default]
    Server,
    /// The RD Gateway the connection goes through.
    Gateway,
}

/// Repeat an incident step: `count` times, `every_s` seconds apart.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// Seconds between repetitions.
    pub every_s: f64,
    /// Occurrences in all (the first included).
    pub count: u32,
}

/// One event (or firewall log line) of a recipe.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Offset in milliseconds from the anchor.
    #[serde(default)]
    pub at: Option<Offset>,
    /// Offset in seconds (for incident and noise steps minutes or days away).
    #[serde(default)]
    pub at_s: Option<Offset>,
    /// What the offset counts from.
    #[serde(default)]
    pub anchor: Anchor,
    /// The event definition's key.
    pub event: String,
    /// Which machine logs it.
    #[serde(default)]
    pub side: Side,
    /// Field values by name (templates).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Insertion strings of a classic event (templates).
    #[serde(default)]
    pub data: Vec<String>,
    /// Binary data: `hex:…`, `utf16z:…`, `ntstatus:XXXXXXXX` (4 bytes little-endian) or
    /// `termdd56:XXXXXXXX` (TermDD's IO_ERROR_LOG_PACKET with that final DWORD) — templates.
    #[serde(default)]
    pub binary: Option<String>,
    /// An inline `UserData` tree (CAPI2) as XML text (template).
    #[serde(default)]
    pub tree: Option<String>,
    /// ActivityID override.
    #[serde(default)]
    pub activity: Option<Activity>,
    /// Only when these space-separated flags hold (`!flag` negates).
    #[serde(default)]
    pub when: Option<String>,
    /// Level override.
    #[serde(default)]
    pub level: Option<u8>,
    /// Keywords override (`0x…`).
    #[serde(default)]
    pub keywords: Option<String>,
    /// `Security/@UserID` override (template; `none` for none).
    #[serde(default)]
    pub user: Option<String>,
    /// Logging process override.
    #[serde(default)]
    pub process: Option<String>,
    /// Whether the record is evidence of the cause (default: variant steps are, flow and
    /// noise steps are not).
    #[serde(default)]
    pub evidence: Option<bool>,
    /// Repeat an incident step.
    #[serde(default)]
    pub repeat: Option<Repeat>,
}

impl Step {
    /// The offset in milliseconds (0 when none is given).
    pub fn offset(&self) -> Offset {
        match (self.at, self.at_s) {
            (Some(ms), _) => ms,
            (None, Some(s)) => s.scaled(1000.0),
            (None, None) => Offset::default(),
        }
    }

    /// Whether the step applies under `flags`.
    pub fn applies(&self, flags: &dyn Fn(&str) -> bool) -> bool {
        self.when.as_deref().is_none_or(|when| {
            when.split_whitespace()
                .all(|term| match term.strip_prefix('!') {
                    Some(flag) => !flags(flag),
                    None => flags(term),
                })
        })
    }
}

/// A shared sequence of steps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Name variants refer to.
    pub name: String,
    /// What it is.
    #[serde(default)]
    pub summary: String,
    /// Its steps.
    #[serde(default)]
    pub step: Vec<Step>,
}

/// One way a cause shows in the logs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Name scenarios refer to.
    pub name: String,
    /// Which evidence this variant shows, in a sentence.
    pub summary: String,
    /// The client's disconnect reason (1026 `Value`).
    #[serde(default)]
    pub reason: Option<u32>,
    /// The client's flow per attempt (`none`: nothing on the client).
    pub client_flow: String,
    /// The host's flow per attempt (`none`: the attempt never reaches the host).
    pub server_flow: String,
    /// When, after the start, the connection is closed.
    #[serde(default)]
    pub close: Offset,
    /// Whether the client's disconnect reason (its 1026) is itself evidence of the cause
    /// (2825, 5639, 0x3000006 … name their cause; 2308 does not).
    #[serde(default)]
    pub reason_evidence: bool,
    /// Flags steps can test with `when`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Values for the templates (`{name}`).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Evidence per failing attempt.
    #[serde(default)]
    pub attempt: Vec<Step>,
    /// Evidence once, at the incident's onset.
    #[serde(default)]
    pub onset: Vec<Step>,
    /// Events once, when the incident is fixed.
    #[serde(default)]
    pub fix: Vec<Step>,
}

/// The variants of one cause.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseRecipe {
    /// The cause id (DESIGN.md's fixed vocabulary).
    pub cause: String,
    /// What the cause is.
    #[serde(default)]
    pub summary: String,
    /// Its variants.
    pub variant: Vec<Variant>,
}

/// What kind of background a noise group is, for expected.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseKind {
    /// Unrelated events: no connection.
    #[default]
    Events,
    /// An inbound connection from an Internet scanner (its own ActivityID and 131).
    Scanner,
}

/// A short sequence of background events placed at random times.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseGroup {
    /// Name scenarios refer to.
    pub name: String,
    /// What it is.
    #[serde(default)]
    pub summary: String,
    /// Whether it opens a host connection of its own.
    #[serde(default)]
    pub kind: NoiseKind,
    /// For scanners: the outcome and cause their connections have.
    #[serde(default)]
    pub cause: Option<String>,
    /// Values for the templates.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The steps, all on the host the group is placed on.
    #[serde(default)]
    pub step: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowsFile {
    #[serde(default)]
    flow: Vec<Flow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoiseFile {
    #[serde(default)]
    noise: Vec<NoiseGroup>,
}

/// Why recipes cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipeError {
    /// A file that is not valid TOML of its shape.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong, with its location.
        message: String,
    },
    /// Two things with one name.
    #[error("{what} {name:?} is defined twice")]
    Duplicate {
        /// What kind of thing.
        what: &'static str,
        /// Its name.
        name: String,
    },
    /// A name nothing defines.
    #[error("{what} {name:?} is not defined{context}")]
    Missing {
        /// What kind of thing.
        what: &'static str,
        /// The name.
        name: String,
        /// Where it was referred to.
        context: String,
    },
}

/// Every flow, cause recipe and noise group.
#[derive(Debug, Clone, Default)]
pub struct RecipeBook {
    flows: BTreeMap<String, Flow>,
    causes: BTreeMap<String, CauseRecipe>,
    noise: BTreeMap<String, NoiseGroup>,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, RecipeError> {
    toml::from_str(text).map_err(|e| RecipeError::Parse {
        file: file.to_owned(),
        message: e.to_string(),
    })
}

impl RecipeBook {
    /// Read recipe files: `flows.toml`, `noise.toml` and one file per cause (any other name).
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RecipeError> {
        let mut book = RecipeBook::default();
        for (file, text) in sources {
            let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
            match base {
                "flows.toml" => {
                    for flow in parse::<FlowsFile>(file, text)?.flow {
                        if book.flows.contains_key(&flow.name) {
                            return Err(RecipeError::Duplicate {
                                what: "flow",
                                name: flow.name,
                            });
                        }
                        book.flows.insert(flow.name.clone(), flow);
                    }
                }
                "noise.toml" => {
                    for group in parse::<NoiseFile>(file, text)?.noise {
                        if book.noise.contains_key(&group.name) {
                            return Err(RecipeError::Duplicate {
                                what: "noise group",
                                name: group.name,
                            });
                        }
                        book.noise.insert(group.name.clone(), group);
                    }
                }
                "events.toml" => {}
                _ => {
                    let recipe: CauseRecipe = parse(file, text)?;
                    if book.causes.contains_key(&recipe.cause) {
                        return Err(RecipeError::Duplicate {
                            what: "cause recipe",
                            name: recipe.cause,
                        });
                    }
                    book.causes.insert(recipe.cause.clone(), recipe);
                }
            }
        }
        book.check()?;
        Ok(book)
    }

    /// Every variant's flows exist and variant names are unique per cause.
    fn check(&self) -> Result<(), RecipeError> {
        for recipe in self.causes.values() {
            let mut names = std::collections::BTreeSet::new();
            for variant in &recipe.variant {
                if !names.insert(variant.name.as_str()) {
                    return Err(RecipeError::Duplicate {
                        what: "variant",
                        name: format!("{}/{}", recipe.cause, variant.name),
                    });
                }
                for flow in [&variant.client_flow, &variant.server_flow] {
                    if flow != "none" && !self.flows.contains_key(flow) {
                        return Err(RecipeError::Missing {
                            what: "flow",
                            name: flow.clone(),
                            context: format!(" (variant {}/{})", recipe.cause, variant.name),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The flow named `name`.
    pub fn flow(&self, name: &str) -> Result<&Flow, RecipeError> {
        self.flows.get(name).ok_or_else(|| RecipeError::Missing {
            what: "flow",
            name: name.to_owned(),
            context: String::new(),
        })
    }

    /// The variant `variant` of `cause`.
    pub fn variant(&self, cause: &str, variant: &str) -> Result<&Variant, RecipeError> {
        let recipe = self.causes.get(cause).ok_or_else(|| RecipeError::Missing {
            what: "cause recipe",
            name: cause.to_owned(),
            context: String::new(),
        })?;
        recipe
            .variant
            .iter()
            .find(|v| v.name == variant)
            .ok_or_else(|| RecipeError::Missing {
                what: "variant",
                name: format!("{cause}/{variant}"),
                context: String::new(),
            })
    }

    /// The noise group named `name`.
    pub fn noise(&self, name: &str) -> Result<&NoiseGroup, RecipeError> {
        self.noise.get(name).ok_or_else(|| RecipeError::Missing {
            what: "noise group",
            name: name.to_owned(),
            context: String::new(),
        })
    }

    /// Every cause recipe, by cause id.
    pub fn causes(&self) -> impl Iterator<Item = &CauseRecipe> {
        self.causes.values()
    }

    /// Every flow, by name.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.flows.values()
    }

    /// Every noise group, by name.
    pub fn noise_groups(&self) -> impl Iterator<Item = &NoiseGroup> {
        self.noise.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_must_name_existing_flows() {
        let flows = r#"
            [[flow]]
            name = "client.fail"
            [[flow.step]]
            at = [0, 5]
            event = "rdpclient.1024"
            side = "client"
            values = { Value = "{target}" }
        "#;
        let cause = r#"
            cause = "network"
            [[variant]]
            name = "dns"
            summary = "DNS"
            client_flow = "client.fail"
            server_flow = "server.nothing"
        "#;
        let err =
            RecipeBook::from_sources([("flows.toml", flows), ("network.toml", cause)]).unwrap_err();
        assert!(err.to_string().contains("server.nothing"), "{err}");
        let fixed = cause.replace("server.nothing", "none");
        let book =
            RecipeBook::from_sources([("flows.toml", flows), ("network.toml", fixed.as_str())])
                .unwrap();
        let step = &book.flow("client.fail").unwrap().step[0];
        assert_eq!(step.offset(), Offset { lo: 0.0, hi: 5.0 });
        assert!(book.variant("network", "dns").is_ok());
        assert!(book.variant("network", "vpn").is_err());
    }

    #[test]
    fn when_flags_combine() {
        let step: Step = toml::from_str(
            r#"
            event = "x"
            when = "udp !logoff"
            at_s = [1, 2]
        "#,
        )
        .unwrap();
        assert!(step.applies(&|f| f == "udp"));
        assert!(!step.applies(&|f| f == "udp" || f == "logoff"));
        assert!(!step.applies(&|_| false));
        assert_eq!(
            step.offset(),
            Offset {
                lo: 1000.0,
                hi: 2000.0
            }
        );
    }
}
