//! A pass over the raw text that limits namespace declarations before
//! roxmltree builds a tree.
//!
//! roxmltree (0.21) gives every element that declares a namespace its own
//! copy of all the declarations in scope, and looks each prefix up by a
//! linear search of that copy. A document that declares thousands of
//! namespaces on one element and then one more on each of many small child
//! elements therefore costs memory and time that grow with the product of the
//! two counts: a 1.3 MB file of that shape kept the parser busy for minutes.
//! Real metadata declares a dozen namespaces or fewer in any scope, so the
//! limits here reject only documents built to exhaust the parser.

use std::collections::{HashMap, HashSet};

use crate::{MAX_NAMESPACE_DECLARATIONS, MAX_NAMESPACES_IN_SCOPE, MetadataError};

/// Checks that no element has more than [`MAX_NAMESPACES_IN_SCOPE`]
/// namespace prefixes in scope (declared on it or on an ancestor; a prefix
/// declared again counts once), and that the document declares at most
/// [`MAX_NAMESPACE_DECLARATIONS`] distinct prefix and URI pairs.
///
/// Only start and end tags are read; comments, CDATA sections, processing
/// instructions and declarations are skipped. Markup that is not
/// well-formed ends the pass without an error, so that the XML parser
/// reports it with its position.
pub(crate) fn check_namespaces(text: &str) -> Result<(), MetadataError> {
    let bytes = text.as_bytes();
    let mut scope = Scope::default();
    let mut distinct: HashSet<(&[u8], &[u8])> = HashSet::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'<') {
        at += offset;
        let rest = &bytes[at..];
        let skip = |open: &[u8], close: &[u8]| -> Option<usize> {
            find(&rest[open.len()..], close).map(|index| open.len() + index + close.len())
        };
        let length = if rest.starts_with(b"<!--") {
            skip(b"<!--", b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip(b"<![CDATA[", b"]]>")
        } else if rest.starts_with(b"<?") {
            skip(b"<?", b"?>")
        } else if rest.starts_with(b"</") {
            scope.close();
            skip(b"<", b">")
        } else if rest.starts_with(b"<!") {
            skip(b"<", b">")
        } else {
            let Some(tag) = read_start_tag(rest) else { return Ok(()) };
            let prefixes: Vec<&[u8]> = tag.declarations.iter().map(|(prefix, _)| *prefix).collect();
            scope.open(prefixes);
            if scope.len() > MAX_NAMESPACES_IN_SCOPE {
                return Err(unreadable(
                    text,
                    at,
                    &format!(
                        "{} namespace prefixes are in scope, over the limit of \
                         {MAX_NAMESPACES_IN_SCOPE}",
                        scope.len()
                    ),
                ));
            }
            distinct.extend(tag.declarations);
            if distinct.len() > MAX_NAMESPACE_DECLARATIONS {
                return Err(unreadable(
                    text,
                    at,
                    &format!(
                        "the document declares more than {MAX_NAMESPACE_DECLARATIONS} distinct \
                         namespaces"
                    ),
                ));
            }
            if tag.self_closing {
                scope.close();
            }
            Some(tag.length)
        };
        match length {
            Some(length) => at += length,
            None => return Ok(()),
        }
    }
    Ok(())
}

/// The namespace prefixes declared by the open elements.
#[derive(Default)]
struct Scope<'a> {
    /// The prefixes each open element declared, outermost first.
    open: Vec<Vec<&'a [u8]>>,
    /// How many open elements declare each prefix.
    declared: HashMap<&'a [u8], usize>,
}

impl<'a> Scope<'a> {
    fn open(&mut self, prefixes: Vec<&'a [u8]>) {
        for prefix in &prefixes {
            *self.declared.entry(prefix).or_insert(0) += 1;
        }
        self.open.push(prefixes);
    }

    fn close(&mut self) {
        for prefix in self.open.pop().unwrap_or_default() {
            if let Some(count) = self.declared.get_mut(prefix) {
                *count -= 1;
                if *count == 0 {
                    self.declared.remove(prefix);
                }
            }
        }
    }

    /// Returns how many distinct prefixes are in scope.
    fn len(&self) -> usize {
        self.declared.len()
    }
}

/// A start tag: its length in bytes, whether it ends with `/>`, and each
/// namespace declaration as (prefix, URI).
struct StartTag<'a> {
    length: usize,
    self_closing: bool,
    declarations: Vec<(&'a [u8], &'a [u8])>,
}

