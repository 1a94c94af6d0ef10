#pragma once
// Table-driven provider tests: each fixture file under cases/ is a JSON array of cases, each with a
// "name". Cases are located from this file's directory, so tests run from any working directory.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::testing {

struct Case {
  std::string name;
  boost::json::object data;
};

// Lets gtest print a case by its name instead of its bytes.
inline void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

inline std::string casesDir() {
  std::string here = __FILE__;
  return here.substr(0, here.find_last_of('/')) + "/cases/";
}

// All cases of one file; a file that cannot be read yields one case named "unreadable_file" whose
// data holds the reason, so the failure shows up as a failing test rather than as no tests.
inline std::vector<Case> loadCases(const std::string& file) {
  std::vector<Case> cases;
  std::ifstream in(casesDir() + file);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const auto root = boost::json::parse(text.str(), ec);
  if (!in || ec || !root.is_array()) {
    cases.push_back({"unreadable_file", {{"load_error", casesDir() + file + ": " + ec.message()}}});
    return cases;
  }
  for (const auto& item : root.get_array()) {
    Case c;
    c.data = item.as_object();
    c.name = std::string(c.data.at("name").as_string());
    cases.push_back(std::move(c));
  }
  return cases;
}

inline std::string testName(const Case& c) {
  std::string name;
  for (const char ch : c.name)
    name.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return name;
}

inline std::string str(const boost::json::object& object, std::string_view key,
                       std::string fallback = {}) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : fallback;
}

// Expected tool-call ids are written "{{call:<choice>:<call>[:<signature>]}}" in fixtures and
// replaced with mintToolCallId(request id, choice, call, signature) before comparing.
inline void resolveIds(boost::json::value& value, std::string_view requestId) {
  if (value.is_object()) {
    for (auto& entry : value.get_object()) resolveIds(entry.value(), requestId);
  } else if (value.is_array()) {
    for (auto& item : value.get_array()) resolveIds(item, requestId);
  } else if (value.is_string()) {
    std::string_view text = value.get_string();
    if (!text.starts_with("{{call:") || !text.ends_with("}}")) return;
    text = text.substr(7, text.size() - 9);
    const auto first = text.find(':');
    const auto second = text.find(':', first + 1);
    const auto choice = std::stoul(std::string(text.substr(0, first)));
    const auto call = std::stoul(std::string(text.substr(first + 1, second - first - 1)));
    const auto signature =
        second == std::string_view::npos ? std::string_view{} : text.substr(second + 1);
    value = vertex::mintToolCallId(requestId, choice, call, signature);
  }
}

inline std::string pretty(const boost::json::value& value) { return boost::json::serialize(value); }

// For failure messages: the body of the first upstream call built.
inline std::string firstBody(const UpstreamCalls& calls) {
  return calls.empty() ? std::string("(no upstream call)") : calls.front().body;
}

}  // namespace switchyard::providers::testing
