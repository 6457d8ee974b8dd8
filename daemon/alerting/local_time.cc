#include "daemon/alerting/local_time.h"

#include <date/tz.h>

#include <chrono>
#include <exception>

namespace swas::alerting {

LocalTime::LocalTime() : zone_(nullptr), name_("UTC") {}

LocalTime::LocalTime(const date::time_zone* zone) : zone_(zone), name_(zone->name()) {}

std::expected<LocalTime, std::string> LocalTime::make(const std::string& zone) {
  try {
    if (zone.empty()) return LocalTime(date::current_zone());
    return LocalTime(date::locate_zone(zone));
  } catch (const std::exception& e) {
    if (zone.empty()) return LocalTime();
    return std::unexpected("unknown time zone '" + zone + "' (an IANA name such as " +
                           "Asia/Shanghai, from /usr/share/zoneinfo): " + e.what());
  }
}

std::string LocalTime::format(int64_t unix_seconds) const {
  date::sys_seconds t{std::chrono::seconds(unix_seconds)};
  if (!zone_) return date::format("%Y-%m-%d %H:%M:%S UTC", t);
  return date::format("%Y-%m-%d %H:%M:%S %Z", date::make_zoned(zone_, t));
}

std::string humanDuration(int64_t seconds, bool zh) {
  if (seconds < 0) seconds = 0;
  struct Unit {
    int64_t size;
    const char* en;
    const char* zh;
  };
  static constexpr Unit kUnits[] = {
      {86400, "d", "天"}, {3600, "h", "小时"}, {60, "m", "分"}, {1, "s", "秒"}};
  std::string out;
  int parts = 0;
  for (const auto& u : kUnits) {
    int64_t n = seconds / u.size;
    if (n == 0 && !(u.size == 1 && parts == 0)) {
      if (parts > 0) break;  // two adjacent units at most: "2d 4h", never "2d 5s"
      continue;
    }
    if (parts > 0 && !zh) out += ' ';
    out += std::to_string(n) + (zh ? u.zh : u.en);
    seconds -= n * u.size;
    if (++parts == 2) break;
  }
  return out;
}

}  // namespace swas::alerting
