#include "providers/vertex/response_scanner.hpp"

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>

#include "core/json_fields.hpp"
#include "providers/json_scan.hpp"

namespace switchyard::providers::vertex {

using core::toInt64;

namespace {

namespace json = boost::json;
using boost::system::error_code;

// The containers and fields of a GenerateContentResponse that the output reads. A container is both
// where the parser is (`scope_`) and what a value opens; every other value is a field read or
// skipped.
enum class Field : std::uint8_t {
  Skipped,   // a field the output does not read: any value, checked by the parser only
  Declined,  // a field only the document reader translates
  Document,
  Root,
  Candidates,
  Candidate,
  Content,
  Parts,
  Part,
  UsageMetadata,
  ModelVersion,
  ResponseId,
  CreateTime,
  FinishReason,
  Text,
  Thought,
  Index,
  PromptTokenCount,
  ToolUsePromptTokenCount,
  CandidatesTokenCount,
  ThoughtsTokenCount,
  CachedContentTokenCount,
  TotalTokenCount,
};

// The fields an object has read are bits of one word (duplicate-key check).
static_assert(static_cast<unsigned>(Field::TotalTokenCount) < 32);
constexpr std::uint32_t bit(Field field) {
  return std::uint32_t{1} << static_cast<unsigned>(field);
}

constexpr bool opensObject(Field field) {
  return field == Field::Root || field == Field::Candidate || field == Field::Content ||
         field == Field::Part || field == Field::UsageMetadata;
}

constexpr bool opensArray(Field field) {
  return field == Field::Candidates || field == Field::Parts;
}

constexpr bool holdsString(Field field) {
  return field == Field::ModelVersion || field == Field::ResponseId || field == Field::CreateTime ||
         field == Field::FinishReason || field == Field::Text;
}

constexpr Field parentOf(Field container) {
  switch (container) {
    case Field::Candidates:
    case Field::UsageMetadata:
      return Field::Root;
    case Field::Candidate:
      return Field::Candidates;
    case Field::Content:
      return Field::Candidate;
    case Field::Parts:
      return Field::Content;
    case Field::Part:
      return Field::Parts;
    default:
      return Field::Document;
  }
}

// What every value of an array (or the document) is; objects name their values by key instead.
constexpr Field itemOf(Field container) {
  switch (container) {
    case Field::Document:
      return Field::Root;
    case Field::Candidates:
      return Field::Candidate;
    case Field::Parts:
      return Field::Part;
    default:
      return Field::Skipped;
  }
}

// The fields an object reads, forgotten when a new object of its kind opens (duplicate check).
constexpr std::uint32_t fieldsOf(Field container) {
  switch (container) {
    case Field::Root:
      return bit(Field::Candidates) | bit(Field::UsageMetadata) | bit(Field::ModelVersion) |
             bit(Field::ResponseId) | bit(Field::CreateTime);
    case Field::Candidate:
      return bit(Field::Index) | bit(Field::Content) | bit(Field::FinishReason);
    case Field::Content:
      return bit(Field::Parts);
    case Field::Part:
      return bit(Field::Text) | bit(Field::Thought);
    case Field::UsageMetadata:
      return bit(Field::PromptTokenCount) | bit(Field::ToolUsePromptTokenCount) |
             bit(Field::CandidatesTokenCount) | bit(Field::ThoughtsTokenCount) |
             bit(Field::CachedContentTokenCount) | bit(Field::TotalTokenCount);
    default:
      return 0;
  }
}

Field fieldFor(Field object, std::string_view key) {
  switch (object) {
    case Field::Root:
      if (key == "candidates") return Field::Candidates;
      if (key == "usageMetadata") return Field::UsageMetadata;
      if (key == "modelVersion") return Field::ModelVersion;
      if (key == "responseId") return Field::ResponseId;
      if (key == "createTime") return Field::CreateTime;
      if (key == "error") return Field::Declined;
      break;
    case Field::Candidate:
      if (key == "content") return Field::Content;
      if (key == "finishReason") return Field::FinishReason;
      if (key == "index") return Field::Index;
      if (key == "logprobsResult") return Field::Declined;
      if (key == "safetyRatings") return Field::Declined;
      break;
    case Field::Content:
      if (key == "parts") return Field::Parts;
      break;
    case Field::Part:
      if (key == "text") return Field::Text;
      if (key == "thought") return Field::Thought;
      if (key == "functionCall") return Field::Declined;
      if (key == "thoughtSignature") return Field::Declined;
      break;
    case Field::UsageMetadata:
      if (key == "promptTokenCount") return Field::PromptTokenCount;
      if (key == "candidatesTokenCount") return Field::CandidatesTokenCount;
      if (key == "totalTokenCount") return Field::TotalTokenCount;
      if (key == "thoughtsTokenCount") return Field::ThoughtsTokenCount;
      if (key == "cachedContentTokenCount") return Field::CachedContentTokenCount;
      if (key == "toolUsePromptTokenCount") return Field::ToolUsePromptTokenCount;
      break;
    default:
      break;
  }
  return Field::Skipped;
}

// Long enough for every key fieldFor knows; a longer key is one it does not.
constexpr std::size_t kLongestKey = sizeof "cachedContentTokenCount" - 1;

std::string_view view(json::string_view text) { return {text.data(), text.size()}; }

// The text of the strings the output reads. A string without escapes arrives whole as a view of
// the body, whose bytes are its text, so the view is kept as is. An escaped one arrives decoded, in
// pieces from the parser's own buffer: it is copied into one block as large as the body (decoding
// never lengthens a string), taken from the arena when first needed, so earlier views never move.
class StringTexts {
 public:
  StringTexts(std::string_view body, std::pmr::memory_resource& arena)
      : body_(body), arena_(arena) {}

