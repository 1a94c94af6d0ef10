#pragma once
// A scripted Kubernetes API server for the kube tests: real sockets on 127.0.0.1, real TLS with a
// certificate the test makes, its own thread. It keeps objects per collection with one global
// resourceVersion counter and an event history, so lists, watches from a resourceVersion,
// bookmarks, compaction (410 Gone) and dropped connections behave as the real one's do.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/pki.hpp"

namespace switchyard::kube::testing {

struct FakeResource {
  std::string kind;
  std::string plural;
};

class FakeApiServer {
 public:
  // `clientCaPem` non-empty: require a client certificate signed by it.
  explicit FakeApiServer(const emulator::PemCertificate& serverCert, std::string clientCaPem = {});
  ~FakeApiServer();

  std::uint16_t port() const { return port_; }

  // Requests need "Authorization: Bearer TOKEN" (401 otherwise); "" = no check.
  void requireToken(std::string token);
  // A group served in `versions` (the first one preferred), each with `resources`.
  void serveGroup(const std::string& group, const std::vector<std::string>& versions,
                  const std::vector<FakeResource>& resources);
  // Creates or replaces an object in the collection ("/apis/G/V/PLURAL" or "/api/v1/PLURAL"); its
  // metadata.namespace/name say where. Returns the new resourceVersion.
  std::string put(const std::string& collection, boost::json::object object);
  void remove(const std::string& collection, const std::string& ns, const std::string& name);
  // Forgets the history: a watch from any resourceVersion before now gets 410.
  void compact();
  // 410 as an HTTP status instead of an ERROR event on a 200 stream.
  void answerGoneWithStatus(bool yes);
  // The next `count` list requests that carry a continue token answer 410 Expired.
  void expireContinueTokens(int count);
  // Removes PLURAL of `group` from discovery (the group too once it has no resource left), as
  // deleting its CRD does: its collections answer 404 and their open watches end.
  void stopServing(const std::string& group, const std::string& plural);
  // A BOOKMARK with the current resourceVersion on every open watch.
  void bookmark();
  // Breaks every open watch connection (no last chunk): a server restart.
  void dropWatches();
  // Ends every open watch cleanly (the last chunk): timeoutSeconds passed.
  void endWatches();
  // Refuse new connections (closed right after accept) while true.
  void refuseConnections(bool yes);

  // The next PUT (an update) answers 409 Conflict whatever its resourceVersion.
  void conflictNextUpdate();
  // The object stored under `collection`, nullopt when absent.
  std::optional<boost::json::object> object(const std::string& collection, const std::string& ns,
                                            const std::string& name) const;
  // Every object of a collection (events: "/api/v1/events"), in key order.
  std::vector<boost::json::object> objects(const std::string& collection) const;

  std::vector<std::string> requests() const;  // every request target, in order
  std::vector<std::string> writes() const;    // "METHOD target" of each POST, PUT and PATCH
  std::vector<std::string> tokensSeen() const;
  int openWatches() const;
  std::string resourceVersion() const;

 private:
  struct Watch;
  struct Object {
    std::string ns, name;
    boost::json::object value;
  };
  struct Event {
    std::uint64_t rv;
    std::string collection, ns, name, type;
    boost::json::object object;
  };

  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  void notify(const Event& event);  // with mutex_ held
  // With mutex_ held: a named object's GET, or a POST, PUT or PATCH (merge patch, /status).
  std::pair<unsigned, boost::json::value> writeObject(const std::string& method,
                                                      const std::string& collection,
                                                      const std::string& ns,
                                                      const std::string& name, bool status,
                                                      const std::string& body);
  std::string store(const std::string& collection, boost::json::object object);  // mutex_ held
  void wakeAll();
  bool served(const std::string& collection) const;  // mutex_ held

  boost::asio::io_context ioc_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_server};
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::string token_;
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<FakeResource>>> groups_;
  std::map<std::string, std::map<std::pair<std::string, std::string>, Object>> collections_;
  std::vector<Event> history_;
  std::uint64_t rv_ = 100;
  std::uint64_t compacted_ = 0;
  bool goneStatus_ = false;
  int expireContinue_ = 0;
  std::vector<std::pair<std::string, std::string>> notServed_;  // group, plural
  bool refuse_ = false;
  std::vector<std::shared_ptr<Watch>> watches_;
  std::vector<std::string> requests_;
  std::vector<std::string> writes_;
  bool conflictNext_ = false;
  std::vector<std::string> tokens_;
  std::thread thread_;
};

}  // namespace switchyard::kube::testing
