#pragma once
// Shared by the kube tests: a CA, a fake API server with a certificate for 127.0.0.1, the access
// to it, an io_context on its own thread, and a poll-until helper.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "emulator/pki.hpp"
#include "fake_api_server.hpp"
#include "kube/kube_config.hpp"

namespace switchyard::kube::testing {

inline const emulator::PemCertificate& testCa() {
  static const auto ca = emulator::makeCertificateAuthority("kube test CA");
  return ca;
}

inline const emulator::PemCertificate& serverCert() {
  static const auto cert =
      emulator::makeServerCertificate(testCa(), "kube-apiserver", {"localhost"}, {"127.0.0.1"});
  return cert;
}

inline ClusterAccess accessTo(const FakeApiServer& server, std::string token = "t0ken") {
  ClusterAccess access;
  access.host = "127.0.0.1";
  access.port = server.port();
  access.serverName = "127.0.0.1";
  access.caPem = testCa().certPem;
  access.token = BearerToken::fixed(std::move(token));
  access.source = "test";
  return access;
}

// An io_context running on its own thread until destroyed.
class IoThread {
 public:
  IoThread() : guard_(ioc_.get_executor()), thread_([this] { ioc_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }
  boost::asio::io_context& ioc() { return ioc_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

inline bool waitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

inline boost::json::object obj(std::string_view text) {
  return boost::json::parse(text).as_object();
}

}  // namespace switchyard::kube::testing
