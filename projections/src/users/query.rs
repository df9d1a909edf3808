//! Logto's list parameters for `GET /api/users`, parsed and validated into a typed query.
//! The api layer hands over the raw query pairs and maps [`QueryError::code`] to a 400.

use std::collections::BTreeMap;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// A first-level user field that `search` / `search.<field>` may match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserField {
    Id,
    PrimaryEmail,
    PrimaryPhone,
    Username,
    Name,
}

impl UserField {
    /// Logto's default search set for users, in Logto's order.
    pub const ALL: [UserField; 5] = [
        Self::Id,
        Self::PrimaryEmail,
        Self::PrimaryPhone,
        Self::Username,
        Self::Name,
    ];

    pub fn from_api_name(name: &str) -> Option<Self> {
        Some(match name {
            "id" => Self::Id,
            "primaryEmail" => Self::PrimaryEmail,
            "primaryPhone" => Self::PrimaryPhone,
            "username" => Self::Username,
            "name" => Self::Name,
            _ => return None,
        })
    }

    pub fn column(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::PrimaryEmail => "primary_email",
            Self::PrimaryPhone => "primary_phone",
            Self::Username => "username",
            Self::Name => "name",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchMode {
    /// SQL `LIKE`; `%` and `_` wildcards are the caller's (Logto's default mode).
    #[default]
    Like,
    /// Equality with any of the given values.
    Exact,
    /// SQL `SIMILAR TO` (Postgres only; case-sensitive, as in Logto).
    SimilarTo,
    /// POSIX regular expression (`~`, or `~*` when case-insensitive; Postgres only).
    Posix,
}

impl MatchMode {
    /// Modes whose SQL only Postgres has.
    pub fn is_postgres_only(self) -> bool {
        matches!(self, Self::SimilarTo | Self::Posix)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Joint {
    #[default]
    Or,
    And,
}

/// One `search` / `search.<field>` parameter: the value(s) matched against its fields
/// (which are OR'ed together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchMatch {
    pub fields: Vec<UserField>,
    pub mode: MatchMode,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    pub matches: Vec<SearchMatch>,
    /// How the matches combine.
    pub joint: Joint,
    pub case_sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
    pub search: Search,
    /// `excludeRoleId`: leave out users holding this role.
    pub exclude_role_id: Option<String>,
    /// Statement timeout of the regular-expression modes (not a query parameter: the
    /// server's setting, `TESSERA_USER_SEARCH_TIMEOUT_MS`).
    pub regex_timeout: std::time::Duration,
}

/// Default of [`UserQuery::regex_timeout`].
pub const DEFAULT_REGEX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl Default for UserQuery {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            search: Search::default(),
            exclude_role_id: None,
            regex_timeout: DEFAULT_REGEX_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("invalid pagination: {0}")]
    InvalidPagination(String),
    #[error("invalid search: {0}")]
    InvalidSearch(String),
}

impl QueryError {
    /// Logto's error code for the 400 body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPagination(_) => "guard.invalid_pagination",
            Self::InvalidSearch(_) => "request.invalid_input",
        }
    }
}

fn parse_positive(key: &str, value: &str, max: u64) -> Result<u64, QueryError> {
    match value.trim().parse::<u64>() {
        Ok(n) if n >= 1 && n <= max => Ok(n),
        _ => Err(QueryError::InvalidPagination(format!(
            "`{key}` must be an integer between 1 and {max}, got {value:?}"
        ))),
    }
}

fn parse_mode(value: &str) -> Result<MatchMode, QueryError> {
    match value {
        "like" => Ok(MatchMode::Like),
        "exact" => Ok(MatchMode::Exact),
        "similar_to" => Ok(MatchMode::SimilarTo),
        "posix" => Ok(MatchMode::Posix),
        other => Err(QueryError::InvalidSearch(format!(
            "unknown search mode `{other}`"
        ))),
    }
}

