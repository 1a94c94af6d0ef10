#pragma once
// Small pieces of the Vertex AI wire format shared by the request, response and error translators:
// path-segment safety, base64, the tool-call id format that carries thought signatures, MIME
// inference, finish reasons, and Google's duration encoding.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base64.hpp"

namespace switchyard::providers::vertex {

// True when `segment` can be put into a URL path unescaped without changing the path: non-empty,
// printable ASCII only, none of `/ \ ? # % :`, no `..`, not ".". Used for model, project and
// region.
bool isSafePathSegment(std::string_view segment);

// Base64 as clients and Vertex send it (thought signatures): both alphabets, padding optional.
inline constexpr core::base64::DecodeOptions kLenientBase64{
    .alphabet = core::base64::AcceptAlphabet::kEither,
    .padding = core::base64::AcceptPadding::kAnyCount};

// Tool-call ids minted for Vertex function calls (Vertex v1 has no call id):
//   call_<24 chars [A-Za-z0-9]>                              no thought signature
//   call_<24 chars [A-Za-z0-9]>.ts.<base64url(signature)>   with the part's thoughtSignature
// The 24 chars are derived from (requestId, choice, call), so a response translates the same way
// twice. The signature bytes travel unpadded base64url so the id stays URL- and header-safe.
inline constexpr std::string_view kToolCallIdPrefix = "call_";
inline constexpr std::string_view kThoughtSignatureMarker = ".ts.";

// `thoughtSignature` is the part's value as Vertex sent it (base64); empty means none. A signature
// that is not valid base64 is dropped (it could not be replayed correctly anyway).
std::string mintToolCallId(std::string_view requestId, std::size_t choice, std::size_t call,
                           std::string_view thoughtSignature);
// The thoughtSignature (standard base64) carried by an id minted above; nullopt for any other id.
std::optional<std::string> thoughtSignatureFromToolCallId(std::string_view id);

// `data:<mime>;base64,<payload>` split into its parts; nullopt if not a base64 data URL.
struct DataUrl {
  std::string_view mimeType;
  std::string_view data;
};
std::optional<DataUrl> parseDataUrl(std::string_view url);

// MIME type from the file extension of a URL or file name (query and fragment ignored); `fallback`
// when the extension is unknown.
std::string_view mimeTypeFromName(std::string_view nameOrUrl, std::string_view fallback);

// Vertex finishReason → OpenAI finish_reason (see docs/spec/wire.md §2.8). `hasToolCalls` turns a
// natural stop into "tool_calls". Unknown or absent reasons are "stop".
std::string_view mapFinishReason(std::string_view vertexReason, bool hasToolCalls);

// The HTTP status Google uses for an error envelope's `status` (google.rpc.Code name, e.g.
// RESOURCE_EXHAUSTED → 429), or for its numeric gRPC code (8 → 429). 500 when unknown.
unsigned httpStatusForGoogleStatus(std::string_view status);
unsigned httpStatusForGrpcCode(std::int64_t code);

// google.protobuf.Duration JSON form (`"30s"`, `"1.5s"`) → whole seconds, rounded up.
std::optional<std::int64_t> parseDurationSeconds(std::string_view text);

}  // namespace switchyard::providers::vertex
