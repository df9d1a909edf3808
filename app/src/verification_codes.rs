//! One-time codes by email or SMS (`domain::verification_code`): send one to an address,
//! check a guess. The Experience API, the Account API and the hosted pages all go through
//! here, so every path obeys the same code policy and the same lockout.
//!
//! A send is first counted against the address's throttle (`domain::code_sends`: so
//! many per hour, a minimum interval; the count is the address's stream in the shared
//! log, appended in the same batch as the code, so concurrent sends on any node cannot
//! both pass the limit); a refused send makes no code, appends nothing and asks no
//! connector. A send appends `VerificationCodeSent` before the connector is asked (a crash after it
//! leaves a code nobody received, which is harmless; the other order could deliver a code
//! the log never heard of), then `VerificationCodeDeliveryFailed` if the connector fails.
//! A wrong guess appends `VerificationCodeFailed` and the sentinel's `VerificationFailed`
//! for the address in ONE batch, so a guess is never counted on one side only.

use crate::delivery::{self, Channel, CodeMessage, TemplateUsage};
use crate::request::RequestContext;
use crate::sentinel::{self, Target};
use crate::transact::{transact, transact_with, Tx};
use crate::{AppContext, AppError};
use domain::code_sends::{CodeSends, CodeSendsError, CountSend};
use domain::identifier::{Identifier, IdentifierKind};
use domain::sentinel::VerificationMethod;
use domain::verification_code::{
    CodeFailure, VerificationCode, VerificationCodeCommand, VerificationCodeError,
    VerificationCodeSent,
};
use domain::{Aggregate, Timestamp};

/// A guess must be recorded however contended the address's sentinel stream is.
const MAX_ROUNDS: usize = 10_000;

/// A code on its way: the id its guesses name, and when it stops working.
#[derive(Debug, Clone)]
pub struct SentCode {
    pub verification_id: String,
    pub expires_at: Timestamp,
}

fn channel(identifier: &Identifier) -> Result<Channel, AppError> {
    match identifier.kind() {
        IdentifierKind::Email => Ok(Channel::Email),
        IdentifierKind::Phone => Ok(Channel::Sms),
        _ => Err(AppError::invalid_body(
            "identifier: a code can only be sent to an email address or a phone number",
        )),
    }
}

fn refused(e: VerificationCodeError) -> AppError {
    match e {
        VerificationCodeError::NotFound => AppError::BadRequest {
            code: "verification_code.not_found",
            message: "No code was sent under this verification id. Send a code first.".into(),
        },
        VerificationCodeError::AlreadySent => AppError::Conflict,
    }
}

/// What the caller is told about a refused guess (Logto's codes).
fn failure(reason: CodeFailure, kind: IdentifierKind) -> AppError {
    let (code, message) = match reason {
        CodeFailure::Mismatch => (
            "verification_code.code_mismatch",
            "The code is not correct. Check it and try again, or send a new one.",
        ),
        CodeFailure::IdentifierMismatch if kind == IdentifierKind::Phone => (
            "verification_code.phone_mismatch",
            "The code was sent to another phone number. Send a code to this one.",
        ),
        CodeFailure::IdentifierMismatch => (
            "verification_code.email_mismatch",
            "The code was sent to another email address. Send a code to this one.",
        ),
        CodeFailure::Expired => (
            "verification_code.expired",
            "The code has expired. Send a new one.",
        ),
        CodeFailure::Spent => (
            "verification_code.exceed_max_try",
            "This code can no longer be used. Send a new one.",
        ),
    };
    AppError::BadRequest {
        code,
        message: message.into(),
    }
}

/// Refuses while `identifier` is locked by the sentinel.
async fn not_locked(ctx: &AppContext, target: &Target) -> Result<(), AppError> {
    match sentinel::locked(ctx, target).await? {
        Some(retry_after_secs) => Err(AppError::Locked { retry_after_secs }),
        None => Ok(()),
    }
}

