//! Seeded choices shared by the shift generator and the query mix.

use rand::Rng;
use rand::rngs::StdRng;

/// A point uniformly inside a disc of `km` around (lat, lng).
pub fn jitter(rng: &mut StdRng, lat: f64, lng: f64, km: f64) -> (f64, f64) {
    let r = km * rng.random::<f64>().sqrt();
    let t = rng.random::<f64>() * std::f64::consts::TAU;
    let dlat = r * t.sin() / 110.574;
    let dlng = r * t.cos() / (111.320 * lat.to_radians().cos());
    (((lat + dlat) * 1e6).round() / 1e6, ((lng + dlng) * 1e6).round() / 1e6)
}

pub fn pick<T: Copy>(rng: &mut StdRng, s: &[T]) -> T {
    s[rng.random_range(0..s.len())]
}

/// `k` distinct items of `s` (all of them if fewer), in random order.
pub fn pick_k<'a, T>(rng: &mut StdRng, s: &'a [T], k: usize) -> Vec<&'a T> {
    let mut idx: Vec<usize> = (0..s.len()).collect();
    let k = k.min(s.len());
    for i in 0..k {
        let j = rng.random_range(i..idx.len());
        idx.swap(i, j);
    }
    idx[..k].iter().map(|&i| &s[i]).collect()
}

/// One of the values of `s`, by their weights.
pub fn weighted<'a>(rng: &mut StdRng, s: &'a [(&'a str, u32)]) -> &'a str {
    s[weighted_index(rng, s.iter().map(|x| x.1).sum(), s.iter().map(|x| x.1))].0
}

/// The index of one of `weights`, each chosen in proportion to its weight; `total` is their sum.
/// One draw from `0..total` (a `u32` range): generated data and queries depend on exactly this
/// sequence of draws, so keep it when changing the function.
pub fn weighted_index(rng: &mut StdRng, total: u32, weights: impl IntoIterator<Item = u32>) -> usize {
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.into_iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    unreachable!("the weights sum to less than {total}")
}
