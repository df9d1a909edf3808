use super::events::*;
use super::mfa::{
    check_totp, find_backup_code, valid_totp_secret, BackupCodeMatch, MfaFactor, MfaKind,
    MfaVerification, TotpRefusal,
};
use crate::aggregate::{Aggregate, CommandContext};
use crate::identifier::{Identifier, IdentifierError};
use crate::password::PasswordDigest;
use serde_json::{Map, Value};

/// User details whose identifiers have been validated. Only this type reaches the
/// aggregate, so a stored username, email or phone is always well-formed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserDetails(UserDetailsFields);

impl UserDetails {
    pub fn new(fields: UserDetailsFields) -> Result<Self, IdentifierError> {
        if let Some(username) = &fields.username {
            Identifier::username(username)?;
        }
        if let Some(email) = &fields.primary_email {
            Identifier::email(email)?;
        }
        if let Some(phone) = &fields.primary_phone {
            Identifier::phone(phone)?;
        }
        Ok(Self(fields))
    }

    pub fn fields(&self) -> &UserDetailsFields {
        &self.0
    }

    /// The sign-in identifiers these details hold, each of which must be unique.
    pub fn identifiers(&self) -> Vec<Identifier> {
        identifiers_of(&self.0)
    }
}

/// The identifiers present in `fields`. Fields that reach the log were validated on the way
/// in; one that no longer parses (an erased or legacy value) simply holds no claim.
pub fn identifiers_of(fields: &UserDetailsFields) -> Vec<Identifier> {
    let username = fields.username.as_deref().map(Identifier::username);
    let email = fields.primary_email.as_deref().map(Identifier::email);
    let phone = fields.primary_phone.as_deref().map(Identifier::phone);
    [username, email, phone]
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserState {
    pub details: UserDetailsFields,
    pub custom_data: Map<String, Value>,
    pub password: Option<PasswordDigest>,
    pub application_id: Option<String>,
    pub is_suspended: bool,
    /// User roles held, in assignment order.
    pub role_ids: Vec<String>,
    /// Second factors bound, in binding order.
    pub mfa: Vec<MfaVerification>,
    /// The TOTP secret last generated for the user to bind (Account API), until bound.
    pub pending_totp_secret: Option<String>,
    /// Logto's `logtoConfig`: the user's MFA choices.
    pub logto_config: UserLogtoConfigUpdated,
}

impl UserState {
    pub fn mfa_verification(&self, id: &str) -> Option<&MfaVerification> {
        self.mfa.iter().find(|v| v.id == id)
    }

    fn factor(&self, factor: MfaFactor) -> Option<&MfaVerification> {
        self.mfa.iter().find(|v| v.factor() == factor)
    }
}

/// The aggregate: nothing yet, a live user, or a deleted one (a deleted id is never reused).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum User {
    #[default]
    New,
    Active(Box<UserState>),
    Deleted,
}

