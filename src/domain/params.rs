//! Election parameters: stored in the store at `init`, never scattered as constants.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionParams {
    pub name: String,
    pub voting_day: NaiveDate,
    pub seats_per_tps: u8,
    pub min_age: u8,
    pub preferred_max_age: u8,
}

impl Default for ElectionParams {
    /// Pemilu 2024 (PKPU 8/2022): seven KPPS, at least 17 on voting day, 55 or under preferred.
    fn default() -> Self {
        ElectionParams {
            name: "Pemilu 2024".into(),
            voting_day: NaiveDate::from_ymd_opt(2024, 2, 14).expect("valid date"),
            seats_per_tps: 7,
            min_age: 17,
            preferred_max_age: 55,
        }
    }
}
