#include "emulator/emulator_handler.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include "emulator/answer.hpp"
#include "emulator/anthropic_error.hpp"
#include "emulator/claude_answer.hpp"
#include "emulator/claude_request.hpp"
#include "emulator/embedding_answer.hpp"
#include "emulator/generate_request.hpp"
#include "emulator/google_error.hpp"
#include "emulator/predict_request.hpp"
#include "emulator/random.hpp"

namespace switchyard::emulator {

namespace asio = boost::asio;
namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kJson = "application/json; charset=UTF-8";
constexpr auto kHangPoll = std::chrono::milliseconds(50);
constexpr auto kChunkPause = std::chrono::milliseconds(2);
constexpr std::string_view kWwwAuthenticate = "Bearer realm=\"https://accounts.google.com/\"";

asio::awaitable<void> sleepFor(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Either one send(), or (chunked_body) the same bytes in small pieces with small pauses.
asio::awaitable<bool> sendBody(http::ResponseWriter& writer, unsigned status,
                               std::string_view contentType, std::string body, Headers headers,
                               bool chunked) {
  if (!chunked)
    co_return co_await writer.send(status, contentType, std::move(body), std::move(headers));
  const std::string_view all = body;
  if (!co_await writer.beginStream(status, contentType, std::move(headers))) co_return false;
  const std::size_t piece = std::max<std::size_t>(8, body.size() / 32);
  for (std::size_t i = 0; i < body.size(); i += piece) {
    const std::string_view slice = all.substr(i, piece);
    if (!co_await writer.write(slice)) co_return false;
    co_await sleepFor(kChunkPause);
  }
  co_return co_await writer.endStream();
}

// Note for every co_await below: arguments are named locals, never temporaries. GCC 12 mishandles
// temporaries that live across a suspension point (double destruction).
asio::awaitable<void> sendGoogleError(http::ResponseWriter& writer, GoogleError error, bool stream,
                                      int retryAfterSeconds = -1, bool chunked = false) {
  Headers headers;
  if (retryAfterSeconds >= 0)
    headers.emplace_back("Retry-After", std::to_string(retryAfterSeconds));
  if (error.status == 401) headers.emplace_back("WWW-Authenticate", kWwwAuthenticate);
  std::string body = renderGoogleError(error, stream);
  co_await sendBody(writer, error.status, kJson, std::move(body), std::move(headers), chunked);
}

asio::awaitable<void> sendGoogleError(http::ResponseWriter& writer, unsigned status,
                                      std::string message, bool stream) {
  GoogleError error{status, std::move(message), {}};
  co_await sendGoogleError(writer, std::move(error), stream);
}

// How an endpoint words its errors.
enum class ErrorForm {
  kGoogle,       // Vertex's {"error": {...}}
  kGoogleArray,  // [{"error": {...}}], on Gemini streaming calls
  kOAuth,        // RFC 6749, on /token
  kAnthropic,    // {"type": "error", "error": {...}}, on Claude calls
};

asio::awaitable<void> sendAnthropicError(http::ResponseWriter& writer, AnthropicError error,
                                         int retryAfterSeconds = -1, bool chunked = false) {
  Headers headers;
  if (retryAfterSeconds >= 0)
    headers.emplace_back("Retry-After", std::to_string(retryAfterSeconds));
  if (error.status == 401) headers.emplace_back("WWW-Authenticate", kWwwAuthenticate);
  std::string body = renderAnthropicError(error);
  co_await sendBody(writer, error.status, kJson, std::move(body), std::move(headers), chunked);
}

// The OAuth endpoint's body for an injected status (RFC 6749 §5.2 shape).
std::string oauthFaultBody(unsigned status) {
  const std::string_view error = status >= 500   ? "internal_failure"
                                 : status == 429 ? "rate_limit_exceeded"
                                                 : "invalid_grant";
  return json::serialize(json::object{
      {"error", error}, {"error_description", "emulator fault: status " + std::to_string(status)}});
}

// Vertex's 401 unless the request carries `Authorization: Bearer <a token this emulator issued>`.
std::optional<GoogleError> authorizationError(http::Request& request, TokenService& tokens) {
  const std::string_view authorization = request[bhttp::field::authorization];
  const bool bearer = authorization.size() > 7 && lower(authorization.substr(0, 7)) == "bearer ";
  if (bearer && tokens.isValid(authorization.substr(7))) return std::nullopt;
  GoogleError error{401, {}, bearer ? "ACCESS_TOKEN_TYPE_UNSUPPORTED" : "CREDENTIALS_MISSING"};
  if (!bearer && request.find("x-goog-api-key") != request.end()) {
    error.message =
        "API keys are not supported by this API. Expected OAuth2 access token or other "
        "authentication credentials that assert a principal. See "
        "https://cloud.google.com/docs/authentication";
  }
  return error;
}

// The message of an echo_headers fault: every request header as it came, as a careless upstream
// (or a proxy in front of one) might put them in an error.
std::string echoedHeaders(const http::Request& request) {
  std::string text = "emulator fault: request headers were";
  for (const auto& field : request) {
    text.append(" ").append(field.name_string()).append(": ").append(field.value()).append(";");
  }
  return text;
}

// An error answer whose body never ends: the opening of Google's envelope, then filler pieces
// until the client leaves (or the emulator stops).
asio::awaitable<void> sendEndlessBody(EmulatorServices& services, const Fault& fault,
                                      http::ResponseWriter& writer) {
  constexpr std::size_t kPiece = 16 * 1024;
  Headers headers;
  if (fault.retryAfterSeconds >= 0)
    headers.emplace_back("Retry-After", std::to_string(fault.retryAfterSeconds));
  const std::string opening = "{\"error\":{\"code\":" + std::to_string(fault.status) +
                              ",\"message\":\"emulator fault: endless body ";
  if (!co_await writer.beginStream(fault.status, kJson, std::move(headers), opening)) {
    services.stats.clientDisconnect();
    co_return;
  }
  writer.onClientClose([] {});  // the server watches for the close only when asked
  const std::string piece(kPiece, 'x');
  while (!services.stopping) {
    // The pause is cut short when the client leaves, so the test sees it leave at once.
    for (auto paused = std::chrono::milliseconds(0);
         paused < fault.bodyPause && !writer.clientClosed(); paused += kHangPoll)
      co_await sleepFor(std::min(kHangPoll, fault.bodyPause - paused));
    if (writer.clientClosed() || !co_await writer.write(piece)) break;
    services.stats.endlessBodyWritten(piece.size());
  }
  if (!services.stopping) services.stats.clientDisconnect();
  writer.abort();
}

}  // namespace

// What a fault does before the answer is made: wait, hang, drop the connection or answer an error.
// Returns whether the request should go on.
static asio::awaitable<bool> applyFaultBeforeAnswer(EmulatorServices& services, const Fault& fault,
                                                    const http::Request& request,
                                                    http::ResponseWriter& writer, ErrorForm form) {
  if (fault.empty()) co_return true;
  services.stats.faultInjected();
  if (fault.delay.count() > 0) co_await sleepFor(fault.delay);
  if (fault.hang) {
    writer.onClientClose([] {});  // the server watches for the close only when asked
    const auto generation = services.releaseGeneration.load();
    while (!services.stopping && services.releaseGeneration.load() == generation) {
      if (writer.clientClosed()) {
        services.stats.clientDisconnect();  // the caller gave up on the hung request
        co_return false;
      }
      co_await sleepFor(kHangPoll);
    }
    writer.abort();
    co_return false;
  }
  if (fault.reset) {
    writer.abort();
    co_return false;
  }
  if (fault.refuseStream) {
    writer.refuse();
    co_return false;
  }
  if (fault.status != 0 && fault.endlessBody) {
    co_await sendEndlessBody(services, fault, writer);
    co_return false;
  }
  if (fault.status != 0 && fault.echoHeaders) {
    GoogleError error{fault.status, echoedHeaders(request), {}};
    co_await sendGoogleError(writer, std::move(error), form == ErrorForm::kGoogleArray,
                             fault.retryAfterSeconds, fault.chunkedBody);
    co_return false;
  }
  if (fault.status != 0) {
    if (form == ErrorForm::kOAuth) {
      Headers headers;
      if (fault.retryAfterSeconds >= 0)
        headers.emplace_back("Retry-After", std::to_string(fault.retryAfterSeconds));
      std::string body = oauthFaultBody(fault.status);
      co_await sendBody(writer, fault.status, kJson, std::move(body), std::move(headers),
                        fault.chunkedBody);
    } else if (form == ErrorForm::kAnthropic && !fault.googleError) {
      AnthropicError error{fault.status, {}};
      co_await sendAnthropicError(writer, std::move(error), fault.retryAfterSeconds,
                                  fault.chunkedBody);
    } else {
      GoogleError error{fault.status, {}, {}};
      co_await sendGoogleError(writer, std::move(error), form == ErrorForm::kGoogleArray,
                               fault.retryAfterSeconds, fault.chunkedBody);
    }
    co_return false;
  }
  co_return true;
}

// Writes stream frames under the fault's stream keys: pause after the first, drop the connection
// or send `malformed` / `error` (when the API has one) after n frames, halves with chunked_body.
static asio::awaitable<void> writeStreamFrames(EmulatorServices& services,
                                               http::ResponseWriter& writer,
                                               const std::vector<std::string>& frames,
                                               const Fault& fault, std::string_view malformed,
                                               std::string_view error) {
  for (std::size_t k = 0; k <= frames.size(); ++k) {
    if (fault.streamResetAfter >= 0 && k == static_cast<std::size_t>(fault.streamResetAfter)) {
      writer.abort();
      co_return;
    }
    const bool malformedNow = fault.streamMalformedAfter >= 0 &&
                              k == static_cast<std::size_t>(fault.streamMalformedAfter);
    const bool errorNow = !error.empty() && fault.streamErrorAfter >= 0 &&
                          k == static_cast<std::size_t>(fault.streamErrorAfter);
    if (malformedNow || errorNow) {
      const std::string_view last = malformedNow ? malformed : error;
      if (co_await writer.write(last)) co_await writer.endStream();
      co_return;
    }
    if (k == frames.size()) break;
    const std::string_view frame = frames[k];
    bool written = true;
    if (fault.chunkedBody) {
      const std::size_t half = frame.size() / 2;
      const std::string_view head = frame.substr(0, half);
      const std::string_view tail = frame.substr(half);
      written = co_await writer.write(head);
      if (written) co_await sleepFor(kChunkPause);
      if (written) written = co_await writer.write(tail);
    } else {
      written = co_await writer.write(frame);
    }
    if (!written) {
      services.stats.clientDisconnect();
      co_return;
    }
    if (k == 0 && fault.streamPause.count() > 0) co_await sleepFor(fault.streamPause);
  }
  if (!co_await writer.endStream()) services.stats.clientDisconnect();
}

asio::awaitable<void> EmulatorHandler::handle(http::Request& request, const http::RequestContext&,
                                              http::ResponseWriter& writer) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/token") co_return co_await handleToken(request, writer);
  if (path == "/emulator/faults") co_return co_await handleFaults(request, writer);
  if (path == "/emulator/stats") co_return co_await handleStats(request, writer);
  if (parseModelCall(target)) co_return co_await handleGenerate(request, writer);
  if (parsePredictCall(target)) co_return co_await handlePredict(request, writer);
  if (parseClaudeCall(target)) co_return co_await handleClaude(request, writer);
  std::string message = "The requested URL " + std::string(path) + " was not found on this server.";
  co_await sendGoogleError(writer, 404, std::move(message), false);
}

