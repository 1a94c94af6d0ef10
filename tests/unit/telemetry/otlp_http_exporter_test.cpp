#include "telemetry/otlp_http_exporter.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/pki.hpp"
#include "fake_collector.hpp"
#include "proto_reader.hpp"
#include "telemetry/proto_writer.hpp"

namespace switchyard::telemetry {
namespace {

using namespace std::chrono_literals;
using testing::CollectorReply;
using testing::FakeCollector;
using testing::ProtoMessage;
using testing::ReceivedRequest;
using testing::spansOf;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kFlushLimit = 20s;  // a guard for shutdown() in tests that expect a full flush

ExporterSettings settingsFor(std::uint16_t port, std::string target = "/v1/traces") {
  ExporterSettings settings;
  settings.enabled = true;
  settings.endpoint.url = "http://127.0.0.1:" + std::to_string(port) + target;
  settings.endpoint.host = "127.0.0.1";
  settings.endpoint.port = port;
  settings.endpoint.target = std::move(target);
  settings.resource = {{"service.name", "switchyard-test"}};
  settings.scheduleDelay = 1h;  // only full batches and shutdown() export, so tests are not timed
  settings.requestTimeout = 5s;
  settings.exportTimeout = 10s;
  settings.maxQueueSize = 64;
  settings.maxExportBatchSize = 64;
  return settings;
}

// Collects the exporter's log lines.
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mutex);
    return lines;
  }
};

OtlpHttpExporterOptions fastRetries(LogLines* log = nullptr) {
  OtlpHttpExporterOptions options;
  options.initialBackoff = 1ms;
  options.maxBackoff = 4ms;
  options.log = log ? log->sink() : [](std::string_view) {};
  return options;
}

Span spanNamed(IdGenerator& ids, std::string name) {
  Span span = Span::root(ids);
  span.name = std::move(name);
  span.kind = SpanKind::Client;
  span.startTimeUnixNano = 1700000000000000000ULL;
  span.endTimeUnixNano = 1700000001000000000ULL;
  span.add("openinference.span.kind", "LLM");
  return span;
}

std::vector<std::string> spanNames(const std::vector<ReceivedRequest>& requests) {
  std::vector<std::string> names;
  for (const auto& request : requests)
    for (const auto& span : spansOf(request.body)) names.push_back(span.bytes(5));
  return names;
}

// A port nothing listens on: bound, then closed.
std::uint16_t closedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(
      ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST(OtlpHttpExporter, PostsProtobufWithTheConfiguredHeadersToTheEndpointPath) {
  FakeCollector collector;
  auto settings = settingsFor(collector.port(), "/tenant/v1/traces?project=a");
  settings.headers = {{"authorization", "Bearer token-1"},
                      {"x-project-name", "chat"},
                      {"content-type", "application/json"}};  // must not win
  OtlpHttpExporter exporter(settings, fastRetries());
  IdGenerator ids(1);
  exporter.submit(spanNamed(ids, "chat gemini"));
  ASSERT_TRUE(exporter.shutdown(SteadyClock::now() + kFlushLimit));

  const auto requests = collector.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/tenant/v1/traces?project=a");
  EXPECT_EQ(request.headers.at("content-type"), "application/x-protobuf");
  EXPECT_EQ(request.headers.at("authorization"), "Bearer token-1");
  EXPECT_EQ(request.headers.at("x-project-name"), "chat");
  EXPECT_EQ(request.headers.at("content-length"), std::to_string(request.body.size()));

  const ProtoMessage resourceSpans = ProtoMessage(request.body).message(1);
  const ProtoMessage resourceAttribute = resourceSpans.message(1).message(1);
  EXPECT_EQ(resourceAttribute.bytes(1), "service.name");
  EXPECT_EQ(resourceAttribute.message(2).bytes(1), "switchyard-test");
  EXPECT_EQ(resourceSpans.message(2).message(1).bytes(1), "switchyard");  // scope name
  EXPECT_EQ(spanNames(requests), (std::vector<std::string>{"chat gemini"}));

  const auto stats = exporter.stats();
  EXPECT_EQ(stats.spansSubmitted, 1u);
  EXPECT_EQ(stats.spansExported, 1u);
  EXPECT_EQ(stats.exportRequestsSuccess, 1u);
}

TEST(OtlpHttpExporter, FiveSpansInBatchesOfTwoAreThreeRequestsInOrder) {
  FakeCollector collector;
  auto settings = settingsFor(collector.port());
  settings.maxExportBatchSize = 2;
  OtlpHttpExporter exporter(settings, fastRetries());
  IdGenerator ids(2);
  for (int i = 0; i < 5; ++i) exporter.submit(spanNamed(ids, "span " + std::to_string(i)));
  ASSERT_TRUE(exporter.shutdown(SteadyClock::now() + kFlushLimit));

  const auto requests = collector.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(spansOf(requests[0].body).size(), 2u);
  EXPECT_EQ(spansOf(requests[1].body).size(), 2u);
  EXPECT_EQ(spansOf(requests[2].body).size(), 1u);
  EXPECT_EQ(spanNames(requests),
            (std::vector<std::string>{"span 0", "span 1", "span 2", "span 3", "span 4"}));
  EXPECT_EQ(exporter.stats().spansExported, 5u);
  EXPECT_EQ(exporter.stats().exportRequestsSuccess, 3u);
}

// Counts the export thread's idle moments, so a test can act while it sleeps.
struct IdleSignal {
  std::mutex mutex;
  std::condition_variable changed;
  int count = 0;
  std::function<void()> hook() {
    return [this] {
      std::lock_guard lock(mutex);
      ++count;
      changed.notify_all();
    };
  }
  bool waitFor(int n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 20s, [&] { return count >= n; });
  }
};

