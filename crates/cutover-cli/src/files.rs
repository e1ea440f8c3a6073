//! Private, crash-safe file writes for everything the tool stores: plans,
//! snapshots, backups, journals and secret files.
//!
//! Every file is written to a temporary file in the target's own folder, with
//! mode 0600 from the start, flushed to disk, then renamed into place. So a
//! reader never sees half a file, and a crash leaves either the old file or
//! the new one. The temporary file is removed on every error path (it is deleted
//! when its handle drops). Folders the tool creates get mode 0700.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Mode of every file the tool creates.
#[cfg(unix)]
pub const FILE_MODE: u32 = 0o600;
/// Mode of every folder the tool creates.
#[cfg(unix)]
pub const DIR_MODE: u32 = 0o700;

/// Size limit of a plan file (`--plan`). A plan holds the metadata XML and
/// the IdP user list, each capped well below this.
pub const MAX_PLAN_BYTES: u64 = 64 * 1024 * 1024;
/// Size limit of a backup file (`rollback --backup`).
pub const MAX_BACKUP_BYTES: u64 = 64 * 1024 * 1024;
/// Size limit of an IdP user list (`--idp-users`), about a million addresses.
pub const MAX_IDP_USERS_BYTES: u64 = 64 * 1024 * 1024;

/// An error writing or reading a file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file must be new, and the path is taken.
    #[error("`{}` already exists and is never replaced; choose a path that does not exist", .path.display())]
    AlreadyExists {
        /// The path that exists.
        path: PathBuf,
    },
    /// The file is larger than the tool reads for its kind. The message names
    /// no fix, so the caller adds the one that fits the flag.
    #[error(
        "`{}` is larger than the {} size limit for {what}",
        .path.display(),
        format_size(*.limit)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What the file should be, such as "a plan file".
        what: &'static str,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("`{}` is not UTF-8 text; check that the path names {what}", .path.display())]
    NotText {
        /// The file.
        path: PathBuf,
        /// What the file should be, such as "a plan file".
        what: &'static str,
    },
    /// A backup folder path names something that is not a folder.
    #[error("`{}` is a file, not a folder; pass a folder for --backup-dir", .path.display())]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// An I/O call failed.
    #[error("could not {action} `{}`: {source}", .path.display())]
    Io {
        /// The action that failed, such as "create the folder".
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

impl FileError {
    fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        Self::Io { action, path: path.to_path_buf(), source }
    }
}

/// Creates `dir` and any missing parents with mode 0700. An existing folder is
/// left as it is, and an existing file at that path is an error.
pub fn create_private_dir(dir: &Path) -> Result<(), FileError> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => return Err(FileError::NotAFolder { path: dir.to_path_buf() }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(FileError::io("inspect the folder", dir, error)),
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir).map_err(|error| FileError::io("create the folder", dir, error))?;
    // The umask can only narrow the mode given above; setting it again makes
    // the folder 0700 exactly, whatever the umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
            .map_err(|error| FileError::io("set the mode of the folder", dir, error))?;
    }
    Ok(())
}

/// Rejects a backup folder path at which something other than a folder
/// exists. A missing path is fine, because the folder is created on first use.
pub fn reject_non_folder(dir: &Path) -> Result<(), FileError> {
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(FileError::NotAFolder { path: dir.to_path_buf() }),
        _ => Ok(()),
    }
}

/// Writes `contents` to `path`, replacing an existing file atomically. The new
/// file has mode 0600.
pub fn write_replacing(path: &Path, contents: &[u8]) -> Result<(), FileError> {
    let temp = write_temp(path, contents)?;
    temp.persist(path).map_err(|error| FileError::io("rename into place", path, error.error))?;
    sync_parent(path)
}

/// Writes `contents` to `path`, which must not exist yet: an existing file,
/// even one created by a concurrent process a moment earlier, is never
/// replaced. The new file has mode 0600.
pub fn write_new(path: &Path, contents: &[u8]) -> Result<(), FileError> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(FileError::AlreadyExists { path: path.to_path_buf() });
    }
    let temp = write_temp(path, contents)?;
    // `persist_noclobber` links the temporary file to its final name, which
    // fails when the name is taken, then removes the temporary name.
    match temp.persist_noclobber(path) {
        Ok(_) => sync_parent(path),
        Err(error) if error.error.kind() == io::ErrorKind::AlreadyExists => {
            Err(FileError::AlreadyExists { path: path.to_path_buf() })
        }
        Err(error) => Err(FileError::io("rename into place", path, error.error)),
    }
}

/// Removes `path`. A file that is already gone is not an error.
pub fn remove_file(path: &Path) -> Result<(), FileError> {
    match fs::remove_file(path) {
        Ok(()) => sync_parent(path),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(FileError::io("remove", path, error)),
    }
}

/// Reads a whole file as UTF-8.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    fs::read_to_string(path).map_err(|error| FileError::io("read", path, error))
}

/// Reads a whole file of at most `limit` bytes. `what` names the kind of file
/// in the error, such as "a plan file". Reading stops one byte past the
/// limit, so a device such as `/dev/zero` or a huge file costs at most
/// `limit` bytes of memory.
pub fn read_capped(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let file = File::open(path).map_err(|error| FileError::io("read", path, error))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| FileError::io("read", path, error))?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge { path: path.to_path_buf(), what, limit });
    }
    Ok(bytes)
}

/// Reads a whole UTF-8 file of at most `limit` bytes, as [`read_capped`]
/// does.
pub fn read_text_capped(path: &Path, limit: u64, what: &'static str) -> Result<String, FileError> {
    let bytes = read_capped(path, limit, what)?;
    String::from_utf8(bytes).map_err(|_| FileError::NotText { path: path.to_path_buf(), what })
}