impl UserQuery {
    /// Parses Logto's query parameters (`page`, `page_size`, `search`, `search.<field>`,
    /// `mode`, `mode.<field>`, `joint`/`jointMode`, `isCaseSensitive`). Other keys are
    /// ignored, as Logto does; repeated keys keep their order.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, QueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = UserQuery::default();
        // Search keys in first-seen order with all their values.
        let mut searches: Vec<(String, Vec<String>)> = Vec::new();
        let mut modes: BTreeMap<String, String> = BTreeMap::new();
        let mut exclude_organization = false;
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            match key {
                "page" => query.page = parse_positive(key, value, u64::from(u32::MAX))?,
                "page_size" => query.page_size = parse_positive(key, value, MAX_PAGE_SIZE)?,
                "joint" | "jointMode" => {
                    query.search.joint = match value {
                        "or" => Joint::Or,
                        "and" => Joint::And,
                        other => {
                            return Err(QueryError::InvalidSearch(format!(
                                "unknown joint mode `{other}`"
                            )))
                        }
                    }
                }
                "isCaseSensitive" => {
                    query.search.case_sensitive = match value {
                        "true" => true,
                        "false" => false,
                        other => {
                            return Err(QueryError::InvalidSearch(format!(
                                "isCaseSensitive must be true or false, got `{other}`"
                            )))
                        }
                    }
                }
                "excludeRoleId" => query.exclude_role_id = Some(value.to_owned()),
                // Tessera has no organizations yet: excluding the members of one excludes
                // nobody, but Logto's rule that the two exclusions do not combine holds.
                "excludeOrganizationId" => exclude_organization = true,
                k if k == "mode" || k.starts_with("mode.") => {
                    modes.insert(k.to_owned(), value.to_owned());
                }
                k if k == "search" || k.starts_with("search.") => {
                    match searches.iter_mut().find(|(existing, _)| existing == k) {
                        Some((_, values)) => values.push(value.to_owned()),
                        None => searches.push((k.to_owned(), vec![value.to_owned()])),
                    }
                }
                _ => {}
            }
        }
        if exclude_organization && query.exclude_role_id.is_some() {
            return Err(QueryError::InvalidSearch(
                "excludeRoleId and excludeOrganizationId cannot be combined".into(),
            ));
        }
        for (key, values) in searches {
            let field = key.strip_prefix("search.");
            let fields = match field {
                None => UserField::ALL.to_vec(),
                Some(name) => vec![UserField::from_api_name(name).ok_or_else(|| {
                    QueryError::InvalidSearch(format!("search field `{name}` is not allowed"))
                })?],
            };
            let mode_key = field.map(|f| format!("mode.{f}"));
            let mode = match mode_key
                .as_ref()
                .and_then(|k| modes.get(k))
                .or_else(|| modes.get("mode"))
            {
                Some(m) => parse_mode(m)?,
                None => MatchMode::default(),
            };
            // Empty values carry no condition (Logto drops them too).
            let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
            if values.is_empty() {
                continue;
            }
            if mode == MatchMode::SimilarTo && !query.search.case_sensitive {
                return Err(QueryError::InvalidSearch(format!(
                    "`{key}`: mode similar_to requires isCaseSensitive=true"
                )));
            }
            if mode != MatchMode::Exact && values.len() > 1 {
                return Err(QueryError::InvalidSearch(format!(
                    "`{key}` takes one value unless its mode is `exact`"
                )));
            }
            query.search.matches.push(SearchMatch {
                fields,
                mode,
                values,
            });
        }
        Ok(query)
    }

    /// Whether a search uses a mode only Postgres can run (`similar_to`, `posix`).
    pub fn needs_postgres(&self) -> bool {
        self.search
            .matches
            .iter()
            .any(|m| m.mode.is_postgres_only())
    }

    /// Rows to skip for this page.
    pub fn offset(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.page_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<UserQuery, QueryError> {
        UserQuery::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn defaults_are_page_1_of_20_with_no_search() {
        assert_eq!(parse(&[]).unwrap(), UserQuery::default());
    }

    #[test]
    fn bad_pagination_is_rejected_with_logtos_code() {
        for (k, v) in [
            ("page", "0"),
            ("page", "x"),
            ("page_size", "101"),
            ("page_size", "-1"),
        ] {
            let err = parse(&[(k, v)]).unwrap_err();
            assert_eq!(err.code(), "guard.invalid_pagination", "{k}={v}");
        }
        assert_eq!(parse(&[("page_size", "100")]).unwrap().page_size, 100);
    }

    #[test]
    fn plain_search_covers_the_default_fields_in_like_mode() {
        let q = parse(&[("search", "%ali%")]).unwrap();
        assert_eq!(
            q.search.matches,
            vec![SearchMatch {
                fields: UserField::ALL.to_vec(),
                mode: MatchMode::Like,
                values: vec!["%ali%".into()]
            }]
        );
        assert!(!q.search.case_sensitive);
    }

    #[test]
    fn field_search_takes_its_own_mode_and_exact_allows_many_values() {
        let q = parse(&[
            ("search.primaryEmail", "a@x.io"),
            ("search.primaryEmail", "b@x.io"),
            ("mode.primaryEmail", "exact"),
            ("search.username", "bo%"),
            ("joint", "and"),
            ("isCaseSensitive", "true"),
        ])
        .unwrap();
        assert_eq!(q.search.matches.len(), 2);
        assert_eq!(q.search.matches[0].mode, MatchMode::Exact);
        assert_eq!(q.search.matches[0].values.len(), 2);
        assert_eq!(q.search.matches[1].mode, MatchMode::Like);
        assert_eq!(q.search.joint, Joint::And);
        assert!(q.search.case_sensitive);
    }

    #[test]
    fn invalid_search_input_is_rejected() {
        for pairs in [
            vec![("search.password", "x")],
            vec![("search.profile.givenName", "x")],
            vec![("search", "a"), ("search", "b")],
            vec![("search", "a"), ("mode", "regex")],
            vec![("search", "a"), ("mode", "similar_to")],
            vec![("excludeRoleId", "r"), ("excludeOrganizationId", "o")],
            vec![("joint", "xor")],
            vec![("isCaseSensitive", "yes")],
        ] {
            let err = parse(&pairs).unwrap_err();
            assert_eq!(err.code(), "request.invalid_input", "{pairs:?}");
        }
    }
}
