#include "telemetry/exporter_settings.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <variant>

#include <unistd.h>

namespace switchyard::telemetry {
namespace {

using Env = std::map<std::string, std::string, std::less<>>;

LoadedExporterSettings load(const Env& env) {
  return loadExporterSettings([&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

std::string resourceValue(const ExporterSettings& settings, std::string_view key) {
  for (const auto& attribute : settings.resource)
    if (attribute.key == key) return std::string(std::get<SpanText>(attribute.value.get()).view());
  return "<absent>";
}

struct EndpointCase {
  std::string name;
  Env env;
  bool enabled;
  std::string url = {};  // when enabled
  bool tls = false;
  std::string host = {};
  std::uint16_t port = 0;
  std::string target = {};
};

class Endpoint : public ::testing::TestWithParam<EndpointCase> {};

TEST_P(Endpoint, Resolves) {
  const auto& c = GetParam();
  const auto loaded = load(c.env);
  const auto& settings = loaded.settings;
  ASSERT_EQ(settings.enabled, c.enabled);
  if (!c.enabled) return;
  EXPECT_EQ(settings.endpoint.url, c.url);
  EXPECT_EQ(settings.endpoint.tls, c.tls);
  EXPECT_EQ(settings.endpoint.host, c.host);
  EXPECT_EQ(settings.endpoint.port, c.port);
  EXPECT_EQ(settings.endpoint.target, c.target);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Endpoint,
    ::testing::Values(
        EndpointCase{"nothing_set", {}, false},
        EndpointCase{"empty_is_unset", {{"OTEL_EXPORTER_OTLP_ENDPOINT", ""}}, false},
        EndpointCase{"generic_gets_v1_traces",
                     {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://phoenix:6006"}},
                     true,
                     "http://phoenix:6006/v1/traces",
                     false,
                     "phoenix",
                     6006,
                     "/v1/traces"},
        EndpointCase{"generic_trailing_slash",
                     {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"}},
                     true,
                     "http://collector:4318/v1/traces",
                     false,
                     "collector",
                     4318,
                     "/v1/traces"},
        EndpointCase{"generic_with_path_prefix",
                     {{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example.com/tenant/a/"}},
                     true,
                     "https://otel.example.com/tenant/a/v1/traces",
                     true,
                     "otel.example.com",
                     443,
                     "/tenant/a/v1/traces"},
        EndpointCase{"traces_used_as_is",
                     {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:9999/custom?x=1"},
                      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:1"}},
                     true,
                     "http://127.0.0.1:9999/custom?x=1",
                     false,
                     "127.0.0.1",
                     9999,
                     "/custom?x=1"},
        EndpointCase{"traces_without_path",
                     {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://localhost:4318"}},
                     true,
                     "http://localhost:4318",
                     false,
                     "localhost",
                     4318,
                     "/"},
        EndpointCase{"ipv6_literal",
                     {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://[::1]:4318"}},
                     true,
                     "http://[::1]:4318/v1/traces",
                     false,
                     "::1",
                     4318,
                     "/v1/traces"},
        EndpointCase{"user_info_never_sent_or_logged",
                     {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:secret@host:4318"}},
                     true,
                     "http://host:4318/v1/traces",
                     false,
                     "host",
                     4318,
                     "/v1/traces"},
        EndpointCase{"bad_traces_endpoint_falls_back_to_generic",
                     {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://x:4317"},
                      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://phoenix:6006"}},
                     true,
                     "http://phoenix:6006/v1/traces",
                     false,
                     "phoenix",
                     6006,
                     "/v1/traces"},
        EndpointCase{"not_a_url", {{"OTEL_EXPORTER_OTLP_ENDPOINT", "phoenix:6006"}}, false},
        EndpointCase{"relative", {{"OTEL_EXPORTER_OTLP_ENDPOINT", "/v1/traces"}}, false},
        EndpointCase{
            "sdk_disabled",
            {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://phoenix:6006"}, {"OTEL_SDK_DISABLED", "TRUE"}},
            false},
        EndpointCase{"sdk_disabled_false",
                     {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://phoenix:6006"},
                      {"OTEL_SDK_DISABLED", "false"}},
                     true,
                     "http://phoenix:6006/v1/traces",
                     false,
                     "phoenix",
                     6006,
                     "/v1/traces"},
        EndpointCase{"exporter_none",
                     {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://phoenix:6006"},
                      {"OTEL_TRACES_EXPORTER", "none"}},
                     false}),
    [](const auto& info) { return info.param.name; });

TEST(ExporterSettings, DefaultsWithoutWarnings) {
  const auto loaded = load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://phoenix:6006"}});
  const auto& s = loaded.settings;
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(s.requestTimeout.count(), 10000);
  EXPECT_EQ(s.scheduleDelay.count(), 5000);
  EXPECT_EQ(s.exportTimeout.count(), 30000);
  EXPECT_EQ(s.maxQueueSize, 2048u);
  EXPECT_EQ(s.maxExportBatchSize, 512u);
  EXPECT_TRUE(s.headers.empty());
  EXPECT_TRUE(s.caPem.empty());
  ASSERT_EQ(s.resource.size(), 3u);
  EXPECT_EQ(s.resource[0].key.view(), "service.name");
  EXPECT_EQ(resourceValue(s, "service.name"), "switchyard");
  EXPECT_EQ(resourceValue(s, "telemetry.sdk.name"), "switchyard");
  EXPECT_EQ(resourceValue(s, "telemetry.sdk.language"), "cpp");
  EXPECT_EQ(resourceValue(s, "openinference.project.name"), "<absent>");
}

TEST(ExporterSettings, NumbersFromTheEnvironment) {
  const auto loaded = load({{"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
                            {"OTEL_BSP_SCHEDULE_DELAY", "100"},
                            {"OTEL_BSP_EXPORT_TIMEOUT", " 7000 "},
                            {"OTEL_BSP_MAX_QUEUE_SIZE", "64"},
                            {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "16"}});
  const auto& s = loaded.settings;
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(s.requestTimeout.count(), 2500);
  EXPECT_EQ(s.scheduleDelay.count(), 100);
  EXPECT_EQ(s.exportTimeout.count(), 7000);
  EXPECT_EQ(s.maxQueueSize, 64u);
  EXPECT_EQ(s.maxExportBatchSize, 16u);
}

TEST(ExporterSettings, TracesTimeoutWins) {
  const auto s =
      load({{"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"}, {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1500"}})
          .settings;
  EXPECT_EQ(s.requestTimeout.count(), 1500);
}

TEST(ExporterSettings, BatchSizeIsClampedToTheQueue) {
  const auto loaded =
      load({{"OTEL_BSP_MAX_QUEUE_SIZE", "100"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512"}});
  EXPECT_EQ(loaded.settings.maxExportBatchSize, 100u);
  EXPECT_TRUE(loaded.warnings.empty());
}

struct BadNumberCase {
  std::string variable;
  std::string value;
};

class BadNumber : public ::testing::TestWithParam<BadNumberCase> {};

TEST_P(BadNumber, WarnsOnceAndKeepsTheDefault) {
  const auto& c = GetParam();
  const auto loaded = load({{c.variable, c.value}});
  const ExporterSettings defaults;
  const auto& s = loaded.settings;
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find(c.variable), std::string::npos) << loaded.warnings[0];
  EXPECT_EQ(s.requestTimeout, defaults.requestTimeout);
  EXPECT_EQ(s.scheduleDelay, defaults.scheduleDelay);
  EXPECT_EQ(s.exportTimeout, defaults.exportTimeout);
  EXPECT_EQ(s.maxQueueSize, defaults.maxQueueSize);
  EXPECT_EQ(s.maxExportBatchSize, defaults.maxExportBatchSize);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadNumber,
    ::testing::Values(BadNumberCase{"OTEL_EXPORTER_OTLP_TIMEOUT", "ten"},
                      BadNumberCase{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "-1"},
                      BadNumberCase{"OTEL_BSP_SCHEDULE_DELAY", "0"},
                      BadNumberCase{"OTEL_BSP_EXPORT_TIMEOUT", "1.5"},
                      BadNumberCase{"OTEL_BSP_EXPORT_TIMEOUT", "99999999999999999999"},
                      BadNumberCase{"OTEL_BSP_MAX_QUEUE_SIZE", "10000000"},
                      BadNumberCase{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "12abc"},
                      BadNumberCase{"OTEL_SDK_DISABLED", "yes"},
                      BadNumberCase{"OTEL_TRACES_EXPORTER", "zipkin"},
                      BadNumberCase{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
                      BadNumberCase{"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                      BadNumberCase{"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x"}));

TEST(ExporterSettings, HeadersArePercentDecodedAndTracesHeadersReplaceTheGenericOnes) {
  auto s =
      load({{"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc%3D%3D , x-a = 1"}}).settings;
  ASSERT_EQ(s.headers.size(), 2u);
  EXPECT_EQ(s.headers[0].name, "authorization");
  EXPECT_EQ(s.headers[0].value, "Bearer abc==");
  EXPECT_EQ(s.headers[1].name, "x-a");
  EXPECT_EQ(s.headers[1].value, "1");

  s = load({{"OTEL_EXPORTER_OTLP_HEADERS", "authorization=generic"},
            {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-project-name=demo"}})
          .settings;
  ASSERT_EQ(s.headers.size(), 1u);
  EXPECT_EQ(s.headers[0].name, "x-project-name");
  EXPECT_EQ(s.headers[0].value, "demo");
}

TEST(ExporterSettings, MalformedHeadersAreAllDroppedWithoutEchoingTheirValues) {
  for (const char* bad : {"authorization=secret,novalue", "authorization=secret,x=%zz",
                          "authorization=secret,x-a=1%0d%0ax-b: 2", "bad name=secret"}) {
    const auto loaded = load({{"OTEL_EXPORTER_OTLP_HEADERS", bad}});
    EXPECT_TRUE(loaded.settings.headers.empty()) << bad;
    ASSERT_EQ(loaded.warnings.size(), 1u) << bad;
    EXPECT_EQ(loaded.warnings[0].find("secret"), std::string::npos) << loaded.warnings[0];
  }
}

TEST(ExporterSettings, ResourceAttributes) {
  const auto loaded = load({{"OTEL_RESOURCE_ATTRIBUTES",
                             "deployment.environment=prod,service.name=from-attributes,"
                             "team=AI%20Platform,openinference.project.name=chat"}});
  const auto& s = loaded.settings;
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(s.resource[0].key.view(), "service.name");
  EXPECT_EQ(resourceValue(s, "service.name"), "from-attributes");
  EXPECT_EQ(resourceValue(s, "deployment.environment"), "prod");
  EXPECT_EQ(resourceValue(s, "team"), "AI Platform");
  EXPECT_EQ(resourceValue(s, "openinference.project.name"), "chat");
  EXPECT_EQ(resourceValue(s, "telemetry.sdk.language"), "cpp");
}

TEST(ExporterSettings, ServiceNameAndProjectNameVariablesWin) {
  const auto s = load({{"OTEL_RESOURCE_ATTRIBUTES",
                        "service.name=from-attributes,openinference.project.name=chat"},
                       {"OTEL_SERVICE_NAME", "gateway-eu"},
                       {"PHOENIX_PROJECT_NAME", "llm-prod"}})
                     .settings;
  EXPECT_EQ(resourceValue(s, "service.name"), "gateway-eu");
  EXPECT_EQ(resourceValue(s, "openinference.project.name"), "llm-prod");
  std::size_t serviceNames = 0;
  for (const auto& attribute : s.resource) serviceNames += attribute.key == "service.name";
  EXPECT_EQ(serviceNames, 1u);
}

TEST(ExporterSettings, MalformedResourceAttributesAreDiscardedWhole) {
  const auto loaded =
      load({{"OTEL_RESOURCE_ATTRIBUTES", "team=ai,broken"}, {"OTEL_SERVICE_NAME", "gw"}});
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_EQ(resourceValue(loaded.settings, "team"), "<absent>");
  EXPECT_EQ(resourceValue(loaded.settings, "service.name"), "gw");
}

TEST(ExporterSettings, KeyValueListGrammar) {
  auto pairs = parseKeyValueList(" a = 1 ,b=x%2Cy,,c=,d=p=q ");
  ASSERT_TRUE(pairs);
  ASSERT_EQ(pairs->size(), 4u);
  EXPECT_EQ((*pairs)[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ((*pairs)[1], (std::pair<std::string, std::string>{"b", "x,y"}));
  EXPECT_EQ((*pairs)[2], (std::pair<std::string, std::string>{"c", ""}));
  EXPECT_EQ((*pairs)[3], (std::pair<std::string, std::string>{"d", "p=q"}));
  EXPECT_FALSE(parseKeyValueList("=1"));
  EXPECT_FALSE(parseKeyValueList("a=%"));
  EXPECT_FALSE(parseKeyValueList("a=%4"));
  EXPECT_FALSE(parseKeyValueList("a=%ff"));  // decodes to invalid UTF-8
}

TEST(ExporterSettings, CertificateFileIsRead) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("otlp-ca-" + std::to_string(::getpid()) + ".pem");
  {
    std::ofstream out(path);
    out << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  }
  auto loaded = load({{"OTEL_EXPORTER_OTLP_CERTIFICATE", path.string()}});
  EXPECT_NE(loaded.settings.caPem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_TRUE(loaded.warnings.empty());
  std::filesystem::remove(path);

  loaded = load({{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", path.string()}});
  EXPECT_TRUE(loaded.settings.caPem.empty());
  EXPECT_EQ(loaded.warnings.size(), 1u);
}

}  // namespace
}  // namespace switchyard::telemetry
