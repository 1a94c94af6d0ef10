#pragma once
// A request's first field of a name, found by walking its fields in arrival order. Beast's own
// lookup searches an ordered set under a case-blind compare, ~550 instructions for Content-Type
// in a request of five fields; a request carries a handful of fields, and each already holds the
// enum its name was parsed to, so the walk compares one integer a field. Same-name fields are
// found in the order they came, as Beast's lookup finds them.

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>

#include <cassert>
#include <string_view>

#include "core/ascii.hpp"

namespace switchyard::http {

using FieldEntry = boost::beast::http::fields::value_type;

// The first field named `name`, or null when there is none.
inline const FieldEntry* firstField(const boost::beast::http::fields& fields,
                                    boost::beast::http::field name) {
  // `unknown` would match every field Beast has no enum for.
  assert(name != boost::beast::http::field::unknown);
  for (const auto& entry : fields)
    if (entry.name() == name) return &entry;
  return nullptr;
}

// The same for a name Beast may have no enum for (x-request-id, traceparent), compared case-blind.
inline const FieldEntry* firstField(const boost::beast::http::fields& fields,
                                    std::string_view name) {
  for (const auto& entry : fields) {
    const auto entryName = entry.name_string();
    if (core::iequalsAscii({entryName.data(), entryName.size()}, name)) return &entry;
  }
  return nullptr;
}

// The first such field's value; empty when there is none.
template <typename Name>
std::string_view fieldValue(const boost::beast::http::fields& fields, Name name) {
  const FieldEntry* entry = firstField(fields, name);
  if (!entry) return {};
  return {entry->value().data(), entry->value().size()};
}

}  // namespace switchyard::http
