#include "providers/openai/answer_scanner.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>

#include <cstdint>

#include "core/json_fields.hpp"
#include "providers/json_scan.hpp"

namespace switchyard::providers::openai {

namespace {

namespace json = boost::json;

// The objects the digest reads from, and their fields. Every other value is skipped.
enum class Field : std::uint8_t {
  Skipped,
  Document,  // the root value, which must be an object
  Root,
  Model,
  Usage,
  PromptTokens,
  CompletionTokens,
  TotalTokens,
  PromptDetails,
  CachedTokens,
  CompletionDetails,
  ReasoningTokens,
};

constexpr std::uint32_t bit(Field field) {
  return std::uint32_t{1} << static_cast<unsigned>(field);
}

constexpr bool isObject(Field field) {
  return field == Field::Root || field == Field::Usage || field == Field::PromptDetails ||
         field == Field::CompletionDetails;
}

constexpr Field parentOf(Field object) {
  switch (object) {
    case Field::Usage:
      return Field::Root;
    case Field::PromptDetails:
    case Field::CompletionDetails:
      return Field::Usage;
    default:
      return Field::Document;
  }
}

Field fieldFor(Field object, std::string_view key) {
  switch (object) {
    case Field::Root:
      if (key == "model") return Field::Model;
      if (key == "usage") return Field::Usage;
      break;
    case Field::Usage:
      if (key == "prompt_tokens") return Field::PromptTokens;
      if (key == "completion_tokens") return Field::CompletionTokens;
      if (key == "total_tokens") return Field::TotalTokens;
      if (key == "prompt_tokens_details") return Field::PromptDetails;
      if (key == "completion_tokens_details") return Field::CompletionDetails;
      break;
    case Field::PromptDetails:
      if (key == "cached_tokens") return Field::CachedTokens;
      break;
    case Field::CompletionDetails:
      if (key == "reasoning_tokens") return Field::ReasoningTokens;
      break;
    default:
      break;
  }
  return Field::Skipped;
}

// Long enough for every key fieldFor knows; a longer key is one it does not.
constexpr std::size_t kLongestKey = sizeof "completion_tokens_details" - 1;

// basic_parser's handler. Returning false stops the parse: the body is declined.
class AnswerHandler : public JsonScanHandler<kLongestKey> {
 public:
  AnswerHandler(AnswerDigest& digest, std::string_view body) : digest_(digest), body_(body) {}

  bool on_object_begin(error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return skip();
    if (next_ == Field::Document) next_ = Field::Root;
    if (!isObject(next_)) return decline(ec);
    scope_ = next_;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    if (skipping()) return endSkipped();
    scope_ = parentOf(scope_);
    next_ = Field::Skipped;  // the next key names it
    return true;
  }
  bool on_array_begin(error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return skip();
    return decline(ec);
  }
  bool on_array_end(std::size_t, error_code&) { return endSkipped(); }

  bool on_key(json::string_view piece, std::size_t total, error_code& ec) {
    if (skipping()) return true;
    next_ = fieldFor(scope_, wholeKey(piece, total));
    if (next_ == Field::Skipped) return true;
    if (seen_ & bit(next_)) return decline(ec);
    seen_ |= bit(next_);
    return true;
  }

  bool on_string_part(json::string_view, std::size_t, error_code& ec) { return skippedOr(ec); }
  bool on_string(json::string_view text, std::size_t, error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return true;
    // Only the model is a string, taken as a view of the body: one with escapes arrives decoded
    // elsewhere (or in parts, declined above) and is left to the document reader.
    const std::string_view model(text.data(), text.size());
    if (next_ != Field::Model || !liesWithin(body_, model)) return decline(ec);
    digest_.model = model;
    return true;
  }

  bool on_int64(std::int64_t number, json::string_view, error_code& ec) {
    return takeCount(number, ec);
  }
  bool on_uint64(std::uint64_t number, json::string_view, error_code& ec) {
    return takeCount(number, ec);
  }
  bool on_double(double, json::string_view, error_code& ec) { return skippedOr(ec); }
  bool on_bool(bool, error_code& ec) { return skippedOr(ec); }
  bool on_null(error_code& ec) {
    // A null reads as absent: no model, no usage, a count of 0.
    if (skipping() || next_ == Field::Skipped || countOf(next_) || next_ == Field::Model ||
        (isObject(next_) && next_ != Field::Root))
      return true;
    return decline(ec);
  }

 private:
  // A value that is fine only where nothing is read.
  bool skippedOr(error_code& ec) const {
    return skipping() || next_ == Field::Skipped || decline(ec);
  }

  std::int64_t* countOf(Field field) {
    auto& usage = digest_.usage;
    switch (field) {
      case Field::PromptTokens:
        return &usage.promptTokens;
      case Field::CompletionTokens:
        return &usage.completionTokens;
      case Field::TotalTokens:
        return &usage.totalTokens;
      case Field::CachedTokens:
        return &usage.cachedTokens;
      case Field::ReasoningTokens:
        return &usage.reasoningTokens;
      default:
        return nullptr;
    }
  }

  // Read through toInt64, as the document reader's integerField reads a number.
  template <class Number>
  bool takeCount(Number number, error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return true;
    std::int64_t* count = countOf(next_);
    if (!count) return decline(ec);
    *count = core::toInt64(json::value(number)).value_or(0);
    return true;
  }

  AnswerDigest& digest_;
  const std::string_view body_;
  Field scope_ = Field::Document;  // the object being read
  Field next_ = Field::Document;   // what the next value is
  std::uint32_t seen_ = 0;         // fields met so far (each is read once)
};

}  // namespace

std::optional<AnswerDigest> scanAnswer(std::string_view body) {
  AnswerDigest digest;
  // Default options, as json::parse uses: the same depth limit, no comments, UTF-8 checked.
  json::basic_parser<AnswerHandler> parser(json::parse_options{}, digest, body);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || consumed != body.size()) return std::nullopt;
  return digest;
}

}  // namespace switchyard::providers::openai