pub enum UserCommand {
    Create {
        details: UserDetails,
        custom_data: Map<String, Value>,
        password: Option<PasswordDigest>,
        application_id: Option<String>,
    },
    UpdateDetails(UserDetails),
    UpdateCustomData(Map<String, Value>),
    SetPassword(PasswordDigest),
    /// Replace `verified` (the digest a sign-in just checked) with `new`. If the stored
    /// digest is no longer `verified` (changed meanwhile), nothing happens.
    RehashPassword {
        verified: PasswordDigest,
        new: PasswordDigest,
    },
    SetSuspended(bool),
    /// Role ids must name live `User` roles (checked by the caller); ids already held
    /// are skipped, so assigning them again appends nothing.
    AssignRoles(Vec<String>),
    RemoveRole(String),
    Delete,
    /// Remember a TOTP secret generated for the user to bind (replacing an earlier one).
    GenerateTotpSecret(String),
    /// Bind an authenticator app. With `issued_only`, `secret` must be the one last
    /// generated for the user (the Account API); with `code`, the code must be the
    /// secret's now (and is spent); with `replace`, a TOTP factor already bound is removed
    /// first, otherwise it refuses.
    BindTotp {
        verification_id: String,
        secret: String,
        code: Option<String>,
        /// The step of a code of `secret` the caller already checked (the Experience API
        /// checks the code when it is entered and binds on a later request): spent too.
        confirmed_step: Option<u64>,
        issued_only: bool,
        replace: bool,
    },
    /// Check a code of the bound authenticator app: `MfaTotpUsed` or `MfaVerificationFailed`.
    VerifyTotp {
        code: String,
    },
    /// Bind a set of backup codes (their keyed digests).
    AddBackupCodes {
        verification_id: String,
        digests: Vec<String>,
    },
    /// Use the backup code with this digest: `MfaBackupCodeUsed` or `MfaVerificationFailed`.
    UseBackupCode {
        digest: String,
    },
    RemoveMfaVerification(String),
    /// Change some of the user's Logto config (each `Some` replaces that value); nothing
    /// is recorded when nothing changes.
    UpdateLogtoConfig(LogtoConfigChanges),
}

/// Logto's PATCH of `logtoConfig`: only the values given change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogtoConfigChanges {
    pub mfa_enabled: Option<bool>,
    pub mfa_skipped: Option<bool>,
    pub skip_mfa_on_sign_in: Option<bool>,
    pub passkey_skipped: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("user not found")]
    NotFound,
    #[error("user already exists")]
    AlreadyExists,
    #[error("the user does not hold that role")]
    RoleNotAssigned,
    #[error("the user already has an authenticator app")]
    TotpAlreadyInUse,
    #[error("the TOTP secret is invalid")]
    TotpSecretInvalid,
    #[error("the TOTP code is invalid")]
    InvalidTotpCode,
    #[error("the user already has unused backup codes")]
    BackupCodeAlreadyInUse,
    #[error("backup codes need another factor")]
    BackupCodeCannotBeAlone,
    #[error("no such MFA verification")]
    MfaVerificationNotFound,
    #[error("the user has no {} factor", .0.as_str())]
    FactorNotBound(MfaFactor),
}

impl User {
    pub fn state(&self) -> Option<&UserState> {
        match self {
            Self::Active(state) => Some(state),
            _ => None,
        }
    }

    fn live(&self) -> Result<&UserState, UserError> {
        self.state().ok_or(UserError::NotFound)
    }
}

impl Aggregate for User {
    const STREAM_TYPE: &'static str = "user";
    type Event = UserEvent;
    type Command = UserCommand;
    type Error = UserError;

