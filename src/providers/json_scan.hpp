#pragma once
// What the scanning readers of upstream answers share (vertex/response_scanner.cpp,
// openai/answer_scanner.cpp): each is a handler of Boost.JSON's SAX parser (basic_parser) that
// reads a few fields, skips every other value and declines what it does not expect, leaving that
// body to the provider's document reader. This base holds the parts that do not depend on which
// fields are read.

#include <boost/json/array.hpp>
#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/string_view.hpp>

#include <cstddef>
#include <cstring>
#include <functional>
#include <string_view>

namespace switchyard::providers {

// Whether `part` lies within `whole`: a string the parser handed over as a view of the body (one
// without escapes) rather than decoded into its own buffer.
inline bool liesWithin(std::string_view whole, std::string_view part) {
  const std::less_equal<const char*> notAfter;
  return notAfter(whole.data(), part.data()) &&
         notAfter(part.data() + part.size(), whole.data() + whole.size());
}

// `LongestKey`: the longest key the handler knows; a longer one is one it does not.
template <std::size_t LongestKey>
class JsonScanHandler {
 public:
  using error_code = boost::system::error_code;

  // The document parser's limits (boost/json/detail/handler.hpp), so that both reject alike.
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_number_part(boost::json::string_view, error_code&) { return true; }
  // Comments are off (parse_options' default, as for the document parser); never called.
  bool on_comment_part(boost::json::string_view, error_code&) { return true; }
  bool on_comment(boost::json::string_view, error_code&) { return true; }

  bool on_key_part(boost::json::string_view piece, std::size_t total, error_code&) {
    if (skipping_ == 0) keepKeyPiece(piece, total);
    return true;
  }

 protected:
  // Returning this stops the parse: the body is declined.
  static bool decline(error_code& ec) {
    ec = boost::json::error::exception;  // any code stops the parser; the document reader judges
    return false;
  }

  // Inside a value nobody reads: containers are counted, everything else passes.
  bool skipping() const { return skipping_ > 0; }
  bool skip() {
    ++skipping_;
    return true;
  }
  bool endSkipped() {
    --skipping_;
    return true;
  }

  // The whole key, given its last piece: escapes make a key arrive in pieces, which are kept only
  // while it could be a known one (an unknown key reads as empty).
  std::string_view wholeKey(boost::json::string_view last, std::size_t total) {
    if (total == last.size()) return {last.data(), last.size()};
    keepKeyPiece(last, total);
    return total <= LongestKey ? std::string_view(key_, total) : std::string_view{};
  }

 private:
  void keepKeyPiece(boost::json::string_view piece, std::size_t total) {
    if (total <= LongestKey) std::memcpy(key_ + total - piece.size(), piece.data(), piece.size());
  }

  std::size_t skipping_ = 0;  // depth inside a skipped value
  char key_[LongestKey];
};

}  // namespace switchyard::providers
