#include "providers/json_writer.hpp"

#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace switchyard::providers {

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

void JsonWriter::key(std::string_view name) {
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
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
  out_.append(buffer, result.ptr);
  needComma_ = true;
}

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

void JsonWriter::value(const boost::json::value& value) {
  separate();
  appendJsonValue(out_, value);
  needComma_ = true;
}

void appendJsonString(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  appendJsonEscaped(out, text);
  out.push_back('"');
}

void appendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t clean = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + clean, i - clean);
    clean = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(text.data() + clean, text.size() - clean);
}

void appendJsonValue(std::string& out, const boost::json::value& value) {
  boost::json::serializer serializer;
  serializer.reset(&value);
  while (!serializer.done()) {
    const std::size_t used = out.size();
    const std::size_t room = 4096;
    out.resize(used + room);
    const auto written = serializer.read(out.data() + used, room);
    out.resize(used + written.size());
  }
}

}  // namespace switchyard::providers
