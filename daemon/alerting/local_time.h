#pragma once

// Times as the operator reads them: alerts.timezone (an IANA name, from the system's tz
// database), else the system's local zone, e.g. "2026-11-28 20:00:12 CST".

#include <cstdint>
#include <expected>
#include <string>

namespace date {
class time_zone;
}

namespace swas::alerting {

class LocalTime {
 public:
  // `zone` empty: the system's local zone (UTC when it cannot be determined). An unknown name is
  // an error naming it.
  static std::expected<LocalTime, std::string> make(const std::string& zone);
  LocalTime();  // UTC, without the tz database (which may be missing)

  // "YYYY-MM-DD HH:MM:SS ZZZ"
  std::string format(int64_t unix_seconds) const;
  const std::string& name() const { return name_; }

 private:
  explicit LocalTime(const date::time_zone* zone);
  const date::time_zone* zone_;  // nullptr: UTC
  std::string name_;
};

// A duration as a person says it: "45s", "12m 5s", "3h 20m", "2d 4h"; zh: "45秒", "12分5秒",
// "3小时20分", "2天4小时".
std::string humanDuration(int64_t seconds, bool zh);

}  // namespace swas::alerting
