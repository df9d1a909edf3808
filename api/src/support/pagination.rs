//! Logto's pagination answer: `Total-Number` and RFC 8288 `Link` headers. The `page` and
//! `page_size` parameters themselves are parsed (and bounded: default 20, max 100) with the
//! rest of the list query by `projections::users::UserQuery`.

use crate::support::error::ApiError;
use projections::users::DEFAULT_PAGE_SIZE;

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
