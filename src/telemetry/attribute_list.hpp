#pragma once
// The span attributes of a chat request's content (OpenInference or GenAI), in a list of this
// file's own so that any span record can take them over: ordered key → string, int64, double, bool,
// string array or double array (embedding vectors). Keys are built with one reservation
// (attributeKey), never with streams.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace switchyard::telemetry {

// Identifiers copied from a request or an answer (model names, mapped headers, user ids) keep at
// most this many bytes, cut between characters, then `...[truncated: N bytes]`, as in the access
// log: no client makes a span megabytes long through them. Captured content (messages,
// input.value) is not an identifier; its own settings govern it.
inline constexpr std::size_t kMaxIdentifierBytes = 1024;
void appendIdentifier(std::string& out, std::string_view value);
std::string cappedIdentifier(std::string_view value);

class AttributeList {
 public:
  using Value = std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>,
                             std::vector<double>>;
  struct Entry {
    std::string key;
    Value value;
    bool operator==(const Entry&) const = default;
  };

  // One name a kind: a `const char*` would otherwise quietly pick the bool overload.
  void addString(std::string key, std::string_view value) {
    entries_.push_back({std::move(key), std::string(value)});
  }
  void addIdentifier(std::string key, std::string_view value) {
    entries_.push_back({std::move(key), cappedIdentifier(value)});
  }
  void addOwnedString(std::string key, std::string value) {
    entries_.push_back({std::move(key), std::move(value)});
  }
  void addInt(std::string key, std::int64_t value) { entries_.push_back({std::move(key), value}); }
  void addDouble(std::string key, double value) { entries_.push_back({std::move(key), value}); }
  void addBool(std::string key, bool value) { entries_.push_back({std::move(key), value}); }
  void addStrings(std::string key, std::vector<std::string> values) {
    entries_.push_back({std::move(key), std::move(values)});
  }
  void addDoubles(std::string key, std::vector<double> values) {
    entries_.push_back({std::move(key), std::move(values)});
  }

  // The value of `key`, or nullptr. Linear: for tests and for reading back a few keys.
  const Value* find(std::string_view key) const;

  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& entries() { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;
};

namespace detail {
inline std::size_t keyPartSize(std::string_view part) { return part.size(); }
inline std::size_t keyPartSize(std::size_t) { return 20; }  // digits of the largest size_t
inline void appendKeyPart(std::string& key, std::string_view part) { key.append(part); }
inline void appendKeyPart(std::string& key, std::size_t index) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
  key.append(digits, end);
}
}  // namespace detail

// A key from literal pieces and indexes, e.g. attributeKey("llm.input_messages.", i,
// ".message.role"), in one allocation.
template <class... Parts>
std::string attributeKey(const Parts&... parts) {
  std::string key;
  key.reserve((detail::keyPartSize(parts) + ...));
  (detail::appendKeyPart(key, parts), ...);
  return key;
}

}  // namespace switchyard::telemetry
