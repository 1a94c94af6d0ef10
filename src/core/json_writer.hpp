#pragma once
// Append-only JSON writer: translators emit their output straight into one std::string instead of
// building a boost::json tree and serializing it. Commas are placed automatically; the caller keeps
// begin/end and key/value pairs balanced.

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace switchyard::core {

// A key written in the source (`w.key("model")`): checked at compile time to need no escaping, so
// the writer copies it as is. Keys are most of what a translator writes; escaping each one was a
// tenth of the gateway's instructions per request. Keys that come from input use escapedKey().
class JsonKey {
 public:
  template <std::size_t N>
  consteval JsonKey(const char (&text)[N]) : text_(text, N - 1) {  // NOLINT: implicit on purpose
    for (const char c : text_)
      if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\')
        throw "a literal JSON key must not need escaping";
  }
  constexpr std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void beginObject();
  void endObject();
  void beginArray();
  void endArray();
  void key(JsonKey name);
  void escapedKey(std::string_view name);  // a key taken from input: escaped as any string

  void string(std::string_view text);
  void integer(std::int64_t number);
  void boolean(bool flag);
  void null();
  // A string written in pieces (e.g. concatenated text parts) without joining them first.
  void beginString();
  void stringPiece(std::string_view text);
  void endString();
  // Any parsed JSON value, serialized as is (numbers keep their int/double form). Returns false and
  // writes nothing when `value` holds a number JSON cannot carry (see appendJsonValue): the caller
  // refuses its input instead of sending invalid JSON.
  [[nodiscard]] bool value(const boost::json::value& value);

  // key + value in one call, for the common flat cases.
  void field(JsonKey name, std::string_view text) {
    key(name);
    string(text);
  }
  void fieldInt(JsonKey name, std::int64_t number) {
    key(name);
    integer(number);
  }

 private:
  void separate();

  std::string& out_;
  bool needComma_ = false;
};

// Appends `number` in decimal (a JSON integer).
void appendJsonInteger(std::string& out, std::int64_t number);

// Appends `text` as a quoted JSON string (escaping quotes, backslashes and control characters).
void appendJsonString(std::string& out, std::string_view text);

// Appends `text` escaped for the inside of a JSON string, without quotes.
void appendJsonEscaped(std::string& out, std::string_view text);

// Writes `text` escaped for the inside of a JSON string at `at`, which has room for
// kMaxJsonEscapedGrowth * text.size() bytes; returns the end of what it wrote.
inline constexpr std::size_t kMaxJsonEscapedGrowth = 6;  // a control byte becomes \u00XX
char* writeJsonEscaped(char* at, std::string_view text);

// Appends the serialization of `value` without an intermediate string. Returns false and appends
// nothing when `value` holds a non-finite number: Boost.JSON parses `1e999` as infinity and would
// serialize it as `Infinity`, which is not JSON. Nothing here ever writes Infinity or NaN.
[[nodiscard]] bool appendJsonValue(std::string& out, const boost::json::value& value);

// Where the first non-finite number inside `value` is, as a path to append to the value's own name
// ("" for `value` itself, then `.key` and `[index]` steps, e.g. `.properties.x.maximum`), or
// nullopt when every number is finite. For error messages; recursion is bounded by the parser's
// depth limit.
std::optional<std::string> findNonFiniteNumber(const boost::json::value& value);

// The client's error for a value of its request that appendJsonValue refused: InvalidRequest
// "number out of range", `param` naming the field (`name`) and the number's path inside it.
core::Error numberOutOfRange(std::string_view name, const boost::json::value& value);

}  // namespace switchyard::core
