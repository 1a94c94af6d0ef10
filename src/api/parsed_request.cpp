#include "api/parsed_request.hpp"

#include <boost/json/parse.hpp>

#include "api/endpoint_spec.hpp"
#include "core/ascii.hpp"

namespace switchyard::api {

using core::Error;
using core::ErrorKind;

namespace {

// The body members checked here, found in one pass over its members instead of one lookup each
// (Boost.JSON keeps one member per key, the last given).
struct CommonFields {
  const boost::json::value* model = nullptr;
  const boost::json::value* stream = nullptr;
  const boost::json::value* streamOptions = nullptr;
};

CommonFields findCommonFields(const boost::json::object& body) {
  CommonFields fields;
  for (const auto& member : body) {
    const std::string_view key = member.key();
    if (key == "model")
      fields.model = &member.value();
    else if (key == "stream")
      fields.stream = &member.value();
    else if (key == "stream_options")
      fields.streamOptions = &member.value();
  }
  return fields;
}

}  // namespace

core::Result<void> ParsedRequest::parse(const EndpointMatch& match, std::string_view contentType,
                                        std::string_view body, std::string_view query) {
  const EndpointSpec& endpoint = *match.spec;
  if (!contentType.empty() && !core::istartsWithAscii(contentType, "application/json")) {
    return Error::make(ErrorKind::UnsupportedMediaType,
                       "Content-Type must be application/json, got " + std::string(contentType));
  }
  boost::system::error_code ec;
  // The parsed value takes about the text's size; the arena grows if it needs more.
  body_.reset();
  arena_.emplace(body.size() + 512);
  body_.emplace(boost::json::parse(body, ec, &*arena_));
  if (ec) {
    return Error::make(ErrorKind::InvalidJson,
                       "We could not parse the JSON body of your request: " + ec.message());
  }
  if (!body_->is_object())
    return Error::make(ErrorKind::InvalidRequest, "the request body must be a JSON object");
  const auto& object = body_->get_object();
  const auto fields = findCommonFields(object);

  request_.endpoint = endpoint.endpoint;
  request_.body = &object;
  request_.query = query;
  if (endpoint.model == EndpointSpec::From::Path) {
    // The Gemini API names the model in the path; a `model` in the body is not its field.
    if (match.model.empty())
      return Error::make(ErrorKind::InvalidRequest, "the path names no model", "model");
    request_.model = match.model;
  } else {
    const auto* model = fields.model;
    if (!model || !model->is_string() || model->get_string().empty())
      return Error::make(ErrorKind::InvalidRequest, "you must provide a model parameter", "model");
    request_.model = model->get_string();
  }

  if (endpoint.stream == EndpointSpec::From::Path) request_.stream = match.stream;
  if (endpoint.stream != EndpointSpec::From::Body) return {};
  if (const auto* stream = fields.stream; stream && !stream->is_null()) {
    if (!stream->is_bool())
      return Error::make(ErrorKind::InvalidRequest, "stream must be a boolean", "stream");
    request_.stream = stream->get_bool();
  }
  if (endpoint.endpoint != providers::Endpoint::ChatCompletions) return {};
  if (const auto* options = fields.streamOptions; options && !options->is_null()) {
    if (!options->is_object()) {
      return Error::make(ErrorKind::InvalidRequest, "stream_options must be an object",
                         "stream_options");
    }
    if (const auto* usage = options->get_object().if_contains("include_usage");
        usage && !usage->is_null()) {
      if (!usage->is_bool()) {
        return Error::make(ErrorKind::InvalidRequest, "include_usage must be a boolean",
                           "stream_options.include_usage");
      }
      request_.includeUsage = usage->get_bool();
    }
  }
  return {};
}

}  // namespace switchyard::api
