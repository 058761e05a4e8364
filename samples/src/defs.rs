//! Event definitions: the one table of what each event the scenarios write looks like —
//! provider (name, GUID, channel, event source, System layout, keywords, which process and
//! account log it, which ActivityID it carries) and, per event id, version, level, task,
//! opcode, payload form and the typed fields in Windows' order, with defaults and a short
//! message template for rendered exports. Loaded from `recipes/events.toml`; recipes only
//! give field values, as text, and this table types them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::record::{Element, EventRecord, NamedValue, Payload, SystemLayout, UserDataForm};
use crate::value::{Guid, Sid, Value, parse_hex};

/// Which ActivityID (`System/Correlation/@ActivityID`) an event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// None (`<Correlation/>`).
    #[default]
    None,
    /// The client's connection attempt (ClientActiveXCore).
    Client,
    /// The host's inbound connection (RdpCoreTS, RCM 261/1149, LSM for that connection).
    Connection,
    /// LocalSessionManager's constant `{61a55000-55e5-1017-0000-000000000000}`.
    Lsm,
    /// The host's LSA audit ActivityID (Security 4778/4779/5058/5061 …).
    Lsa,
    /// A fresh random GUID per event (Defender, RD Gateway).
    Fresh,
}

/// LocalSessionManager's ActivityID for events not tied to an inbound connection.
pub const LSM_CONSTANT_ACTIVITY: Guid = Guid::from_u128(0x61a55000_55e5_1017_0000_000000000000);

/// How an event's payload is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadKind {
    /// No payload (`EventData` renders as null).
    None,
    /// Named `<Data Name=…>` values (+ optional `Binary`).
    EventData,
    /// Unnamed `<Data>` insertion strings (+ optional `Binary`).
    Classic,
    /// A `UserData` root with one typed child per field (templated, as LSM/RCM log it).
    UserData,
    /// A `UserData` tree given by the recipe, stored inline (CAPI2).
    Inline,
    /// A line of the Windows Firewall text log, not an event.
    FirewallLog,
}

/// The type of a field: how its text in a recipe becomes a typed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `win:UnicodeString`.
    String,
    /// `win:AnsiString`.
    AnsiString,
    /// `win:UInt8`.
    UInt8,
    /// `win:UInt16`.
    UInt16,
    /// `win:UInt32`.
    UInt32,
    /// `win:UInt64`.
    UInt64,
    /// `win:Int32`.
    Int32,
    /// `win:Int64`.
    Int64,
    /// `win:HexInt32` (renders `0x…`).
    HexInt32,
    /// `win:HexInt64` and pointers (render `0x…`).
    HexInt64,
    /// `win:Boolean`.
    Bool,
    /// `win:GUID`.
    Guid,
    /// `win:SID`.
    Sid,
    /// `win:FILETIME`.
    FileTime,
    /// `win:SYSTEMTIME`.
    SystemTime,
    /// `win:Binary` (hex text).
    Binary,
}

impl FromStr for FieldType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "string" => FieldType::String,
            "ansi" => FieldType::AnsiString,
            "uint8" => FieldType::UInt8,
            "uint16" => FieldType::UInt16,
            "uint32" => FieldType::UInt32,
            "uint64" => FieldType::UInt64,
            "int32" => FieldType::Int32,
            "int64" => FieldType::Int64,
            "hex32" => FieldType::HexInt32,
            "hex64" => FieldType::HexInt64,
            "bool" => FieldType::Bool,
            "guid" => FieldType::Guid,
            "sid" => FieldType::Sid,
            "filetime" => FieldType::FileTime,
            "systemtime" => FieldType::SystemTime,
            "binary" => FieldType::Binary,
            other => return Err(format!("unknown field type {other:?}")),
        })
    }
}

/// The text that stands for an empty value ([`Value::Null`]) in recipes.
pub const NULL_TEXT: &str = "~";

fn number(text: &str) -> Option<u64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

fn signed(text: &str) -> Option<i64> {
    let t = text.trim();
    match t.strip_prefix('-') {
        Some(rest) => number(rest).and_then(|n| i64::try_from(n).ok()).map(|n| -n),
        None => number(t).and_then(|n| i64::try_from(n).ok()),
    }
}

