//! Small-cell suppression for published tables, so no figure about fewer than [`THRESHOLD`]
//! people can be read off a table or worked out from it.
//!
//! 1. Primary: every count from 1 to 4 is suppressed (0 is shown: it says nothing about anyone).
//! 2. Complementary: a table's figures are tied together by groups — the cells of one row that
//!    add up (or, for people counted under several occupations, at most add up) to a total
//!    shown elsewhere. In every group where anything is suppressed (its total included), at
//!    least two entries must be, and when the total is shown the hidden cells must together hold
//!    at least [`THRESHOLD`] people; otherwise the smallest shown non-zero cell is suppressed too,
//!    or, when none is left, the group's total. Since suppression only ever grows, this is
//!    repeated over all groups until nothing changes.
//!
//! A total minus the cells shown then gives only the sum of two or more hidden cells, itself at
//! least 5, never one of them; and a hidden total is never the sum of shown cells alone.

/// Counts below this (and above 0) are never published.
pub const THRESHOLD: i64 = 5;

/// Cells that add up to `total` (all indices into the same value list).
#[derive(Debug, Clone)]
pub struct Group {
    pub cells: Vec<usize>,
    pub total: usize,
}

/// Which of `values` to suppress, given the groups that tie them together.
pub fn suppress(values: &[i64], groups: &[Group]) -> Vec<bool> {
    let mut hidden: Vec<bool> = values.iter().map(|&v| v > 0 && v < THRESHOLD).collect();
    loop {
        let mut changed = false;
        for g in groups {
            if safe(values, g, &hidden) {
                continue;
            }
            let next = g.cells.iter().copied().filter(|&i| !hidden[i] && values[i] > 0).min_by_key(|&i| (values[i], i));
            match next {
                Some(i) => hidden[i] = true,
                None if !hidden[g.total] && values[g.total] > 0 => hidden[g.total] = true,
                None => continue,
            }
            changed = true;
        }
        if !changed {
            return hidden;
        }
    }
}

/// Whether a group gives nothing hidden away: nothing in it is hidden, or at least two of its
/// entries (cells and total) are, and — when its total is shown, so that the hidden cells' sum
/// can be worked out — the hidden cells hold at least [`THRESHOLD`] together.
pub fn safe(values: &[i64], g: &Group, hidden: &[bool]) -> bool {
    let cells: Vec<usize> = g.cells.iter().copied().filter(|&i| hidden[i]).collect();
    let n = cells.len() + usize::from(hidden[g.total]);
    n == 0 || (n >= 2 && (hidden[g.total] || cells.iter().map(|&i| values[i]).sum::<i64>() >= THRESHOLD))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every group gives nothing away, and no small count is shown.
    fn all_safe(values: &[i64], groups: &[Group], hidden: &[bool]) -> bool {
        groups.iter().all(|g| safe(values, g, hidden)) && values.iter().zip(hidden).all(|(&v, &h)| h || v == 0 || v >= THRESHOLD)
    }

    #[test]
    fn one_small_cell_takes_a_partner_with_it() {
        // Rows a, b, c and their total.
        let values = [3, 8, 20, 31];
        let groups = [Group { cells: vec![0, 1, 2], total: 3 }];
        let hidden = suppress(&values, &groups);
        assert_eq!(hidden, [true, true, false, false]);
        assert!(all_safe(&values, &groups, &hidden));
    }

    #[test]
    fn two_small_cells_summing_under_five_take_a_third() {
        let values = [1, 2, 9, 30, 42];
        let groups = [Group { cells: vec![0, 1, 2, 3], total: 4 }];
        let hidden = suppress(&values, &groups);
        assert_eq!(hidden, [true, true, true, false, false]);
    }

    #[test]
    fn a_lone_small_cell_among_zeros_hides_the_total() {
        let values = [0, 3, 0, 3];
        let groups = [Group { cells: vec![0, 1, 2], total: 3 }];
        assert_eq!(suppress(&values, &groups), [false, true, false, true]);
        let values = [0, 6, 0, 6];
        assert_eq!(suppress(&values, &groups), [false; 4], "nothing small, nothing hidden");
    }

    #[test]
    fn generated_tables_are_always_safe() {
        // A 4×3 grid with row and column totals and a grand total, over many fillings.
        let mut seed = 7u64;
        let mut rand = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % 12
        };
        for _ in 0..2000 {
            let (r, c) = (4, 3);
            let mut v = vec![0i64; (r + 1) * (c + 1)];
            let at = |i: usize, j: usize| i * (c + 1) + j;
            for i in 0..r {
                for j in 0..c {
                    v[at(i, j)] = rand() as i64;
                }
            }
            for i in 0..r {
                v[at(i, c)] = (0..c).map(|j| v[at(i, j)]).sum();
            }
            for j in 0..=c {
                v[at(r, j)] = (0..r).map(|i| v[at(i, j)]).sum();
            }
            let mut groups = Vec::new();
            for i in 0..=r {
                groups.push(Group { cells: (0..c).map(|j| at(i, j)).collect(), total: at(i, c) });
            }
            for j in 0..=c {
                groups.push(Group { cells: (0..r).map(|i| at(i, j)).collect(), total: at(r, j) });
            }
            let hidden = suppress(&v, &groups);
            assert!(all_safe(&v, &groups, &hidden), "{v:?} {hidden:?}");
        }
    }
}