void EmulatorHandler::renderProtocolError(unsigned status, std::string_view message,
                                          std::string& body, std::string& contentType) {
  body = renderGoogleError(GoogleError{status, std::string(message), {}});
  contentType = kJson;
}

asio::awaitable<void> EmulatorHandler::handleToken(http::Request& request,
                                                   http::ResponseWriter& writer) {
  services_.stats.tokenRequest();
  if (auto fault = services_.faults.take(FaultTable::kTokenEndpoint)) {
    if (!co_await applyFaultBeforeAnswer(services_, *fault, request, writer, ErrorForm::kOAuth))
      co_return;
  }
  if (request.method() != bhttp::verb::post) {
    Headers allow{{"Allow", "POST"}};
    const TokenError error{405, "invalid_request", "Use POST."};
    std::string body = error.body();
    co_await writer.send(405, kJson, std::move(body), std::move(allow));
    co_return;
  }
  const std::string audience = std::string(services_.tls ? "https://" : "http://") +
                               std::string(request[bhttp::field::host]) + "/token";
  auto grant =
      services_.tokens.exchange(request[bhttp::field::content_type], request.body(), audience);
  Headers noStore{{"Cache-Control", "no-store"}};
  const unsigned status = grant ? 200 : grant.error().status;
  std::string body = grant ? grant->body() : grant.error().body();
  if (grant) services_.stats.tokenIssued();
  co_await writer.send(status, kJson, std::move(body), std::move(noStore));
}