impl FieldType {
    /// The typed value of `text` (`~` is the empty value).
    pub fn parse(self, text: &str) -> Result<Value, String> {
        if text == NULL_TEXT {
            return Ok(Value::Null);
        }
        let fail = |what: &str| format!("{text:?} is not {what}");
        Ok(match self {
            FieldType::String => Value::String(text.to_owned()),
            FieldType::AnsiString => Value::AnsiString(text.to_owned()),
            FieldType::UInt8 => Value::UInt8(
                number(text)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| fail("a UInt8"))?,
            ),
            FieldType::UInt16 => Value::UInt16(
                number(text)
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| fail("a UInt16"))?,
            ),
            FieldType::UInt32 => Value::UInt32(
                number(text)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| fail("a UInt32"))?,
            ),
            FieldType::UInt64 => Value::UInt64(number(text).ok_or_else(|| fail("a UInt64"))?),
            FieldType::Int32 => Value::Int32(
                signed(text)
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| fail("an Int32"))?,
            ),
            FieldType::Int64 => Value::Int64(signed(text).ok_or_else(|| fail("an Int64"))?),
            FieldType::HexInt32 => Value::HexInt32(
                number(text)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| fail("a HexInt32"))?,
            ),
            FieldType::HexInt64 => Value::HexInt64(number(text).ok_or_else(|| fail("a HexInt64"))?),
            FieldType::Bool => Value::Bool(match text {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(fail("a Boolean")),
            }),
            FieldType::Guid => Value::Guid(text.parse().map_err(|_| fail("a GUID"))?),
            FieldType::Sid => Value::Sid(text.parse().map_err(|_| fail("a SID"))?),
            FieldType::FileTime => Value::FileTime(
                text.parse::<DateTime<Utc>>()
                    .map_err(|_| fail("an RFC 3339 time"))?,
            ),
            FieldType::SystemTime => Value::SystemTime(
                text.parse::<DateTime<Utc>>()
                    .map_err(|_| fail("an RFC 3339 time"))?,
            ),
            FieldType::Binary => Value::Binary(parse_hex(text)?),
        })
    }
}

/// One field of an event: `Name:type` or `Name:type=default` in the definitions file (the
/// name may contain spaces: `Threat Name:string`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// The `Data Name` or `UserData` child element name.
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// The value used when a recipe gives none.
    pub default: Option<String>,
}

impl FromStr for FieldDef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (head, default) = match text.split_once('=') {
            Some((head, default)) => (head, Some(default.to_owned())),
            None => (text, None),
        };
        let (name, ty) = head
            .rsplit_once(':')
            .ok_or_else(|| format!("field {text:?} is not Name:type[=default]"))?;
        if name.is_empty() {
            return Err(format!("field {text:?} has no name"));
        }
        Ok(FieldDef {
            name: name.to_owned(),
            ty: ty.parse()?,
            default,
        })
    }
}

impl<'de> Deserialize<'de> for FieldDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

fn hex_u64_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let text: Option<String> = Option::deserialize(deserializer)?;
    text.map(|t| {
        number(&t).ok_or_else(|| serde::de::Error::custom(format!("{t:?} is not a number")))
    })
    .transpose()
}

/// A provider: what every event of it shares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderDef {
    /// Short key recipes use (`rdpcorets`).
    pub key: String,
    /// `Provider/@Name`.
    pub name: String,
    /// `Provider/@Guid`.
    #[serde(default)]
    pub guid: Option<Guid>,
    /// `Provider/@EventSourceName`.
    #[serde(default)]
    pub source: Option<String>,
    /// The channel it logs to.
    pub channel: String,
    /// The System layout (default: classic with an event source, else manifest).
    #[serde(default)]
    pub layout: Option<SystemLayout>,
    /// `Keywords`.
    #[serde(default, deserialize_with = "hex_u64_opt")]
    pub keywords: Option<u64>,
    /// `EventID/@Qualifiers`.
    #[serde(default)]
    pub qualifiers: Option<u16>,
    /// The process whose id is in `Execution` (`lsass`, `termservice`, … per host; `system`
    /// is 4, `zero` is 0/0 as classic sources log it).
    #[serde(default = "default_process")]
    pub process: String,
    /// `Security/@UserID`: a SID or a placeholder such as `{user_sid}`; none when absent.
    #[serde(default)]
    pub user: Option<String>,
    /// The ActivityID its events carry.
    #[serde(default)]
    pub activity: Activity,
}

fn default_process() -> String {
    "zero".to_owned()
}

fn default_level() -> u8 {
    4
}

