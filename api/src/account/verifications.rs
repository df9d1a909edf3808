//! `POST /api/verifications/password {password}` (Logto's CreateVerificationByPassword):
//! the Account API caller re-enters their password and gets a verification record for
//! the sensitive Account API routes (see `caller.rs` for why records are sealed
//! tokens). 201 `{verificationRecordId, expiresAt}` (ISO 8601); a wrong password is 422.

use crate::account::caller::{issue_verification, Purpose};
use crate::guard::end_user_token::authenticate;
use crate::state::AppState;
use crate::support::body::users::parse_password;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::users::update::verify_user_password;
use domain::Actor;
use serde_json::json;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes.resource(
        web::resource("/api/verifications/password")
            .route(web::post().to(password))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
}

#[utoipa::path(
    post,
    path = "/api/verifications/password",
    tag = "Account",
    operation_id = "CreateVerificationByPassword",
    request_body = crate::openapi::schemas::UserPassword,
    security(("accountApi" = [])),
    responses(
        (status = 201, description = "A verification record", body = crate::openapi::schemas::VerificationRecord),
        (status = 400, description = "Invalid body or query (`guard.invalid_input`, `details` names the field), or too many failed attempts (`session.verification_blocked_too_many_attempts`, with `Retry-After`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        (status = 422, description = "Wrong password (`session.invalid_credentials`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    app::account_center::enabled(&state).await?;
    let password = parse_password(&body)?;
    let request = RequestContext(app::RequestContext {
        actor: Actor::User(caller.user_id.clone()),
        ..request.0
    });
    verify_user_password(&state, &request, &caller.user_id, password).await?;
    let (id, expires_at) = issue_verification(&state, &caller.user_id, Purpose::Password)?;
    Ok(HttpResponse::Created().json(json!({
        "verificationRecordId": id,
        "expiresAt": iso8601(expires_at),
    })))
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
fn iso8601(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_formats_utc() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(
            super::iso8601(1_795_000_000_000),
            "2026-11-18T11:06:40.000Z"
        );
    }
}
