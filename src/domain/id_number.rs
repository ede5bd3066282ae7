use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::Invalid;

/// 居民身份证号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character.
/// The full number lives only in memory while a request is handled: lingong stores the masked form
/// and a keyed hash (to notice the same person registering twice), never the number itself.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS: &[u8; 11] = b"10X98765432";

impl IdNumber {
    pub fn parse(input: &str) -> Result<IdNumber, Invalid> {
        let id = input.trim().to_ascii_uppercase();
        let b = id.as_bytes();
        let shape_ok = b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X');
        if !shape_ok {
            return Err(Invalid::new("invalid_id_number", "身份证号应为 17 位数字加 1 位校验码", "an ID card number is 17 digits plus a check character"));
        }
        let sum: u32 = b[..17].iter().zip(WEIGHTS).map(|(d, w)| (d - b'0') as u32 * w).sum();
        if CHECKS[(sum % 11) as usize] != b[17] {
            return Err(Invalid::new("invalid_id_number", "身份证号校验位不正确", "the ID card number's check character is wrong"));
        }
        let (y, m, d) = (&id[6..10], &id[10..12], &id[12..14]);
        if chrono::NaiveDate::parse_from_str(&format!("{y}-{m}-{d}"), "%Y-%m-%d").is_err() {
            return Err(Invalid::new("invalid_id_number", "身份证号中的出生日期无效", "the birth date inside the ID card number is not a date"));
        }
        Ok(IdNumber(id))
    }

    /// `110105********123X`: region code and last four only.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    pub fn birth_year(&self) -> i32 {
        self.0[6..10].parse().expect("validated digits")
    }

    /// Keyed hash for duplicate detection; without the key it cannot be reversed by enumeration.
    pub fn keyed_hash(&self, key: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
        mac.update(self.0.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_character_is_enforced() {
        // The GB 11643-1999 worked example.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("440524188001010014").is_ok());
        assert!(IdNumber::parse("44052418800101001").is_err());
        assert!(IdNumber::parse("4405241880010100A4").is_err());
    }

    #[test]
    fn masked_and_hashed_never_show_the_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.birth_year(), 1949);
        let h = id.keyed_hash("k1k1k1k1");
        assert_eq!(h.len(), 64);
        assert_ne!(h, id.keyed_hash("k2k2k2k2"));
        assert!(!format!("{id:?}").contains("19491231"));
    }
}
