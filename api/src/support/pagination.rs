//! Logto's pagination: the optional `page`/`page_size` of the list routes ([`page`]) and
//! the answer's `Total-Number` and RFC 8288 `Link` headers ([`list_response`]). The `page` and
//! `page_size` parameters themselves are parsed (and bounded: default 20, max 100) with the
//! rest of the list query by `projections::users::UserQuery`.

use crate::support::error::ApiError;
use actix_web::http::header::{HeaderName, LINK};
use actix_web::{HttpRequest, HttpResponse};
use app::AppError;
use projections::users::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use projections::Window;
use serde::Serialize;

const TOTAL_NUMBER: HeaderName = HeaderName::from_static("total-number");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl Page {
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.page_size)
    }

    /// The number of the last page (1 when there is nothing).
    pub fn last_page(&self, total: u64) -> u64 {
        total.div_ceil(self.page_size).max(1)
    }

    /// `Link` header values: `first`, `prev` (page > 1), `next` (more pages), `last`.
    /// `base` is the absolute URL of the list without a query; `pairs` are the request's
    /// query pairs, kept except for `page`.
    pub fn links(&self, base: &str, pairs: &[(String, String)], total: u64) -> Vec<String> {
        let last = self.last_page(total);
        let link = |page: u64, rel: &str| {
            let mut query: Vec<(String, String)> =
                pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
            query.push(("page".into(), page.to_string()));
            let query = serde_urlencoded::to_string(&query).unwrap_or_default();
            format!("<{base}?{query}>; rel=\"{rel}\"")
        };
        let mut links = vec![link(1, "first")];
        if self.page > 1 {
            links.push(link(self.page - 1, "prev"));
        }
        if self.page < last {
            links.push(link(self.page + 1, "next"));
        }
        links.push(link(last, "last"));
        links
    }
}

/// Decodes a raw query string into pairs, keeping repeated keys in order.
pub fn query_pairs(query: &str) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .map_err(|e| ApiError::invalid_query(format!("query string: {e}")))
}

/// Logto's pagination parameters. `None` when neither `page` nor `page_size` is given
/// and `always` is false (the routes whose lists are unpaginated by default).
pub fn page(pairs: &[(String, String)], always: bool) -> Result<Option<Page>, ApiError> {
    let get = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v);
    let (page, size) = (get("page"), get("page_size"));
    if page.is_none() && size.is_none() && !always {
        return Ok(None);
    }
    let parse = |key: &str, value: Option<&String>, default: u64, max: u64| match value {
        None => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(AppError::InvalidPagination {
                details: format!("{key}: expected an integer between 1 and {max}"),
            }),
        },
    };
    Ok(Some(Page {
        page: parse("page", page, 1, 1_000_000_000)?,
        page_size: parse("page_size", size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
    }))
}

pub fn window(page: Option<Page>) -> Option<Window> {
    page.map(|p| Window {
        limit: p.page_size,
        offset: p.offset(),
    })
}

/// A list response: the bare array, plus `Total-Number` and `Link` when paginated.
pub fn list_response<T: Serialize>(
    endpoint: &str,
    req: &HttpRequest,
    pairs: &[(String, String)],
    page: Option<Page>,
    items: &[T],
    total: u64,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(page) = page {
        let base = format!("{}{}", endpoint.trim_end_matches('/'), req.path());
        response.insert_header((TOTAL_NUMBER, total.to_string()));
        for link in page.links(&base, pairs, total) {
            response.append_header((LINK, link));
        }
    }
    response.json(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        query_pairs(q).unwrap()
    }

    #[test]
    fn links_follow_logto() {
        let page = Page {
            page: 2,
            page_size: 2,
        };
        let links = page.links(
            "http://h/api/users",
            &pairs("search=a%25&page=2&page_size=2"),
            5,
        );
        assert_eq!(
            links,
            vec![
                "<http://h/api/users?search=a%25&page_size=2&page=1>; rel=\"first\"",
                "<http://h/api/users?search=a%25&page_size=2&page=1>; rel=\"prev\"",
                "<http://h/api/users?search=a%25&page_size=2&page=3>; rel=\"next\"",
                "<http://h/api/users?search=a%25&page_size=2&page=3>; rel=\"last\"",
            ]
        );
        let only = Page::default().links("http://h/api/users", &[], 0);
        assert_eq!(only.len(), 2);
    }
}