  // False only if the copies would outgrow the body, which cannot happen.
  [[nodiscard]] bool append(std::string_view piece) {
    if (!block_) block_ = static_cast<char*>(arena_.allocate(body_.size(), 1));
    if (!open_) {
      open_ = true;
      start_ = used_;
    }
    if (piece.size() > body_.size() - used_) return false;
    std::memcpy(block_ + used_, piece.data(), piece.size());
    used_ += piece.size();
    return true;
  }

  struct Text {
    std::string_view text;
    bool fromBody;  // the string had no escapes: its bytes need none in the output either
  };

  // The whole string, given its last piece; nullopt as for append.
  std::optional<Text> finish(std::string_view last) {
    if (!open_ && inBody(last)) return Text{last, true};
    if (!append(last)) return std::nullopt;
    open_ = false;
    return Text{std::string_view(block_ + start_, used_ - start_), false};
  }

 private:
  bool inBody(std::string_view piece) const { return liesWithin(body_, piece); }

  const std::string_view body_;
  std::pmr::memory_resource& arena_;
  char* block_ = nullptr;
  std::size_t used_ = 0;
  std::size_t start_ = 0;  // of the string being copied
  bool open_ = false;      // a string's first pieces are copied, its last is to come
};

// basic_parser's handler. Returning false stops the parse: the body is declined.
class ScanHandler : public JsonScanHandler<kLongestKey> {
 public:
  ScanHandler(CompletionDigest& digest, std::string_view body, std::pmr::memory_resource& arena)
      : digest_(digest), strings_(body, arena) {}

  bool on_object_begin(error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return skip();
    if (!opensObject(next_)) return decline(ec);
    open(next_);
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    if (skipping()) return endSkipped();
    close();
    return true;
  }
  bool on_array_begin(error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return skip();
    if (!opensArray(next_)) return decline(ec);
    open(next_);
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    if (skipping()) return endSkipped();
    close();
    return true;
  }

  bool on_key(json::string_view piece, std::size_t total, error_code& ec) {
    if (skipping()) return true;
    next_ = fieldFor(scope_, wholeKey(piece, total));
    if (next_ == Field::Skipped) return true;
    if (next_ == Field::Declined || (seen_ & bit(next_))) return decline(ec);
    seen_ |= bit(next_);
    return true;
  }

