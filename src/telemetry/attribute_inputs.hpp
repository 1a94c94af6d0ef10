#pragma once
// What the chat span's attribute functions read: views of the request the gateway already holds,
// so nothing is copied or parsed again for them.

#include <boost/json/object.hpp>

#include <functional>
#include <string_view>

#include "providers/descriptor.hpp"

namespace switchyard::telemetry {

// The backend schema that answered (llm.system / llm.provider / gen_ai.provider.name).
using ProviderKind = providers::ProviderDescriptor;

// A request header by lower-case name, "" when absent.
using HeaderLookup = std::function<std::string_view(std::string_view name)>;

struct ChatRequestView {
  const boost::json::object& body;  // the parsed OpenAI request
  std::string_view rawBody;         // the body as received (input.value)
  HeaderLookup header;              // may be empty: no header attributes then
};

}  // namespace switchyard::telemetry
