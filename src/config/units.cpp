#include "config/units.hpp"

#include <cctype>
#include <limits>

namespace switchyard::config {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// a * b, or nullopt on overflow.
std::optional<std::uint64_t> mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kMax / a) return std::nullopt;
  return a * b;
}

std::optional<std::uint64_t> add(std::uint64_t a, std::uint64_t b) {
  if (b > kMax - a) return std::nullopt;
  return a + b;
}

// Parses "<digits>[.<digits>]" at the front of text; returns the integer part, the fraction digits
// (as an integer) and their count, advancing text. At least one digit overall is required.
struct Decimal {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;
  std::uint64_t fractionScale = 1;  // 10^digits of fraction
};

std::optional<Decimal> takeDecimal(std::string_view& text) {
  Decimal d;
  std::size_t i = 0;
  bool any = false;
  while (i < text.size() && isDigit(text[i])) {
    auto next = mul(d.whole, 10);
    if (!next || !(next = add(*next, text[i] - '0'))) return std::nullopt;
    d.whole = *next;
    any = true;
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && isDigit(text[i])) {
      // Digits beyond nanosecond precision do not change the result; drop them.
      if (d.fractionScale < 1'000'000'000'000ull) {
        d.fraction = d.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        d.fractionScale *= 10;
      }
      any = true;
      ++i;
    }
  }
  if (!any) return std::nullopt;
  text.remove_prefix(i);
  return d;
}

// value * unit, where value = whole + fraction / fractionScale.
std::optional<std::uint64_t> scale(const Decimal& d, std::uint64_t unit) {
  auto whole = mul(d.whole, unit);
  if (!whole) return std::nullopt;
  // fraction < fractionScale <= 1e12 and unit <= 2^60: compute in 128 bits to stay exact.
  const unsigned __int128 frac =
      static_cast<unsigned __int128>(d.fraction) * unit / d.fractionScale;
  return add(*whole, static_cast<std::uint64_t>(frac));
}

}  // namespace

std::optional<Millis> parseDuration(std::string_view text) {
  if (text == "0") return Millis(0);
  if (text.empty()) return std::nullopt;
  std::uint64_t totalNs = 0;
  while (!text.empty()) {
    auto number = takeDecimal(text);
    if (!number) return std::nullopt;
    std::uint64_t unitNs = 0;
    // Longest unit first so "ms" is not read as "m".
    static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
        {"ns", 1},
        {"us", 1'000},
        {"\xC2\xB5s", 1'000},
        {"ms", 1'000'000},
        {"s", 1'000'000'000},
        {"m", 60'000'000'000ull},
        {"h", 3'600'000'000'000ull}};
    for (const auto& [name, ns] : kUnits) {
      if (text.starts_with(name)) {
        unitNs = ns;
        text.remove_prefix(name.size());
        break;
      }
    }
    if (unitNs == 0) return std::nullopt;  // Go requires a unit on every component
    auto part = scale(*number, unitNs);
    if (!part) return std::nullopt;
    auto sum = add(totalNs, *part);
    if (!sum) return std::nullopt;
    totalNs = *sum;
  }
  return Millis(static_cast<Millis::rep>(totalNs / 1'000'000));
}

std::optional<std::uint64_t> parseQuantity(std::string_view text) {
  auto number = takeDecimal(text);
  if (!number) return std::nullopt;
  static constexpr std::pair<std::string_view, std::uint64_t> kSuffixes[] = {
      {"Ki", 1ull << 10},
      {"Mi", 1ull << 20},
      {"Gi", 1ull << 30},
      {"Ti", 1ull << 40},
      {"Pi", 1ull << 50},
      {"Ei", 1ull << 60},
      {"k", 1'000ull},
      {"M", 1'000'000ull},
      {"G", 1'000'000'000ull},
      {"T", 1'000'000'000'000ull},
      {"P", 1'000'000'000'000'000ull},
      {"E", 1'000'000'000'000'000'000ull},
      {"", 1}};
  for (const auto& [suffix, multiplier] : kSuffixes) {
    if (text == suffix) return scale(*number, multiplier);
  }
  return std::nullopt;
}

std::string formatDuration(Millis duration) {
  auto ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  const long long h = ms / 3'600'000;
  const long long m = ms / 60'000 % 60;
  const long long s = ms / 1000 % 60;
  const long long rest = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s || rest) {
    out += std::to_string(s);
    if (rest) {
      std::string frac = std::to_string(rest);
      frac.insert(0, 3 - frac.size(), '0');
      while (frac.back() == '0') frac.pop_back();
      out += "." + frac;
    }
    out += "s";
  }
  return out;
}

}  // namespace switchyard::config
