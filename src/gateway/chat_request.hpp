#pragma once
// Parsing the client's chat request once: the JSON lives in a per-request arena and every attempt
// reads it through providers::ChatRequest.

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::gateway {

class ParsedChatRequest {
 public:
  ParsedChatRequest() : arena_(seed_.data(), seed_.size()) {}
  ParsedChatRequest(const ParsedChatRequest&) = delete;
  ParsedChatRequest& operator=(const ParsedChatRequest&) = delete;

  // Checks the content type and the fields every provider relies on (model, stream,
  // stream_options). Errors are 400/415 client errors naming the field.
  core::Result<void> parse(std::string_view contentType, std::string_view body);

  const providers::ChatRequest& chat() const { return chat_; }

 private:
  std::array<unsigned char, 4096> seed_;  // most requests fit here: no heap allocation
  boost::json::monotonic_resource arena_;
  boost::json::value body_;
  providers::ChatRequest chat_;
};

}  // namespace switchyard::gateway