TEST(OtlpHttpExporter, AFullBatchWakesTheSleepingExporter) {
  FakeCollector collector;
  auto settings = settingsFor(collector.port());
  settings.maxExportBatchSize = 2;  // and a schedule delay of an hour
  IdleSignal idle;
  auto options = fastRetries();
  options.onIdle = idle.hook();
  OtlpHttpExporter exporter(settings, options);
  IdGenerator ids(3);
  for (int round = 1; round <= 2; ++round) {
    ASSERT_TRUE(idle.waitFor(round));  // asleep until the schedule delay, an hour away
    exporter.submit(spanNamed(ids, "a" + std::to_string(round)));
    exporter.submit(spanNamed(ids, "b" + std::to_string(round)));
    ASSERT_TRUE(collector.waitForRequests(round));
  }
  EXPECT_EQ(spanNames(collector.requests()), (std::vector<std::string>{"a1", "b1", "a2", "b2"}));
  exporter.shutdown(SteadyClock::now() + kFlushLimit);
}

TEST(OtlpHttpExporter, RetriesA503AndHonoursRetryAfter) {
  FakeCollector collector([](const ReceivedRequest&, int index) {
    CollectorReply reply;
    if (index == 0) reply.status = 503;
    if (index == 1) reply = {429, {{"Retry-After", "0"}}, "", false};
    return reply;
  });
  OtlpHttpExporter exporter(settingsFor(collector.port()), fastRetries());
  IdGenerator ids(4);
  exporter.submit(spanNamed(ids, "retried"));
  ASSERT_TRUE(exporter.shutdown(SteadyClock::now() + kFlushLimit));

  const auto requests = collector.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body, requests[2].body);  // the same batch each time
  const auto stats = exporter.stats();
  EXPECT_EQ(stats.spansExported, 1u);
  EXPECT_EQ(stats.exportRequestsRetryableStatus, 2u);
  EXPECT_EQ(stats.exportRequestsSuccess, 1u);
  EXPECT_EQ(stats.spansDroppedExportFailed, 0u);
}

TEST(OtlpHttpExporter, ARetryAfterBeyondTheExportTimeoutDropsTheBatchAtOnce) {
  FakeCollector collector([](const ReceivedRequest&, int) {
    return CollectorReply{503, {{"Retry-After", "3600"}}, "", false};
  });
  LogLines log;
  OtlpHttpExporter exporter(settingsFor(collector.port()), fastRetries(&log));
  IdGenerator ids(5);
  exporter.submit(spanNamed(ids, "x"));
  EXPECT_FALSE(exporter.shutdown(SteadyClock::now() + kFlushLimit));
  EXPECT_EQ(collector.requests().size(), 1u);
  EXPECT_EQ(exporter.stats().spansDroppedExportFailed, 1u);
  ASSERT_EQ(log.get().size(), 1u);
  EXPECT_NE(log.get()[0].find("HTTP 503"), std::string::npos) << log.get()[0];
}

