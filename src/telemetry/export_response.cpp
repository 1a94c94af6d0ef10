#include "telemetry/export_response.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

namespace switchyard::telemetry {

namespace {

// Reads protobuf fields from untrusted bytes; any malformation just ends the reading.
class FieldReader {
 public:
  explicit FieldReader(std::string_view data) : data_(data) {}

  struct Field {
    std::uint32_t number = 0;
    std::uint32_t wireType = 0;
    std::uint64_t integer = 0;
    std::string_view bytes;
  };

  std::optional<Field> next() {
    if (pos_ >= data_.size()) return std::nullopt;
    const auto key = varint();
    if (!key) return std::nullopt;
    Field field;
    field.number = static_cast<std::uint32_t>(*key >> 3);
    field.wireType = static_cast<std::uint32_t>(*key & 7);
    switch (field.wireType) {
      case 0: {
        const auto value = varint();
        if (!value) return std::nullopt;
        field.integer = *value;
        return field;
      }
      case 1:
        return skip(8) ? std::optional<Field>(field) : std::nullopt;
      case 5:
        return skip(4) ? std::optional<Field>(field) : std::nullopt;
      case 2: {
        const auto length = varint();
        if (!length || *length > data_.size() - pos_) return std::nullopt;
        field.bytes = data_.substr(pos_, *length);
        pos_ += *length;
        return field;
      }
      default:
        return std::nullopt;
    }
  }

 private:
  std::optional<std::uint64_t> varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const auto byte = static_cast<std::uint8_t>(data_[pos_++]);
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return value;
    }
    return std::nullopt;
  }
  bool skip(std::size_t n) {
    if (n > data_.size() - pos_) return false;
    pos_ += n;
    return true;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace

ExportVerdict verdictForStatus(unsigned status) {
  if (status >= 200 && status < 300) return ExportVerdict::Success;
  if (status == 429 || status == 502 || status == 503 || status == 504) return ExportVerdict::Retry;
  return ExportVerdict::Drop;
}

std::optional<std::chrono::milliseconds> parseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    constexpr std::int64_t kDay = 24 * 3600;  // beyond any export timeout; avoids overflow
    return std::chrono::seconds(std::min(seconds, kDay));
  }
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

std::int64_t rejectedSpans(std::string_view responseBody) {
  FieldReader response(responseBody);
  while (auto field = response.next()) {
    if (field->number != 1 || field->wireType != 2) continue;  // partial_success
    FieldReader partial(field->bytes);
    while (auto inner = partial.next()) {
      if (inner->number == 1 && inner->wireType == 0) {
        const auto rejected = static_cast<std::int64_t>(inner->integer);
        return rejected > 0 ? rejected : 0;
      }
    }
  }
  return 0;
}

}  // namespace switchyard::telemetry