/// One event of a provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDef {
    /// Key recipes use (`rdpcorets.131`, `security.4624.v2`).
    pub key: String,
    /// The provider's key.
    pub provider: String,
    /// `EventID`.
    pub id: u16,
    /// `Version` (absent in the Windows 7 layout).
    #[serde(default)]
    pub version: u8,
    /// `Level`.
    #[serde(default = "default_level")]
    pub level: u8,
    /// `Task`.
    #[serde(default)]
    pub task: u16,
    /// `Opcode`.
    #[serde(default)]
    pub opcode: u8,
    /// `Keywords`, when not the provider's.
    #[serde(default, deserialize_with = "hex_u64_opt")]
    pub keywords: Option<u64>,
    /// `Qualifiers`, when not the provider's.
    #[serde(default)]
    pub qualifiers: Option<u16>,
    /// ActivityID, when not the provider's.
    #[serde(default)]
    pub activity: Option<Activity>,
    /// `Security/@UserID`, when not the provider's (`none` for no UserID).
    #[serde(default)]
    pub user: Option<String>,
    /// Logging process, when not the provider's.
    #[serde(default)]
    pub process: Option<String>,
    /// Payload form.
    pub payload: PayloadKind,
    /// Fields in order (named EventData, UserData children).
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    /// UserData root element name.
    #[serde(default)]
    pub root: Option<String>,
    /// `xmlns` of the UserData root.
    #[serde(default)]
    pub xmlns: Option<String>,
    /// Short message, `%1…` being the fields (or insertion strings) in order.
    #[serde(default)]
    pub message: Option<String>,
    /// `Task` name shown in exports.
    #[serde(default)]
    pub task_name: Option<String>,
}

/// Why the definitions cannot be loaded or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefError {
    /// The file is not valid TOML of this shape.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong, with its location.
        message: String,
    },
    /// Two definitions with the same key.
    #[error("{what} {key:?} is defined twice")]
    Duplicate {
        /// `provider` or `event`.
        what: &'static str,
        /// The key.
        key: String,
    },
    /// An event of a provider that is not defined.
    #[error("event {event:?} names provider {provider:?}, which is not defined")]
    NoProvider {
        /// The event's key.
        event: String,
        /// The provider key.
        provider: String,
    },
    /// An event key no definition has.
    #[error("no event is defined as {0:?}")]
    NoEvent(String),
    /// A value that does not fit its field, or a field the event does not have.
    #[error("{event}: {message}")]
    Value {
        /// The event's key.
        event: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefinitionsFile {
    #[serde(default)]
    provider: Vec<ProviderDef>,
    #[serde(default)]
    event: Vec<EventDef>,
}

/// Every provider and event definition, by key.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    providers: BTreeMap<String, ProviderDef>,
    events: BTreeMap<String, EventDef>,
}

/// The System values that come from the host and the moment, not from the definition.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    /// `Computer`.
    pub computer: &'a str,
    /// `TimeCreated`.
    pub time: DateTime<Utc>,
    /// `Correlation/@ActivityID`.
    pub activity_id: Option<Guid>,
    /// `Execution` process and thread.
    pub execution: Option<(u32, u32)>,
    /// `Security/@UserID`.
    pub user_id: Option<Sid>,
    /// The System layout, when the host logs this provider differently (Windows 7).
    pub layout: Option<SystemLayout>,
}

/// What a recipe step gives for the payload, as rendered text.
#[derive(Debug, Clone, Default)]
pub struct PayloadText {
    /// Field values by name.
    pub values: BTreeMap<String, String>,
    /// Insertion strings of a classic event.
    pub data: Vec<String>,
    /// Binary data.
    pub binary: Option<Vec<u8>>,
    /// An inline `UserData` tree.
    pub tree: Option<Element>,
}

impl Definitions {
    /// Definitions read from the TOML text of one or more files (`(name, text)`).
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, DefError> {
        let mut defs = Definitions::default();
        for (file, text) in sources {
            let parsed: DefinitionsFile = toml::from_str(text).map_err(|e| DefError::Parse {
                file: file.to_owned(),
                message: e.to_string(),
            })?;
            for provider in parsed.provider {
                if defs.providers.contains_key(&provider.key) {
                    return Err(DefError::Duplicate {
                        what: "provider",
                        key: provider.key,
                    });
                }
                defs.providers.insert(provider.key.clone(), provider);
            }
            for event in parsed.event {
                if defs.events.contains_key(&event.key) {
                    return Err(DefError::Duplicate {
                        what: "event",
                        key: event.key,
                    });
                }
                defs.events.insert(event.key.clone(), event);
            }
        }
        for event in defs.events.values() {
            if !defs.providers.contains_key(&event.provider) {
                return Err(DefError::NoProvider {
                    event: event.key.clone(),
                    provider: event.provider.clone(),
                });
            }
        }
        Ok(defs)
    }

