//! A user's second factors (`domain::user::mfa`): an authenticator app (TOTP) and backup
//! codes, bound, used and removed as events on the user's stream. The Management API and
//! the Account API both come here; the sign-in steps that will ask for a factor will too.
//!
//! - TOTP secrets: the Account API binds only a secret the server generated for the user
//!   (`MfaTotpSecretGenerated`, sealed under the user's data key until bound); the
//!   Management API binds a secret it generates or one an operator supplies (Logto's
//!   `secret`). A binding confirmed with a code spends that code.
//! - Backup codes: ten codes shown once; only keyed digests (`Store::backup_code_digest`)
//!   enter the log.
//! - A wrong, replayed or spent code appends `MfaVerificationFailed` on the user's stream
//!   and the sentinel's `VerificationFailed` on the factor's own counter
//!   (`sentinel::Target::factor`) in ONE batch, so a guess is never counted on one side
//!   only; a locked factor refuses every code until the lock ends.

use crate::request::RequestContext;
use crate::sentinel::{self, Target};
use crate::transact::{transact, transact_with, Tx};
use crate::{AppContext, AppError};
use domain::sentinel::VerificationMethod;
use domain::user::mfa::{
    generate_backup_codes, totp_secret_from, valid_backup_codes, valid_totp_secret, MfaFactor,
    TOTP_SECRET_BYTES,
};
use domain::user::{MfaFailureReason, User, UserCommand, UserError};
use domain::{Aggregate, StandardId};
use store::Position;

/// A guess must be recorded however contended the factor's sentinel stream is.
const MAX_ROUNDS: usize = 10_000;

fn user_error(user_id: &str) -> impl Fn(UserError) -> AppError + '_ {
    move |e| match e {
        UserError::NotFound => AppError::NotExistsWithId {
            entity: "user",
            id: user_id.to_owned(),
        },
        UserError::TotpAlreadyInUse => AppError::Unprocessable {
            code: "user.totp_already_in_use",
            message: "The user already has an authenticator app; remove it first.".into(),
        },
        UserError::TotpSecretInvalid => AppError::BadRequest {
            code: "user.totp_secret_invalid",
            message: "The TOTP secret is invalid. Generate a new one and bind that.".into(),
        },
        UserError::InvalidTotpCode | UserError::FactorNotBound(MfaFactor::Totp) => {
            AppError::BadRequest {
                code: "session.mfa.invalid_totp_code",
                message: "The code is not correct.".into(),
            }
        }
        UserError::FactorNotBound(MfaFactor::BackupCode) => invalid_backup_code(),
        UserError::BackupCodeAlreadyInUse => AppError::Unprocessable {
            code: "user.backup_code_already_in_use",
            message: "The user still has unused backup codes.".into(),
        },
        UserError::BackupCodeCannotBeAlone => AppError::Unprocessable {
            code: "session.mfa.backup_code_can_not_be_alone",
            message: "Backup codes cannot be the only factor: bind another one first.".into(),
        },
        UserError::MfaVerificationNotFound => AppError::NotFound {
            code: "entity.not_found",
            message: "The MFA verification does not exist.".into(),
        },
        other => AppError::internal(format!("user {user_id}: {other}")),
    }
}

fn invalid_backup_code() -> AppError {
    AppError::BadRequest {
        code: "session.mfa.invalid_backup_code",
        message: "The backup code is not correct.".into(),
    }
}

fn new_id(ctx: &AppContext) -> String {
    StandardId::generate(&mut ctx.random.rng()).into_string()
}

/// A fresh TOTP secret (base32 of 160 random bits).
pub fn new_totp_secret(ctx: &AppContext) -> String {
    totp_secret_from(&ctx.random.bytes::<TOTP_SECRET_BYTES>())
}

/// A fresh set of ten backup codes (not stored).
pub fn new_backup_codes(ctx: &AppContext) -> Vec<String> {
    let bytes = ctx.random.bytes::<100>();
    let mut next = bytes.into_iter();
    generate_backup_codes(|| next.next().unwrap_or_default())
}