/// Formats a byte count for people, such as `11.5 MiB (12,058,624 bytes)`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut digits = bytes.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    grouped = format!("{digits}{grouped}");
    if bytes < 1024 {
        return format!("{grouped} bytes");
    }
    #[expect(clippy::cast_precision_loss, reason = "one decimal is shown")]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    let number = format!("{value:.1}");
    let number = number.strip_suffix(".0").unwrap_or(&number);
    format!("{number} {unit} ({grouped} bytes)")
}

/// Returns `path` made absolute against the current folder, without resolving
/// symbolic links.
pub fn absolute(path: &Path) -> Result<PathBuf, FileError> {
    std::path::absolute(path).map_err(|error| FileError::io("resolve the path", path, error))
}

/// Tells whether anything (file, folder or symbolic link, even a dangling
/// one) exists at `path`.
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Writes `contents` to a new 0600 temporary file beside `path` and flushes it
/// to disk. Dropping the returned handle deletes the file.
fn write_temp(path: &Path, contents: &[u8]) -> Result<tempfile::NamedTempFile, FileError> {
    let dir = parent_of(path);
    let prefix = format!(
        ".{}.",
        path.file_name().map_or_else(|| "sso-cutover".into(), |name| name.to_string_lossy())
    );
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(FILE_MODE));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(|error| FileError::io("create a temporary file in", dir, error))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|error| FileError::io("write a temporary file for", path, error))?;
    Ok(temp)
}

/// Flushes the folder entry of `path`, so that a rename survives a crash.
fn sync_parent(path: &Path) -> Result<(), FileError> {
    #[cfg(unix)]
    {
        let dir = parent_of(path);
        File::open(dir)
            .and_then(|handle| handle.sync_all())
            .map_err(|error| FileError::io("flush the folder of", path, error))?;
    }
    #[cfg(not(unix))]
    let _ = (path, File::open);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn new_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        write_new(&path, b"{}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(names_in(dir.path()), vec!["plan.json".to_owned()]);
    }

    #[test]
    fn new_file_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        fs::write(&path, b"old").unwrap();
        let error = write_new(&path, b"new").unwrap_err();
        assert!(matches!(error, FileError::AlreadyExists { .. }), "{error}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(names_in(dir.path()), vec!["secret".to_owned()], "no temporary file left");
    }

    #[test]
    fn new_file_refuses_dangling_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &path).unwrap();
        let error = write_new(&path, b"x").unwrap_err();
        assert!(matches!(error, FileError::AlreadyExists { .. }), "{error}");
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn replacing_write_swaps_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        fs::write(&path, b"one").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_replacing(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(names_in(dir.path()), vec!["journal".to_owned()]);
    }

    #[test]
    fn failed_write_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder at the target path makes the final rename fail after the
        // temporary file was written.
        let path = dir.path().join("taken");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"x").unwrap();
        let error = write_replacing(&path, b"data").unwrap_err();
        assert!(matches!(error, FileError::Io { .. }), "{error}");
        assert_eq!(names_in(dir.path()), vec!["taken".to_owned()]);
    }

    #[test]
    fn private_dir_created_0700() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a").join("backups");
        create_private_dir(&nested).unwrap();
        assert!(nested.is_dir());
        assert_eq!(mode(&nested), 0o700);
    }

    #[test]
    fn private_dir_keeps_existing_mode() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("shared");
        fs::create_dir(&existing).unwrap();
        fs::set_permissions(&existing, fs::Permissions::from_mode(0o750)).unwrap();
        create_private_dir(&existing).unwrap();
        assert_eq!(mode(&existing), 0o750);
    }

    #[test]
    fn private_dir_rejects_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, b"x").unwrap();
        let error = create_private_dir(&file).unwrap_err();
        assert!(matches!(error, FileError::NotAFolder { .. }), "{error}");
        assert!(error.to_string().contains("is a file, not a folder"), "{error}");
        assert!(matches!(reject_non_folder(&file), Err(FileError::NotAFolder { .. })));
        assert!(reject_non_folder(dir.path()).is_ok());
        assert!(reject_non_folder(&dir.path().join("missing")).is_ok());
    }

    #[test]
    fn capped_read_stops_at_limit() {
        let error = read_capped(Path::new("/dev/zero"), 4096, "a plan file").unwrap_err();
        assert!(matches!(error, FileError::TooLarge { limit: 4096, .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains("`/dev/zero`"), "{message}");
        assert!(message.contains("4 KiB (4,096 bytes)"), "{message}");
        assert!(message.contains("a plan file"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn capped_read_accepts_file_at_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.txt");
        fs::write(&path, b"abcd").unwrap();
        assert_eq!(read_capped(&path, 4, "a list").unwrap(), b"abcd");
        assert!(matches!(read_capped(&path, 3, "a list"), Err(FileError::TooLarge { .. })));
    }

    #[test]
    fn capped_text_rejects_binary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        let error = read_text_capped(&path, 64, "a plan file").unwrap_err();
        assert!(matches!(error, FileError::NotText { .. }), "{error}");
    }

    #[test]
    fn sizes_read_for_people() {
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(1023), "1,023 bytes");
        assert_eq!(format_size(12_058_624), "11.5 MiB (12,058,624 bytes)");
        assert_eq!(format_size(64 * 1024 * 1024), "64 MiB (67,108,864 bytes)");
        assert_eq!(format_size(512 * 1024 * 1024), "512 MiB (536,870,912 bytes)");
        assert_eq!(format_size(3 * 1024 * 1024 * 1024), "3 GiB (3,221,225,472 bytes)");
    }

    #[test]
    fn remove_missing_file_ok() {
        let dir = tempfile::tempdir().unwrap();
        remove_file(&dir.path().join("gone")).unwrap();
    }
}
