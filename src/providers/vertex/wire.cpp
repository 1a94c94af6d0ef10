#include "providers/vertex/wire.hpp"

#include <charconv>
#include <iterator>
#include <limits>

namespace switchyard::providers::vertex {

namespace {

// splitmix64: a well-mixed, deterministic 64-bit step for id derivation (not security).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsLower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (asciiLower(text[i]) != lower[i]) return false;
  return true;
}

}  // namespace

bool isSafePathSegment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment.find("..") != std::string_view::npos)
    return false;
  for (const char ch : segment) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) return false;  // controls, space, DEL, non-ASCII
    switch (c) {
      case '/':
      case '\\':
      case '?':
      case '#':
      case '%':
      case ':':
        return false;
      default:
        break;
    }
  }
  return true;
}

std::string mintToolCallId(std::string_view requestId, std::size_t choice, std::size_t call,
                           std::string_view thoughtSignature) {
  static constexpr char kBase62[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over the request id
  for (const char c : requestId) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  std::uint64_t state = mix(hash ^ mix(choice * 0x10001ULL + 1) ^ mix(call + 0x7f4a7c15ULL));
  std::string id(kToolCallIdPrefix);
  for (int block = 0; block < 2; ++block) {
    state = mix(state);
    std::uint64_t digits = state;
    for (int i = 0; i < 12; ++i) {  // 62^12 < 2^72: 12 digits per 64-bit block, slight bias is fine
      id.push_back(kBase62[digits % 62]);
      digits /= 62;
    }
  }
  if (!thoughtSignature.empty()) {
    if (const auto bytes = core::base64::decode(thoughtSignature, kLenientBase64);
        bytes && !bytes->empty()) {
      id.append(kThoughtSignatureMarker);
      id.append(core::base64::encode(*bytes, core::base64::Alphabet::kUrl,
                                     core::base64::Padding::kUnpadded));
    }
  }
  return id;
}

std::optional<std::string> thoughtSignatureFromToolCallId(std::string_view id) {
  if (id.substr(0, kToolCallIdPrefix.size()) != kToolCallIdPrefix) return std::nullopt;
  const auto marker = id.find(kThoughtSignatureMarker);
  if (marker == std::string_view::npos) return std::nullopt;
  const auto encoded = id.substr(marker + kThoughtSignatureMarker.size());
  if (encoded.empty() || encoded.find('=') != std::string_view::npos) return std::nullopt;
  for (const char c : encoded)
    if (c == '+' || c == '/') return std::nullopt;  // minted ids use the URL alphabet only
  auto bytes = core::base64::decode(encoded, kLenientBase64);
  if (!bytes || bytes->empty()) return std::nullopt;
  return core::base64::encode(*bytes, core::base64::Alphabet::kStandard,
                              core::base64::Padding::kPadded);
}

std::optional<DataUrl> parseDataUrl(std::string_view url) {
  constexpr std::string_view kScheme = "data:";
  constexpr std::string_view kBase64 = ";base64,";
  if (url.size() < kScheme.size() || !equalsLower(url.substr(0, kScheme.size()), kScheme))
    return std::nullopt;
  const auto marker = url.find(kBase64);
  if (marker == std::string_view::npos) return std::nullopt;
  DataUrl result;
  result.mimeType = url.substr(kScheme.size(), marker - kScheme.size());
  // Parameters before ;base64 (e.g. ;charset=utf-8) are not part of the MIME type.
  if (const auto semi = result.mimeType.find(';'); semi != std::string_view::npos)
    result.mimeType = result.mimeType.substr(0, semi);
  result.data = url.substr(marker + kBase64.size());
  if (result.mimeType.empty() || result.data.empty()) return std::nullopt;
  return result;
}

std::string_view mimeTypeFromName(std::string_view nameOrUrl, std::string_view fallback) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"png", "image/png"},   {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},   {"webp", "image/webp"},     {"heic", "image/heic"},
      {"heif", "image/heif"}, {"pdf", "application/pdf"}, {"txt", "text/plain"},
      {"wav", "audio/wav"},   {"mp3", "audio/mp3"},       {"flac", "audio/flac"},
      {"ogg", "audio/ogg"},   {"aac", "audio/aac"},       {"m4a", "audio/m4a"},
      {"mp4", "video/mp4"},   {"mov", "video/mov"},       {"webm", "video/webm"},
  };
  auto path = nameOrUrl.substr(0, nameOrUrl.find_first_of("?#"));
  const auto slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return fallback;
  const auto extension = path.substr(dot + 1);
  for (const auto& [ext, type] : kTypes)
    if (equalsLower(extension, ext)) return type;
  return fallback;
}

std::string_view mapFinishReason(std::string_view reason, bool hasToolCalls) {
  if (reason == "MAX_TOKENS") return "length";
  static constexpr std::string_view kFiltered[] = {
      "SAFETY",          "BLOCKLIST",   "PROHIBITED_CONTENT", "SPII",
      "IMAGE_SAFETY",    "MODEL_ARMOR", "RECITATION",         "IMAGE_PROHIBITED_CONTENT",
      "IMAGE_RECITATION"};
  for (const auto filtered : kFiltered)
    if (reason == filtered) return "content_filter";
  // STOP, absent, and everything else (MALFORMED_FUNCTION_CALL, OTHER, LANGUAGE, unknown values).
  return hasToolCalls ? "tool_calls" : "stop";
}

namespace {

// google.rpc.Code in numeric order with its HTTP mapping (google/rpc/code.proto).
struct GoogleCode {
  std::string_view name;
  unsigned http;
};
constexpr GoogleCode kGoogleCodes[] = {
    {"OK", 200},
    {"CANCELLED", 499},
    {"UNKNOWN", 500},
    {"INVALID_ARGUMENT", 400},
    {"DEADLINE_EXCEEDED", 504},
    {"NOT_FOUND", 404},
    {"ALREADY_EXISTS", 409},
    {"PERMISSION_DENIED", 403},
    {"RESOURCE_EXHAUSTED", 429},
    {"FAILED_PRECONDITION", 400},
    {"ABORTED", 409},
    {"OUT_OF_RANGE", 400},
    {"UNIMPLEMENTED", 501},
    {"INTERNAL", 500},
    {"UNAVAILABLE", 503},
    {"DATA_LOSS", 500},
    {"UNAUTHENTICATED", 401},
};

}  // namespace

unsigned httpStatusForGoogleStatus(std::string_view status) {
  for (const auto& code : kGoogleCodes)
    if (code.name == status && code.http >= 400) return code.http;
  return 500;
}

unsigned httpStatusForGrpcCode(std::int64_t code) {
  constexpr auto count = static_cast<std::int64_t>(std::size(kGoogleCodes));
  return code >= 1 && code < count ? kGoogleCodes[code].http : 500;
}

std::optional<std::int64_t> parseDurationSeconds(std::string_view text) {
  if (text.size() < 2 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (ec != std::errc() || end != whole.data() + whole.size() || seconds < 0) return std::nullopt;
  if (dot != std::string_view::npos) {
    const auto fraction = text.substr(dot + 1);
    if (fraction.empty()) return std::nullopt;
    bool nonZero = false;
    for (const char c : fraction) {
      if (c < '0' || c > '9') return std::nullopt;
      nonZero |= c != '0';
    }
    if (nonZero) {
      if (seconds == std::numeric_limits<std::int64_t>::max()) return std::nullopt;
      ++seconds;
    }
  }
  return seconds;
}

}  // namespace switchyard::providers::vertex
