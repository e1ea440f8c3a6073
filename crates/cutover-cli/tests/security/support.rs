//! Shared setup: the binary in a clean environment, an org whose secrets are
//! canaries, a simulator on its own runtime, small loopback HTTP servers, and
//! the scanner that searches bytes for every canary.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use assert_cmd::Command;

/// The sample org's tool client.
pub(crate) const ADMIN_CLIENT: &str = "9c8b7a6d-0001-4f3e-8d2c-1b0a9f8e7d6c";
/// The sample org's first break-glass client.
pub(crate) const PRIMARY_CLIENT: &str = "9c8b7a6d-0002-4f3e-8d2c-1b0a9f8e7d6c";
/// The sample org's second break-glass client.
pub(crate) const SECONDARY_CLIENT: &str = "9c8b7a6d-0003-4f3e-8d2c-1b0a9f8e7d6c";
/// The sample org's active client-credentials client without any
/// identity-provider or org read rights.
pub(crate) const ANALYTICS_CLIENT: &str = "9c8b7a6d-0008-4f3e-8d2c-1b0a9f8e7d6c";

/// Returns the path of a file of the workspace's `examples` folder.
pub(crate) fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

/// Returns a path as a `String` argument.
pub(crate) fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// The binary with an environment that selects nothing by accident: no
/// credential, region, org-file or proxy variables, and no colours.
pub(crate) fn sso_cutover() -> Command {
    let mut command = Command::cargo_bin("sso-cutover").expect("the binary is built");
    clean_environment(&mut command);
    command
}

/// Removes the variables that would select a backend, credentials, a proxy or
/// other certificate roots, and turns colours off.
pub(crate) fn clean_environment(command: &mut Command) {
    for name in [
        "SSO_CUTOVER_ORG_FILE",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYS_CLIENT_ID",
        "GENESYS_CLIENT_SECRET",
        "CLICOLOR_FORCE",
        "RUST_LOG",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        command.env_remove(name);
    }
    command.env("NO_COLOR", "1");
}

/// The output of a finished run.
pub(crate) struct Run {
    /// What was run, for messages.
    pub(crate) label: String,
    /// The exit code.
    pub(crate) code: i32,
    /// Standard output, as bytes.
    pub(crate) stdout: Vec<u8>,
    /// Standard error, as bytes.
    pub(crate) stderr: Vec<u8>,
}

impl Run {
    /// Returns standard output as text.
    pub(crate) fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Returns standard error as text.
    pub(crate) fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Parses standard output as JSON, failing with both streams when it is not.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "{}: stdout is not JSON ({error}):\n{}\nstderr:\n{}",
                self.label,
                self.stdout_text(),
                self.stderr_text()
            )
        })
    }

    /// Fails unless the exit code is `expected`, showing both streams.
    pub(crate) fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            expected,
            "{}: exit code\nstdout:\n{}\nstderr:\n{}",
            self.label,
            self.stdout_text(),
            self.stderr_text()
        );
        self
    }
}