asio::awaitable<void> EmulatorHandler::handleGenerate(http::Request& request,
                                                      http::ResponseWriter& writer) {
  const ModelCall call = *parseModelCall(request.target());
  Headers seen;
  for (const auto& f : request) seen.emplace_back(lower(f.name_string()), std::string(f.value()));
  if (call.countTokens) {
    services_.stats.countTokensRequest(call.model, request.target(), std::move(seen),
                                       request.body());
  } else {
    services_.stats.generateRequest(call.model, call.stream, request.target(), std::move(seen),
                                    request.body());
  }

  // Control-API faults apply to the request as it arrives.
  Fault answerFault;
  if (auto fault = services_.faults.take(call.model)) {
    const ErrorForm form = call.stream ? ErrorForm::kGoogleArray : ErrorForm::kGoogle;
    if (!co_await applyFaultBeforeAnswer(services_, *fault, request, writer, form)) co_return;
    answerFault = *fault;
  }

  if (request.method() != bhttp::verb::post) {
    co_await sendGoogleError(writer, 404, "The requested method is not served at this URL.", false);
    co_return;
  }

  if (auto denied = authorizationError(request, services_.tokens)) {
    GoogleError error = std::move(*denied);
    co_await sendGoogleError(writer, std::move(error), call.stream);
    co_return;
  }

  if (!isKnownModel(call.model)) {
    GoogleError error = modelNotFound(call);
    co_await sendGoogleError(writer, std::move(error), call.stream);
    co_return;
  }
  if (call.stream && !call.sse) {
    co_await sendGoogleError(writer, 400,
                             "The emulator serves streamGenerateContent only with ?alt=sse.", true);
    co_return;
  }

  auto parsed = call.countTokens ? parseCountTokensRequest(request.body(), call.model)
                                 : parseGenerateRequest(request.body(), call.model);
  if (!parsed) {
    GoogleError error = parsed.error();
    co_await sendGoogleError(writer, std::move(error), call.stream);
    co_return;
  }
  const json::object& body = *parsed;

  // Directive faults travel inside the conversation.
  auto directive = parseFaultDirectives(lastContentText(body));
  if (!directive) {
    std::string message = directive.error().message;
    co_await sendGoogleError(writer, 400, std::move(message), call.stream);
    co_return;
  }
  const ErrorForm form = call.stream ? ErrorForm::kGoogleArray : ErrorForm::kGoogle;
  if (!co_await applyFaultBeforeAnswer(services_, *directive, request, writer, form)) co_return;
  answerFault.merge(*directive);

  if (call.countTokens) {
    std::string response = renderCountTokensResponse(body);
    Headers none;
    co_await sendBody(writer, 200, kJson, std::move(response), std::move(none),
                      answerFault.chunkedBody);
    co_return;
  }

  const Answer answer = deriveAnswer(body, call.model);
  const AnswerMeta meta{call.model, randomBase64Url(18), rfc3339(services_.clock.now())};

  if (!call.stream) {
    std::string response = renderResponse(answer, meta);
    Headers none;
    co_await sendBody(writer, 200, kJson, std::move(response), std::move(none),
                      answerFault.chunkedBody);
    co_return;
  }

  const auto events = renderStreamEvents(answer, meta);
  Headers sseHeaders{{"Content-Disposition", "attachment"}, {"X-Content-Type-Options", "nosniff"}};
  if (!co_await writer.beginStream(200, "text/event-stream", std::move(sseHeaders))) {
    services_.stats.clientDisconnect();
    co_return;
  }
  std::vector<std::string> frames;
  frames.reserve(events.size());
  for (const auto& event : events) frames.push_back("data: " + event + "\r\n\r\n");
  constexpr std::string_view kMalformed =
      "data: {\"candidates\": [{\"content\": emulator-malformed\r\n\r\n";
  co_await writeStreamFrames(services_, writer, frames, answerFault, kMalformed, {});
}