TEST(OtlpHttpExporter, A400DropsTheBatchWithoutRetry) {
  FakeCollector collector([](const ReceivedRequest&, int) { return CollectorReply{400}; });
  OtlpHttpExporter exporter(settingsFor(collector.port()), fastRetries());
  IdGenerator ids(6);
  exporter.submit(spanNamed(ids, "bad"));
  exporter.submit(spanNamed(ids, "data"));
  EXPECT_FALSE(exporter.shutdown(SteadyClock::now() + kFlushLimit));
  EXPECT_EQ(collector.requests().size(), 1u);
  const auto stats = exporter.stats();
  EXPECT_EQ(stats.spansExported, 0u);
  EXPECT_EQ(stats.spansDroppedExportFailed, 2u);
  EXPECT_EQ(stats.exportRequestsFailedStatus, 1u);
  EXPECT_EQ(stats.exportRequestsRetryableStatus, 0u);
}

TEST(OtlpHttpExporter, PartialSuccessCountsTheRejectedSpans) {
  FakeCollector collector([](const ReceivedRequest&, int) {
    std::string body;
    ProtoWriter writer(body);
    writer.message(1, [&] {
      writer.varint(1, 1);
      writer.string(2, "one span had no name");
    });
    return CollectorReply{200, {}, body, false};
  });
  OtlpHttpExporter exporter(settingsFor(collector.port()), fastRetries());
  IdGenerator ids(7);
  for (int i = 0; i < 3; ++i) exporter.submit(spanNamed(ids, "s"));
  exporter.shutdown(SteadyClock::now() + kFlushLimit);
  EXPECT_EQ(collector.requests().size(), 1u);  // a partial success is not retried
  EXPECT_EQ(exporter.stats().spansExported, 2u);
  EXPECT_EQ(exporter.stats().spansDroppedRejected, 1u);
}

TEST(OtlpHttpExporter, OneLineWhenTheCollectorStartsFailingAndOneWhenItRecovers) {
  FakeCollector collector(
      [](const ReceivedRequest&, int index) { return CollectorReply{index < 3 ? 400u : 200u}; });
  LogLines log;
  auto settings = settingsFor(collector.port());
  settings.maxExportBatchSize = 1;
  OtlpHttpExporter exporter(settings, fastRetries(&log));
  IdGenerator ids(8);
  for (int i = 0; i < 5; ++i) exporter.submit(spanNamed(ids, "secret prompt text"));
  exporter.shutdown(SteadyClock::now() + kFlushLimit);

  ASSERT_EQ(collector.requests().size(), 5u);
  const auto lines = log.get();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("failing (HTTP 400"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(settings.endpoint.url), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("recovered after 3 failed"), std::string::npos) << lines[1];
  for (const auto& line : lines) EXPECT_EQ(line.find("secret"), std::string::npos);
}

TEST(OtlpHttpExporter, ADeadCollectorCostsOnlyDroppedSpans) {
  auto settings = settingsFor(closedPort());
  settings.maxQueueSize = 8;
  settings.maxExportBatchSize = 4;
  settings.exportTimeout = 1h;  // keep retrying: the exporter holds at most a batch and a queue
  LogLines log;
  OtlpHttpExporter exporter(settings, fastRetries(&log));
  IdGenerator ids(9);
  constexpr std::uint64_t kSubmitted = 10'000;
  for (std::uint64_t i = 0; i < kSubmitted; ++i) exporter.submit(spanNamed(ids, "s"));

  auto stats = exporter.stats();
  EXPECT_EQ(stats.spansSubmitted, kSubmitted);
  EXPECT_GE(stats.spansDroppedQueueFull,
            kSubmitted - settings.maxQueueSize - settings.maxExportBatchSize);

  const auto deadline = SteadyClock::now() + 200ms;
  EXPECT_FALSE(exporter.shutdown(deadline));
  EXPECT_LT(SteadyClock::now(), deadline + 5s);  // bounded, not a measurement
  stats = exporter.stats();
  EXPECT_EQ(stats.spansExported, 0u);
  EXPECT_EQ(
      stats.spansDroppedQueueFull + stats.spansDroppedExportFailed + stats.spansDroppedShutdown,
      kSubmitted);
  EXPECT_GT(stats.exportRequestsTransportError, 0u);
  ASSERT_EQ(log.get().size(), 1u);  // failing, once, however many retries and batches
  EXPECT_NE(log.get()[0].find("refused"), std::string::npos) << log.get()[0];
}

