#include "core/json_writer.hpp"

#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace switchyard::core {

namespace {

// Shortest round-trip decimal form of any number type.
template <class Number>
void appendNumber(std::string& out, Number number) {
  std::array<char, 32> digits;
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
  // A pointer and a length: append(first, last) is the iterator overload, which goes through
  // _M_replace (aliasing checks and all) and cost more than the conversion itself.
  out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

// What std::to_chars writes for a double whose shortest decimal has at most six fractional digits
// and a magnitude in [0.001, 10000), where that form is fixed notation (never longer there than
// scientific): found by scaling, without to_chars' general algorithm (some 700 instructions). Such
// numbers (temperature, top_p, penalties) are most of the doubles a request carries. False, with
// nothing written, for any other number.
bool appendShortFixed(std::string& out, double number) {
  const double magnitude = std::fabs(number);
  if (!(magnitude >= 1e-3 && magnitude < 1e4)) return false;
  static constexpr std::array<double, 7> kScale{1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  static constexpr std::array<std::uint64_t, 7> kUnit{1, 10, 100, 1000, 10000, 100000, 1000000};
  for (std::size_t places = 0; places < kScale.size(); ++places) {
    // The nearest multiple of 10^-places; below 10^10, so exact as a double. The division is
    // correctly rounded, as parsing its decimal would be: equal means that decimal reads back as
    // `number`, and the first `places` that does is the shortest.
    const auto scaled = static_cast<std::uint64_t>(magnitude * kScale[places] + 0.5);
    if (static_cast<double>(scaled) / kScale[places] != magnitude) continue;
    std::array<char, 24> text;
    char* end = text.data() + text.size();
    char* at = end;
    std::uint64_t fraction = scaled % kUnit[places];
    for (std::size_t i = 0; i < places; ++i, fraction /= 10)
      *--at = static_cast<char>('0' + fraction % 10);
    if (places > 0) *--at = '.';
    std::uint64_t whole = scaled / kUnit[places];
    do {
      *--at = static_cast<char>('0' + whole % 10);
      whole /= 10;
    } while (whole != 0);
    if (std::signbit(number)) *--at = '-';
    out.append(at, static_cast<std::size_t>(end - at));
    return true;
  }
  return false;
}

}  // namespace

void JsonWriter::separate() {
  if (needComma_) out_.push_back(',');
}

void JsonWriter::beginObject() {
  separate();
  out_.push_back('{');
  needComma_ = false;
}

void JsonWriter::endObject() {
  out_.push_back('}');
  needComma_ = true;
}

void JsonWriter::beginArray() {
  separate();
  out_.push_back('[');
  needComma_ = false;
}

void JsonWriter::endArray() {
  out_.push_back(']');
  needComma_ = true;
}

void JsonWriter::key(JsonKey name) {
  // [,]"name": in one resize: no escaping to check, no growth in between.
  const std::string_view text = name.text();
  const std::size_t at = out_.size();
  out_.resize(at + text.size() + 3 + (needComma_ ? 1 : 0));
  char* p = out_.data() + at;
  if (needComma_) *p++ = ',';
  *p++ = '"';
  std::memcpy(p, text.data(), text.size());
  p += text.size();
  *p++ = '"';
  *p = ':';
  needComma_ = false;
}

void JsonWriter::escapedKey(std::string_view name) {
  separate();
  appendJsonString(out_, name);
  out_.push_back(':');
  needComma_ = false;
}

void JsonWriter::string(std::string_view text) {
  separate();
  appendJsonString(out_, text);
  needComma_ = true;
}

void JsonWriter::beginString() {
  separate();
  out_.push_back('"');
}

void JsonWriter::stringPiece(std::string_view text) { appendJsonEscaped(out_, text); }

void JsonWriter::endString() {
  out_.push_back('"');
  needComma_ = true;
}

void JsonWriter::integer(std::int64_t number) {
  separate();
  appendJsonInteger(out_, number);
  needComma_ = true;
}

void appendJsonInteger(std::string& out, std::int64_t number) { appendNumber(out, number); }

void JsonWriter::boolean(bool flag) {
  separate();
  out_.append(flag ? "true" : "false");
  needComma_ = true;
}

void JsonWriter::null() {
  separate();
  out_.append("null");
  needComma_ = true;
}

bool JsonWriter::value(const boost::json::value& value) {
  const std::size_t mark = out_.size();
  separate();
  if (!appendJsonValue(out_, value)) {
    out_.resize(mark);
    return false;
  }
  needComma_ = true;
  return true;
}

void appendJsonString(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  appendJsonEscaped(out, text);
  out.push_back('"');
}

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;

// Whether any byte of `word` is a control character, '"' or '\\' (exact as a yes/no; bytes of
// 0x80 and up never count, which is right for UTF-8).
constexpr bool needsEscape(std::uint64_t word) {
  const std::uint64_t control = (word - kOnes * 0x20) & ~word & kHighs;
  const std::uint64_t quote = ((word ^ (kOnes * '"')) - kOnes) & ~(word ^ (kOnes * '"')) & kHighs;
  const std::uint64_t backslash =
      ((word ^ (kOnes * '\\')) - kOnes) & ~(word ^ (kOnes * '\\')) & kHighs;
  return (control | quote | backslash) != 0;
}

// Per byte: does JSON need it escaped (control characters, '"', '\\')?
constexpr auto kEscaped = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

// Writes the escape of `c`, a byte kEscaped says needs one, at `at` (at most 6 bytes: \u00XX);
// returns the end of what it wrote.
char* writeEscape(char* at, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  *at++ = '\\';
  switch (c) {
    case '"':
      *at++ = '"';
      break;
    case '\\':
      *at++ = '\\';
      break;
    case '\n':
      *at++ = 'n';
      break;
    case '\r':
      *at++ = 'r';
      break;
    case '\t':
      *at++ = 't';
      break;
    case '\b':
      *at++ = 'b';
      break;
    case '\f':
      *at++ = 'f';
      break;
    default:
      *at++ = 'u';
      *at++ = '0';
      *at++ = '0';
      *at++ = kHex[c >> 4];
      *at++ = kHex[c & 0xF];
  }
  return at;
}

}  // namespace

void appendJsonEscaped(std::string& out, std::string_view text) {
  std::size_t clean = 0;  // start of the run not yet copied
  std::size_t i = 0;
  bool tailChecked = false;
  while (i < text.size()) {
    // Eight bytes at a time while none needs escaping: most text has nothing to escape.
    if (text.size() - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof word);
      if (!needsEscape(word)) {
        i += 8;
        continue;
      }
    } else if (text.size() >= 8 && !tailChecked) {
      tailChecked = true;
      // Fewer than eight left: the word that ends the text (overlapping what was checked) decides
      // them at once, instead of a byte at a time.
      std::uint64_t word;
      std::memcpy(&word, text.data() + text.size() - 8, sizeof word);
      if (!needsEscape(word)) break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kEscaped[c]) {
      ++i;
      continue;
    }
    out.append(text.data() + clean, i - clean);
    clean = ++i;
    char escape[kMaxJsonEscapedGrowth];
    out.append(escape, static_cast<std::size_t>(writeEscape(escape, c) - escape));
  }
  out.append(text.data() + clean, text.size() - clean);
}