/// Reads the start tag at the beginning of `tag` (which starts with `<`), or
/// returns `None` when it is not well-formed.
fn read_start_tag(tag: &[u8]) -> Option<StartTag<'_>> {
    let mut at = 1 + name_length(&tag[1..]);
    if at == 1 {
        return None;
    }
    let mut declarations = Vec::new();
    loop {
        at += whitespace_length(&tag[at..]);
        match tag.get(at)? {
            b'>' => return Some(StartTag { length: at + 1, self_closing: false, declarations }),
            b'/' if tag.get(at + 1) == Some(&b'>') => {
                return Some(StartTag { length: at + 2, self_closing: true, declarations });
            }
            _ => {}
        }
        let name_start = at;
        at += name_length(&tag[at..]);
        let name = &tag[name_start..at];
        if name.is_empty() {
            return None;
        }
        at += whitespace_length(&tag[at..]);
        if tag.get(at) != Some(&b'=') {
            return None;
        }
        at += 1;
        at += whitespace_length(&tag[at..]);
        let quote = *tag.get(at).filter(|&&b| b == b'"' || b == b'\'')?;
        let value_start = at + 1;
        let value_length = tag[value_start..].iter().position(|&b| b == quote)?;
        at = value_start + value_length + 1;
        if name == b"xmlns" {
            declarations.push((&b""[..], &tag[value_start..value_start + value_length]));
        } else if let Some(prefix) = name.strip_prefix(b"xmlns:") {
            declarations.push((prefix, &tag[value_start..value_start + value_length]));
        }
    }
}

/// Returns the length of the name at the start of `bytes`: everything up to
/// whitespace, `=`, `/`, `>` or `<`.
fn name_length(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b'=' | b'/' | b'>' | b'<'))
        .unwrap_or(bytes.len())
}

fn whitespace_length(bytes: &[u8]) -> usize {
    bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Builds the error for the tag at byte `at`, naming its line.
fn unreadable(text: &str, at: usize, what: &str) -> MetadataError {
    let line = text[..at].matches('\n').count() + 1;
    MetadataError::Unreadable { reason: format!("{what} (at line {line})") }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn declarations(count: usize, prefix: &str) -> String {
        let mut text = String::new();
        for i in 0..count {
            let _ = write!(text, " xmlns:{prefix}{i}=\"urn:x:{prefix}{i}\"");
        }
        text
    }

    #[test]
    fn real_shapes_pass() {
        let text = r#"<?xml version="1.0"?><!-- <a xmlns:z="q"> -->
            <md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">
              <md:EntityDescriptor xmlns:ds='http://www.w3.org/2000/09/xmldsig#' entityID="e">
                <x a = "1>2" xmlns="urn:default"/><![CDATA[<y xmlns:q="r">]]>
              </md:EntityDescriptor>
            </md:EntitiesDescriptor>"#;
        assert!(check_namespaces(text).is_ok());
    }

    #[test]
    fn scope_limit_counts_ancestors() {
        let half = MAX_NAMESPACES_IN_SCOPE / 2;
        let at_limit = format!(
            "<a{}><b{}/></a>",
            declarations(half, "p"),
            declarations(MAX_NAMESPACES_IN_SCOPE - half, "q")
        );
        assert!(check_namespaces(&at_limit).is_ok());
        let over = format!(
            "<a{}>\n<b{}/></a>",
            declarations(half, "p"),
            declarations(MAX_NAMESPACES_IN_SCOPE - half + 1, "q")
        );
        let error = check_namespaces(&over).unwrap_err().to_string();
        assert!(error.contains("65 namespace prefixes are in scope"), "{error}");
        assert!(error.contains("line 2"), "{error}");
    }

    #[test]
    fn redeclared_prefix_counts_once() {
        let depth = MAX_NAMESPACES_IN_SCOPE * 2;
        let text = format!("{}{}", "<x:n xmlns:x=\"urn:x\">".repeat(depth), "</x:n>".repeat(depth));
        assert!(check_namespaces(&text).is_ok());
    }

    #[test]
    fn closed_siblings_leave_scope() {
        let sibling = format!("<b{}/>", declarations(MAX_NAMESPACES_IN_SCOPE - 1, "p"));
        let text = format!("<a xmlns:r=\"urn:r\">{}</a>", sibling.repeat(3));
        assert!(check_namespaces(&text).is_ok(), "siblings do not add up");
    }

    #[test]
    fn distinct_limit_counts_pairs() {
        let groups = MAX_NAMESPACE_DECLARATIONS / 32 + 1;
        let mut text = String::from("<a>");
        for group in 0..groups {
            let _ = write!(text, "<b{}/>", declarations(32, &format!("g{group}x")));
        }
        text.push_str("</a>");
        let error = check_namespaces(&text).unwrap_err().to_string();
        assert!(error.contains("distinct namespaces"), "{error}");
        let repeated = format!("<a>{}</a>", format!("<b{}/>", declarations(32, "p")).repeat(200));
        assert!(check_namespaces(&repeated).is_ok(), "repeats of one pair count once");
    }

    #[test]
    fn malformed_markup_is_left_to_parser() {
        for text in ["<a xmlns:p=\"unterminated>", "<a b>", "<>", "<a", "<!-- open"] {
            assert!(check_namespaces(text).is_ok(), "{text}");
        }
    }
}
