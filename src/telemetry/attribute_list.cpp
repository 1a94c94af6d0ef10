#include "telemetry/attribute_list.hpp"

namespace switchyard::telemetry {

void appendIdentifier(std::string& out, std::string_view value) {
  if (value.size() <= kMaxIdentifierBytes) {
    out.append(value);
    return;
  }
  std::size_t end = kMaxIdentifierBytes;
  // Back over at most three continuation bytes: past that it was not UTF-8 anyway.
  for (int back = 0; back < 3 && end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80;
       ++back)
    --end;
  out.append(value.substr(0, end));
  out.append("...[truncated: ").append(std::to_string(value.size())).append(" bytes]");
}

std::string cappedIdentifier(std::string_view value) {
  std::string out;
  appendIdentifier(out, value);
  return out;
}

const AttributeList::Value* AttributeList::find(std::string_view key) const {
  for (const auto& entry : entries_)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

}  // namespace switchyard::telemetry