/// Generates a TOTP secret for `user_id` to bind (Account API) and records it
/// (`MfaTotpSecretGenerated`, the secret sealed); an earlier unbound one stops being
/// bindable.
pub async fn generate_totp_secret(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
) -> Result<(String, Option<Position>), AppError> {
    let secret = new_totp_secret(ctx);
    let (_, at) = transact(ctx, request, |mut tx: Tx| {
        let secret = secret.clone();
        async move {
            let command = UserCommand::GenerateTotpSecret(secret);
            tx.run::<User>(user_id, vec![command], user_error(user_id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok((secret, at))
}

/// How a TOTP binding is made.
#[derive(Debug, Clone)]
pub struct BindTotp {
    /// `None`: generate one (Management API without `secret`).
    pub secret: Option<String>,
    /// A code the secret produces now, checked and spent.
    pub code: Option<String>,
    /// Or the step of a code already checked against the secret (spent).
    pub confirmed_step: Option<u64>,
    /// Only the secret last generated for the user (the Account API).
    pub issued_only: bool,
    /// Replace a bound authenticator app instead of refusing (`PUT …/totp`).
    pub replace: bool,
}

/// A TOTP factor just bound.
#[derive(Debug, Clone)]
pub struct BoundTotp {
    pub verification_id: String,
    pub secret: String,
    pub at: Option<Position>,
}

/// Binds an authenticator app (`MfaTotpBound`, after `MfaVerificationRemoved` of the old
/// one when replacing). 400 `user.totp_secret_invalid` for a malformed (or, with
/// `issued_only`, never generated) secret, 400 `session.mfa.invalid_totp_code` for a
/// wrong code, 422 `user.totp_already_in_use`.
pub async fn bind_totp(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    input: BindTotp,
) -> Result<BoundTotp, AppError> {
    let secret = match input.secret {
        Some(secret) => secret,
        None => new_totp_secret(ctx),
    };
    if !valid_totp_secret(&secret) {
        return Err(user_error(user_id)(UserError::TotpSecretInvalid));
    }
    let verification_id = new_id(ctx);
    let (_, at) = transact(ctx, request, |mut tx: Tx| {
        let command = UserCommand::BindTotp {
            verification_id: verification_id.clone(),
            secret: secret.clone(),
            code: input.code.clone(),
            confirmed_step: input.confirmed_step,
            issued_only: input.issued_only,
            replace: input.replace,
        };
        async move {
            tx.run::<User>(user_id, vec![command], user_error(user_id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(BoundTotp {
        verification_id,
        secret,
        at,
    })
}

/// Binds a set of backup codes: `codes` as given (Logto's format, else 422
/// `user.wrong_backup_code_format`) or ten new ones. Returns the codes (to be shown this
/// once) and the new factor's id.
pub async fn add_backup_codes(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    codes: Option<Vec<String>>,
) -> Result<(Vec<String>, String, Option<Position>), AppError> {
    let codes = match codes {
        Some(codes) if valid_backup_codes(&codes) => codes,
        Some(_) => {
            return Err(AppError::Unprocessable {
                code: "user.wrong_backup_code_format",
                message: "Backup codes are ten codes of ten hexadecimal characters.".into(),
            })
        }
        None => new_backup_codes(ctx),
    };
    let digests: Vec<String> = codes
        .iter()
        .map(|code| ctx.store.backup_code_digest(user_id, code))
        .collect();
    let verification_id = new_id(ctx);
    let (_, at) = transact(ctx, request, |mut tx: Tx| {
        let command = UserCommand::AddBackupCodes {
            verification_id: verification_id.clone(),
            digests: digests.clone(),
        };
        async move {
            tx.run::<User>(user_id, vec![command], user_error(user_id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok((codes, verification_id, at))
}

/// Removes a factor (`MfaVerificationRemoved`); 404 `entity.not_found` when the user has
/// no factor with that id.
pub async fn remove(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    verification_id: &str,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(ctx, request, |mut tx: Tx| async move {
        let command = UserCommand::RemoveMfaVerification(verification_id.to_owned());
        tx.run::<User>(user_id, vec![command], user_error(user_id))
            .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

/// Checks a code of the user's authenticator app: `MfaTotpUsed` (the code's step is spent),
/// or `MfaVerificationFailed` with the sentinel's failure (400
/// `session.mfa.invalid_totp_code`, a replay included; 400
/// `session.verification_blocked_too_many_attempts` once the factor is locked).
pub async fn verify_totp(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    code: &str,
) -> Result<(), AppError> {
    let command = || UserCommand::VerifyTotp {
        code: code.to_owned(),
    };
    verify(ctx, request, user_id, MfaFactor::Totp, command).await
}

/// Uses one of the user's backup codes: `MfaBackupCodeUsed`, or `MfaVerificationFailed`
/// with the sentinel's failure (400 `session.mfa.invalid_backup_code` for a wrong or
/// already used code).
pub async fn use_backup_code(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    code: &str,
) -> Result<(), AppError> {
    let digest = ctx.store.backup_code_digest(user_id, code);
    let command = || UserCommand::UseBackupCode {
        digest: digest.clone(),
    };
    verify(ctx, request, user_id, MfaFactor::BackupCode, command).await
}

async fn verify(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    factor: MfaFactor,
    command: impl Fn() -> UserCommand,
) -> Result<(), AppError> {
    let target = Target::factor(user_id, factor);
    if let Some(retry_after_secs) = sentinel::locked(ctx, &target).await? {
        return Err(AppError::Locked { retry_after_secs });
    }
    let method = match factor {
        MfaFactor::Totp => VerificationMethod::Totp,
        MfaFactor::BackupCode => VerificationMethod::BackupCode,
    };
    let policy = crate::sign_in_experience::sentinel_policy(ctx).await?;
    let (target, command) = (&target, &command);
    let ((outcome, lock), _) = transact_with(ctx, request, MAX_ROUNDS, |mut tx: Tx| async move {
        let loaded = tx.state().store.repository().load::<User>(user_id).await?;
        let events = loaded
            .aggregate
            .handle(command(), &tx.ctx)
            .map_err(user_error(user_id))?;
        tx.stage::<User>(user_id, loaded.version, &events);
        let outcome = User::mfa_outcome(&events);
        let mut lock = None;
        if outcome.is_err() {
            lock = sentinel::stage_failure(&mut tx, target, method, Some(user_id), policy).await?;
        }
        Ok((tx, (outcome, lock)))
    })
    .await?;
    match (outcome, lock) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(retry_after_secs)) => Err(AppError::Locked { retry_after_secs }),
        (Err(MfaFailureReason::Mismatch | MfaFailureReason::Replayed), None)
            if factor == MfaFactor::Totp =>
        {
            Err(user_error(user_id)(UserError::InvalidTotpCode))
        }
        (Err(_), None) => Err(invalid_backup_code()),
    }
}

/// Changes some of the user's Logto config (`UserLogtoConfigUpdated`, the whole config as
/// it is afterwards; nothing when nothing changes) and answers it.
pub async fn update_logto_config(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    changes: domain::user::LogtoConfigChanges,
) -> Result<(domain::user::UserLogtoConfigUpdated, Option<Position>), AppError> {
    let (_, at) = transact(ctx, request, |mut tx: Tx| {
        let command = UserCommand::UpdateLogtoConfig(changes.clone());
        async move {
            tx.run::<User>(user_id, vec![command], user_error(user_id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok((logto_config(ctx, user_id).await?, at))
}

/// The user's Logto config (404 `entity.not_exists_with_id` for no such user).
pub async fn logto_config(
    ctx: &AppContext,
    user_id: &str,
) -> Result<domain::user::UserLogtoConfigUpdated, AppError> {
    let loaded = ctx.store.repository().load::<User>(user_id).await?;
    loaded
        .aggregate
        .state()
        .map(|s| s.logto_config.clone())
        .ok_or_else(|| user_error(user_id)(UserError::NotFound))
}

/// What the sign-in MFA policy needs to know of a user: the factors bound (backup codes
/// only while codes are left) and their choices.
pub async fn user_mfa_state(
    ctx: &AppContext,
    user_id: &str,
) -> Result<domain::mfa_policy::UserMfaState, AppError> {
    let loaded = ctx.store.repository().load::<User>(user_id).await?;
    let s = loaded
        .aggregate
        .state()
        .ok_or_else(|| user_error(user_id)(UserError::NotFound))?;
    let mut bound = Vec::new();
    for v in &s.mfa {
        let usable = v.factor() != MfaFactor::BackupCode || v.remaining_codes() > 0;
        if usable && !bound.contains(&v.factor()) {
            bound.push(v.factor());
        }
    }
    Ok(domain::mfa_policy::UserMfaState {
        bound,
        skipped: s.logto_config.mfa.skipped,
        skip_mfa_on_sign_in: s.logto_config.mfa.skip_mfa_on_sign_in,
    })
}

/// The MFA step the sign-in experience's `mfa` setting asks of `user_id` next in an
/// interaction that has done `progress` (`None`: nothing; the interaction may finish).
pub async fn next_step(
    ctx: &AppContext,
    user_id: &str,
    event: domain::mfa_policy::MfaEvent,
    progress: &domain::mfa_policy::MfaProgress,
) -> Result<Option<domain::mfa_policy::MfaStep>, AppError> {
    let settings = crate::sign_in_experience::current(ctx).await?.mfa;
    if settings.enabled().is_empty() {
        return Ok(None);
    }
    let user = user_mfa_state(ctx, user_id).await?;
    Ok(domain::mfa_policy::next_step(
        &settings, &user, progress, event,
    ))
}

/// Whether a user who declined may skip binding under the policy in force
/// (`session.mfa.mfa_policy_not_user_controlled` otherwise).
pub async fn skippable(ctx: &AppContext) -> Result<bool, AppError> {
    let settings = crate::sign_in_experience::current(ctx).await?.mfa;
    Ok(settings.policy.skippable())
}

/// The factors enabled in the sign-in experience.
pub async fn enabled_factors(ctx: &AppContext) -> Result<Vec<MfaFactor>, AppError> {
    Ok(crate::sign_in_experience::current(ctx).await?.mfa.enabled())
}

/// The name an authenticator app shows for the user (Logto's `getUserDisplayName`:
/// username, email, phone, name, else "Unnamed User"), at most 64 characters so the
/// otpauth URI fits a QR code.
pub async fn display_name(ctx: &AppContext, user_id: &str) -> Result<String, AppError> {
    let loaded = ctx.store.repository().load::<User>(user_id).await?;
    let d = loaded
        .aggregate
        .state()
        .map(|s| s.details.clone())
        .unwrap_or_default();
    Ok([d.username, d.primary_email, d.primary_phone, d.name]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_else(|| "Unnamed User".to_owned())
        .chars()
        .take(64)
        .collect())
}
