use crate::error::Invalid;

/// Trimmed text with a length range counted in characters (a Chinese character counts as one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    pub fn parse(input: &str, min: usize, max: usize) -> Result<BoundedText, Invalid> {
        let t = input.trim();
        let n = t.chars().count();
        if n == 0 && min > 0 {
            return Err(Invalid::required());
        }
        if n < min {
            return Err(Invalid::new("too_short", format!("至少需要 {min} 个字"), format!("must be at least {min} characters")));
        }
        if n > max {
            return Err(Invalid::new("too_long", format!("不能超过 {max} 个字"), format!("must be at most {max} characters")));
        }
        if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            return Err(Invalid::new("invalid_characters", "含有不可见的控制字符", "contains control characters"));
        }
        Ok(BoundedText(t.to_string()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(BoundedText::parse("保洁员", 2, 3).is_ok());
        assert!(BoundedText::parse("保洁员工", 2, 3).is_err());
        assert!(BoundedText::parse("   ", 1, 3).is_err());
        assert_eq!(BoundedText::parse(" 搬家 ", 1, 10).unwrap().into_string(), "搬家");
        assert!(BoundedText::parse("a\u{0}b", 1, 10).is_err());
    }
}