TEST(OtlpHttpExporter, ACollectorThatNeverAnswersNeitherBlocksSubmitNorShutdown) {
  FakeCollector collector([](const ReceivedRequest&, int) {
    CollectorReply reply;
    reply.hang = true;
    return reply;
  });
  auto settings = settingsFor(collector.port());
  settings.maxQueueSize = 16;
  settings.maxExportBatchSize = 4;
  settings.requestTimeout = 1h;
  settings.exportTimeout = 1h;
  OtlpHttpExporter exporter(settings, fastRetries());
  IdGenerator ids(10);
  constexpr std::uint64_t kSubmitted = 5'000;
  for (std::uint64_t i = 0; i < kSubmitted; ++i) exporter.submit(spanNamed(ids, "s"));
  ASSERT_TRUE(collector.waitForRequests(1));
  for (std::uint64_t i = 0; i < kSubmitted; ++i) exporter.submit(spanNamed(ids, "s"));

  auto stats = exporter.stats();
  EXPECT_EQ(stats.spansSubmitted, 2 * kSubmitted);
  EXPECT_GE(stats.spansDroppedQueueFull, 2 * kSubmitted - 16 - 4);

  const auto deadline = SteadyClock::now() + 200ms;
  EXPECT_FALSE(exporter.shutdown(deadline));
  EXPECT_LT(SteadyClock::now(), deadline + 5s);
  stats = exporter.stats();
  EXPECT_EQ(stats.spansExported, 0u);
  EXPECT_EQ(
      stats.spansDroppedQueueFull + stats.spansDroppedExportFailed + stats.spansDroppedShutdown,
      2 * kSubmitted);
  exporter.submit(spanNamed(ids, "late"));
  EXPECT_EQ(exporter.stats().spansDroppedShutdown, stats.spansDroppedShutdown + 1);
}

TEST(OtlpHttpExporter, SubmitFromManyThreadsLosesNothing) {
  FakeCollector collector;
  auto settings = settingsFor(collector.port());
  settings.maxQueueSize = 100'000;
  settings.maxExportBatchSize = 512;
  OtlpHttpExporter exporter(settings, fastRetries());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      IdGenerator ids(100 + t);
      for (int i = 0; i < kPerThread; ++i) exporter.submit(spanNamed(ids, "t" + std::to_string(t)));
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(exporter.shutdown(SteadyClock::now() + kFlushLimit));
  EXPECT_EQ(exporter.stats().spansExported, std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(spanNames(collector.requests()).size(), std::size_t{kThreads} * kPerThread);
}

class OtlpHttpsExporter : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new emulator::PemCertificate(emulator::makeCertificateAuthority("OTLP Test CA"));
    otherCa_ = new emulator::PemCertificate(emulator::makeCertificateAuthority("Other CA"));
    const auto leaf = emulator::makeServerCertificate(*ca_, "127.0.0.1", {}, {"127.0.0.1"});
    identity_ = new testing::TlsIdentity{leaf.certPem, leaf.keyPem};
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete otherCa_;
    delete identity_;
  }
  static ExporterSettings httpsSettings(std::uint16_t port, std::string caPem) {
    auto settings = settingsFor(port);
    settings.endpoint.tls = true;
    settings.endpoint.url = "https://127.0.0.1:" + std::to_string(port) + "/v1/traces";
    settings.caPem = std::move(caPem);
    return settings;
  }

  static inline emulator::PemCertificate* ca_ = nullptr;
  static inline emulator::PemCertificate* otherCa_ = nullptr;
  static inline testing::TlsIdentity* identity_ = nullptr;
};

TEST_F(OtlpHttpsExporter, ExportsOverVerifiedTls) {
  FakeCollector collector({}, *identity_);
  OtlpHttpExporter exporter(httpsSettings(collector.port(), ca_->certPem), fastRetries());
  IdGenerator ids(11);
  exporter.submit(spanNamed(ids, "over tls"));
  ASSERT_TRUE(exporter.shutdown(SteadyClock::now() + kFlushLimit));
  EXPECT_EQ(spanNames(collector.requests()), (std::vector<std::string>{"over tls"}));
}

TEST_F(OtlpHttpsExporter, AnUntrustedCertificateIsNeverSentTo) {
  FakeCollector collector({}, *identity_);
  LogLines log;
  OtlpHttpExporter exporter(httpsSettings(collector.port(), otherCa_->certPem), fastRetries(&log));
  IdGenerator ids(12);
  exporter.submit(spanNamed(ids, "secret"));
  EXPECT_FALSE(exporter.shutdown(SteadyClock::now() + kFlushLimit));
  EXPECT_TRUE(collector.requests().empty());
  const auto stats = exporter.stats();
  EXPECT_EQ(stats.exportRequestsTransportError, 1u);  // not retried: it would fail the same way
  EXPECT_EQ(stats.spansDroppedExportFailed, 1u);
  ASSERT_EQ(log.get().size(), 1u);
  EXPECT_NE(log.get()[0].find("certificate verify failed"), std::string::npos) << log.get()[0];
}

}  // namespace
}  // namespace switchyard::telemetry