/// Sends a new code for `usage` to `identifier` (an email address or a phone number).
/// A connector that is missing or fails is recorded and answered (501 / 502); a send the
/// address's throttle refuses is `TooManyCodeSends` (429), with nothing appended or sent.
pub async fn send(
    ctx: &AppContext,
    request: &RequestContext,
    identifier: &Identifier,
    usage: TemplateUsage,
    locale: Option<String>,
) -> Result<SentCode, AppError> {
    let channel = channel(identifier)?;
    not_locked(ctx, &Target::identifier(ctx, identifier)).await?;
    let policy = ctx.sign_in.code_policy;
    let verification_id = hex(&ctx.random.bytes::<16>());
    let code = policy.code_from(|| ctx.random.bytes::<1>()[0]);
    let expires_at = ctx.clock.now().plus_seconds(policy.ttl_secs);
    let sent = VerificationCodeSent {
        identifier_type: identifier.kind().as_str().to_owned(),
        target: ctx.store.identifier_stream_id(identifier),
        usage: usage.as_str().to_owned(),
        code_digest: ctx.store.verification_code_digest(&verification_id, &code),
        expires_at,
        max_attempts: policy.max_attempts,
    };
    let id = verification_id.as_str();
    let send_policy = ctx.sign_in.send_policy;
    transact(ctx, request, |mut tx: Tx| {
        let sent = sent.clone();
        async move {
            count_send(&mut tx, &sent.target, id, send_policy).await?;
            tx.run::<VerificationCode>(id, vec![VerificationCodeCommand::Send(sent)], refused)
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    let message = CodeMessage {
        channel,
        to: identifier.normalized().to_owned(),
        usage,
        code,
        locale,
        client_ip: request.client_ip.clone(),
    };
    if let Err(e) = delivery::send_code(ctx, message).await {
        tracing::warn!(error = %e, channel = %channel, "a verification code was not delivered");
        let reason = e.to_string();
        transact(ctx, request, |mut tx: Tx| {
            let reason = reason.clone();
            async move {
                tx.run::<VerificationCode>(
                    id,
                    vec![VerificationCodeCommand::RecordDeliveryFailure { reason }],
                    refused,
                )
                .await?;
                Ok((tx, ()))
            }
        })
        .await?;
        return Err(e.into());
    }
    Ok(SentCode {
        verification_id,
        expires_at,
    })
}

/// Stages one send to the address whose digest is `target` on its throttle stream, or
/// refuses it (`TooManyCodeSends`) when the policy allows none now. The stream's version
/// is the batch's expectation: a concurrent send that committed first makes this attempt
/// decide again.
async fn count_send(
    tx: &mut Tx,
    target: &str,
    verification_id: &str,
    policy: domain::code_sends::SendPolicy,
) -> Result<(), AppError> {
    let loaded = tx
        .state()
        .store
        .repository()
        .load_cached::<CodeSends>(target)
        .await?;
    let command = CountSend {
        verification_id: verification_id.to_owned(),
        policy,
    };
    let events = loaded
        .aggregate
        .handle(command, &tx.ctx)
        .map_err(|e| match e {
            CodeSendsError::Throttled { retry_after_secs } => {
                tracing::info!(retry_after_secs, "a verification code send was throttled");
                AppError::TooManyCodeSends { retry_after_secs }
            }
        })?;
    tx.stage::<CodeSends>(target, loaded.version, &events);
    Ok(())
}

/// Checks `code` for the code sent under `verification_id` to `identifier`. A wrong guess
/// counts for the code and for the identifier's lock; `user_id` is whom the identifier
/// names, when the caller knows.
pub async fn verify(
    ctx: &AppContext,
    request: &RequestContext,
    verification_id: &str,
    identifier: &Identifier,
    code: &str,
    user_id: Option<&str>,
) -> Result<(), AppError> {
    channel(identifier)?;
    let target = Target::identifier(ctx, identifier);
    not_locked(ctx, &target).await?;
    if verification_id.is_empty() || verification_id.len() > 64 {
        return Err(refused(VerificationCodeError::NotFound));
    }
    let policy = crate::sign_in_experience::sentinel_policy(ctx).await?;
    let presented = ctx.store.identifier_stream_id(identifier);
    let guess = ctx
        .store
        .verification_code_digest(verification_id, code.trim());
    let target = &target;
    let (outcome, _) = transact_with(ctx, request, MAX_ROUNDS, |mut tx: Tx| {
        let command = VerificationCodeCommand::Verify {
            target: presented.clone(),
            code_digest: guess.clone(),
        };
        async move {
            let loaded = tx
                .state()
                .store
                .repository()
                .load::<VerificationCode>(verification_id)
                .await?;
            let events = loaded.aggregate.handle(command, &tx.ctx).map_err(refused)?;
            tx.stage::<VerificationCode>(verification_id, loaded.version, &events);
            let outcome = VerificationCode::outcome(&events);
            let mut lock = None;
            // A guess at a spent or expired code is no new information; a wrong one is.
            if matches!(
                outcome,
                Err(CodeFailure::Mismatch | CodeFailure::IdentifierMismatch)
            ) {
                lock = sentinel::stage_failure(
                    &mut tx,
                    target,
                    VerificationMethod::VerificationCode,
                    user_id,
                    policy,
                )
                .await?;
            }
            Ok((tx, (outcome, lock)))
        }
    })
    .await?;
    match outcome {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(retry_after_secs)) => Err(AppError::Locked { retry_after_secs }),
        (Err(reason), None) => Err(failure(reason, identifier.kind())),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
