#include "telemetry/exporter_settings.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/utf8.hpp"

namespace switchyard::telemetry {

namespace {

constexpr std::string_view kTracesPath = "v1/traces";
constexpr std::size_t kMaxQueueSize = 1 << 18;  // the queue is allocated whole at start-up
constexpr std::int64_t kMaxMillis = 24LL * 3600 * 1000;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;  // "%" or "%4" at the end
    const int high = hexValue(text[i + 1]);
    const int low = hexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high << 4 | low));
    i += 2;
  }
  if (!core::isValidUtf8(out)) return std::nullopt;
  return out;
}

// RFC 9110 token characters, what a header name may hold.
bool isToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// No CR, LF or other control character may reach a header line (a decoded "%0d%0a" would split it).
bool isHeaderValue(std::string_view text) {
  for (char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

class Reader {
 public:
  Reader(const EnvironmentLookup& environment, std::vector<std::string>& warnings)
      : environment_(environment), warnings_(warnings) {}

  // The variable's value; empty counts as unset.
  std::optional<std::string> get(std::string_view name) const {
    if (!environment_) return std::nullopt;
    auto value = environment_(name);
    if (value && trim(*value).empty()) return std::nullopt;
    return value;
  }

  // The TRACES_ variable if set, else the generic one; `used` names the one read.
  std::optional<std::string> signal(std::string_view tracesName, std::string_view genericName,
                                    std::string_view& used) const {
    used = tracesName;
    if (auto value = get(tracesName)) return value;
    used = genericName;
    return get(genericName);
  }

  void warn(std::string_view name, std::string_view value, std::string_view why) {
    warnings_.push_back("telemetry: ignoring " + std::string(name) + "=\"" + std::string(value) +
                        "\": " + std::string(why));
  }

  // A positive whole number of milliseconds.
  std::chrono::milliseconds millis(std::string_view name, std::chrono::milliseconds fallback) {
    const auto value = get(name);
    if (!value) return fallback;
    const auto number = positive(*value, kMaxMillis);
    if (!number) {
      warn(name, *value,
           "expected milliseconds, a whole number from 1 to " + std::to_string(kMaxMillis) +
               "; using " + std::to_string(fallback.count()));
      return fallback;
    }
    return std::chrono::milliseconds(*number);
  }

  std::chrono::milliseconds signalMillis(std::string_view tracesName, std::string_view genericName,
                                         std::chrono::milliseconds fallback) {
    return get(tracesName) ? millis(tracesName, fallback) : millis(genericName, fallback);
  }

  std::size_t count(std::string_view name, std::size_t fallback, std::size_t max) {
    const auto value = get(name);
    if (!value) return fallback;
    const auto number = positive(*value, static_cast<std::int64_t>(max));
    if (!number) {
      warn(name, *value,
           "expected a whole number from 1 to " + std::to_string(max) + "; using " +
               std::to_string(fallback));
      return fallback;
    }
    return static_cast<std::size_t>(*number);
  }

  // true/false, case-insensitive; anything else is false with a warning (the OTel rule).
  bool flag(std::string_view name) {
    const auto value = get(name);
    if (!value) return false;
    const std::string lower = boost::algorithm::to_lower_copy(std::string(trim(*value)));
    if (lower == "true") return true;
    if (lower != "false") warn(name, *value, "expected true or false; using false");
    return false;
  }

 private:
  static std::optional<std::int64_t> positive(std::string_view text, std::int64_t max) {
    text = trim(text);
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || number < 1 || number > max)
      return std::nullopt;
    return number;
  }

  const EnvironmentLookup& environment_;
  std::vector<std::string>& warnings_;
};

// An http(s) URL with a host; `appendTracesPath` for the generic endpoint.
std::optional<OtlpEndpoint> parseEndpoint(std::string_view text, bool appendTracesPath,
                                          std::string& why) {
  auto parsed = boost::urls::parse_absolute_uri(trim(text));
  if (!parsed) {
    why = "not an absolute URL";
    return std::nullopt;
  }
  boost::urls::url url(*parsed);
  const std::string scheme = boost::algorithm::to_lower_copy(std::string(url.scheme()));
  if (scheme != "http" && scheme != "https") {
    why = "the scheme must be http or https (OTLP/HTTP)";
    return std::nullopt;
  }
  if (url.host_address().empty()) {
    why = "no host";
    return std::nullopt;
  }
  OtlpEndpoint endpoint;
  endpoint.tls = scheme == "https";
  endpoint.host = url.host_address();
  endpoint.port = endpoint.tls ? 443 : 80;
  if (url.has_port() && !url.port().empty()) {
    if (url.port_number() == 0) {
      why = "bad port";
      return std::nullopt;
    }
    endpoint.port = url.port_number();
  }
  if (appendTracesPath) {
    std::string path(url.encoded_path());
    if (path.empty() || path.back() != '/') path.push_back('/');
    path += kTracesPath;
    url.set_encoded_path(path);
  }
  url.remove_userinfo();
  url.remove_fragment();
  endpoint.target = url.encoded_path().empty() ? "/" : std::string(url.encoded_path());
  if (url.has_query()) endpoint.target += "?" + std::string(url.encoded_query());
  endpoint.url = std::string(url.buffer());
  return endpoint;
}

// The TRACES_ endpoint as is, else the generic one plus /v1/traces; a malformed one is skipped.
void readEndpoint(Reader& env, ExporterSettings& settings) {
  struct Candidate {
    std::string_view name;
    bool appendTracesPath;
  };
  for (const Candidate candidate : {Candidate{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", false},
                                    Candidate{"OTEL_EXPORTER_OTLP_ENDPOINT", true}}) {
    const auto value = env.get(candidate.name);
    if (!value) continue;
    std::string why;
    if (auto endpoint = parseEndpoint(*value, candidate.appendTracesPath, why)) {
      settings.endpoint = std::move(*endpoint);
      settings.enabled = true;
      return;
    }
    env.warn(candidate.name, *value, why);
  }
}

void readHeaders(Reader& env, ExporterSettings& settings) {
  std::string_view name;
  const auto value =
      env.signal("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS", name);
  if (!value) return;
  auto pairs = parseKeyValueList(*value);
  if (!pairs) {
    env.warn(name, "...", "expected key=value pairs separated by commas; sending no headers");
    return;
  }
  for (auto& [key, text] : *pairs) {
    if (!isToken(key) || !isHeaderValue(text)) {
      // The value may be a credential: name only the header.
      env.warn(name, "...", "header '" + key + "' is not a valid HTTP header; sending no headers");
      settings.headers.clear();
      return;
    }
    core::setHeader(settings.headers, key, std::move(text));
  }
}

void readCertificate(Reader& env, ExporterSettings& settings) {
  std::string_view name;
  const auto path =
      env.signal("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE", name);
  if (!path) return;
  std::ifstream file(*path, std::ios::binary);
  std::ostringstream pem;
  pem << file.rdbuf();
  if (!file || pem.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    env.warn(name, *path, "not a readable PEM certificate file; trusting the system store");
    return;
  }
  settings.caPem = pem.str();
}

void readUnsupported(Reader& env) {
  std::string_view name;
  if (auto protocol =
          env.signal("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", name);
      protocol && trim(*protocol) != "http/protobuf") {
    env.warn(name, *protocol, "only http/protobuf is supported; using it");
  }
  if (auto compression = env.signal("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
                                    "OTEL_EXPORTER_OTLP_COMPRESSION", name);
      compression && trim(*compression) != "none") {
    env.warn(name, *compression, "compression is not supported; sending uncompressed");
  }
}

void readResource(Reader& env, ExporterSettings& settings) {
  std::vector<std::pair<std::string, std::string>> given;
  constexpr std::string_view kAttributes = "OTEL_RESOURCE_ATTRIBUTES";
  if (auto value = env.get(kAttributes)) {
    if (auto pairs = parseKeyValueList(*value)) {
      given = std::move(*pairs);
    } else {
      env.warn(kAttributes, *value, "expected key=value pairs separated by commas");
    }
  }
  Attributes& resource = settings.resource;
  // service.name leads; OTEL_SERVICE_NAME beats the one in OTEL_RESOURCE_ATTRIBUTES.
  resource.push_back({"service.name", "switchyard"});
  setAttribute(resource, "telemetry.sdk.name", "switchyard");
  setAttribute(resource, "telemetry.sdk.language", "cpp");
  for (auto& [key, value] : given) setAttribute(resource, std::move(key), std::move(value));
  if (auto name = env.get("OTEL_SERVICE_NAME")) setAttribute(resource, "service.name", *name);
  if (auto project = env.get("PHOENIX_PROJECT_NAME"))
    setAttribute(resource, "openinference.project.name", *project);
}

void readExporterSelection(Reader& env, ExporterSettings& settings) {
  if (env.flag("OTEL_SDK_DISABLED")) settings.enabled = false;
  constexpr std::string_view kExporter = "OTEL_TRACES_EXPORTER";
  if (auto value = env.get(kExporter)) {
    const std::string chosen = boost::algorithm::to_lower_copy(std::string(trim(*value)));
    if (chosen == "none") {
      settings.enabled = false;
    } else if (chosen != "otlp") {
      env.warn(kExporter, *value, "only otlp and none are supported; using otlp");
    }
  }
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> parseKeyValueList(
    std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (trim(item).empty()) continue;  // "a=1," and "a=1,,b=2" are forgiven
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(item.substr(0, equals));
    auto value = percentDecode(trim(item.substr(equals + 1)));
    if (key.empty() || !value || !core::isValidUtf8(key)) return std::nullopt;
    pairs.emplace_back(std::string(key), std::move(*value));
  }
  return pairs;
}

LoadedExporterSettings loadExporterSettings(const EnvironmentLookup& environment) {
  LoadedExporterSettings loaded;
  ExporterSettings& settings = loaded.settings;
  Reader env(environment, loaded.warnings);

  readEndpoint(env, settings);
  readExporterSelection(env, settings);
  readUnsupported(env);
  readHeaders(env, settings);
  readCertificate(env, settings);
  settings.requestTimeout = env.signalMillis("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                                             "OTEL_EXPORTER_OTLP_TIMEOUT", settings.requestTimeout);
  readResource(env, settings);

  settings.scheduleDelay = env.millis("OTEL_BSP_SCHEDULE_DELAY", settings.scheduleDelay);
  settings.exportTimeout = env.millis("OTEL_BSP_EXPORT_TIMEOUT", settings.exportTimeout);
  settings.maxQueueSize =
      env.count("OTEL_BSP_MAX_QUEUE_SIZE", settings.maxQueueSize, kMaxQueueSize);
  settings.maxExportBatchSize =
      env.count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", settings.maxExportBatchSize, kMaxQueueSize);
  if (settings.maxExportBatchSize > settings.maxQueueSize) {
    settings.maxExportBatchSize = settings.maxQueueSize;  // the OTel spec's rule, no warning needed
  }
  return loaded;
}

}  // namespace switchyard::telemetry
