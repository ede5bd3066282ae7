use crate::error::Invalid;

/// A mainland China mobile number: 11 digits starting with 1[3-9]. A `+86` / `86` prefix and
/// spaces or dashes are accepted on input and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, Invalid> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
        let digits = if digits.len() == 13 && digits.starts_with("86") { &digits[2..] } else { digits };
        let b = digits.as_bytes();
        let ok = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Phone(digits.to_string()))
        } else {
            Err(Invalid::new("invalid_phone", "手机号格式不正确（应为 11 位，以 13–19 开头）", "not a mainland mobile number (11 digits starting 13–19)"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: what others see before the owner agrees to share the number.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_mobiles() {
        assert_eq!(Phone::parse("13812345678").unwrap().as_str(), "13812345678");
        assert_eq!(Phone::parse("+86 138-1234-5678").unwrap().as_str(), "13812345678");
        assert_eq!(Phone::parse("8619912345678").unwrap().as_str(), "19912345678");
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
    }

    #[test]
    fn refuses_others() {
        for bad in ["", "12812345678", "1381234567", "138123456789", "1381234567a", "02161234567", "10086"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