    fn apply(&mut self, event: &UserEvent) {
        match (event, &mut *self) {
            (UserEvent::UserCreated(e), _) => {
                *self = Self::Active(Box::new(UserState {
                    details: e.details.clone(),
                    custom_data: e.custom_data.clone().unwrap_or_default(),
                    password: e.password.clone(),
                    application_id: e.application_id.clone(),
                    is_suspended: false,
                    role_ids: vec![],
                    mfa: vec![],
                    pending_totp_secret: None,
                    logto_config: UserLogtoConfigUpdated::default(),
                }))
            }
            (UserEvent::UserDetailsUpdated(e), Self::Active(s)) => s.details = e.details.clone(),
            (UserEvent::UserCustomDataUpdated(e), Self::Active(s)) => {
                s.custom_data = e.custom_data.clone().unwrap_or_default()
            }
            (UserEvent::UserPasswordSet(e), Self::Active(s)) => s.password = e.password.clone(),
            (UserEvent::UserPasswordRehashed(e), Self::Active(s)) => {
                s.password = e.password.clone()
            }
            (UserEvent::UserSuspended(_), Self::Active(s)) => s.is_suspended = true,
            (UserEvent::UserUnsuspended(_), Self::Active(s)) => s.is_suspended = false,
            (UserEvent::UserRolesAssigned(e), Self::Active(s)) => {
                for id in &e.role_ids {
                    if !s.role_ids.contains(id) {
                        s.role_ids.push(id.clone());
                    }
                }
            }
            (UserEvent::UserRoleRemoved(e), Self::Active(s)) => {
                s.role_ids.retain(|r| *r != e.role_id)
            }
            (UserEvent::MfaTotpSecretGenerated(e), Self::Active(s)) => {
                s.pending_totp_secret = e.secret.clone()
            }
            (UserEvent::MfaTotpBound(e), Self::Active(s)) => {
                if s.pending_totp_secret.is_some() && s.pending_totp_secret == e.secret {
                    s.pending_totp_secret = None;
                }
                s.mfa.push(MfaVerification {
                    id: e.verification_id.clone(),
                    kind: MfaKind::Totp {
                        secret: e.secret.clone(),
                        last_step: e.step,
                    },
                })
            }
            (UserEvent::MfaTotpUsed(e), Self::Active(s)) => {
                for v in s.mfa.iter_mut().filter(|v| v.id == e.verification_id) {
                    if let MfaKind::Totp { last_step, .. } = &mut v.kind {
                        *last_step = Some(last_step.map_or(e.step, |l| l.max(e.step)));
                    }
                }
            }
            (UserEvent::MfaBackupCodesGenerated(e), Self::Active(s)) => {
                s.mfa.push(MfaVerification {
                    id: e.verification_id.clone(),
                    kind: MfaKind::BackupCode {
                        used: vec![false; e.code_digests.len()],
                        digests: e.code_digests.clone(),
                    },
                })
            }
            (UserEvent::MfaBackupCodeUsed(e), Self::Active(s)) => {
                for v in s.mfa.iter_mut().filter(|v| v.id == e.verification_id) {
                    if let MfaKind::BackupCode { used, .. } = &mut v.kind {
                        if let Some(u) = used.get_mut(e.index) {
                            *u = true;
                        }
                    }
                }
            }
            (UserEvent::MfaVerificationRemoved(e), Self::Active(s)) => {
                s.mfa.retain(|v| v.id != e.verification_id)
            }
            (UserEvent::UserLogtoConfigUpdated(e), Self::Active(s)) => s.logto_config = e.clone(),
            // A failure changes no state (the sentinel counts it).
            (UserEvent::MfaVerificationFailed(_), _) => {}
            (UserEvent::UserDeleted(_), _) => *self = Self::Deleted,
            // An event for a user that is not live changes nothing; the log decides order.
            _ => {}
        }
    }

