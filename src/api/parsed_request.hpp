#pragma once
// Parsing the client's request once, for any endpoint: the JSON lives in a per-request arena and
// every attempt reads it through providers::ApiRequest.

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::api {

struct EndpointMatch;

class ParsedRequest {
 public:
  ParsedRequest() = default;
  ParsedRequest(const ParsedRequest&) = delete;
  ParsedRequest& operator=(const ParsedRequest&) = delete;

  // Checks the content type and the fields every provider relies on (model; stream and
  // stream_options where the endpoint streams). Errors are 400/415 client errors naming the field.
  core::Result<void> parse(const EndpointMatch& endpoint, std::string_view contentType,
                           std::string_view body, std::string_view query = {});

  const providers::ApiRequest& request() const { return request_; }

 private:
  // Sized from the body when parsing: a fixed seed in this object would be held, used or not, by
  // every open stream (this object lives in the handler's coroutine frame).
  std::optional<boost::json::monotonic_resource> arena_;
  // Constructed from the parse result so that it keeps the arena as its storage (assigning a
  // value to one made with other storage copies it out of the arena).
  std::optional<boost::json::value> body_;
  providers::ApiRequest request_;
};

}  // namespace switchyard::api