char* writeJsonEscaped(char* at, std::string_view text) {
  std::size_t i = 0;
  bool tailChecked = false;
  while (i < text.size()) {
    if (text.size() - i >= 8) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof word);
      if (!needsEscape(word)) {
        std::memcpy(at, &word, sizeof word);
        at += sizeof word;
        i += 8;
        continue;
      }
    } else if (text.size() >= 8 && !tailChecked) {
      tailChecked = true;
      // Fewer than eight left, and the word that ends the text is clean: none of its bytes was
      // escaped, so it goes where its first byte went, overlapping what was written.
      const std::size_t last = text.size() - 8;
      std::uint64_t word;
      std::memcpy(&word, text.data() + last, sizeof word);
      if (!needsEscape(word)) {
        std::memcpy(at - (i - last), &word, sizeof word);
        return at + (text.size() - i);
      }
    }
    const auto c = static_cast<unsigned char>(text[i++]);
    if (!kEscaped[c]) {
      *at++ = static_cast<char>(c);
      continue;
    }
    at = writeEscape(at, c);
  }
  return at;
}

namespace {

bool findNonFinite(const boost::json::value& value, std::string& path) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return !std::isfinite(value.get_double());
    case boost::json::kind::array: {
      const auto& array = value.get_array();
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::size_t mark = path.size();
        path += '[';
        path += std::to_string(i);
        path += ']';
        if (findNonFinite(array[i], path)) return true;
        path.resize(mark);
      }
      return false;
    }
    case boost::json::kind::object:
      for (const auto& entry : value.get_object()) {
        const std::size_t mark = path.size();
        path += '.';
        path.append(entry.key().data(), entry.key().size());
        if (findNonFinite(entry.value(), path)) return true;
        path.resize(mark);
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

namespace {

// Written by hand rather than by boost::json::serializer (about a thousand instructions to set up
// for one number). Doubles take their shortest round-trip form (`0.5`, not Boost's `5E-1`): the
// same number, spelled as clients and Vertex write it. False at the first non-finite number, with
// part of the value written (the caller takes it back). Recursion is bounded by the parser's depth
// limit, as every value here was parsed.
[[nodiscard]] bool appendFiniteValue(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out.append("null");
      return true;
    case boost::json::kind::bool_:
      out.append(value.get_bool() ? "true" : "false");
      return true;
    case boost::json::kind::int64:
      appendNumber(out, value.get_int64());
      return true;
    case boost::json::kind::uint64:
      appendNumber(out, value.get_uint64());
      return true;
    case boost::json::kind::double_: {
      if (!std::isfinite(value.get_double())) return false;
      const std::size_t start = out.size();
      if (!appendShortFixed(out, value.get_double())) appendNumber(out, value.get_double());
      // A whole number keeps a fraction, so that it reads back as a double (`2.0`, not `2`).
      if (out.find_first_of(".e", start) == std::string::npos) out.append(".0");
      return true;
    }
    case boost::json::kind::string: {
      const auto& text = value.get_string();
      appendJsonString(out, std::string_view(text.data(), text.size()));
      return true;
    }
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        if (!appendFiniteValue(out, item)) return false;
      }
      out.push_back(']');
      return true;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& entry : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        appendJsonString(out, std::string_view(entry.key().data(), entry.key().size()));
        out.push_back(':');
        if (!appendFiniteValue(out, entry.value())) return false;
      }
      out.push_back('}');
      return true;
    }
  }
  return true;  // every kind is handled above
}

}  // namespace

bool appendJsonValue(std::string& out, const boost::json::value& value) {
  const std::size_t mark = out.size();
  if (appendFiniteValue(out, value)) return true;
  out.resize(mark);
  return false;
}

std::optional<std::string> findNonFiniteNumber(const boost::json::value& value) {
  std::string path;
  if (findNonFinite(value, path)) return path;
  return std::nullopt;
}

core::Error numberOutOfRange(std::string_view name, const boost::json::value& value) {
  // A member may be named "" (`{"": 1e999}`): spelled as JSON, so the message and param name it.
  std::string param(name.empty() ? std::string_view(R"("")") : name);
  param += findNonFiniteNumber(value).value_or("");
  // The message first: in one call, `std::move(param)` may be evaluated before the message reads
  // it (GCC evaluates arguments right to left), which left the message naming nothing.
  std::string message = "number out of range in " + param + ": it does not fit a 64-bit float";
  return core::Error::make(core::ErrorKind::InvalidRequest, std::move(message), std::move(param));
}

}  // namespace switchyard::core
