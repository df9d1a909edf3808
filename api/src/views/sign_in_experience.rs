//! The sign-in experience settings in Logto's shape (docs/logto/sign-in.md#sign-in-experience-settings),
//! as the Management API (`/api/sign-in-exp`) and the public
//! `/api/.well-known/sign-in-exp` both answer them. Logto's settings for what Tessera does
//! not have (social and enterprise sign-in, custom UI assets) are answered with their
//! "off" values, so a Logto client reads a true description.

use domain::sign_in_experience::{SignInExperienceSettings, STREAM_ID};
use serde_json::{json, Value};

pub fn render(settings: &SignInExperienceSettings) -> Value {
    let mut out = json!({
        "tenantId": projections::TENANT_ID,
        "id": STREAM_ID,
        "hideLogtoBranding": true,
        "socialSignIn": {},
        "socialSignInConnectorTargets": [],
        "customContent": {},
        "customUiAssets": null,
        // The settings leave `mfa` out while it is the default.
        "mfa": { "factors": [], "policy": "NoPrompt" },
        "singleSignOnEnabled": false,
    });
    if let (Some(out), Ok(Value::Object(fields))) =
        (out.as_object_mut(), serde_json::to_value(settings))
    {
        out.extend(fields);
    }
    out
}
