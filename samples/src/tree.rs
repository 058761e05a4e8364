//! `UserData` trees written in recipes as XML text (CAPI2 events): elements, double- or
//! single-quoted attributes, text and the five predefined entities — the subset event data
//! uses. Whitespace-only text between elements is layout and dropped.

use crate::record::Element;
use crate::value::Value;

/// Why a tree's text cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tree XML at byte {at}: {message}")]
pub struct TreeError {
    /// Byte offset of the problem.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

impl<'a> Reader<'a> {
    fn error(&self, message: impl Into<String>) -> TreeError {
        TreeError {
            at: self.pos,
            message: message.into(),
        }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Result<String, TreeError> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(_, c)| !is_name_char(*c))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        self.pos += len;
        Ok(rest[..len].to_owned())
    }

    fn unescape(&self, raw: &str, at: usize) -> Result<String, TreeError> {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let end = tail.find(';').ok_or_else(|| TreeError {
                at: at + (raw.len() - rest.len()) + i,
                message: "an entity without ';'".into(),
            })?;
            out.push(match &tail[..=end] {
                "&amp;" => '&',
                "&lt;" => '<',
                "&gt;" => '>',
                "&quot;" => '"',
                "&apos;" => '\'',
                other => {
                    return Err(TreeError {
                        at: at + (raw.len() - rest.len()) + i,
                        message: format!("unknown entity {other}"),
                    });
                }
            });
            rest = &tail[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn element(&mut self) -> Result<Element, TreeError> {
        if !self.eat("<") {
            return Err(self.error("expected '<'"));
        }
        let mut element = Element::new(self.name()?);
        loop {
            self.skip_space();
            if self.eat("/>") {
                return Ok(element);
            }
            if self.eat(">") {
                break;
            }
            let name = self.name()?;
            self.skip_space();
            if !self.eat("=") {
                return Err(self.error(format!("attribute {name} has no '='")));
            }
            self.skip_space();
            let quote = match self.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return Err(self.error("expected a quoted attribute value")),
            };
            self.pos += 1;
            let start = self.pos;
            let len = self
                .rest()
                .find(quote)
                .ok_or_else(|| self.error("unterminated attribute value"))?;
            let raw = &self.text[start..start + len];
            self.pos += len + 1;
            let value = self.unescape(raw, start)?;
            element = element.attribute(name, Value::String(value));
        }
        loop {
            let start = self.pos;
            let len = self
                .rest()
                .find('<')
                .ok_or_else(|| self.error(format!("element {} is not closed", element.name)))?;
            let raw = &self.text[start..start + len];
            self.pos += len;
            if !raw.trim().is_empty() {
                let text = self.unescape(raw.trim(), start)?;
                element.text = Some(match element.text.take() {
                    Some(Value::String(before)) => Value::String(before + &text),
                    _ => Value::String(text),
                });
            }
            if self.eat("</") {
                let name = self.name()?;
                if name != element.name {
                    return Err(self.error(format!("</{name}> closes <{}>", element.name)));
                }
                self.skip_space();
                if !self.eat(">") {
                    return Err(self.error("expected '>'"));
                }
                return Ok(element);
            }
            let child = self.element()?;
            element.children.push(child);
        }
    }
}

/// The element tree of `text` (one root element).
pub fn parse_tree(text: &str) -> Result<Element, TreeError> {
    let mut reader = Reader { text, pos: 0 };
    reader.skip_space();
    let root = reader.element()?;
    reader.skip_space();
    if !reader.rest().is_empty() {
        return Err(reader.error("text after the root element"));
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_read_with_attributes_text_and_entities() {
        let tree = parse_tree(
            r#"<CertVerifyCertificateChainPolicy>
                 <Policy type="CERT_CHAIN_POLICY_SSL" constant='4'/>
                 <Certificate fileRef="AB.cer" subjectName="rdgw &amp; co"/>
                 <Result value="800B010F">The certificate&apos;s CN name does not match</Result>
               </CertVerifyCertificateChainPolicy>"#,
        )
        .unwrap();
        assert_eq!(tree.name, "CertVerifyCertificateChainPolicy");
        assert_eq!(tree.children.len(), 3);
        assert_eq!(
            tree.children[1].attributes[1].value,
            Value::from("rdgw & co")
        );
        assert_eq!(
            tree.children[2].text,
            Some(Value::from("The certificate's CN name does not match"))
        );
    }

    #[test]
    fn mistakes_are_located() {
        assert!(parse_tree("<A><B></A>").is_err());
        assert!(parse_tree("<A x=1/>").is_err());
        assert!(parse_tree("<A>&bogus;</A>").is_err());
        assert!(parse_tree("<A/><B/>").is_err());
        let err = parse_tree("<A>").unwrap_err();
        assert_eq!(err.at, 3);
    }
}
