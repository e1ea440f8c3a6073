//! `export terraform` on a copy of the sample org with providers added.

use hcl::Value;
use hcl::eval::{Context, Evaluate};
use serde_json::json;

use crate::support::{Workspace, assert_one_line_error, run, run_command, sso_cutover};

/// Adds an Okta provider with hostile strings and an AD FS provider to the
/// workspace's org, and returns the Okta provider's name.
fn add_providers(workspace: &Workspace) -> &'static str {
    let name = "Okta \"prod\" ${var.x} %{ if true }\\\n}";
    let path = workspace.org();
    let mut org: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let providers = org["identityProviders"].as_object_mut().unwrap();
    providers.insert(
        "okta".into(),
        json!({
            "id": "okta-1",
            "name": name,
            "disabled": false,
            "issuerURI": "http://www.okta.com/exk1",
            "ssoTargetURI": "https://northwind.okta.com/app/sso/saml",
            "certificate": "-----BEGIN CERTIFICATE-----\nMIIBAAAA\nBBBB\n-----END CERTIFICATE-----\n",
            "endpointCompression": true
        }),
    );
    providers.insert(
        "adfs".into(),
        json!({
            "name": "AD FS",
            "issuerURI": "http://adfs.northwind.example/adfs/services/trust",
            "certificates": ["MIICCCCC"],
            "sloBinding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        }),
    );
    std::fs::write(&path, serde_json::to_string_pretty(&org).unwrap()).unwrap();
    name
}

fn string_attribute(block: &hcl::Block, key: &str) -> Option<Value> {
    block
        .body()
        .attributes()
        .find(|attribute| attribute.key() == key)
        .map(|attribute| attribute.expr().evaluate(&Context::new()).unwrap())
}

#[test]
fn export_terraform_prints_resources() {
    let workspace = Workspace::new();
    let okta_name = add_providers(&workspace);
    let org = workspace.org();

    let output = run(&["export", "terraform", "--org-file", org.to_str().unwrap()]);

    assert_eq!(output.code, 0, "stderr: {}", output.stderr);
    let body = hcl::parse(&output.stdout)
        .unwrap_or_else(|error| panic!("invalid HCL ({error}):\n{}", output.stdout));
    let resources: Vec<&hcl::Block> =
        body.blocks().filter(|block| block.identifier() == "resource").collect();
    let types: Vec<&str> = resources.iter().map(|block| block.labels()[0].as_str()).collect();
    assert_eq!(types, ["genesyscloud_idp_adfs", "genesyscloud_idp_okta"]);
    assert_eq!(body.blocks().filter(|block| block.identifier() == "import").count(), 2);

    let okta = resources[1];
    assert_eq!(string_attribute(okta, "name"), Some(Value::from(okta_name)));
    assert_eq!(
        string_attribute(okta, "certificates"),
        Some(Value::Array(vec![Value::from("MIIBAAAABBBB")]))
    );
    assert_eq!(string_attribute(okta, "endpoint_compression"), None);
    let adfs = resources[0];
    assert_eq!(
        string_attribute(adfs, "slo_binding"),
        Some(Value::from("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"))
    );
    assert!(output.stdout.contains("# terraform import genesyscloud_idp_okta.okta okta\n"));
    assert!(output.stdout.contains("(`purecloud`) is enabled"), "{}", output.stdout);
}

#[test]
fn export_rejects_json_output_flag() {
    let workspace = Workspace::new();
    add_providers(&workspace);
    let org = workspace.org();

    let output =
        run(&["--output", "json", "export", "terraform", "--org-file", org.to_str().unwrap()]);

    assert_eq!(output.code, 2, "stderr: {}", output.stderr);
    assert!(output.stdout.is_empty(), "no HCL on stdout: {}", output.stdout);
    assert_one_line_error(&output, "prints HCL, not JSON");
}

#[test]
fn export_leaves_org_file_unchanged() {
    let workspace = Workspace::new();
    add_providers(&workspace);
    let org = workspace.org();
    let before = std::fs::read(&org).unwrap();

    let output =
        run_command(sso_cutover().args(["export", "terraform"]).env("SSO_CUTOVER_ORG_FILE", &org));

    assert_eq!(output.code, 0, "stderr: {}", output.stderr);
    assert_eq!(std::fs::read(&org).unwrap(), before);
}

#[test]
fn export_without_org_file_exits_one() {
    let workspace = Workspace::new();
    let missing = workspace.path("missing.json");

    let output = run(&["export", "terraform", "--org-file", missing.to_str().unwrap()]);

    assert_eq!(output.code, 1);
    assert_one_line_error(&output, "missing.json");
}