  bool on_string_part(json::string_view piece, std::size_t, error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return true;
    if (!holdsString(next_) || !strings_.append(view(piece))) return decline(ec);
    return true;
  }
  bool on_string(json::string_view piece, std::size_t, error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return true;
    if (!holdsString(next_)) return decline(ec);
    const auto text = strings_.finish(view(piece));
    if (!text) return decline(ec);
    takeString(*text);
    return true;
  }

  bool on_int64(std::int64_t number, json::string_view, error_code& ec) {
    return takeNumber(number, ec);
  }
  bool on_uint64(std::uint64_t number, json::string_view, error_code& ec) {
    return takeNumber(number, ec);
  }
  bool on_double(double number, json::string_view, error_code& ec) {
    return takeNumber(number, ec);
  }

  bool on_bool(bool flag, error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return true;
    if (next_ != Field::Thought) return decline(ec);
    part_.thought = flag;
    return true;
  }
  bool on_null(error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return true;
    return decline(ec);
  }

 private:
  void open(Field container) {
    if (container == Field::Candidate) {
      digest_.choices.emplace_back().firstPart = digest_.parts.size();
    } else if (container == Field::Part) {
      part_ = {};
      partHasText_ = false;
    }
    seen_ &= ~fieldsOf(container);
    scope_ = container;
    next_ = itemOf(container);
  }

  void close() {
    if (scope_ == Field::Part && partHasText_) {
      digest_.parts.push_back(part_);
    } else if (scope_ == Field::Candidate) {
      auto& choice = digest_.choices.back();
      choice.partCount = digest_.parts.size() - choice.firstPart;
    }
    scope_ = parentOf(scope_);
    next_ = itemOf(scope_);
  }

  void takeString(const StringTexts::Text& read) {
    const std::string_view text = read.text;
    switch (next_) {
      case Field::ModelVersion:
        digest_.modelVersion = text;
        break;
      case Field::ResponseId:
        digest_.responseId = text;
        break;
      case Field::CreateTime:
        digest_.createTime = text;
        break;
      case Field::FinishReason:
        digest_.choices.back().finishReason = text;
        break;
      default:  // Text: holdsString admits nothing else
        part_.text = text;
        part_.escapeFree = read.fromBody;
        partHasText_ = true;
        break;
    }
  }

  std::int64_t* integerTarget() {
    auto& usage = digest_.usage;
    switch (next_) {
      case Field::Index:
        return &digest_.choices.back().index;
      case Field::PromptTokenCount:
        return &usage.promptTokenCount;
      case Field::ToolUsePromptTokenCount:
        return &usage.toolUsePromptTokenCount;
      case Field::CandidatesTokenCount:
        return &usage.candidatesTokenCount;
      case Field::ThoughtsTokenCount:
        return &usage.thoughtsTokenCount;
      case Field::CachedContentTokenCount:
        return &usage.cachedContentTokenCount;
      case Field::TotalTokenCount:
        return &usage.totalTokenCount;
      default:
        return nullptr;
    }
  }

  // Read through toInt64, as the document reader's integerField reads a number.
  template <class Number>
  bool takeNumber(Number number, error_code& ec) {
    if (skipping() || next_ == Field::Skipped) return true;
    std::int64_t* target = integerTarget();
    if (!target) return decline(ec);
    *target = toInt64(json::value(number)).value_or(0);
    digest_.usage.counted |= next_ != Field::Index;
    return true;
  }

  CompletionDigest& digest_;
  StringTexts strings_;

  Field scope_ = Field::Document;
  Field next_ = Field::Root;  // what the next value is
  std::uint32_t seen_ = 0;    // fields read in the open objects

  PartDigest part_;  // of the open part
  bool partHasText_ = false;
};

}  // namespace

bool scanResponse(std::string_view body, CompletionDigest& digest,
                  std::pmr::memory_resource& arena) {
  // Default options, as json::parse uses: the same depth limit, no comments, UTF-8 checked.
  json::basic_parser<ScanHandler> parser(json::parse_options{}, digest, body, arena);
  error_code ec;
  const std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  return !ec && consumed == body.size() && !digest.choices.empty();
}

}  // namespace switchyard::providers::vertex
