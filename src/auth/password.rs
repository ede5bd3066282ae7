use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

use crate::error::Invalid;

/// The most common passwords of 8 or more characters (from zxcvbn's list; licence beside the file).
const COMMON: &str = include_str!("../../config/common_passwords.txt");

fn common_passwords() -> &'static std::collections::HashSet<String> {
    static SET: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON.lines().map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty()).collect())
}

/// No composition rules (long passphrases beat them, and workers type on phones), but a minimum
/// length, not one character repeated, and not one of the passwords everybody tries first
/// (compared case-insensitively, so `PASSWORD1` is as refused as `password1`).
pub fn validate(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    let mut chars = password.chars();
    let first = chars.next();
    if n < 8 {
        Err(Invalid::new("too_short", "密码至少 8 位", "password must be at least 8 characters"))
    } else if n > 128 {
        Err(Invalid::new("too_long", "密码不能超过 128 位", "password must be at most 128 characters"))
    } else if chars.all(|c| Some(c) == first) {
        Err(Invalid::new("repeated_character", "密码不能全部是同一个字符", "password must not be one character repeated"))
    } else if common_passwords().contains(&password.to_lowercase()) {
        Err(Invalid::new("common_password", "这个密码太常见，容易被猜到，请换一个", "this password is too common and easily guessed; choose another"))
    } else {
        Ok(())
    }
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), the OWASP-recommended baseline.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashing cannot fail with default params").to_string()
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A fixed hash to verify against when the phone is unknown, so a login for an unknown phone takes
/// as long as one with a wrong password and does not reveal which phones are registered.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("dummy-password-for-timing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("x", "not a hash"));
        assert!(validate("short").is_err());
        assert!(validate("长一点的中文密码八位").is_ok());
    }

    /// Variants of the case of `s`: lower, upper, first letter up, alternating.
    fn cases(s: &str) -> Vec<String> {
        let alt: String = s.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
        let mut first = s.to_string();
        if let Some(c) = first.get_mut(0..1) {
            c.make_ascii_uppercase();
        }
        vec![s.to_string(), s.to_uppercase(), first, alt]
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        let list: Vec<&str> = COMMON.lines().collect();
        assert!(list.len() >= 4000, "{}", list.len());
        for p in list.iter().step_by(7) {
            for v in cases(p) {
                let e = validate(&v).unwrap_err();
                assert!(e.code == "common_password" || e.code == "repeated_character", "{v}: {}", e.code);
            }
        }
        for ok in ["a-good-passphrase", "staff-passphrase", "lingong-demo", "长一点的中文密码八位", "correct horse battery"] {
            validate(ok).unwrap();
        }
    }

    #[test]
    fn one_character_repeated_is_refused() {
        for c in ['a', 'Z', '1', '!', '零', ' ', '😀'] {
            for n in 8..40 {
                let p: String = std::iter::repeat_n(c, n).collect();
                assert_eq!(validate(&p).unwrap_err().code, "repeated_character", "{p:?}");
            }
        }
        validate("aaaaaaab").unwrap();
    }
}