    fn handle(
        &self,
        command: UserCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<UserEvent>, UserError> {
        let event = match command {
            UserCommand::Create {
                details,
                custom_data,
                password,
                application_id,
            } => {
                if !matches!(self, Self::New) {
                    return Err(UserError::AlreadyExists);
                }
                UserEvent::UserCreated(UserCreated {
                    details: details.0,
                    custom_data: Some(custom_data),
                    password,
                    application_id,
                })
            }
            UserCommand::UpdateDetails(details) => {
                if self.live()?.details == details.0 {
                    return Ok(vec![]);
                }
                UserEvent::UserDetailsUpdated(UserDetailsUpdated { details: details.0 })
            }
            UserCommand::UpdateCustomData(custom_data) => {
                if self.live()?.custom_data == custom_data {
                    return Ok(vec![]);
                }
                UserEvent::UserCustomDataUpdated(UserCustomDataUpdated {
                    custom_data: Some(custom_data),
                })
            }
            UserCommand::SetPassword(password) => {
                self.live()?;
                UserEvent::UserPasswordSet(UserPasswordSet {
                    password: Some(password),
                })
            }
            UserCommand::RehashPassword { verified, new } => {
                if self.live()?.password.as_ref() != Some(&verified) {
                    return Ok(vec![]);
                }
                UserEvent::UserPasswordRehashed(UserPasswordRehashed {
                    from_algorithm: verified.algorithm,
                    password: Some(new),
                })
            }
            UserCommand::SetSuspended(suspend) => {
                if self.live()?.is_suspended == suspend {
                    return Ok(vec![]);
                }
                if suspend {
                    UserEvent::UserSuspended(UserSuspended {})
                } else {
                    UserEvent::UserUnsuspended(UserUnsuspended {})
                }
            }
            UserCommand::AssignRoles(ids) => {
                let held = &self.live()?.role_ids;
                let mut new: Vec<String> = Vec::new();
                for id in ids {
                    if !held.contains(&id) && !new.contains(&id) {
                        new.push(id);
                    }
                }
                if new.is_empty() {
                    return Ok(vec![]);
                }
                UserEvent::UserRolesAssigned(UserRolesAssigned { role_ids: new })
            }
            UserCommand::RemoveRole(role_id) => {
                if !self.live()?.role_ids.contains(&role_id) {
                    return Err(UserError::RoleNotAssigned);
                }
                UserEvent::UserRoleRemoved(UserRoleRemoved { role_id })
            }
            UserCommand::Delete => {
                self.live()?;
                UserEvent::UserDeleted(UserDeleted {})
            }
            UserCommand::UpdateLogtoConfig(changes) => {
                let before = &self.live()?.logto_config;
                let mut after = before.clone();
                if let Some(v) = changes.mfa_enabled {
                    after.mfa.enabled = Some(v);
                }
                if let Some(v) = changes.mfa_skipped {
                    after.mfa.skipped = v;
                }
                if let Some(v) = changes.skip_mfa_on_sign_in {
                    after.mfa.skip_mfa_on_sign_in = v;
                }
                if let Some(v) = changes.passkey_skipped {
                    after.passkey_sign_in.skipped = v;
                }
                if after == *before {
                    return Ok(vec![]);
                }
                UserEvent::UserLogtoConfigUpdated(after)
            }
            UserCommand::GenerateTotpSecret(secret) => {
                self.live()?;
                UserEvent::MfaTotpSecretGenerated(MfaTotpSecretGenerated {
                    secret: Some(secret),
                })
            }
            UserCommand::BindTotp {
                verification_id,
                secret,
                code,
                confirmed_step,
                issued_only,
                replace,
            } => {
                let input = (code, confirmed_step);
                return self.bind_totp(verification_id, secret, input, issued_only, replace, ctx);
            }
            UserCommand::VerifyTotp { code } => {
                let s = self.live()?;
                let v = s
                    .factor(MfaFactor::Totp)
                    .ok_or(UserError::FactorNotBound(MfaFactor::Totp))?;
                let MfaKind::Totp { secret, last_step } = &v.kind else {
                    return Err(UserError::FactorNotBound(MfaFactor::Totp));
                };
                // An erased secret matches nothing.
                let secret = secret.as_deref().unwrap_or_default();
                match check_totp(secret, &code, ctx.now, *last_step) {
                    Ok(step) => UserEvent::MfaTotpUsed(MfaTotpUsed {
                        verification_id: v.id.clone(),
                        factor: MfaFactor::Totp,
                        step,
                    }),
                    Err(refusal) => UserEvent::MfaVerificationFailed(MfaVerificationFailed {
                        verification_id: v.id.clone(),
                        factor: MfaFactor::Totp,
                        reason: match refusal {
                            TotpRefusal::Mismatch => MfaFailureReason::Mismatch,
                            TotpRefusal::Replayed => MfaFailureReason::Replayed,
                        },
                    }),
                }
            }
            UserCommand::AddBackupCodes {
                verification_id,
                digests,
            } => {
                let s = self.live()?;
                // Logto: one set with codes left at a time, and never the only factor.
                if s.mfa
                    .iter()
                    .any(|v| v.factor() == MfaFactor::BackupCode && v.remaining_codes() > 0)
                {
                    return Err(UserError::BackupCodeAlreadyInUse);
                }
                if !s.mfa.iter().any(|v| v.factor() != MfaFactor::BackupCode) {
                    return Err(UserError::BackupCodeCannotBeAlone);
                }
                UserEvent::MfaBackupCodesGenerated(MfaBackupCodesGenerated {
                    verification_id,
                    factor: MfaFactor::BackupCode,
                    code_digests: digests,
                })
            }
            UserCommand::UseBackupCode { digest } => {
                let s = self.live()?;
                let sets: Vec<&MfaVerification> = s
                    .mfa
                    .iter()
                    .filter(|v| v.factor() == MfaFactor::BackupCode)
                    .collect();
                let Some(last) = sets.last() else {
                    return Err(UserError::FactorNotBound(MfaFactor::BackupCode));
                };
                let mut outcome = (last.id.clone(), BackupCodeMatch::None);
                for v in &sets {
                    if let MfaKind::BackupCode { digests, used } = &v.kind {
                        match find_backup_code(digests, used, &digest) {
                            BackupCodeMatch::None => {}
                            found => outcome = (v.id.clone(), found),
                        }
                    }
                }
                match outcome {
                    (verification_id, BackupCodeMatch::Unused(index)) => {
                        UserEvent::MfaBackupCodeUsed(MfaBackupCodeUsed {
                            verification_id,
                            factor: MfaFactor::BackupCode,
                            index,
                        })
                    }
                    (verification_id, found) => {
                        UserEvent::MfaVerificationFailed(MfaVerificationFailed {
                            verification_id,
                            factor: MfaFactor::BackupCode,
                            reason: if found == BackupCodeMatch::Used {
                                MfaFailureReason::AlreadyUsed
                            } else {
                                MfaFailureReason::Mismatch
                            },
                        })
                    }
                }
            }
            UserCommand::RemoveMfaVerification(id) => {
                let v = self
                    .live()?
                    .mfa_verification(&id)
                    .ok_or(UserError::MfaVerificationNotFound)?;
                UserEvent::MfaVerificationRemoved(MfaVerificationRemoved {
                    verification_id: v.id.clone(),
                    factor: v.factor(),
                })
            }
        };
        Ok(vec![event])
    }
}

impl User {
    fn bind_totp(
        &self,
        verification_id: String,
        secret: String,
        (code, confirmed_step): (Option<String>, Option<u64>),
        issued_only: bool,
        replace: bool,
        ctx: &CommandContext,
    ) -> Result<Vec<UserEvent>, UserError> {
        let s = self.live()?;
        let existing = s.factor(MfaFactor::Totp);
        if existing.is_some() && !replace {
            return Err(UserError::TotpAlreadyInUse);
        }
        if !valid_totp_secret(&secret)
            || (issued_only && s.pending_totp_secret.as_deref() != Some(secret.as_str()))
        {
            return Err(UserError::TotpSecretInvalid);
        }
        let step = match code {
            Some(code) => Some(
                check_totp(&secret, &code, ctx.now, None)
                    .map_err(|_| UserError::InvalidTotpCode)?,
            ),
            None => confirmed_step,
        };
        let mut events = Vec::new();
        if let Some(old) = existing {
            events.push(UserEvent::MfaVerificationRemoved(MfaVerificationRemoved {
                verification_id: old.id.clone(),
                factor: MfaFactor::Totp,
            }));
        }
        events.push(UserEvent::MfaTotpBound(MfaTotpBound {
            verification_id,
            factor: MfaFactor::Totp,
            secret: Some(secret),
            step,
        }));
        Ok(events)
    }

