//! python3-saml from PyPI in a virtual environment, for the metadata parsing
//! comparison.
//!
//! pip installs the binary wheels of `lxml` and `xmlsec` where PyPI has one
//! for the platform (CPython 3.11 on x86-64 Linux has both), which needs no
//! system library. Where it has none, pip builds both from source against the
//! system's libxml2 and xmlsec1; the Debian packages for that build are
//! installed with `apt-get` when missing and the task runs as root.

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

/// The import that proves the parser works, `xmlsec` included.
const IMPORT_CHECK: &str = concat!(
    "import xmlsec; ",
    "from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser"
);

/// Debian packages a source build of `lxml` and `xmlsec` needs.
const BUILD_PACKAGES: [&str; 7] = [
    "python3-dev",
    "gcc",
    "pkg-config",
    "libxml2-dev",
    "libxslt1-dev",
    "libxmlsec1-dev",
    "libxmlsec1-openssl",
];

/// Returns the interpreter of a virtual environment at `venv` that can import
/// python3-saml, creating and filling it when needed, or why that failed.
pub(crate) fn prepare(sh: &Shell, venv: &Path) -> Result<PathBuf, String> {
    let python = venv.join("bin/python");
    if python.exists() && imports(sh, &python) {
        return Ok(python);
    }
    if !python.exists() {
        create_venv(sh, venv)?;
    }

    // Short network limits, so that an unreachable index ends the
    // comparison within minutes instead of stalling the bench.
    let options = ["--quiet", "--disable-pip-version-check", "--timeout", "30", "--retries", "2"];
    let pip = |extra: &[&str]| {
        cmd!(sh, "{python} -m pip install {options...} {extra...} python3-saml")
            .ignore_status()
            .output()
    };
    let binary = pip(&["--only-binary", "lxml,xmlsec"]).map_err(|error| error.to_string())?;
    if binary.status.success() && imports(sh, &python) {
        return Ok(python);
    }
    eprintln!(
        "no binary wheel of lxml or xmlsec installed ({}); building them from source",
        last_line(&binary.stderr)
    );

    install_missing_packages(sh, &BUILD_PACKAGES)?;
    // lxml and xmlsec must link the same libxml2, so both are built here.
    let source = pip(&["--no-binary", "lxml,xmlsec"]).map_err(|error| error.to_string())?;
    if !source.status.success() {
        return Err(format!("pip could not build python3-saml: {}", last_line(&source.stderr)));
    }
    if !imports(sh, &python) {
        return Err("python3-saml installed but `import xmlsec` fails".to_owned());
    }
    Ok(python)
}

fn imports(sh: &Shell, python: &Path) -> bool {
    cmd!(sh, "{python} -c {IMPORT_CHECK}").quiet().ignore_stdout().ignore_stderr().run().is_ok()
}

fn create_venv(sh: &Shell, venv: &Path) -> Result<(), String> {
    let create = || cmd!(sh, "python3 -m venv {venv}").quiet().ignore_status().output();
    let first = create().map_err(|error| format!("python3 could not be run: {error}"))?;
    if first.status.success() {
        return Ok(());
    }
    // Debian's python3 lacks `ensurepip` until python3-venv is installed.
    install_missing_packages(sh, &["python3-venv"])?;
    let second = create().map_err(|error| error.to_string())?;
    if second.status.success() {
        Ok(())
    } else {
        Err(format!("`python3 -m venv` failed: {}", last_line(&second.stderr)))
    }
}

/// Installs the Debian packages of `packages` that are not installed, with
/// `apt-get`, when running as root on a system that has it.
fn install_missing_packages(sh: &Shell, packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| {
            let format = "${Status}";
            cmd!(sh, "dpkg-query --show -f {format} {package}")
                .quiet()
                .ignore_stderr()
                .read()
                .map_or(true, |status| !status.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = cmd!(sh, "id -u").quiet().read().is_ok_and(|uid| uid.trim() == "0");
    let has_apt = cmd!(sh, "apt-get --version").quiet().ignore_stdout().run().is_ok();
    if !is_root || !has_apt {
        return Err(format!(
            "the system packages {} are missing; install them with apt-get as root",
            missing.join(", ")
        ));
    }
    eprintln!("installing missing system packages: {}", missing.join(", "));
    let to_install = &missing;
    let install = || -> xshell::Result<()> {
        cmd!(sh, "apt-get update").quiet().ignore_stdout().run()?;
        cmd!(sh, "apt-get install -y --no-install-recommends {to_install...}")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .ignore_stdout()
            .run()
    };
    install().map_err(|error| format!("apt-get could not install {}: {error}", missing.join(", ")))
}

fn last_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("no output").trim().to_owned()
}
