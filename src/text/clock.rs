//! Times as people in the region read them on the wall: WIB, WITA or WIT.

use chrono::{DateTime, FixedOffset, Utc};

use super::Lang;
use crate::domain::area::TimeZone;

/// `at` in the zone's local time.
pub fn local(at: DateTime<Utc>, tz: TimeZone) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(tz.utc_offset_hours() * 3600).expect("valid offset");
    at.with_timezone(&offset)
}

/// `14-02-2024 09:05 WITA`: a logged time as the region's clocks showed it.
pub fn wall(at: DateTime<Utc>, tz: TimeZone) -> String {
    format!(
        "{} {}",
        local(at, tz).format("%d-%m-%Y %H:%M"),
        tz.abbreviation()
    )
}

impl Lang {
    /// When the data was read: `per 08:05 WIB, 14-02-2024` / `as of 08:05 WIB, 14-02-2024`.
    pub fn as_of(self, at: DateTime<Utc>, tz: TimeZone) -> String {
        let local = local(at, tz);
        format!(
            "{} {} {}, {}",
            self.t("per", "as of"),
            local.format("%H:%M"),
            tz.abbreviation(),
            local.format("%d-%m-%Y")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_in_each_zone() {
        let at = DateTime::parse_from_rfc3339("2024-02-14T01:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Lang::Id.as_of(at, TimeZone::Wib),
            "per 08:05 WIB, 14-02-2024"
        );
        assert_eq!(
            Lang::Id.as_of(at, TimeZone::Wita),
            "per 09:05 WITA, 14-02-2024"
        );
        assert_eq!(
            Lang::En.as_of(at, TimeZone::Wit),
            "as of 10:05 WIT, 14-02-2024"
        );
        let late = DateTime::parse_from_rfc3339("2024-02-13T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Lang::Id.as_of(late, TimeZone::Wib),
            "per 00:30 WIB, 14-02-2024"
        );
    }
}
