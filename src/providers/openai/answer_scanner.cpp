#include "providers/openai/answer_scanner.hpp"

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstring>
#include <functional>

#include "core/json_fields.hpp"

namespace switchyard::providers::openai {

namespace {

namespace json = boost::json;
using boost::system::error_code;

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
class AnswerHandler {
 public:
  // The document parser's limits (boost/json/detail/handler.hpp), so that both reject alike.
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  AnswerHandler(AnswerDigest& digest, std::string_view body) : digest_(digest), body_(body) {}

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code& ec) {
    if (skipping_ > 0 || next_ == Field::Skipped) return skip();
    if (next_ == Field::Document) next_ = Field::Root;
    if (!isObject(next_)) return decline(ec);
    scope_ = next_;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    if (skipping_ > 0) return endSkipped();
    scope_ = parentOf(scope_);
    next_ = Field::Skipped;  // the next key names it
    return true;
  }
  bool on_array_begin(error_code& ec) {
    if (skipping_ > 0 || next_ == Field::Skipped) return skip();
    return decline(ec);
  }
  bool on_array_end(std::size_t, error_code&) { return endSkipped(); }

  bool on_key_part(json::string_view piece, std::size_t total, error_code&) {
    if (skipping_ == 0) keepKeyPiece(piece, total);
    return true;
  }
  bool on_key(json::string_view piece, std::size_t total, error_code& ec) {
    if (skipping_ > 0) return true;
    std::string_view key(piece.data(), piece.size());
    if (total != piece.size()) {
      keepKeyPiece(piece, total);
      key = total <= kLongestKey ? std::string_view(key_, total) : std::string_view{};
    }
    next_ = fieldFor(scope_, key);
    if (next_ == Field::Skipped) return true;
    if (seen_ & bit(next_)) return decline(ec);
    seen_ |= bit(next_);
    return true;
  }

  bool on_string_part(json::string_view, std::size_t, error_code& ec) { return skippedOr(ec); }
  bool on_string(json::string_view text, std::size_t, error_code& ec) {
    if (skipping_ > 0 || next_ == Field::Skipped) return true;
    // Only the model is a string, taken as a view of the body: one with escapes arrives decoded
    // elsewhere (or in parts, declined above) and is left to the document reader.
    if (next_ != Field::Model || !inBody(text)) return decline(ec);
    digest_.model = std::string_view(text.data(), text.size());
    return true;
  }

  bool on_number_part(json::string_view, error_code&) { return true; }
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
    if (skipping_ > 0 || next_ == Field::Skipped || countOf(next_) || next_ == Field::Model ||
        (isObject(next_) && next_ != Field::Root))
      return true;
    return decline(ec);
  }

  // Comments are off (parse_options' default, as for the document parser); never called.
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  static bool decline(error_code& ec) {
    ec = json::error::exception;  // any code stops the parser; the document reader judges the body
    return false;
  }
  // A value that is fine only where nothing is read.
  bool skippedOr(error_code& ec) const {
    return skipping_ > 0 || next_ == Field::Skipped || decline(ec);
  }

  bool skip() {
    ++skipping_;
    return true;
  }
  bool endSkipped() {
    --skipping_;
    return true;
  }

  bool inBody(json::string_view text) const {
    const std::less_equal<const char*> notAfter;
    return notAfter(body_.data(), text.data()) &&
           notAfter(text.data() + text.size(), body_.data() + body_.size());
  }

  // A key's pieces (escapes make them arrive split) are kept only while it could be a known one.
  void keepKeyPiece(json::string_view piece, std::size_t total) {
    if (total <= kLongestKey) std::memcpy(key_ + total - piece.size(), piece.data(), piece.size());
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
    if (skipping_ > 0 || next_ == Field::Skipped) return true;
    std::int64_t* count = countOf(next_);
    if (!count) return decline(ec);
    *count = core::toInt64(json::value(number)).value_or(0);
    return true;
  }

  AnswerDigest& digest_;
  const std::string_view body_;
  Field scope_ = Field::Document;  // the object being read
  Field next_ = Field::Document;   // what the next value is
  std::size_t skipping_ = 0;       // depth inside a skipped value
  std::uint32_t seen_ = 0;         // fields met so far (each is read once)
  char key_[kLongestKey];
};

}  // namespace

std::optional<AnswerDigest> scanAnswer(std::string_view body) {
  AnswerDigest digest;
  // Default options, as json::parse uses: the same depth limit, no comments, UTF-8 checked.
  json::basic_parser<AnswerHandler> parser(json::parse_options{}, digest, body);
  error_code ec;
  const std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || consumed != body.size()) return std::nullopt;
  return digest;
}

}  // namespace switchyard::providers::openai