/// Runs a prepared command and collects its output.
pub(crate) fn run_command(label: &str, command: &mut Command) -> Run {
    let output = command.output().expect("the binary runs");
    Run {
        label: label.to_owned(),
        code: output.status.code().unwrap_or_else(|| {
            panic!(
                "{label}: the binary ended without an exit code ({}); stderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        }),
        stdout: output.stdout,
        stderr: output.stderr,
    }
}

/// Values that must never appear in any output or written file, each with a
/// label that names it in a failure message.
#[derive(Clone, Debug, Default)]
pub(crate) struct Canaries {
    values: Vec<(String, String)>,
}

impl Canaries {
    /// Adds a value to search for.
    pub(crate) fn add(&mut self, label: impl Into<String>, value: impl Into<String>) {
        let value = value.into();
        assert!(value.len() >= 8, "a canary must be long enough not to match by chance");
        self.values.push((label.into(), value));
    }

    /// Adds a client secret, and the `Authorization: Basic` value that
    /// carries it with its client ID.
    pub(crate) fn add_secret(&mut self, client_id: &str, secret: &str) {
        self.add(format!("secret of {client_id}"), secret);
        self.add(
            format!("HTTP Basic credentials of {client_id}"),
            base64(format!("{client_id}:{secret}").as_bytes()),
        );
    }

    /// Returns how many values are searched for.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// Returns the labels of the values found in `bytes`.
    pub(crate) fn found_in(&self, bytes: &[u8]) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(_, value)| contains(bytes, value.as_bytes()))
            .map(|(label, _)| label.as_str())
            .collect()
    }

    /// Fails when `bytes` contains any canary, naming `place` and the canary.
    pub(crate) fn assert_absent(&self, place: &str, bytes: &[u8]) {
        let found = self.found_in(bytes);
        assert!(found.is_empty(), "{place} contains {}", found.join(", "));
    }

    /// Checks both output streams of `run`, and that neither shows an
    /// `Authorization` header.
    pub(crate) fn assert_run_clean(&self, run: &Run) {
        self.assert_absent(&format!("stdout of `{}`", run.label), &run.stdout);
        self.assert_absent(&format!("stderr of `{}`", run.label), &run.stderr);
        for stream in [&run.stdout, &run.stderr] {
            let text = String::from_utf8_lossy(stream).to_lowercase();
            assert!(!text.contains("authorization:"), "`{}` shows a header", run.label);
        }
    }
}

/// Reports whether `needle` occurs in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

/// Encodes bytes as standard base64 with padding, as HTTP Basic does.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Lists every regular file under `dir`, recursively, without following
/// symbolic links.
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("the folder lists") {
            let entry = entry.expect("the entry reads");
            let kind = entry.file_type().expect("the entry has a type");
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// Lists the names under `dir` (recursively) that look like the temporary
/// files of an atomic write: a leading dot and a `.tmp` ending.
pub(crate) fn temporary_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let temporary = Path::new(&name).extension().is_some_and(|ext| ext == "tmp");
            if name.starts_with('.') && temporary {
                found.push(entry.path());
            }
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(entry.path());
            }
        }
    }
    found
}

/// Returns the permission bits of a file or folder.
#[cfg(unix)]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("the path exists").permissions().mode() & 0o777
}

/// Sets the permission bits of a file or folder.
#[cfg(unix)]
pub(crate) fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Writes a file that only its owner can read, as a secret file should be.
pub(crate) fn write_private(path: &Path, contents: &str) {
    std::fs::write(path, contents).expect("write the file");
    #[cfg(unix)]
    set_mode(path, 0o600);
}

/// The secrets of an org copy whose client secrets were replaced by canaries.
pub(crate) struct CanaryOrg {
    /// The org file.
    pub(crate) path: PathBuf,
    /// Each client ID with its secret, in file order.
    pub(crate) secrets: Vec<(String, String)>,
}

impl CanaryOrg {
    /// Copies the sample org to `path`, giving every client that has a secret
    /// a new distinctive one that starts with `tag`.
    pub(crate) fn write(path: &Path, tag: &str) -> Self {
        let text = std::fs::read_to_string(example("sample-org.json")).expect("sample org");
        let mut org: serde_json::Value = serde_json::from_str(&text).expect("sample org is JSON");
        let mut secrets = Vec::new();
        let clients = org["oauthClients"].as_array_mut().expect("the org has clients");
        for (index, client) in clients.iter_mut().enumerate() {
            if client.get("secret").is_none() {
                continue;
            }
            let secret = format!("{tag}-Qz{index}x7KpV3mW9tR2yL");
            client["secret"] = serde_json::Value::String(secret.clone());
            let id = client["id"].as_str().expect("a client has an ID").to_owned();
            secrets.push((id, secret));
        }
        let pretty = serde_json::to_string_pretty(&org).expect("JSON serializes");
        write_private(path, &(pretty + "\n"));
        Self { path: path.to_path_buf(), secrets }
    }

