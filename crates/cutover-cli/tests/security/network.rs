//! Where credentials and metadata requests may go. They use https, or plain
//! http only to a loopback address, and never through a proxy for plain
//! http. A redirect away from those is rejected before any connection to its
//! target, and certificates are verified against the platform's roots.
//!
//! A redirect target that must not be reached is a counting listener on
//! `[::ffff:127.0.0.1]`. The tool's URL rule treats that IPv4-mapped address
//! as a remote host (only 127.0.0.0/8, `::1` and `localhost` are loopback),
//! yet a connection to it would land on this machine's listener, where it is
//! counted. Each test checks that the listener is reachable, so a count of
//! zero means the tool never tried.
//!
//! The TLS tests run `openssl s_server` with certificates made by the
//! `openssl` command and point the tool at their CA through `SSL_CERT_FILE`,
//! which the platform verifier reads on Linux in place of the system store.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::{
    ADMIN_CLIENT, Canaries, CanaryOrg, Simulator, StubServer, arg, contains, example,
    http_response, redirect, run_command, sso_cutover, write_private,
};

/// A secret that must never reach a server this file starts.
const SECRET: &str = "CANARY-network-secret-Wd83kQz7Rm";
/// A token the stub login service issues.
const TOKEN: &str = "CANARYtokenQ9f2Lk7Xw3Rm8Pz1Vb6Nc4Hs0Jt5Gy";

/// Returns the address that the URL rule treats as remote but that reaches
/// `server` on this machine, checking first that it does.
fn mapped_url(server: &StubServer, path: &str) -> String {
    let before = server.connections();
    let probe = TcpStream::connect(("::ffff:127.0.0.1", server.port()))
        .expect("the IPv4-mapped address reaches the loopback listener");
    drop(probe);
    wait_for(|| server.connections() > before);
    assert_eq!(server.connections(), before + 1, "the probe is counted");
    format!("http://[::ffff:127.0.0.1]:{}{path}", server.port())
}

/// Waits up to five seconds for `condition`.
fn wait_for(condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A secret file holding [`SECRET`], in its own temporary folder.
fn secret_file() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("client.secret");
    write_private(&path, &format!("{SECRET}\n"));
    (dir, path)
}

fn canaries() -> Canaries {
    let mut canaries = Canaries::default();
    canaries.add_secret(ADMIN_CLIENT, SECRET);
    canaries.add("the stub's access token", TOKEN);
    canaries
}

/// Runs `auth check` against `base` with [`SECRET`], plus `extra` flags.
fn auth_check(base: &str, secret: &Path, env: &[(&str, &str)]) -> crate::support::Run {
    let mut command = sso_cutover();
    command
        .args(["-vv", "auth", "check", "--api-base", base, "--client-id", ADMIN_CLIENT])
        .args(["--client-secret-file", &arg(secret)]);
    for (name, value) in env {
        command.env(name, value);
    }
    run_command("auth check", &mut command)
}

#[test]
fn token_redirect_is_not_followed() {
    let target = StubServer::counting();
    let location = mapped_url(&target, "/oauth/token");
    let before = target.connections();
    let login = {
        let location = location.clone();
        StubServer::start(Box::new(move |_| redirect("307 Temporary Redirect", &location)))
    };
    let (_dir, secret) = secret_file();

    let run = auth_check(&login.url(), &secret, &[]);
    run.assert_code(1);
    assert_eq!(target.connections(), before, "the redirect target was never contacted");
    let requests = login.received();
    assert_eq!(requests.len(), 1, "one token request, not repeated: {requests:?}");
    assert!(requests[0].request_line.starts_with("POST /oauth/token"), "{requests:?}");
    canaries().assert_run_clean(&run);
}

