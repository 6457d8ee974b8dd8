#include "daemon/core/time.h"

#include <charconv>
#include <cstdio>

namespace swas::core {
namespace {

bool readInt(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* begin = text.data() + pos;
  for (size_t i = 0; i < len; ++i) {
    if (begin[i] < '0' || begin[i] > '9') return false;
  }
  return std::from_chars(begin, begin + len, out).ec == std::errc();
}

}  // namespace

std::optional<SysSeconds> parseApiTime(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (!readInt(text, 0, 4, year) || !readInt(text, 5, 2, month) || !readInt(text, 8, 2, day) ||
      !readInt(text, 11, 2, hour) || !readInt(text, 14, 2, minute) ||
      !readInt(text, 17, 2, second)) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  std::chrono::minutes offset{0};
  if (pos < text.size()) {
    char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      ++pos;
    } else if (zone == '+' || zone == '-') {
      int oh = 0, om = 0;
      if (!readInt(text, pos + 1, 2, oh) || text.size() < pos + 6 || text[pos + 3] != ':' ||
          !readInt(text, pos + 4, 2, om)) {
        return std::nullopt;
      }
      offset = std::chrono::hours(oh) + std::chrono::minutes(om);
      if (zone == '-') offset = -offset;
      pos += 6;
    }
  }
  if (pos != text.size()) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) - offset;
}

std::string formatIso8601(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto days = floor<std::chrono::days>(secs);
  year_month_day ymd(days);
  hh_mm_ss hms(secs - days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

std::string formatCreationTime(std::chrono::system_clock::time_point t) {
  std::string text = formatIso8601(t);
  text.pop_back();  // the Z
  return text;
}

}  // namespace swas::core