// :predict for text-embedding models, with generateContent's order of checks: control-API fault →
// method → bearer token → model → body → directive fault → answer. Stream-only fault keys have no
// effect here.
asio::awaitable<void> EmulatorHandler::handlePredict(http::Request& request,
                                                     http::ResponseWriter& writer) {
  const PredictCall call = *parsePredictCall(request.target());
  Headers seen;
  for (const auto& f : request) seen.emplace_back(lower(f.name_string()), std::string(f.value()));
  services_.stats.predictRequest(call.model, request.target(), std::move(seen), request.body());

  Fault answerFault;
  if (auto fault = services_.faults.take(call.model)) {
    if (!co_await applyFaultBeforeAnswer(services_, *fault, request, writer, ErrorForm::kGoogle))
      co_return;
    answerFault = *fault;
  }
  if (request.method() != bhttp::verb::post) {
    co_await sendGoogleError(writer, 404, "The requested method is not served at this URL.", false);
    co_return;
  }
  if (auto denied = authorizationError(request, services_.tokens)) {
    GoogleError error = std::move(*denied);
    co_await sendGoogleError(writer, std::move(error), false);
    co_return;
  }
  const EmbeddingModel* model = findEmbeddingModel(call.model);
  if (!model) {
    const ModelCall asModelCall{call.apiVersion, call.project, call.location, call.model};
    GoogleError error = modelNotFound(asModelCall);
    co_await sendGoogleError(writer, std::move(error), false);
    co_return;
  }
  auto parsed = parsePredictRequest(request.body(), *model);
  if (!parsed) {
    GoogleError error = parsed.error();
    co_await sendGoogleError(writer, std::move(error), false);
    co_return;
  }

  // Directives may sit in any instance's content.
  std::string contents;
  for (const auto& instance : parsed->instances) contents += instance.content + "\n";
  auto directive = parseFaultDirectives(contents);
  if (!directive) {
    std::string message = directive.error().message;
    co_await sendGoogleError(writer, 400, std::move(message), false);
    co_return;
  }
  if (!co_await applyFaultBeforeAnswer(services_, *directive, request, writer, ErrorForm::kGoogle))
    co_return;
  answerFault.merge(*directive);

  std::string response = renderPredictResponse(*parsed, *model);
  Headers none;
  co_await sendBody(writer, 200, kJson, std::move(response), std::move(none),
                    answerFault.chunkedBody);
}