#[test]
fn api_redirect_is_not_followed() {
    let target = StubServer::counting();
    let location = mapped_url(&target, "/api/v2/organizations/me");
    let before = target.connections();
    let server = {
        let location = location.clone();
        StubServer::start(Box::new(move |request_line| {
            if request_line.starts_with("POST /oauth/token") {
                let body = format!(
                    r#"{{"access_token":"{TOKEN}","token_type":"bearer","expires_in":3600}}"#
                );
                http_response("200 OK", &[("Content-Type", "application/json")], &body)
            } else {
                redirect("302 Found", &location)
            }
        }))
    };
    let (_dir, secret) = secret_file();

    let run = auth_check(&server.url(), &secret, &[]);
    run.assert_code(1);
    assert_eq!(target.connections(), before, "the redirect target was never contacted");
    let api_requests: Vec<_> =
        server.received().into_iter().filter(|r| r.request_line.contains("/api/v2/")).collect();
    assert!(!api_requests.is_empty(), "the API was called");
    assert!(
        api_requests.iter().all(|r| contains(&r.raw, TOKEN.as_bytes())),
        "the token went to the API host only"
    );
    canaries().assert_run_clean(&run);
}

#[test]
fn metadata_redirect_to_remote_http_is_refused() {
    let target = StubServer::counting();
    let location = mapped_url(&target, "/idp-metadata.xml");
    let before = target.connections();
    let server = {
        let location = location.clone();
        StubServer::start(Box::new(move |_| redirect("302 Found", &location)))
    };
    let url = format!("{}/metadata.xml", server.url());

    let run = run_command("metadata check", sso_cutover().args(["metadata", "check", &url]));
    run.assert_code(1);
    let stderr = run.stderr_text();
    assert!(stderr.contains("redirected"), "{stderr}");
    assert!(stderr.contains("[::ffff:"), "the message names the target: {stderr}");

    let org_dir = tempfile::tempdir().expect("temporary folder");
    let org = CanaryOrg::write(&org_dir.path().join("org.json"), "CANARY-redirect");
    let run = run_command(
        "plan",
        sso_cutover().args(["--org-file", &arg(&org.path), "plan", "--metadata", &url]),
    );
    run.assert_code(1);
    assert_eq!(target.connections(), before, "the redirect target was never contacted");
    assert_eq!(server.received().len(), 2, "one request per command");
}

#[test]
fn plain_http_bypasses_proxies() {
    let proxy = StubServer::counting();
    let org_dir = tempfile::tempdir().expect("temporary folder");
    let org = CanaryOrg::write(&org_dir.path().join("org.json"), "CANARY-proxy");
    let simulator = Simulator::start(&org.path);
    let secret = org_dir.path().join("admin.secret");
    write_private(&secret, org.secret(ADMIN_CLIENT));
    let metadata = std::fs::read_to_string(example("idp-metadata.xml")).expect("metadata");
    let idp = StubServer::start(Box::new(move |_| {
        http_response("200 OK", &[("Content-Type", "application/xml")], &metadata)
    }));

    for variable in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        let proxy_url = proxy.url();
        let env = [(variable, proxy_url.as_str())];
        let run = auth_check(&simulator.base(), &secret, &env);
        assert!(proxy.received().is_empty(), "{variable}: the proxy got {:?}", proxy.received());
        run.assert_code(0);
        org.canaries().assert_run_clean(&run);

        let url = format!("{}/idp-metadata.xml", idp.url());
        let mut command = sso_cutover();
        command.env(variable, &proxy_url).args(["metadata", "check", &url]);
        run_command("metadata check", &mut command).assert_code(0);
        assert_eq!(proxy.connections(), 0, "{variable} was not used for plain http");
    }
    assert_eq!(idp.received().len(), 4, "the IdP host was asked directly");
}