    /// The event defined as `key`.
    pub fn event(&self, key: &str) -> Result<&EventDef, DefError> {
        self.events
            .get(key)
            .ok_or_else(|| DefError::NoEvent(key.to_owned()))
    }

    /// The provider of `event`.
    pub fn provider_of(&self, event: &EventDef) -> Result<&ProviderDef, DefError> {
        self.providers
            .get(&event.provider)
            .ok_or_else(|| DefError::NoProvider {
                event: event.key.clone(),
                provider: event.provider.clone(),
            })
    }

    /// Every event definition, by key.
    pub fn events(&self) -> impl Iterator<Item = &EventDef> {
        self.events.values()
    }
}

impl EventDef {
    /// The channel of the event.
    pub fn channel<'a>(&self, provider: &'a ProviderDef) -> &'a str {
        &provider.channel
    }

    /// Which ActivityID the event carries.
    pub fn activity(&self, provider: &ProviderDef) -> Activity {
        self.activity.unwrap_or(provider.activity)
    }

    /// The process role whose id the event carries.
    pub fn process<'a>(&'a self, provider: &'a ProviderDef) -> &'a str {
        self.process.as_deref().unwrap_or(&provider.process)
    }

    /// The `Security/@UserID` template (`None` for none).
    pub fn user<'a>(&'a self, provider: &'a ProviderDef) -> Option<&'a str> {
        match self.user.as_deref() {
            Some("none") => None,
            Some(user) => Some(user),
            None => provider.user.as_deref(),
        }
    }

    fn error(&self, message: impl Into<String>) -> DefError {
        DefError::Value {
            event: self.key.clone(),
            message: message.into(),
        }
    }

    /// The typed fields of the event from their text (defaults fill the gaps).
    fn typed_fields(
        &self,
        values: &BTreeMap<String, String>,
    ) -> Result<Vec<(String, Value)>, DefError> {
        if let Some(unknown) = values
            .keys()
            .find(|name| !self.fields.iter().any(|f| &f.name == *name))
        {
            return Err(self.error(format!("it has no field {unknown:?}")));
        }
        self.fields
            .iter()
            .map(|field| {
                let text = values
                    .get(&field.name)
                    .or(field.default.as_ref())
                    .ok_or_else(|| self.error(format!("no value for field {:?}", field.name)))?;
                let value = field
                    .ty
                    .parse(text)
                    .map_err(|e| self.error(format!("field {:?}: {e}", field.name)))?;
                Ok((field.name.clone(), value))
            })
            .collect()
    }

    /// The record for this event, with `record_id` 0 (the writer's caller numbers records).
    pub fn record(
        &self,
        provider: &ProviderDef,
        placement: &Placement<'_>,
        payload: PayloadText,
    ) -> Result<EventRecord, DefError> {
        let mut record = EventRecord::new(
            provider.name.clone(),
            self.id,
            provider.channel.clone(),
            placement.computer,
            placement.time,
            0,
        );
        record.provider_guid = provider.guid;
        record.event_source_name = provider.source.clone();
        record.qualifiers = self.qualifiers.or(provider.qualifiers);
        record.version = Some(self.version);
        record.level = Some(self.level);
        record.task = Some(self.task);
        record.opcode = Some(self.opcode);
        record.keywords = self.keywords.or(provider.keywords);
        record.activity_id = placement.activity_id;
        record.process_id = placement.execution.map(|(p, _)| p);
        record.thread_id = placement.execution.map(|(_, t)| t);
        record.user_id = placement.user_id.clone();
        record.layout = placement.layout.or(provider.layout);
        if record.layout == Some(SystemLayout::Legacy) {
            record.version = None;
            record.opcode = None;
            record.activity_id = None;
            record.process_id = None;
            record.thread_id = None;
        }
        record.payload = match self.payload {
            // Windows writes an empty `<EventData/>` for events without fields (evtx renders
            // it as `null`, as in the real RdpCoreTS 102, LSM 54 and LsaSrv 6038 records).
            PayloadKind::None => Payload::EventData {
                data: Vec::new(),
                binary: payload.binary,
            },
            PayloadKind::EventData => Payload::EventData {
                data: self
                    .typed_fields(&payload.values)?
                    .into_iter()
                    .map(|(name, value)| NamedValue { name, value })
                    .collect(),
                binary: payload.binary,
            },
            PayloadKind::Classic => {
                if !payload.values.is_empty() {
                    return Err(self.error("a classic event takes `data`, not named values"));
                }
                Payload::Classic {
                    data: payload.data,
                    binary: payload.binary,
                }
            }
            PayloadKind::UserData => {
                let root_name = self
                    .root
                    .clone()
                    .ok_or_else(|| self.error("a user_data event needs `root`"))?;
                let mut root = Element::new(root_name);
                if let Some(xmlns) = &self.xmlns {
                    root = root.attribute("xmlns", xmlns.as_str());
                }
                for (name, value) in self.typed_fields(&payload.values)? {
                    root = root.child(Element::new(name).text(value));
                }
                Payload::UserData {
                    root,
                    form: UserDataForm::Template,
                }
            }
            PayloadKind::Inline => Payload::UserData {
                root: payload
                    .tree
                    .ok_or_else(|| self.error("an inline event needs a `tree`"))?,
                form: UserDataForm::Inline,
            },
            PayloadKind::FirewallLog => {
                return Err(self.error("a firewall log line is not an event record"));
            }
        };
        Ok(record)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
        [[provider]]
        key = "rdpcorets"
        name = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"
        guid = "{1139c61b-b549-4251-8ed3-27250a1edec8}"
        channel = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational"
        keywords = "0x4000000000000000"
        process = "termservice"
        user = "S-1-5-20"
        activity = "connection"

        [[event]]
        key = "rdpcorets.131"
        provider = "rdpcorets"
        id = 131
        task = 4
        opcode = 15
        payload = "event_data"
        fields = ["ConnType:string=TCP", "ClientIP:string"]
        message = "The server accepted a new %1 connection from client %2."
    "#;

    fn placement() -> Placement<'static> {
        Placement {
            computer: "SRV01",
            time: "2024-05-01T10:00:00Z".parse().unwrap(),
            activity_id: None,
            execution: Some((1124, 2048)),
            user_id: Some("S-1-5-20".parse().unwrap()),
            layout: None,
        }
    }

    #[test]
    fn records_from_definitions_are_typed_and_defaulted() {
        let defs = Definitions::from_sources([("events.toml", TEXT)]).unwrap();
        let def = defs.event("rdpcorets.131").unwrap();
        let provider = defs.provider_of(def).unwrap();
        let mut payload = PayloadText::default();
        payload
            .values
            .insert("ClientIP".into(), "10.0.0.5:50123".into());
        let record = def.record(provider, &placement(), payload).unwrap();
        assert_eq!(record.keywords, Some(0x4000_0000_0000_0000));
        assert_eq!((record.task, record.opcode), (Some(4), Some(15)));
        let Payload::EventData { data, .. } = &record.payload else {
            panic!("{:?}", record.payload)
        };
        assert_eq!(data[0], NamedValue::new("ConnType", "TCP"));
        assert_eq!(data[1], NamedValue::new("ClientIP", "10.0.0.5:50123"));
    }

    #[test]
    fn mistakes_are_named() {
        let defs = Definitions::from_sources([("events.toml", TEXT)]).unwrap();
        let def = defs.event("rdpcorets.131").unwrap();
        let provider = defs.provider_of(def).unwrap();
        let mut payload = PayloadText::default();
        payload.values.insert("ClientIp".into(), "x".into());
        let err = def.record(provider, &placement(), payload).unwrap_err();
        assert!(err.to_string().contains("no field \"ClientIp\""), "{err}");
        assert!(matches!(
            defs.event("rdpcorets.999"),
            Err(DefError::NoEvent(_))
        ));
        let doubled = format!("{TEXT}\n{}", &TEXT[TEXT.find("[[event]]").unwrap()..]);
        assert!(matches!(
            Definitions::from_sources([("events.toml", doubled.as_str())]),
            Err(DefError::Duplicate { what: "event", .. })
        ));
    }

    #[test]
    fn field_types_parse_recipe_text() {
        assert_eq!(
            FieldType::HexInt32.parse("0xc000006d"),
            Ok(Value::HexInt32(0xc000_006d))
        );
        assert_eq!(FieldType::UInt32.parse("2308"), Ok(Value::UInt32(2308)));
        assert_eq!(FieldType::String.parse(NULL_TEXT), Ok(Value::Null));
        assert!(FieldType::UInt8.parse("300").is_err());
        assert_eq!(FieldType::Int32.parse("-5"), Ok(Value::Int32(-5)));
        let field: FieldDef = "Threat Name:string=x".parse().unwrap();
        assert_eq!(field.name, "Threat Name");
        assert_eq!(field.default.as_deref(), Some("x"));
        assert!("NoType".parse::<FieldDef>().is_err());
    }
}
