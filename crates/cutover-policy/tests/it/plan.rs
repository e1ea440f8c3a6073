use cutover_policy::{
    IdpUserList, PLAN_SCHEMA, PlanDocument, PlanSource, PolicyError, RuleId, Waiver, evaluate,
    state_fingerprint,
};
use serde_json::Value;

use crate::support::*;

const XML: &[u8] = b"<md:EntityDescriptor entityID=\"https://idp.example.com/entity\"/>";

fn source() -> PlanSource<'static> {
    PlanSource { created_at: now(), region: "eu-west-1", entity_id: Some(ENTITY_ID), metadata: XML }
}

fn full_change() -> cutover_policy::DesiredChange {
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.name = Some("Corp IdP".into());
    change.disable_native_login = true;
    change.break_glass_clients = vec!["bg-2".into(), "bg-1".into(), "bg-2".into()];
    change.idp_users = Some(IdpUserList::parse("Dana.Reyes@example.com\nlee.park@example.com\n"));
    change.waivers =
        vec![Waiver { rule: RuleId::UsersNotInIdp, reason: "Sam leaves Friday".into() }];
    change.strict = true;
    change.cert_warn_days = 14;
    change
}

fn plan() -> PlanDocument {
    let state = org();
    let change = full_change();
    let evaluation = evaluate(&state, &change, now()).unwrap();
    PlanDocument::new(&evaluation, &state, &change, &source())
}

#[test]
fn plan_json_top_level_fields() {
    let value = serde_json::to_value(plan()).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "schema",
            "created_at",
            "region",
            "organization",
            "state_fingerprint",
            "blocked",
            "findings",
            "stages",
            "inputs"
        ]
    );
    assert_eq!(value["schema"], PLAN_SCHEMA);
    assert_eq!(value["created_at"], "2026-03-01T12:00:00Z");
    assert_eq!(value["region"], "eu-west-1");
    assert_eq!(value["organization"], serde_json::json!({"id": "org-1", "name": "Acme Support"}));
    assert_eq!(value["state_fingerprint"], state_fingerprint(&org()));
    let finding_keys: Vec<&str> =
        value["findings"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(finding_keys, ["rule", "severity", "subject", "message", "fix", "waived"]);
    let stage_keys: Vec<&str> =
        value["stages"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(stage_keys, ["stage", "description", "changes"]);
    assert_eq!(value["stages"][0]["changes"][0]["action"], "put");
    assert_eq!(value["stages"][0]["changes"][0]["before"], Value::Null);
}

#[test]
fn plan_inputs_recorded() {
    let plan = plan();
    let inputs = &plan.inputs;
    assert_eq!(inputs.provider, cutover_api::ProviderType::Generic);
    assert_eq!(inputs.name.as_deref(), Some("Corp IdP"));
    assert_eq!(inputs.entity_id.as_deref(), Some(ENTITY_ID));
    assert_eq!(inputs.metadata_xml.as_bytes(), XML);
    assert!(inputs.disable_native_login);
    assert_eq!(inputs.break_glass_clients, ["bg-2", "bg-1"]);
    assert_eq!(
        inputs.idp_users.as_deref(),
        Some(&["dana.reyes@example.com".to_owned(), "lee.park@example.com".to_owned()][..])
    );
    assert_eq!(inputs.waivers[0].reason, "Sam leaves Friday");
    assert!(inputs.strict);
    assert_eq!(inputs.cert_warn_days, 14);
    let value = serde_json::to_value(&plan).unwrap();
    assert_eq!(value["inputs"]["provider"], "generic");
    assert_eq!(value["inputs"]["waivers"][0]["rule"], "users-not-in-idp");
}

#[test]
fn plan_round_trips() {
    let plan = plan();
    let text = plan.to_json_pretty();
    assert_eq!(PlanDocument::from_json(&text).unwrap(), plan);
}

#[test]
fn plan_rejects_other_schema() {
    let mut value = serde_json::to_value(plan()).unwrap();
    value["schema"] = "sso-cutover.plan.v2".into();
    let error = PlanDocument::from_json(&value.to_string()).unwrap_err();
    assert!(
        matches!(error, PolicyError::PlanSchema { ref found } if found == "sso-cutover.plan.v2")
    );
    assert!(matches!(PlanDocument::from_json("{"), Err(PolicyError::PlanJson(_))));
}

#[test]
fn inputs_rebuild_same_evaluation() {
    let state = org();
    let change = full_change();
    let original = evaluate(&state, &change, now()).unwrap();
    let plan = PlanDocument::new(&original, &state, &change, &source());
    let reread = PlanDocument::from_json(&plan.to_json_pretty()).unwrap();
    let rebuilt = reread.inputs.to_change(Ok(metadata(&[&Cert::new(0)]))).unwrap();
    assert_eq!(evaluate(&state, &rebuilt, now()).unwrap(), original);
}

#[test]
fn inputs_keep_absent_and_empty_lists_apart() {
    let state = org();
    let mut change = full_change();
    change.idp_users = None;
    let evaluation = evaluate(&state, &change, now()).unwrap();
    let plan = PlanDocument::new(&evaluation, &state, &change, &source());
    assert_eq!(serde_json::to_value(&plan).unwrap()["inputs"]["idp_users"], Value::Null);
    assert!(plan.inputs.to_change(Ok(metadata(&[]))).unwrap().idp_users.is_none());

    change.idp_users = Some(IdpUserList::parse(""));
    let plan = PlanDocument::new(&evaluation, &state, &change, &source());
    assert_eq!(serde_json::to_value(&plan).unwrap()["inputs"]["idp_users"], serde_json::json!([]));
    assert!(plan.inputs.to_change(Ok(metadata(&[]))).unwrap().idp_users.unwrap().is_empty());
}

#[test]
fn inputs_with_bad_waiver_rejected() {
    let mut plan = plan();
    plan.inputs.waivers.push(Waiver { rule: RuleId::BreakGlassMissing, reason: "edited".into() });
    assert!(matches!(
        plan.inputs.to_change(Ok(metadata(&[]))),
        Err(PolicyError::NotWaivable { rule: RuleId::BreakGlassMissing })
    ));
}