    /// Returns the secret of `client_id`.
    pub(crate) fn secret(&self, client_id: &str) -> &str {
        self.secrets
            .iter()
            .find(|(id, _)| id == client_id)
            .map_or_else(|| panic!("client `{client_id}` has no secret"), |(_, secret)| secret)
    }

    /// Returns canaries for every secret of the org.
    pub(crate) fn canaries(&self) -> Canaries {
        let mut canaries = Canaries::default();
        for (id, secret) in &self.secrets {
            canaries.add_secret(id, secret);
        }
        canaries
    }
}

/// A simulator on its own runtime, so that it keeps serving while the test
/// waits for the binary.
pub(crate) struct Simulator {
    runtime: tokio::runtime::Runtime,
    handle: Option<cutover_sim::SimHandle>,
}

impl Simulator {
    /// Serves the org file at `path`, writing changes back to it.
    pub(crate) fn start(path: &Path) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let org = cutover_sim::SimOrg::load(path).expect("the org file loads");
        let config = cutover_sim::SimConfig::default();
        let handle = runtime.block_on(cutover_sim::start(org, config)).expect("simulator starts");
        Self { runtime, handle: Some(handle) }
    }

    /// Returns the running simulator.
    pub(crate) fn handle(&self) -> &cutover_sim::SimHandle {
        self.handle.as_ref().expect("running")
    }

    /// Returns the base URL of both the login and API paths.
    pub(crate) fn base(&self) -> String {
        self.handle().base_url().to_string()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// One request a [`StubServer`] received: its head and body as bytes.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    /// The request line, such as `GET /path HTTP/1.1`.
    pub(crate) request_line: String,
    /// Everything received on the connection.
    pub(crate) raw: Vec<u8>,
}

/// Builds the response to one request from its request line.
pub(crate) type Responder = dyn Fn(&str) -> String + Send + Sync;

/// A small HTTP/1.1 server on 127.0.0.1. It responds to each request with the
/// text its responder builds, records what it received, and closes the
/// connection after each response.
pub(crate) struct StubServer {
    address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StubServer {
    /// Starts a server that responds with `responder`.
    pub(crate) fn start(responder: Box<Responder>) -> Self {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), responder)
    }

    /// Starts a server that closes each connection without a response: a
    /// target whose connections are counted.
    pub(crate) fn counting() -> Self {
        Self::start(Box::new(|_| String::new()))
    }

    fn start_on(address: SocketAddr, responder: Box<Responder>) -> Self {
        let listener = TcpListener::bind(address).expect("bind on loopback");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let address = listener.local_addr().expect("local address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let received = Arc::clone(&received);
            let connections = Arc::clone(&connections);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::SeqCst);
                            serve_one(stream, responder.as_ref(), &received);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Self { address, received, connections, stop, thread: Some(thread) }
    }

    /// Returns the listening port.
    pub(crate) fn port(&self) -> u16 {
        self.address.port()
    }

    /// Returns `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// Returns how many connections were accepted.
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Returns every request received so far.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request head (and whatever body arrived with it), sends the
/// responder's response and closes the connection. An empty response closes
/// the connection without sending anything.
fn serve_one(mut stream: TcpStream, responder: &Responder, received: &Mutex<Vec<Received>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut raw = Vec::new();
    let mut buffer = [0_u8; 8192];
    while !contains(&raw, b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => raw.extend_from_slice(&buffer[..read]),
        }
    }
    let request_line = String::from_utf8_lossy(&raw).lines().next().unwrap_or_default().to_owned();
    let response = responder(&request_line);
    received.lock().expect("lock").push(Received { request_line, raw });
    if !response.is_empty() {
        let _ = stream.write_all(response.as_bytes());
        let _ = stream.flush();
    }
}

/// Builds an HTTP/1.1 response with a body and `Connection: close`.
pub(crate) fn http_response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        let _ = write!(text, "{name}: {value}\r\n");
    }
    let _ = write!(text, "Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    text
}

/// Builds a redirect to `location`.
pub(crate) fn redirect(status: &str, location: &str) -> String {
    http_response(status, &[("Location", location)], "")
}
