#include "core/rfc3339.hpp"

#include <chrono>
#include <cstddef>

namespace switchyard::core {
namespace {

std::optional<int> digitsAt(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool charAt(std::string_view text, std::size_t pos, std::string_view oneOf) {
  return pos < text.size() && oneOf.find(text[pos]) != std::string_view::npos;
}

}  // namespace

std::optional<std::int64_t> parseRfc3339(std::string_view text) {
  const auto year = digitsAt(text, 0, 4), month = digitsAt(text, 5, 2), day = digitsAt(text, 8, 2);
  const auto hour = digitsAt(text, 11, 2), minute = digitsAt(text, 14, 2);
  const auto second = digitsAt(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !charAt(text, 4, "-") ||
      !charAt(text, 7, "-") || !charAt(text, 10, "Tt") || !charAt(text, 13, ":") ||
      !charAt(text, 16, ":"))
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::size_t pos = 19;
  if (charAt(text, pos, ".")) {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (charAt(text, pos, "Zz")) {
    ++pos;
  } else if (charAt(text, pos, "+-")) {
    const bool negative = text[pos] == '-';
    const auto offsetHour = digitsAt(text, pos + 1, 2), offsetMinute = digitsAt(text, pos + 4, 2);
    if (!offsetHour || !offsetMinute || !charAt(text, pos + 3, ":") || *offsetHour > 23 ||
        *offsetMinute > 59)
      return std::nullopt;
    offset = (*offsetHour * 3600 + *offsetMinute * 60) * (negative ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return static_cast<std::int64_t>(days) * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
}

}  // namespace switchyard::core
