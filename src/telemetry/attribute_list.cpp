#include "telemetry/attribute_list.hpp"

namespace switchyard::telemetry {

const AttributeList::Value* AttributeList::find(std::string_view key) const {
  for (const auto& entry : entries_)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

}  // namespace switchyard::telemetry
