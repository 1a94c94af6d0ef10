#include "config/env_substitution.hpp"

namespace switchyard::config::detail {

namespace {

bool isNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }

bool isCommentLine(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] == '#';
}

}  // namespace

std::string substituteEnv(std::string_view text, const std::string& file, const Getenv& getenv,
                          std::vector<Diagnostic>& diagnostics) {
  std::string out;
  out.reserve(text.size());
  int lineNumber = 1;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end == std::string_view::npos ? text.size() : end + 1);
    text.remove_prefix(line.size());
    if (isCommentLine(line)) {
      out += line;
      ++lineNumber;
      continue;
    }
    for (std::size_t i = 0; i < line.size();) {
      if (line.compare(i, 2, "${") != 0 || i + 2 >= line.size() || !isNameStart(line[i + 2])) {
        out += line[i++];
        continue;
      }
      std::size_t j = i + 2;
      while (j < line.size() && isNameChar(line[j])) ++j;
      const auto name = line.substr(i + 2, j - i - 2);
      std::optional<std::string_view> fallback;
      if (line.compare(j, 2, ":=") == 0) {
        const auto close = line.find('}', j + 2);
        if (close == std::string_view::npos) {
          out += line[i++];
          continue;
        }
        fallback = line.substr(j + 2, close - j - 2);
        j = close;
      }
      if (j >= line.size() || line[j] != '}') {
        out += line[i++];
        continue;
      }
      auto value = getenv(name);
      if (value && (!value->empty() || !fallback)) {
        out += *value;
      } else if (fallback) {
        out += *fallback;
      } else {
        Diagnostic d;
        d.severity = Severity::Error;
        d.where.file = file;
        d.where.line = lineNumber;
        d.message = "environment variable " + std::string(name) +
                    " is not set and has no default (write ${" + std::string(name) +
                    ":=default} to give one)";
        diagnostics.push_back(std::move(d));
      }
      i = j + 1;
    }
    ++lineNumber;
  }
  return out;
}

}  // namespace switchyard::config::detail
