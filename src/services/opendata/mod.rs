//! Open data and interchange: each published shift as schema.org `JobPosting` JSON-LD (for its
//! page and for `Accept: application/ld+json`), the sitemap of published shifts, CSV export of
//! shifts for staff and CSV import of shifts by stations and portals.

pub mod export;
pub mod import;
pub mod jsonld;
pub mod sitemap;

/// A spreadsheet cell that cannot run as a formula: text a spreadsheet would read as one (`=`,
/// `+`, `-`, `@`, or a tab or carriage return first) is prefixed with `'`, which spreadsheets
/// show as text and do not evaluate (CSV injection).
pub fn inert_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_made_text() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(inert_cell(s), format!("'{s}"), "{s:?}");
        }
        for s in ["", "保洁", "1-2", " =1", "a=1", "'=1"] {
            assert_eq!(inert_cell(s), s, "{s:?}");
        }
    }
}
