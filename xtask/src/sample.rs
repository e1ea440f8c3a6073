//! `cargo xtask sample-metadata`: writes `examples/idp-metadata.xml`, the IdP
//! metadata of the bundled sample org, with a freshly generated signing
//! certificate.
//!
//! The certificate is self-signed, ECDSA P-256 with SHA-256, and valid for 20
//! years from today, so the sample passes the certificate rules for a long
//! time. Its private key is thrown away: nothing in the sample signs an
//! assertion. Rerun the task when the certificate nears its end.

use std::path::Path;

use anyhow::{Context, Result};
use rcgen::{CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, PKCS_ECDSA_P256_SHA256};

/// Years the generated certificate stays valid.
const VALID_YEARS: i16 = 20;

/// The sample IdP's entity ID.
const ENTITY_ID: &str = "https://idp.northwind.example/saml2/metadata";

/// Generates the certificate and writes the metadata document to `out`.
pub(crate) fn write_metadata(out: &Path) -> Result<()> {
    let certificate = generate_certificate()?;
    let xml = metadata_xml(&certificate);
    std::fs::write(out, xml).with_context(|| format!("writing `{}`", out.display()))?;
    eprintln!("wrote {} (certificate valid for {VALID_YEARS} years)", out.display());
    Ok(())
}

/// Returns the base64 DER of a new self-signed certificate, on one line.
fn generate_certificate() -> Result<String> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).context("generating the key")?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "idp.northwind.example");
    name.push(DnType::OrganizationName, "Northwind Contact Center");
    params.distinguished_name = name;
    params.is_ca = IsCa::ExplicitNoCa;

    let today = jiff::ZonedDateTime::now().date();
    let month = today.month() as u8;
    // 28 is the last day that exists in every month, so the end date exists
    // in the target year too (29 February included).
    let day = today.day().min(28) as u8;
    params.not_before = rcgen::date_time_ymd(i32::from(today.year()), month, day);
    params.not_after = rcgen::date_time_ymd(i32::from(today.year() + VALID_YEARS), month, day);

    let certificate = params.self_signed(&key).context("signing the certificate")?;
    let body: String = certificate
        .pem()
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    Ok(body)
}

fn metadata_xml(certificate: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- IdP metadata of the sample org's identity provider. Regenerate the
     certificate with `cargo xtask sample-metadata`. -->
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
                     xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
                     entityID="{ENTITY_ID}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false"
                       protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>{certificate}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
                            Location="https://idp.northwind.example/saml2/logout"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
                            Location="https://idp.northwind.example/saml2/sso/redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
                            Location="https://idp.northwind.example/saml2/sso/post"/>
  </md:IDPSSODescriptor>
  <md:Organization>
    <md:OrganizationName xml:lang="en">Northwind Contact Center</md:OrganizationName>
    <md:OrganizationDisplayName xml:lang="en">Northwind</md:OrganizationDisplayName>
    <md:OrganizationURL xml:lang="en">https://northwind.example/</md:OrganizationURL>
  </md:Organization>
</md:EntityDescriptor>
"#
    )
}