#[test]
fn https_goes_through_proxy_as_tunnel() {
    let proxy = StubServer::counting();
    let (_dir, secret) = secret_file();
    let proxy_url = proxy.url();

    // Nothing listens on 127.0.0.2:9, so only the proxy's CONNECT line shows
    // where the request was headed.
    let run = auth_check("https://127.0.0.2:9/", &secret, &[("HTTPS_PROXY", &proxy_url)]);
    run.assert_code(1);
    let url = "https://127.0.0.2:9/idp-metadata.xml";
    let mut command = sso_cutover();
    command.env("HTTPS_PROXY", &proxy_url).args(["metadata", "check", url]);
    run_command("metadata check", &mut command).assert_code(1);

    let received = proxy.received();
    assert!(received.len() >= 2, "both requests asked the proxy: {received:?}");
    for request in &received {
        assert_eq!(request.request_line, "CONNECT 127.0.0.2:9 HTTP/1.1", "{request:?}");
        canaries().assert_absent("what the proxy received", &request.raw);
    }
}

/// Certificates made by the `openssl` command: a CA, and a server
/// certificate it signed for `IP:127.0.0.1`.
struct TestPki {
    dir: TempDir,
}

impl TestPki {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        openssl(
            path,
            &["req", "-x509"],
            &ec,
            &["-subj", "/CN=sso-cutover test CA"],
            &["-days", "2", "-keyout", "ca.key", "-out", "ca.pem"],
        );
        openssl(
            path,
            &["req"],
            &ec,
            &["-subj", "/CN=127.0.0.1"],
            &["-keyout", "server.key", "-out", "server.csr"],
        );
        std::fs::write(
            path.join("server.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
             extendedKeyUsage=serverAuth\n",
        )
        .expect("write the extensions");
        openssl(
            path,
            &["x509", "-req", "-in", "server.csr"],
            &[],
            &[],
            &[
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "server.ext",
                "-out",
                "server.pem",
            ],
        );
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn openssl(dir: &Path, first: &[&str], second: &[&str], third: &[&str], fourth: &[&str]) {
    let status = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(first)
        .args(second)
        .args(third)
        .args(fourth)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the openssl command runs");
    assert!(status.success(), "openssl {first:?} failed");
}

/// `openssl s_server` on 127.0.0.1 with the test server certificate.
struct TlsServer {
    child: Child,
    port: u16,
    output: PathBuf,
}

impl TlsServer {
    /// Starts a server in `folder` with `mode` (`-HTTP` serves each file as
    /// a whole HTTP response; no mode echoes what clients send).
    fn start(pki: &TestPki, folder: &Path, mode: &[&str]) -> Self {
        let output = folder.join("s_server.out");
        for _ in 0..5 {
            let port = std::net::TcpListener::bind(("127.0.0.1", 0))
                .and_then(|listener| listener.local_addr())
                .expect("a free port")
                .port();
            let log = std::fs::File::create(&output).expect("create the server log");
            let child = std::process::Command::new("openssl")
                .current_dir(folder)
                .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
                .args(["-cert", &arg(&pki.path("server.pem"))])
                .args(["-key", &arg(&pki.path("server.key"))])
                .args(mode)
                .stdin(Stdio::piped())
                .stdout(log.try_clone().expect("clone the log handle"))
                .stderr(log)
                .spawn()
                .expect("openssl s_server starts");
            let server = Self { child, port, output: output.clone() };
            wait_for(|| contains(&server.log(), b"ACCEPT") || contains(&server.log(), b"error"));
            if contains(&server.log(), b"ACCEPT") {
                return server;
            }
            drop(server);
        }
        panic!("openssl s_server did not start: {}", String::from_utf8_lossy(&read(&output)));
    }

    fn log(&self) -> Vec<u8> {
        read(&self.output)
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

#[test]
fn untrusted_certificate_gets_no_secret() {
    let pki = TestPki::new();
    let folder = tempfile::tempdir().expect("temporary folder");
    let server = TlsServer::start(&pki, folder.path(), &[]);
    let (_dir, secret) = secret_file();

    let run = auth_check(&server.url("/"), &secret, &[]);
    run.assert_code(1);
    let stderr = run.stderr_text();
    assert!(stderr.contains("certificate"), "the error names the certificate: {stderr}");
    let mut command = sso_cutover();
    command.args(["metadata", "check", &server.url("/idp-metadata.xml")]);
    let run = run_command("metadata check", &mut command);
    run.assert_code(1);
    assert!(run.stderr_text().contains("UnknownIssuer"), "{}", run.stderr_text());

    let log = server.log();
    assert!(!contains(&log, b"oauth/token"), "no request reached the server");
    canaries().assert_absent("what the TLS server received", &log);
}

#[test]
fn certificate_from_platform_roots_is_trusted() {
    let pki = TestPki::new();
    let folder = tempfile::tempdir().expect("temporary folder");
    std::fs::copy(example("idp-metadata.xml"), folder.path().join("idp-metadata.xml"))
        .expect("copy the metadata");
    let server = TlsServer::start(&pki, folder.path(), &["-WWW"]);

    let mut command = sso_cutover();
    command.env("SSL_CERT_FILE", pki.path("ca.pem")).args([
        "metadata",
        "check",
        &server.url("/idp-metadata.xml"),
        "--output",
        "json",
    ]);
    let run = run_command("metadata check", &mut command);
    run.assert_code(0);
    assert_eq!(run.json()["entity_id"], "https://idp.northwind.example/saml2/metadata");
}

#[test]
fn https_redirect_to_loopback_http_is_refused() {
    let pki = TestPki::new();
    let target = StubServer::counting();
    let folder = tempfile::tempdir().expect("temporary folder");
    let location = format!("{}/idp-metadata.xml", target.url());
    std::fs::write(folder.path().join("moved.xml"), redirect("302 Found", &location))
        .expect("write the redirect");
    let server = TlsServer::start(&pki, folder.path(), &["-HTTP"]);

    let mut command = sso_cutover();
    command.env("SSL_CERT_FILE", pki.path("ca.pem")).args([
        "metadata",
        "check",
        &server.url("/moved.xml"),
    ]);
    let run = run_command("metadata check", &mut command);
    run.assert_code(1);
    let stderr = run.stderr_text();
    assert!(stderr.contains("leaves https"), "{stderr}");
    assert_eq!(target.connections(), 0, "the http target was never contacted");
}

#[test]
fn metadata_download_is_capped() {
    // No Content-Length: the body streams until the connection closes, so
    // only the running count can stop it.
    let streamed = StubServer::start(Box::new(|_| {
        format!("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{}", "x".repeat(10 * 1024 * 1024 + 1))
    }));
    // A declared length over the limit is rejected before the body is read.
    let declared = StubServer::start(Box::new(|_| {
        "HTTP/1.1 200 OK\r\nContent-Length: 20000000\r\nConnection: close\r\n\r\n<md:".to_owned()
    }));
    for server in [&streamed, &declared] {
        let url = format!("{}/idp-metadata.xml", server.url());
        let run = run_command("metadata check", sso_cutover().args(["metadata", "check", &url]));
        run.assert_code(1);
        let stderr = run.stderr_text();
        assert!(
            stderr.contains("larger than the 10 MiB (10,485,760 bytes) size limit"),
            "{stderr}"
        );
    }
}

#[test]
fn metadata_url_password_is_never_shown() {
    let server = StubServer::counting();
    let password = "CANARY-url-password-Zk39";
    let url = format!("http://reader:{password}@127.0.0.1:{}/idp-metadata.xml", server.port());
    let mut canaries = Canaries::default();
    canaries.add("the password of the metadata URL", password);

    let run = run_command(
        "metadata check",
        sso_cutover().args(["-vv", "metadata", "check", &url, "--output", "json"]),
    );
    run.assert_code(1);
    assert!(run.stderr_text().contains("no user name or password"), "{}", run.stderr_text());
    canaries.assert_run_clean(&run);

    let org_dir = tempfile::tempdir().expect("temporary folder");
    let org = CanaryOrg::write(&org_dir.path().join("org.json"), "CANARY-userinfo");
    let run = run_command(
        "plan",
        sso_cutover().args(["-vv", "--org-file", &arg(&org.path), "plan", "--metadata", &url]),
    );
    run.assert_code(1);
    canaries.assert_run_clean(&run);
    assert_eq!(server.connections(), 0, "the URL was rejected before any request");
}
