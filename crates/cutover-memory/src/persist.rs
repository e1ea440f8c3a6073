//! Writing a snapshot back: in the layout the file had, atomically, keeping
//! the file mode.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::ser::PrettyFormatter;
use serde_json::{Map, Value};

/// The layout of a JSON file: its indentation and final newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// One level of indentation; `None` for a file on one line.
    indent: Option<String>,
    /// Whether the file ends with a newline.
    trailing_newline: bool,
}

impl Default for Layout {
    /// Two spaces and a final newline.
    fn default() -> Self {
        Self { indent: Some("  ".to_owned()), trailing_newline: true }
    }
}

impl Layout {
    /// Reads the layout from a file's text: the whitespace that starts the
    /// second line is one level of indentation.
    pub(crate) fn detect(text: &str) -> Self {
        let trailing_newline = text.ends_with('\n');
        let body = text.trim();
        let indent = body.find('\n').map(|newline| {
            let unit: String =
                body[newline + 1..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            if unit.is_empty() { "  ".to_owned() } else { unit }
        });
        Self { indent, trailing_newline }
    }

    /// Serializes `doc` in this layout.
    pub(crate) fn render(&self, doc: &Map<String, Value>) -> Vec<u8> {
        let mut out = Vec::new();
        match &self.indent {
            Some(indent) => {
                let formatter = PrettyFormatter::with_indent(indent.as_bytes());
                let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
                doc.serialize(&mut serializer).expect("a JSON map always serializes");
            }
            None => serde_json::to_writer(&mut out, doc).expect("a JSON map always serializes"),
        }
        if self.trailing_newline {
            out.push(b'\n');
        }
        out
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder is
/// written, flushed to disk and renamed over `path`. An existing file's mode
/// is kept; a new file gets mode 0600 because snapshots hold client secrets.
/// A symbolic link at `path` stays a link and its target is replaced.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = resolve_link(path)?;
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target.file_name().map(|name| name.to_string_lossy().into_owned());
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.as_deref().unwrap_or("snapshot")))
        .suffix(".tmp")
        .tempfile_in(&folder)?;
    temporary.write_all(bytes)?;
    if let Ok(metadata) = fs::metadata(&target) {
        temporary.as_file().set_permissions(metadata.permissions())?;
    }
    temporary.as_file().sync_all()?;
    temporary.persist(&target).map_err(|error| error.error)?;
    sync_folder(&folder);
    Ok(())
}

/// Follows a symbolic link at `path` to the file it names.
fn resolve_link(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

/// Flushes the folder entry of the rename to disk, where the platform allows.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Err(error) = fs::File::open(folder).and_then(|dir| dir.sync_all()) {
        tracing::warn!(folder = %folder.display(), %error, "could not flush the folder to disk");
    }
    #[cfg(not(unix))]
    let _ = folder;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn layout_detection_round_trips() {
        let doc = map(json!({"a": [1, {"b": "c"}], "d": {}}));
        for text in [
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"c\"\n    }\n  ],\n  \"d\": {}\n}\n",
            "{\n    \"a\": [\n        1,\n        {\n            \"b\": \"c\"\n        }\n    ],\n    \"d\": {}\n}",
            "{\n\t\"a\": [\n\t\t1,\n\t\t{\n\t\t\t\"b\": \"c\"\n\t\t}\n\t],\n\t\"d\": {}\n}\n",
            "{\"a\":[1,{\"b\":\"c\"}],\"d\":{}}",
        ] {
            let layout = Layout::detect(text);
            assert_eq!(String::from_utf8(layout.render(&doc)).unwrap(), text, "{layout:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_mode_and_link() {
        use std::os::unix::fs::{PermissionsExt, symlink};

        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("org.json");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        let link = folder.path().join("link.json");
        symlink(&file, &link).unwrap();

        write_atomic(&link, b"new").unwrap();

        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o640);
        let leftovers: Vec<_> = fs::read_dir(folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn new_file_is_private() {
        use std::os::unix::fs::PermissionsExt;

        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("new.json");
        write_atomic(&file, b"{}").unwrap();
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
