//! A token request's body, decoded once: every parameter by name, the `resource`
//! indicators (RFC 8707; the parameter may repeat, and Logto also splits a comma-separated
//! value), and which parameters were repeated. The grants read their typed requests from
//! it (`TokenGrant::parse`).

use crate::oidc::client_auth::{body_pairs, resource_indicators};
use crate::oidc::error::{OAuthCode, OAuthError};
use actix_web::HttpRequest;
use std::collections::hash_map::{Entry, HashMap};

/// Parameters refused when repeated whatever the grant: the ones the endpoint reads
/// before any grant does. The user grants refuse every repeated parameter
/// (`TokenGrant::EVERY_PARAMETER_ONCE`).
pub const ALWAYS_SINGLE: [&str; 4] = ["grant_type", "client_id", "client_secret", "scope"];

#[derive(Default)]
pub struct TokenForm {
    params: HashMap<String, String>,
    resources: Vec<String>,
    /// The first parameter (other than `resource`) that appeared a second time.
    repeated: Option<String>,
}

fn appears_twice(name: &str) -> OAuthError {
    OAuthError::invalid_request(format!("parameter {name} appears more than once"))
}

impl TokenForm {
    /// The body of `req`: a form, or a JSON object (`client_auth::body_pairs`).
    pub fn decode(req: &HttpRequest, body: &[u8]) -> Result<Self, OAuthError> {
        Self::from_pairs(body_pairs(req, body)?)
    }

    /// The form of `pairs`; the first repeat of an [`ALWAYS_SINGLE`] parameter is
    /// `invalid_request`, other repeats are remembered for the grants that refuse them.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, OAuthError> {
        let mut form = Self::default();
        for (name, value) in pairs {
            if name == "resource" {
                form.resources.extend(resource_indicators(&value));
                continue;
            }
            match form.params.entry(name) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(taken) => {
                    let name = taken.key();
                    if ALWAYS_SINGLE.contains(&name.as_str()) {
                        return Err(appears_twice(name));
                    }
                    form.repeated.get_or_insert_with(|| name.clone());
                }
            }
        }
        Ok(form)
    }

    pub fn grant_type(&self) -> Result<&str, OAuthError> {
        self.required("grant_type")
    }

    /// `invalid_request` naming the first repeated parameter, if any.
    pub fn refuse_repeated(&self) -> Result<(), OAuthError> {
        match &self.repeated {
            Some(name) => Err(appears_twice(name)),
            None => Ok(()),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The parameter `name`, or `invalid_request` ("missing `name`").
    pub fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("missing {name}")))
    }

    /// The one resource indicator asked for, if any; several are `invalid_target`.
    pub fn resource(&self) -> Result<Option<&str>, OAuthError> {
        match self.resources.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(OAuthError::new(
                OAuthCode::InvalidTarget,
                "only one resource indicator may be requested",
            )),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The form of a body given as pairs, as the endpoint decodes it.
    pub fn form(pairs: &[(&str, &str)]) -> Result<TokenForm, OAuthError> {
        TokenForm::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The description of a refusal, and that it is `code`.
    pub fn refusal<T>(result: Result<T, OAuthError>, code: OAuthCode) -> String {
        match result {
            Ok(_) => panic!("expected {}", code.as_str()),
            Err(e) => {
                assert_eq!(e.code, code, "{}", e.description);
                e.description
            }
        }
    }

    #[test]
    fn always_single_parameters_are_refused_when_repeated() {
        for name in ALWAYS_SINGLE {
            let e = form(&[("code", "c"), (name, "a"), ("code", "d"), (name, "b")]);
            assert_eq!(
                refusal(e, OAuthCode::InvalidRequest),
                format!("parameter {name} appears more than once")
            );
        }
    }

    #[test]
    fn other_repeats_are_remembered_and_the_first_is_named() {
        let f = form(&[
            ("grant_type", "authorization_code"),
            ("code", "a"),
            ("foo", "1"),
            ("foo", "2"),
            ("code", "b"),
        ])
        .unwrap();
        assert_eq!(f.get("code"), Some("a"));
        assert_eq!(
            refusal(f.refuse_repeated(), OAuthCode::InvalidRequest),
            "parameter foo appears more than once"
        );
        assert!(form(&[("code", "a")]).unwrap().refuse_repeated().is_ok());
    }

    /// A repeat of an always-single parameter wins over an earlier repeat of another, as
    /// when the endpoint checked those first.
    #[test]
    fn an_always_single_repeat_is_named_before_an_earlier_other_one() {
        let e = form(&[("code", "a"), ("code", "b"), ("scope", "x"), ("scope", "y")]);
        assert_eq!(
            refusal(e, OAuthCode::InvalidRequest),
            "parameter scope appears more than once"
        );
    }

    #[test]
    fn grant_type_is_required() {
        let f = form(&[("client_id", "c")]).unwrap();
        assert_eq!(
            refusal(f.grant_type(), OAuthCode::InvalidRequest),
            "missing grant_type"
        );
        let f = form(&[("grant_type", "refresh_token")]).unwrap();
        assert_eq!(f.grant_type().unwrap(), "refresh_token");
    }

    #[test]
    fn resources_repeat_and_split_at_commas() {
        let f = form(&[
            ("resource", " https://a , ,https://b"),
            ("resource", "https://c"),
        ])
        .unwrap();
        assert_eq!(f.resources, ["https://a", "https://b", "https://c"]);
        assert!(f.refuse_repeated().is_ok());
        assert_eq!(
            refusal(f.resource(), OAuthCode::InvalidTarget),
            "only one resource indicator may be requested"
        );
        let one = form(&[("resource", "https://a,")]).unwrap();
        assert_eq!(one.resource().unwrap(), Some("https://a"));
        let none = form(&[("resource", " , ")]).unwrap();
        assert_eq!(none.resource().unwrap(), None);
    }

    mod proptests {
        use super::*;
        use crate::oidc::client_auth::parse_pairs;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// The refusal of repeated parameters is the one the endpoint gave when it
            /// parsed twice: first the always-single parameters (for every grant), then,
            /// for the user grants, every parameter but `resource` (`parse_pairs`).
            #[test]
            fn repeats_are_refused_as_by_the_two_parses_before(
                pairs in prop::collection::vec(
                    (prop::sample::select(vec!["grant_type", "client_id", "scope", "resource", "code", "foo"]), "[ -~]{0,6}"),
                    0..8,
                )
            ) {
                let pairs: Vec<(String, String)> =
                    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                let first_repeat = |single: &dyn Fn(&str) -> bool| {
                    pairs.iter().enumerate().find_map(|(i, (k, _))| {
                        (single(k.as_str()) && pairs[..i].iter().any(|(o, _)| o == k)).then(|| k.clone())
                    })
                };
                let always = first_repeat(&|k| ALWAYS_SINGLE.contains(&k));
                match TokenForm::from_pairs(pairs.clone()) {
                    Err(e) => prop_assert_eq!(
                        Some(e.description),
                        always.map(|k| format!("parameter {k} appears more than once"))
                    ),
                    Ok(form) => {
                        prop_assert!(always.is_none());
                        let strict = form.refuse_repeated().err().map(|e| e.description);
                        let before = parse_pairs(pairs.clone()).err().map(|e| e.description);
                        prop_assert_eq!(strict, before);
                        let resources = parse_pairs(
                            pairs.into_iter().filter(|(k, _)| k == "resource").collect(),
                        );
                        prop_assert_eq!(Some(form.resources), resources.ok().map(|f| f.resources));
                    }
                }
            }
        }
    }
}
