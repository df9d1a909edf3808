//! Which language a page speaks (the order is in the module above): pure, so every rule
//! is a unit test.

use domain::sign_in_experience::LanguageInfo;

/// The language of `available` that `tag` asks for: the same tag (any case, `_` for
/// `-`), else the first with the same primary subtag (`fr-CA` → `fr`, `zh` → `zh-CN`).
pub fn matching<'a>(tag: &str, available: &[&'a str]) -> Option<&'a str> {
    let tag = tag.trim().replace('_', "-");
    if tag.is_empty() {
        return None;
    }
    if let Some(exact) = available.iter().find(|a| a.eq_ignore_ascii_case(&tag)) {
        return Some(exact);
    }
    let primary = |t: &str| t.split('-').next().unwrap_or_default().to_ascii_lowercase();
    let wanted = primary(&tag);
    available.iter().find(|a| primary(a) == wanted).copied()
}

/// `Accept-Language`'s tags by preference (highest `q` first, then as sent; `q=0` and
/// `*` dropped).
pub fn accept_language(header: &str) -> Vec<&str> {
    let mut tags: Vec<(&str, f32)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && tag != "*" && q > 0.0).then_some((tag, q))
        })
        .take(16)
        .collect();
    tags.sort_by(|a, b| b.1.total_cmp(&a.1));
    tags.into_iter().map(|(tag, _)| tag).collect()
}

/// The page's language among `available` (the catalogue's and the custom phrases'
/// languages): `ui_locales`, then `Accept-Language` when auto-detect is on, then the
/// fallback language, then English.
pub fn choose(
    ui_locales: &[String],
    accept: Option<&str>,
    info: &LanguageInfo,
    available: &[&str],
) -> String {
    let from_client = ui_locales.iter().find_map(|t| matching(t, available));
    let detected = || {
        accept.filter(|_| info.auto_detect).and_then(|h| {
            accept_language(h)
                .into_iter()
                .find_map(|t| matching(t, available))
        })
    };
    from_client
        .or_else(detected)
        .or_else(|| matching(&info.fallback_language, available))
        .unwrap_or(super::ENGLISH)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::LANGUAGES;

    fn info(auto_detect: bool, fallback: &str) -> LanguageInfo {
        LanguageInfo {
            auto_detect,
            fallback_language: fallback.into(),
        }
    }

    fn locales(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn tags_match_exactly_or_by_primary_subtag() {
        assert_eq!(matching("fr-CA", &LANGUAGES), Some("fr"));
        assert_eq!(matching("zh", &LANGUAGES), Some("zh-CN"));
        assert_eq!(matching("zh_cn", &LANGUAGES), Some("zh-CN"));
        assert_eq!(matching("EN-us", &LANGUAGES), Some("en"));
        assert_eq!(matching("es", &LANGUAGES), None);
        assert_eq!(matching("", &LANGUAGES), None);
    }

    #[test]
    fn accept_language_is_ordered_by_quality() {
        assert_eq!(
            accept_language("de;q=0.5, ja , fr-CH;q=0.9, *;q=0.1, es;q=0"),
            ["ja", "fr-CH", "de"]
        );
        assert_eq!(accept_language("en;q=x, th"), ["th"]);
    }

    #[test]
    fn ui_locales_then_accept_language_then_the_fallback() {
        let on = info(true, "de");
        let pick = |ui: &[&str], accept: Option<&str>, info: &LanguageInfo| {
            choose(&locales(ui), accept, info, &LANGUAGES)
        };
        assert_eq!(pick(&["xx", "fr-CA", "ja"], Some("th"), &on), "fr");
        assert_eq!(pick(&["xx"], Some("es, ja;q=0.8"), &on), "ja");
        assert_eq!(pick(&[], Some("es"), &on), "de");
        assert_eq!(pick(&[], Some("ja"), &info(false, "de")), "de");
        assert_eq!(pick(&[], None, &info(false, "xx-YY")), "en");
        // A custom language is available when the operator made it so.
        let with_es = [&LANGUAGES[..], &["es"]].concat();
        assert_eq!(choose(&[], Some("es-MX"), &on, &with_es), "es");
    }
}
