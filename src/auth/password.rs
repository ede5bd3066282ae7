use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

use crate::error::Invalid;

/// Length rule only: long passphrases beat composition rules, and workers type on phones.
pub fn validate(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < 8 {
        Err(Invalid::new("too_short", "密码至少 8 位", "password must be at least 8 characters"))
    } else if n > 128 {
        Err(Invalid::new("too_long", "密码不能超过 128 位", "password must be at most 128 characters"))
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
}