// Claude on Vertex: rawPredict, streamRawPredict and count-tokens:rawPredict. Order of checks as
// for generateContent: control-API fault → method → bearer token → model → body → directive fault
// → answer. Errors in Anthropic's envelope.
asio::awaitable<void> EmulatorHandler::handleClaude(http::Request& request,
                                                    http::ResponseWriter& writer) {
  const ClaudeCall call = *parseClaudeCall(request.target());
  Headers seen;
  for (const auto& f : request) seen.emplace_back(lower(f.name_string()), std::string(f.value()));
  if (call.countTokens) {
    services_.stats.countTokensRequest(call.model, request.target(), std::move(seen),
                                       request.body());
  } else {
    services_.stats.claudeRequest(call.model, call.stream, request.target(), std::move(seen),
                                  request.body());
  }

  Fault answerFault;
  if (auto fault = services_.faults.take(call.model)) {
    if (!co_await applyFaultBeforeAnswer(services_, *fault, request, writer, ErrorForm::kAnthropic))
      co_return;
    answerFault = *fault;
  }
  if (request.method() != bhttp::verb::post) {
    AnthropicError error{404, "The requested method is not served at this URL."};
    co_await sendAnthropicError(writer, std::move(error));
    co_return;
  }
  if (auto denied = authorizationError(request, services_.tokens)) {
    AnthropicError error{401, std::move(denied->message)};
    co_await sendAnthropicError(writer, std::move(error));
    co_return;
  }
  if (!call.countTokens && !isKnownClaudeModel(call.model)) {
    AnthropicError error{404, "Publisher Model `projects/" + call.project + "/locations/" +
                                  call.location + "/publishers/anthropic/models/" + call.model +
                                  "` was not found or your project does not have access to it."};
    co_await sendAnthropicError(writer, std::move(error));
    co_return;
  }
  auto parsed = parseClaudeRequest(
      request.body(), call.countTokens ? ClaudeBody::kCountTokens : ClaudeBody::kMessages);
  if (!parsed) {
    AnthropicError error = parsed.error();
    co_await sendAnthropicError(writer, std::move(error));
    co_return;
  }
  const json::object& body = *parsed;
  if (call.countTokens && !isKnownClaudeModel(body.at("model").as_string())) {
    AnthropicError error{404, "model: " + std::string(body.at("model").as_string())};
    co_await sendAnthropicError(writer, std::move(error));
    co_return;
  }

  auto directive = parseFaultDirectives(claudeDirectiveText(body));
  if (!directive) {
    AnthropicError error{400, directive.error().message};
    co_await sendAnthropicError(writer, std::move(error));
    co_return;
  }
  if (!co_await applyFaultBeforeAnswer(services_, *directive, request, writer,
                                       ErrorForm::kAnthropic))
    co_return;
  answerFault.merge(*directive);

  if (call.countTokens) {
    json::object counted{{"input_tokens", countClaudeInputTokens(body)}};
    std::string response = json::serialize(counted);
    Headers none;
    co_await sendBody(writer, 200, kJson, std::move(response), std::move(none),
                      answerFault.chunkedBody);
    co_return;
  }

  const ClaudeAnswer answer = deriveClaudeAnswer(body, call.model, &services_.promptCache);
  const std::string id = "msg_vrtx_" + randomBase64Url(18);
  if (!call.stream) {
    std::string response = renderClaudeMessage(answer, id, call.model);
    Headers none;
    co_await sendBody(writer, 200, kJson, std::move(response), std::move(none),
                      answerFault.chunkedBody);
    co_return;
  }

  std::vector<std::string> frames;
  for (const auto& event : renderClaudeStreamEvents(answer, id, call.model))
    frames.push_back("event: " + event.name + "\ndata: " + event.data + "\n\n");
  Headers sseHeaders{{"Cache-Control", "no-cache"}};
  if (!co_await writer.beginStream(200, "text/event-stream; charset=utf-8",
                                   std::move(sseHeaders))) {
    services_.stats.clientDisconnect();
    co_return;
  }
  constexpr std::string_view kMalformed =
      "event: content_block_delta\ndata: {\"type\": emulator-malformed\n\n";
  const std::string overloaded =
      "event: error\ndata: " + renderAnthropicError(AnthropicError{529, {}}) + "\n\n";
  co_await writeStreamFrames(services_, writer, frames, answerFault, kMalformed, overloaded);
}

