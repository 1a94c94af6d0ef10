// CPU per unary request of net::UpstreamClient over HTTP/1.1 and over HTTP/2 to the same TLS
// upstream (nginx), measured on the client's own thread (CLOCK_THREAD_CPUTIME_ID), so the upstream
// and the rest of the machine stay out of the figure. Rounds interleave the two protocols; each
// figure is the median over the rounds. Run by bench/upstream_h2.sh, which starts nginx.
//
//   upstream_cpu H1_PORT H2_PORT CA_FILE [REQUESTS_PER_RUN] [ROUNDS] [h1|h2|both] [C,C,...]
// h1 or h2 measures one protocol only (for a profiler); the other's column reads 0. The
// concurrencies are 1,16,64 unless given.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "net/dns_cache.hpp"
#include "net/upstream_client.hpp"

namespace asio = boost::asio;
using namespace switchyard;

namespace {

double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

core::OutboundRequest vertexRequest() {
  core::OutboundRequest request;
  request.target =
      "/v1/projects/p/locations/us-central1/publishers/google/models/"
      "gemini-2.5-flash:generateContent";
  request.headers = {{"content-type", "application/json"},
                     {"authorization", "Bearer ya29.canned-benchmark-token"},
                     {"x-request-id", "0000002a-000000000000002a"}};
  request.body = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
  return request;
}

struct Run {
  double cpuMicrosPerRequest = 0;
  double wallMicrosPerRequest = 0;
  int failures = 0;
};

// `concurrency` loops, each sending its share of `requests` one after the other.
Run measure(asio::io_context& ioc, net::UpstreamClient& client, const net::UpstreamTarget& target,
            const core::OutboundRequest& request, int concurrency, int requests) {
  int failures = 0;
  const int each = requests / concurrency;
  for (int i = 0; i < concurrency; ++i) {
    asio::co_spawn(
        ioc,
        [](net::UpstreamClient& client, const net::UpstreamTarget& target,
           const core::OutboundRequest& request, int count,
           int& failures) -> asio::awaitable<void> {
          for (int n = 0; n < count; ++n) {
            auto response = co_await client.send(target, request, std::chrono::seconds(10));
            if (!response || response->status != 200) ++failures;
          }
        }(client, target, request, each, failures),
        asio::detached);
  }
  const double cpu0 = threadCpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  ioc.restart();
  ioc.run();
  const double cpu = threadCpuSeconds() - cpu0;
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - wall0;
  const double total = static_cast<double>(each * concurrency);
  return Run{cpu * 1e6 / total, wall.count() * 1e6 / total, failures};
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: upstream_cpu H1_PORT H2_PORT CA_FILE [REQUESTS_PER_RUN] [ROUNDS] "
                 "[h1|h2|both] [C,C,...]\n";
    return 2;
  }
  const auto h1Port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  const auto h2Port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  std::stringstream ca;
  ca << std::ifstream(argv[3]).rdbuf();
  const int requests = argc > 4 ? std::atoi(argv[4]) : 20'000;
  const int rounds = argc > 5 ? std::atoi(argv[5]) : 5;
  const std::string only = argc > 6 && std::string(argv[6]) != "both" ? argv[6] : "";
  std::vector<int> concurrencies = {1, 16, 64};
  if (argc > 7) {
    concurrencies.clear();
    std::stringstream list(argv[7]);
    for (std::string c; std::getline(list, c, ',');) concurrencies.push_back(std::atoi(c.c_str()));
  }

  asio::io_context ioc{1};  // as a gateway worker: one thread
  auto dns = std::make_shared<net::DnsCache>();
  net::UpstreamClientOptions h1Options;
  h1Options.http2 = false;  // exactly the HTTP/1.1 path
  net::UpstreamClient h1(ioc.get_executor(), dns, h1Options);
  net::UpstreamClient h2(ioc.get_executor(), dns);
  const net::UpstreamTarget h1Target{"127.0.0.1", h1Port, net::TlsSettings{"127.0.0.1", ca.str()},
                                     ""};
  const net::UpstreamTarget h2Target{"127.0.0.1", h2Port, net::TlsSettings{"127.0.0.1", ca.str()},
                                     ""};
  const core::OutboundRequest request = vertexRequest();
  auto run = [&](net::UpstreamClient& client, const net::UpstreamTarget& target, int concurrency,
                 int count, const char* name) {
    if (!only.empty() && only != name) return Run{};
    return measure(ioc, client, target, request, concurrency, count);
  };

  std::printf(
      "| concurrency | HTTP/1.1 CPU µs/req | HTTP/2 CPU µs/req | HTTP/2 ÷ HTTP/1.1 | "
      "HTTP/1.1 wall µs/req | HTTP/2 wall µs/req | TLS handshakes h1 / h2 |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const int concurrency : concurrencies) {
    // Warm-up: connections open, allocator and caches warm.
    run(h1, h1Target, concurrency, concurrency * 50, "h1");
    run(h2, h2Target, concurrency, concurrency * 50, "h2");
    std::vector<double> cpu1, cpu2, wall1, wall2;
    int failures = 0;
    for (int round = 0; round < rounds; ++round) {
      const Run a = run(h1, h1Target, concurrency, requests, "h1");
      const Run b = run(h2, h2Target, concurrency, requests, "h2");
      cpu1.push_back(a.cpuMicrosPerRequest);
      cpu2.push_back(b.cpuMicrosPerRequest);
      wall1.push_back(a.wallMicrosPerRequest);
      wall2.push_back(b.wallMicrosPerRequest);
      failures += a.failures + b.failures;
    }
    if (failures != 0) {
      std::cerr << failures << " requests failed at concurrency " << concurrency << "\n";
      return 1;
    }
    std::printf("| %d | %.1f | %.1f | %.2f | %.1f | %.1f | %llu / %llu |\n", concurrency,
                median(cpu1), median(cpu2), median(cpu2) / median(cpu1), median(wall1),
                median(wall2), static_cast<unsigned long long>(h1.stats().tlsHandshakes),
                static_cast<unsigned long long>(h2.stats().tlsHandshakes));
  }
  const auto& s = h2.stats();
  std::fprintf(
      stderr, "h2: connections %llu, streams %llu, retries %llu, resets %llu, goaways %llu\n",
      static_cast<unsigned long long>(s.h2Connections),
      static_cast<unsigned long long>(s.h2Streams), static_cast<unsigned long long>(s.h2Retries),
      static_cast<unsigned long long>(s.h2Resets), static_cast<unsigned long long>(s.h2GoAways));
  return 0;
}
