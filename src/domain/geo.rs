use crate::error::{FieldErrors, Invalid};

/// A point in degrees (GCJ-02 as mainland map SDKs give it, treated as spherical lat/lng).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lng: f64,
}

pub const EARTH_RADIUS_KM: f64 = 6371.0088;

impl GeoPoint {
    pub fn lat(v: f64) -> Result<f64, Invalid> {
        if v.is_finite() && (-90.0..=90.0).contains(&v) {
            Ok(v)
        } else {
            Err(Invalid::new("out_of_range", "纬度应在 -90 到 90 之间", "latitude must be between -90 and 90"))
        }
    }

    pub fn lng(v: f64) -> Result<f64, Invalid> {
        if v.is_finite() && (-180.0..=180.0).contains(&v) {
            Ok(v)
        } else {
            Err(Invalid::new("out_of_range", "经度应在 -180 到 180 之间", "longitude must be between -180 and 180"))
        }
    }

    /// Validates both coordinates, recording problems under `{prefix}lat` / `{prefix}lng`.
    pub fn check(errs: &mut FieldErrors, prefix: &str, lat: Option<f64>, lng: Option<f64>) -> Option<GeoPoint> {
        let lat = match lat {
            Some(v) => errs.check(format!("{prefix}lat"), GeoPoint::lat(v)),
            None => {
                errs.add(format!("{prefix}lat"), Invalid::required());
                None
            }
        };
        let lng = match lng {
            Some(v) => errs.check(format!("{prefix}lng"), GeoPoint::lng(v)),
            None => {
                errs.add(format!("{prefix}lng"), Invalid::required());
                None
            }
        };
        Some(GeoPoint { lat: lat?, lng: lng? })
    }

    /// Great-circle distance in kilometres.
    pub fn haversine_km(&self, other: &GeoPoint) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

/// A travel radius in km: positive and at most 200 (a day's commute, not a province).
pub fn radius_km(v: f64) -> Result<f64, Invalid> {
    if v.is_finite() && v > 0.0 && v <= 200.0 {
        Ok(v)
    } else {
        Err(Invalid::new("out_of_range", "范围半径应大于 0 且不超过 200 公里", "radius must be above 0 and at most 200 km"))
    }
}

/// Where the service operates: adcode prefixes (a province `44`, a city `4403`, a county
/// `440305`). Default: mainland China, the 31 provinces.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ServiceArea(pub Vec<String>);

impl ServiceArea {
    pub fn mainland() -> ServiceArea {
        ServiceArea(
            [
                "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
                "53", "54", "61", "62", "63", "64", "65",
            ]
            .map(String::from)
            .to_vec(),
        )
    }

    pub fn contains(&self, adcode: &str) -> bool {
        self.0.iter().any(|p| adcode.starts_with(p.as_str()))
    }

    /// Each prefix is 2 to 12 digits.
    pub fn check(&self) -> Result<(), String> {
        match self.0.iter().find(|p| !(2..=12).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit())) {
            Some(p) => Err(format!("{p:?} is not an adcode prefix of 2 to 12 digits")),
            None if self.0.is_empty() => Err("at least one adcode prefix".into()),
            None => Ok(()),
        }
    }
}

impl Default for ServiceArea {
    fn default() -> ServiceArea {
        ServiceArea::mainland()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert!(GeoPoint::lat(90.0).is_ok());
        assert!(GeoPoint::lat(90.1).is_err());
        assert!(GeoPoint::lng(-180.0).is_ok());
        assert!(GeoPoint::lng(f64::NAN).is_err());
        assert!(radius_km(0.0).is_err());
        assert!(radius_km(5.0).is_ok());
    }

    #[test]
    fn beijing_to_shanghai_is_about_1068_km() {
        let bj = GeoPoint { lat: 39.9042, lng: 116.4074 };
        let sh = GeoPoint { lat: 31.2304, lng: 121.4737 };
        let d = bj.haversine_km(&sh);
        assert!((d - 1068.0).abs() < 5.0, "{d}");
    }
}
