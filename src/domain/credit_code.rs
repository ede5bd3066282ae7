use crate::error::Invalid;

/// 统一社会信用代码 (GB 32100-2015): 18 characters over `0-9 A-H J-N P-R T-U W-Y`, the last a
/// check character computed with weights 3^i mod 31 over the first 17.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<CreditCode, Invalid> {
        let code = input.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 18 {
            return Err(Invalid::new("invalid_credit_code", "统一社会信用代码应为 18 位", "a unified social credit code has 18 characters"));
        }
        let Some(values) = bytes.iter().map(|&b| value(b)).collect::<Option<Vec<u32>>>() else {
            return Err(Invalid::new(
                "invalid_credit_code",
                "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）",
                "the unified social credit code has a character outside 0-9 A-H J-N P-R T-U W-Y",
            ));
        };
        if values[17] != Self::check_value(&values[..17]) {
            return Err(Invalid::new("invalid_credit_code", "统一社会信用代码校验位不正确", "the unified social credit code's check character is wrong"));
        }
        Ok(CreditCode(code))
    }

    fn check_value(first17: &[u32]) -> u32 {
        let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        (31 - sum % 31) % 31
    }

    /// Completes 17 valid characters with their check character (demo data, tests).
    pub fn with_check(first17: &str) -> Option<CreditCode> {
        let values = first17.bytes().map(value).collect::<Option<Vec<u32>>>()?;
        if values.len() != 17 {
            return None;
        }
        let check = ALPHABET[Self::check_value(&values) as usize] as char;
        Some(CreditCode(format!("{first17}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_published_codes_validate() {
        // Codes printed on public business licences and registries.
        for ok in ["91350100M000100Y43", "9144030071526726XG", "91110000802100433B"] {
            assert!(CreditCode::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(CreditCode::parse("91350100m000100y43").unwrap().as_str(), "91350100M000100Y43");
    }

    #[test]
    fn wrong_check_length_or_alphabet_fails() {
        assert!(CreditCode::parse("91350100M000100Y44").is_err());
        assert!(CreditCode::parse("91350100M000100Y4").is_err());
        assert!(CreditCode::parse("91350100I000100Y43").is_err());
        assert!(CreditCode::parse("").is_err());
    }

    #[test]
    fn generated_codes_round_trip() {
        let c = CreditCode::with_check("91440300MA5DC1234").unwrap();
        assert!(CreditCode::parse(c.as_str()).is_ok());
    }
}
