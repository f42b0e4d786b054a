//! A person as typed (a file row, a form, command-line flags), and what checking it finds.

use super::person::Finding;

/// The kinds of non-blocking finding about a person, for summaries ("25.100 usia di atas
/// 55, 1.953 NIK tidak cocok dengan tanggal lahir").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WarningKind {
    OverPreferredAge,
    NikBirthDateMismatch,
    NikSexMismatch,
    NikOutsideRegion,
    /// A phone number that came without its leading 0 (a spreadsheet took it for a number);
    /// it was stored with the 0 put back.
    PhoneLeadingZeroRestored,
}

impl WarningKind {
    pub const ALL: [WarningKind; 5] = [
        WarningKind::OverPreferredAge,
        WarningKind::NikBirthDateMismatch,
        WarningKind::NikSexMismatch,
        WarningKind::NikOutsideRegion,
        WarningKind::PhoneLeadingZeroRestored,
    ];

    /// The kind of an eligibility finding that does not block (None for an error).
    pub fn of_finding(f: &Finding) -> Option<WarningKind> {
        match f {
            Finding::UnderAge { .. } => None,
            Finding::OverPreferredAge { .. } => Some(WarningKind::OverPreferredAge),
            Finding::NikBirthDateMismatch => Some(WarningKind::NikBirthDateMismatch),
            Finding::NikSexMismatch => Some(WarningKind::NikSexMismatch),
            Finding::NikOutsideRegion { .. } => Some(WarningKind::NikOutsideRegion),
        }
    }
}

/// How many warnings of each kind, for a summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WarningCounts([usize; WarningKind::ALL.len()]);

impl WarningCounts {
    pub fn add(&mut self, kind: WarningKind) {
        self.0[kind as usize] += 1;
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    pub fn get(&self, kind: WarningKind) -> usize {
        self.0[kind as usize]
    }

    /// The kinds present, most frequent first (ties in `ALL` order).
    pub fn by_count(&self) -> Vec<(WarningKind, usize)> {
        let mut kinds: Vec<(WarningKind, usize)> = WarningKind::ALL
            .into_iter()
            .map(|k| (k, self.get(k)))
            .filter(|&(_, n)| n > 0)
            .collect();
        kinds.sort_by_key(|&(k, n)| (std::cmp::Reverse(n), k));
        kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_most_frequent_first() {
        let mut c = WarningCounts::default();
        assert_eq!(c.by_count(), vec![]);
        for _ in 0..3 {
            c.add(WarningKind::NikSexMismatch);
        }
        c.add(WarningKind::OverPreferredAge);
        c.add(WarningKind::PhoneLeadingZeroRestored);
        assert_eq!(c.total(), 5);
        assert_eq!(
            c.by_count(),
            vec![
                (WarningKind::NikSexMismatch, 3),
                (WarningKind::OverPreferredAge, 1),
                (WarningKind::PhoneLeadingZeroRestored, 1)
            ]
        );
        assert_eq!(
            WarningKind::of_finding(&Finding::UnderAge { age: 16, min: 17 }),
            None
        );
    }
}
