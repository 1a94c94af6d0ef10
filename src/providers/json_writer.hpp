#pragma once
// Append-only JSON writer: translators emit their output straight into one std::string instead of
// building a boost::json tree and serializing it. Commas are placed automatically; the caller keeps
// begin/end and key/value pairs balanced.

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::providers {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void beginObject();
  void endObject();
  void beginArray();
  void endArray();
  void key(std::string_view name);

  void string(std::string_view text);
  void integer(std::int64_t number);
  void boolean(bool flag);
  void null();
  // A string written in pieces (e.g. concatenated text parts) without joining them first.
  void beginString();
  void stringPiece(std::string_view text);
  void endString();
  // Any parsed JSON value, serialized as is (numbers keep their int/double form).
  void value(const boost::json::value& value);

  // key + value in one call, for the common flat cases.
  void field(std::string_view name, std::string_view text) {
    key(name);
    string(text);
  }
  void fieldInt(std::string_view name, std::int64_t number) {
    key(name);
    integer(number);
  }

 private:
  void separate();

  std::string& out_;
  bool needComma_ = false;
};

// Appends `text` as a quoted JSON string (escaping quotes, backslashes and control characters).
void appendJsonString(std::string& out, std::string_view text);

// Appends `text` escaped for the inside of a JSON string, without quotes.
void appendJsonEscaped(std::string& out, std::string_view text);

// Appends the serialization of `value` without an intermediate string.
void appendJsonValue(std::string& out, const boost::json::value& value);

}  // namespace switchyard::providers
