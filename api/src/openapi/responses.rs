//! The error answers many operations share, declared once: a handler lists
//! `crate::openapi::responses::UserNotFound` in its `responses(...)` instead of
//! repeating the status, the description and the [`ErrorBody`] schema.
//! Operation-specific answers stay as tuples next to their handler.

use crate::support::error::ErrorBody;
use utoipa::IntoResponses;

#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "Invalid body or query (`guard.invalid_input`, `details` names the field)"
)]
pub struct InvalidInput(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "Invalid input or pagination (`guard.invalid_input`, `guard.invalid_pagination`)"
)]
pub struct InvalidPagination(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No user with this id (`entity.not_exists_with_id`)"
)]
pub struct UserNotFound(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No role with this id (`entity.not_exists_with_id`)"
)]
pub struct RoleNotFound(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No resource with this id (`entity.not_exists_with_id`)"
)]
pub struct ResourceNotFound(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No hook with this id (`entity.not_exists_with_id`)"
)]
pub struct HookNotFound(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No connector with this id (`entity.not_exists_with_id`)"
)]
pub struct ConnectorNotFound(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No application with this id (`entity.not_exists_with_id`)"
)]
pub struct ApplicationNotFound(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "No or invalid user access token (`auth.unauthorized`), or a missing verification record (`verification_record.permission_denied`)"
)]
pub struct AccountUnauthorized(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 403,
    description = "The token lacks the scope, or was issued to a third-party application (`auth.forbidden`)"
)]
pub struct AccountForbidden(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 503,
    description = "Too many password checks at once (`request.password_hashing_busy`, with `Retry-After`)"
)]
pub struct HashingBusy(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "Invalid body, or no interaction (`session.not_found`, `session.interaction_not_found`)"
)]
pub struct NoInteraction(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Registration disabled (`auth.forbidden`)")]
pub struct RegistrationClosed(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 422, description = "A role of type MachineToMachine")]
pub struct MachineToMachineRole(pub ErrorBody);
