#include "emulator/schema_sample.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "emulator/json_fields.hpp"

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 12;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "#/$defs/Name" or "#/definitions/Name" inside `root`.
const json::value* resolveRef(std::string_view ref, const json::value& root) {
  if (!ref.starts_with("#/")) return nullptr;
  const json::value* node = &root;
  std::string_view rest = ref.substr(2);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view key = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    const auto* object = node->if_object();
    if (!object) return nullptr;
    node = object->if_contains(key);
    if (!node) return nullptr;
  }
  return node;
}

std::string schemaType(const json::object& schema) {
  if (const auto* type = schema.if_contains("type")) {
    if (type->is_string()) return lower(type->as_string());
    if (const auto* list = type->if_array()) {
      for (const auto& t : *list) {
        if (t.is_string() && lower(t.as_string()) != "null") return lower(t.as_string());
      }
      return "null";
    }
  }
  if (schema.contains("properties")) return "object";
  if (schema.contains("items") || schema.contains("prefixItems")) return "array";
  return "string";
}

double numberField(const json::object& schema, std::string_view name, double fallback) {
  const auto* v = schema.if_contains(name);
  if (!v || !v->is_number()) return fallback;
  return v->to_number<double>();
}

json::value sample(const json::value& schemaValue, const json::value& root, SampleWords& words,
                   int depth) {
  const auto* schema = schemaValue.if_object();
  if (!schema || depth > kMaxDepth) return json::value(words.take());

  if (const auto* c = schema->if_contains("const")) return *c;
  if (const auto* e = schema->if_contains("enum"); e && e->is_array() && !e->as_array().empty()) {
    return e->as_array().front();
  }
  for (std::string_view refKey : {"$ref", "ref"}) {
    if (const auto* ref = schema->if_contains(refKey); ref && ref->is_string()) {
      if (const auto* target = resolveRef(ref->as_string(), root))
        return sample(*target, root, words, depth + 1);
    }
  }
  for (std::string_view branchKey : {"anyOf", "oneOf", "allOf"}) {
    const auto* branches = schema->if_contains(branchKey);
    if (!branches || !branches->is_array() || branches->as_array().empty()) continue;
    for (const auto& branch : branches->as_array()) {
      const auto* b = branch.if_object();
      if (b && schemaType(*b) == "null" && b->contains("type")) continue;
      return sample(branch, root, words, depth + 1);
    }
    return nullptr;
  }

  const std::string type = schemaType(*schema);
  if (type == "null") return nullptr;
  if (type == "boolean") return true;
  if (type == "integer" || type == "number") {
    const bool integer = type == "integer";
    double value = integer ? 1 : 1.5;
    if (schema->contains("minimum")) value = numberField(*schema, "minimum", value);
    if (schema->contains("exclusiveMinimum"))
      value = numberField(*schema, "exclusiveMinimum", value) + 1;
    if (schema->contains("maximum"))
      value = std::min(value, numberField(*schema, "maximum", value));
    if (integer) return static_cast<std::int64_t>(std::ceil(value));
    return value;
  }
  if (type == "array") {
    json::array out;
    const long long minItems = integerField(*schema, "minItems", 0);
    const long long maxItems = integerField(*schema, "maxItems", 3);
    const long long count = std::min<long long>({std::max<long long>(minItems, 1), maxItems, 8});
    const auto* prefix = schema->if_contains("prefixItems");
    const auto* items = schema->if_contains("items");
    for (long long i = 0; i < count; ++i) {
      if (prefix && prefix->is_array() && static_cast<std::size_t>(i) < prefix->as_array().size()) {
        out.push_back(sample(prefix->as_array()[i], root, words, depth + 1));
      } else if (items) {
        out.push_back(sample(*items, root, words, depth + 1));
      } else {
        out.push_back(json::value(words.take()));
      }
    }
    return out;
  }
  if (type == "object") {
    json::object out;
    const auto* properties = schema->if_contains("properties");
    const auto* props = properties ? properties->if_object() : nullptr;
    const auto* required = schema->if_contains("required");
    const bool hasRequired = required && required->is_array() && !required->as_array().empty();
    if (hasRequired) {
      for (const auto& name : required->as_array()) {
        if (!name.is_string()) continue;
        const json::value* propSchema = props ? props->if_contains(name.as_string()) : nullptr;
        out[name.as_string()] =
            propSchema ? sample(*propSchema, root, words, depth + 1) : json::value(words.take());
      }
    } else if (props) {
      for (const auto& member : *props)
        out[member.key()] = sample(member.value(), root, words, depth + 1);
    }
    return out;
  }
  // string
  std::string text;
  const std::string_view format = stringField(*schema, "format");
  if (format == "date-time")
    text = "2025-01-01T00:00:00Z";
  else if (format == "date")
    text = "2025-01-01";
  else if (format == "email")
    text = "x@example.com";
  else if (format == "uri")
    text = "https://example.com/x";
  else
    text = words.take();
  const long long minLength = integerField(*schema, "minLength", 0);
  const long long maxLength = integerField(*schema, "maxLength", -1);
  if (static_cast<long long>(text.size()) < minLength) text.append(minLength - text.size(), 'x');
  if (maxLength >= 0 && static_cast<long long>(text.size()) > maxLength) text.resize(maxLength);
  return json::value(text);
}

}  // namespace

std::string SampleWords::take() {
  if (next_ < words_.size()) return words_[next_++];
  return "x";
}

json::value sampleForSchema(const json::value& schema, SampleWords& words) {
  return sample(schema, schema, words, 0);
}

}  // namespace switchyard::emulator
