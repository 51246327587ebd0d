//! Business hours against the clock, in the hours' own IANA time zone (read from the
//! system's zoneinfo by jiff, so no time zone database is bundled).

use parley_domain::bot::{BusinessHours, Weekday};

/// Whether `hours` are open at `now`; an unknown time zone counts as open (validation
/// refuses one, and a zone that vanished from the system should not silence the team).
pub fn open_now(hours: &BusinessHours, now: jiff::Timestamp) -> bool {
    let Ok(zone) = jiff::tz::TimeZone::get(&hours.timezone) else {
        return true;
    };
    let local = now.to_zoned(zone);
    let day = match local.weekday() {
        jiff::civil::Weekday::Monday => Weekday::Mon,
        jiff::civil::Weekday::Tuesday => Weekday::Tue,
        jiff::civil::Weekday::Wednesday => Weekday::Wed,
        jiff::civil::Weekday::Thursday => Weekday::Thu,
        jiff::civil::Weekday::Friday => Weekday::Fri,
        jiff::civil::Weekday::Saturday => Weekday::Sat,
        jiff::civil::Weekday::Sunday => Weekday::Sun,
    };
    let minute = local.hour() as u32 * 60 + local.minute() as u32;
    hours.is_open_at(day, minute)
}

/// Whether a time zone name is known to this system.
pub fn known_time_zone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::bot::OpenHours;

    #[test]
    fn business_hours_follow_the_local_clock() {
        let hours = BusinessHours {
            timezone: "America/Denver".into(),
            days: vec![OpenHours {
                day: Weekday::Mon,
                open: "09:00".into(),
                close: "17:00".into(),
            }],
        };
        // Monday 2026-12-07 16:30 UTC is 09:30 in Denver (UTC-7 in winter).
        let open: jiff::Timestamp = "2026-12-07T16:30:00Z".parse().unwrap();
        assert!(open_now(&hours, open));
        let early: jiff::Timestamp = "2026-12-07T15:30:00Z".parse().unwrap();
        assert!(!open_now(&hours, early));
        let tuesday: jiff::Timestamp = "2026-12-08T16:30:00Z".parse().unwrap();
        assert!(!open_now(&hours, tuesday));
        assert!(known_time_zone("Europe/Berlin") && !known_time_zone("Mars/Olympus"));
    }
}
