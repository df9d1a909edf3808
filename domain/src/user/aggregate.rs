use super::events::*;
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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("user not found")]
    NotFound,
    #[error("user already exists")]
    AlreadyExists,
    #[error("the user does not hold that role")]
    RoleNotAssigned,
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
            (UserEvent::UserDeleted(_), _) => *self = Self::Deleted,
            // An event for a user that is not live changes nothing; the log decides order.
            _ => {}
        }
    }

    fn handle(
        &self,
        command: UserCommand,
        _ctx: &CommandContext,
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
        };
        Ok(vec![event])
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

    #[test]
    fn details_must_hold_well_formed_identifiers() {
        let bad = UserDetailsFields {
            primary_email: Some("not an email".into()),
            ..Default::default()
        };
        assert!(UserDetails::new(bad).is_err());
    }
}