    /// What a `VerifyTotp` or `UseBackupCode` decided: `Err` with the reason when it
    /// recorded a failure.
    pub fn mfa_outcome(events: &[UserEvent]) -> Result<(), MfaFailureReason> {
        match events.iter().find_map(|e| match e {
            UserEvent::MfaVerificationFailed(f) => Some(f.reason),
            _ => None,
        }) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{given, CTX};

    fn details(username: &str) -> UserDetailsFields {
        UserDetailsFields {
            username: Some(username.into()),
            ..Default::default()
        }
    }

    fn create(username: &str) -> UserCommand {
        UserCommand::Create {
            details: UserDetails::new(details(username)).unwrap(),
            custom_data: Map::new(),
            password: None,
            application_id: None,
        }
    }

    fn created(username: &str) -> UserEvent {
        UserEvent::UserCreated(UserCreated {
            details: details(username),
            custom_data: Some(Map::new()),
            password: None,
            application_id: None,
        })
    }

    fn suspended(on: bool) -> UserEvent {
        if on {
            UserEvent::UserSuspended(UserSuspended {})
        } else {
            UserEvent::UserUnsuspended(UserUnsuspended {})
        }
    }

    const DELETED: UserEvent = UserEvent::UserDeleted(UserDeleted {});

    #[test]
    fn a_user_is_created_once_and_then_refuses_a_second_creation() {
        let user = given::<User>([])
            .when(create("alice"))
            .then([created("alice")])
            .when(create("alice"))
            .then_error(UserError::AlreadyExists);
        assert_eq!(
            user.state().unwrap().details.username.as_deref(),
            Some("alice")
        );
    }

    #[test]
    fn suspension_toggles_and_repeats_are_no_ops() {
        let user = given::<User>([created("bob")])
            .when(UserCommand::SetSuspended(true))
            .then([suspended(true)])
            .when(UserCommand::SetSuspended(true))
            .then_nothing();
        assert!(user.state().unwrap().is_suspended);
        let user = user
            .when(UserCommand::SetSuspended(false))
            .then([suspended(false)]);
        assert!(!user.state().unwrap().is_suspended);
    }

    #[test]
    fn a_deleted_user_accepts_no_commands_and_cannot_be_recreated() {
        given::<User>([created("carol")])
            .when(UserCommand::Delete)
            .then([DELETED])
            .when(UserCommand::Delete)
            .then_error(UserError::NotFound)
            .when(create("carol"))
            .then_error(UserError::AlreadyExists);
    }

    #[test]
    fn commands_on_a_missing_user_are_not_found() {
        given::<User>([])
            .when(UserCommand::SetSuspended(true))
            .then_error(UserError::NotFound);
        assert_eq!(
            User::default().handle(UserCommand::SetSuspended(true), &CTX),
            Err(UserError::NotFound)
        );
    }

    #[test]
    fn roles_are_assigned_once_and_removed_only_if_held() {
        let user = given::<User>([created("dave")])
            .when(UserCommand::AssignRoles(vec![
                "r1".into(),
                "r2".into(),
                "r1".into(),
            ]))
            .then([UserEvent::UserRolesAssigned(UserRolesAssigned {
                role_ids: vec!["r1".into(), "r2".into()],
            })])
            .when(UserCommand::AssignRoles(vec!["r2".into()]))
            .then_nothing()
            .when(UserCommand::RemoveRole("r1".into()))
            .then([UserEvent::UserRoleRemoved(UserRoleRemoved {
                role_id: "r1".into(),
            })]);
        assert_eq!(user.state().unwrap().role_ids, vec!["r2"]);
        user.when(UserCommand::RemoveRole("r1".into()))
            .then_error(UserError::RoleNotAssigned);
    }

    #[test]
    fn roles_of_a_missing_or_deleted_user_are_not_found() {
        given::<User>([])
            .when(UserCommand::AssignRoles(vec!["r".into()]))
            .then_error(UserError::NotFound);
        given::<User>([created("erin"), DELETED])
            .when(UserCommand::RemoveRole("r".into()))
            .then_error(UserError::NotFound);
    }

    #[test]
    fn a_rehash_replaces_only_the_digest_that_was_verified() {
        use crate::password::{PasswordAlgorithm, PasswordDigest};
        let md5 = PasswordDigest {
            algorithm: PasswordAlgorithm::Md5,
            digest: "ff26274020980b9319bc596f81ff110a".into(),
        };
        let new = PasswordDigest {
            algorithm: PasswordAlgorithm::Argon2id,
            digest: "$argon2id$new".into(),
        };
        let rehash = || UserCommand::RehashPassword {
            verified: md5.clone(),
            new: new.clone(),
        };
        let user = given::<User>([created("frank")])
            .when(UserCommand::SetPassword(md5.clone()))
            .then([UserEvent::UserPasswordSet(UserPasswordSet {
                password: Some(md5.clone()),
            })])
            .when(rehash())
            .then([UserEvent::UserPasswordRehashed(UserPasswordRehashed {
                from_algorithm: PasswordAlgorithm::Md5,
                password: Some(new.clone()),
            })]);
        assert_eq!(user.state().unwrap().password.as_ref(), Some(&new));
        // The MD5 digest is gone: a second (racing) rehash of it changes nothing.
        user.when(rehash()).then_nothing();
    }

    mod mfa {
        use super::*;
        use crate::testing::NOW;
        use crate::user::mfa::{totp_code, totp_step};

        const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        const OTHER: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

        fn code_now() -> String {
            totp_code(SECRET, totp_step(NOW)).unwrap()
        }

        fn bind(
            secret: &str,
            code: Option<String>,
            issued_only: bool,
            replace: bool,
        ) -> UserCommand {
            UserCommand::BindTotp {
                verification_id: "t1".into(),
                secret: secret.into(),
                code,
                confirmed_step: None,
                issued_only,
                replace,
            }
        }

        fn bound(id: &str, secret: &str, step: Option<u64>) -> UserEvent {
            UserEvent::MfaTotpBound(MfaTotpBound {
                verification_id: id.into(),
                factor: MfaFactor::Totp,
                secret: Some(secret.into()),
                step,
            })
        }

        fn failed(id: &str, factor: MfaFactor, reason: MfaFailureReason) -> UserEvent {
            UserEvent::MfaVerificationFailed(MfaVerificationFailed {
                verification_id: id.into(),
                factor,
                reason,
            })
        }

        #[test]
        fn the_account_binds_only_the_secret_generated_for_it_and_spends_the_code() {
            let generated = UserEvent::MfaTotpSecretGenerated(MfaTotpSecretGenerated {
                secret: Some(SECRET.into()),
            });
            let user = given::<User>([created("ann")])
                .when(bind(SECRET, Some(code_now()), true, false))
                .then_error(UserError::TotpSecretInvalid)
                .when(UserCommand::GenerateTotpSecret(SECRET.into()))
                .then([generated])
                .when(bind(OTHER, None, true, false))
                .then_error(UserError::TotpSecretInvalid)
                .when(bind(SECRET, Some("000000".into()), true, false))
                .then_error(UserError::InvalidTotpCode)
                .when(bind(SECRET, Some(code_now()), true, false))
                .then([bound("t1", SECRET, Some(totp_step(NOW)))]);
            assert_eq!(user.state().unwrap().pending_totp_secret, None);
            // The binding's code is spent: presenting it again is a replay.
            let user = user
                .when(UserCommand::VerifyTotp { code: code_now() })
                .then([failed("t1", MfaFactor::Totp, MfaFailureReason::Replayed)]);
            // One authenticator app at a time, unless replacing.
            let user = user
                .when(bind(OTHER, None, false, false))
                .then_error(UserError::TotpAlreadyInUse);
            let mut replace = bind(OTHER, None, false, true);
            if let UserCommand::BindTotp {
                verification_id, ..
            } = &mut replace
            {
                *verification_id = "t2".into();
            }
            user.when(replace).then([
                UserEvent::MfaVerificationRemoved(MfaVerificationRemoved {
                    verification_id: "t1".into(),
                    factor: MfaFactor::Totp,
                }),
                bound("t2", OTHER, None),
            ]);
        }

        #[test]
        fn a_totp_code_works_once() {
            let step = totp_step(NOW);
            let user = given::<User>([created("bo"), bound("t1", SECRET, None)])
                .when(UserCommand::VerifyTotp { code: "123".into() })
                .then([failed("t1", MfaFactor::Totp, MfaFailureReason::Mismatch)])
                .when(UserCommand::VerifyTotp { code: code_now() })
                .then([UserEvent::MfaTotpUsed(MfaTotpUsed {
                    verification_id: "t1".into(),
                    factor: MfaFactor::Totp,
                    step,
                })])
                .when(UserCommand::VerifyTotp { code: code_now() })
                .then([failed("t1", MfaFactor::Totp, MfaFailureReason::Replayed)]);
            // The next step's code is still good.
            user.at(NOW.plus_seconds(30))
                .when(UserCommand::VerifyTotp {
                    code: totp_code(SECRET, step + 1).unwrap(),
                })
                .then_with(|events| assert!(User::mfa_outcome(events).is_ok()));
        }

        #[test]
        fn backup_codes_need_another_factor_and_each_works_once() {
            let add = || UserCommand::AddBackupCodes {
                verification_id: "b1".into(),
                digests: vec!["d0".into(), "d1".into()],
            };
            let generated = UserEvent::MfaBackupCodesGenerated(MfaBackupCodesGenerated {
                verification_id: "b1".into(),
                factor: MfaFactor::BackupCode,
                code_digests: vec!["d0".into(), "d1".into()],
            });
            let use_code = |d: &str| UserCommand::UseBackupCode { digest: d.into() };
            let used = |i: usize| {
                UserEvent::MfaBackupCodeUsed(MfaBackupCodeUsed {
                    verification_id: "b1".into(),
                    factor: MfaFactor::BackupCode,
                    index: i,
                })
            };
            given::<User>([created("cy")])
                .when(add())
                .then_error(UserError::BackupCodeCannotBeAlone)
                .when(use_code("d0"))
                .then_error(UserError::FactorNotBound(MfaFactor::BackupCode));
            let user = given::<User>([created("cy"), bound("t1", SECRET, None)])
                .when(add())
                .then([generated])
                .when(add())
                .then_error(UserError::BackupCodeAlreadyInUse)
                .when(use_code("d1"))
                .then([used(1)])
                .when(use_code("d1"))
                .then([failed(
                    "b1",
                    MfaFactor::BackupCode,
                    MfaFailureReason::AlreadyUsed,
                )])
                .when(use_code("nope"))
                .then([failed(
                    "b1",
                    MfaFactor::BackupCode,
                    MfaFailureReason::Mismatch,
                )])
                .when(use_code("d0"))
                .then([used(0)]);
            assert_eq!(user.state().unwrap().mfa[1].remaining_codes(), 0);
            // A spent set no longer blocks a new one (Logto keeps the spent set listed).
            user.when(add()).then_with(|e| assert_eq!(e.len(), 1));
        }

        #[test]
        fn removal_names_the_factor() {
            given::<User>([created("di"), bound("t1", SECRET, None)])
                .when(UserCommand::RemoveMfaVerification("nope".into()))
                .then_error(UserError::MfaVerificationNotFound)
                .when(UserCommand::RemoveMfaVerification("t1".into()))
                .then([UserEvent::MfaVerificationRemoved(MfaVerificationRemoved {
                    verification_id: "t1".into(),
                    factor: MfaFactor::Totp,
                })])
                .when(UserCommand::VerifyTotp { code: code_now() })
                .then_error(UserError::FactorNotBound(MfaFactor::Totp));
        }
    }

    #[test]
    fn details_must_hold_well_formed_identifiers() {
        let bad = UserDetailsFields {
            primary_email: Some("not an email".into()),
            ..Default::default()
        };
        assert!(UserDetails::new(bad).is_err());
    }
}
