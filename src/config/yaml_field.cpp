#include "config/yaml_field.hpp"

#include <charconv>

#include "config/units.hpp"

namespace switchyard::config::detail {

void ObjectContext::report(Severity severity, int line, std::string field,
                           std::string message) const {
  diagnostics->push_back(Diagnostic{severity, at(line, std::move(field)), std::move(message)});
}

Field::Field(YAML::Node node, std::string path, int line, const ObjectContext* context)
    : node_(std::move(node)), path_(std::move(path)), line_(line), context_(context) {}

namespace {

// 1-based line of a node, or `fallback` when yaml-cpp has no mark for it.
int lineOf(const YAML::Node& node, int fallback) {
  return node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : fallback;
}

}  // namespace

Field Field::operator[](std::string_view key) const {
  std::string childPath = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  if (node_.IsDefined() && node_.IsMap()) {
    for (const auto& item : node_) {
      if (item.first.IsScalar() && item.first.Scalar() == key)
        return Field(item.second, std::move(childPath), lineOf(item.first, line_), context_);
    }
  }
  return Field(YAML::Node(YAML::NodeType::Undefined), std::move(childPath), line_, context_);
}

void Field::error(std::string message) const {
  context_->report(Severity::Error, line_, path_, std::move(message));
}

void Field::warning(std::string message) const {
  context_->report(Severity::Warning, line_, path_, std::move(message));
}

bool Field::scalar(bool required, std::string_view expected) const {
  if (!present()) {
    if (required) error("required field is missing");
    return false;
  }
  if (!node_.IsScalar()) {
    error("expected " + std::string(expected) + ", got a " +
          (node_.IsMap()        ? "mapping"
           : node_.IsSequence() ? "sequence"
                                : "non-scalar"));
    return false;
  }
  return true;
}

std::optional<std::string> Field::str(bool required) const {
  if (!scalar(required, "a string")) return std::nullopt;
  return node_.Scalar();
}

std::optional<std::int64_t> Field::integer(bool required) const {
  if (!scalar(required, "an integer")) return std::nullopt;
  const std::string& text = node_.Scalar();
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    error("expected an integer, got \"" + text + "\"");
    return std::nullopt;
  }
  return value;
}

std::optional<Millis> Field::duration(bool required) const {
  if (!scalar(required, "a duration")) return std::nullopt;
  auto value = parseDuration(node_.Scalar());
  if (!value) error("invalid duration \"" + node_.Scalar() + "\" (examples: 30s, 100ms, 1h30m)");
  return value;
}

std::optional<std::uint64_t> Field::quantity(bool required) const {
  if (!scalar(required, "a quantity")) return std::nullopt;
  auto value = parseQuantity(node_.Scalar());
  if (!value) error("invalid quantity \"" + node_.Scalar() + "\" (examples: 50Mi, 32Ki, 1G, 1024)");
  return value;
}

std::optional<bool> Field::boolean(bool required) const {
  if (!scalar(required, "true or false")) return std::nullopt;
  const std::string& text = node_.Scalar();
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  error("expected true or false, got \"" + text + "\"");
  return std::nullopt;
}

bool Field::map(bool required) const {
  if (!present()) {
    if (required) error("required field is missing");
    return false;
  }
  if (!node_.IsMap()) {
    error("expected a mapping");
    return false;
  }
  return true;
}

std::vector<Field> Field::list(bool required) const {
  std::vector<Field> items;
  if (!present()) {
    if (required) error("required field is missing");
    return items;
  }
  if (!node_.IsSequence()) {
    error("expected a sequence");
    return items;
  }
  std::size_t i = 0;
  for (const auto& item : node_) {
    items.emplace_back(item, path_ + "[" + std::to_string(i++) + "]", lineOf(item, line_),
                       context_);
  }
  return items;
}

std::vector<std::pair<std::string, Field>> Field::entries() const {
  std::vector<std::pair<std::string, Field>> out;
  if (!node_.IsDefined() || !node_.IsMap()) return out;
  for (const auto& item : node_) {
    if (!item.first.IsScalar()) continue;
    const std::string& key = item.first.Scalar();
    out.emplace_back(key, Field(item.second, path_.empty() ? key : path_ + "." + key,
                                lineOf(item.first, line_), context_));
  }
  return out;
}

}  // namespace switchyard::config::detail