asio::awaitable<void> EmulatorHandler::handleFaults(http::Request& request,
                                                    http::ResponseWriter& writer) {
  if (request.method() == bhttp::verb::delete_) {
    services_.faults.clear();
    ++services_.releaseGeneration;
    std::string body = R"({"cleared":true})";
    co_await writer.send(200, kJson, std::move(body));
    co_return;
  }
  if (request.method() != bhttp::verb::post) {
    co_await sendGoogleError(writer, 405, "Use POST or DELETE.", false);
    co_return;
  }
  boost::system::error_code ec;
  const json::value value = json::parse(request.body(), ec);
  const auto* object = ec ? nullptr : value.if_object();
  if (!object) {
    co_await sendGoogleError(writer, 400, "emulator fault: the body must be a JSON object", false);
    co_return;
  }
  std::string target(FaultTable::kAnyModel);
  if (const auto* model = object->if_contains("model"); model && model->is_string())
    target = model->as_string();
  if (const auto* endpoint = object->if_contains("endpoint"); endpoint && endpoint->is_string()) {
    if (endpoint->as_string() != FaultTable::kTokenEndpoint) {
      co_await sendGoogleError(writer, 400, "emulator fault: endpoint must be \"token\"", false);
      co_return;
    }
    target = FaultTable::kTokenEndpoint;
  }
  const json::value* faultValue = object->if_contains("fault");
  auto fault = faultValue ? parseFaultJson(*faultValue) : parseFaultJson(json::object{});
  if (!fault) {
    std::string message = fault.error().message;
    co_await sendGoogleError(writer, 400, std::move(message), false);
    co_return;
  }
  long long count = 1;
  if (const auto* c = object->if_contains("count")) {
    if (!c->is_int64()) {
      co_await sendGoogleError(writer, 400, "emulator fault: count must be an integer", false);
      co_return;
    }
    count = c->as_int64();
  }
  services_.faults.add(target, *fault,
                       static_cast<int>(std::clamp<long long>(count, -1, 1'000'000)));
  json::object accepted;
  accepted["target"] = target;
  accepted["count"] = count;
  std::string body = json::serialize(accepted);
  co_await writer.send(200, kJson, std::move(body));
}

asio::awaitable<void> EmulatorHandler::handleStats(http::Request& request,
                                                   http::ResponseWriter& writer) {
  if (request.method() == bhttp::verb::delete_) {
    services_.stats.reset();
    services_.promptCache.clear();
    std::string body = R"({"reset":true})";
    co_await writer.send(200, kJson, std::move(body));
    co_return;
  }
  Stats stats = services_.stats.snapshot();
  if (services_.connectionsAccepted) stats.connectionsAccepted = services_.connectionsAccepted();
  Headers noStore{{"Cache-Control", "no-store"}};
  std::string body = renderStats(stats);
  co_await writer.send(200, kJson, std::move(body), std::move(noStore));
}

}  // namespace switchyard::emulator
