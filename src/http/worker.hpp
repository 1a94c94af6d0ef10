#pragma once
// One worker thread's state, shared by the HTTP/1.1 sessions (server.cpp) and the HTTP/2
// connections (h2_connection.cpp) it runs. Internal to the http layer.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/accept_backoff.hpp"
#include "http/server.hpp"

namespace switchyard::http {

struct Server::Worker {
  explicit Worker(AcceptOutage& outage) : acceptBackoff(outage) {}

  // Every socket and timer of a worker is used from its own thread only (other threads post to
  // it), so the reactor's per-descriptor locks are dropped; posting stays thread-safe.
  boost::asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  std::unique_ptr<Handler> handler;
  std::thread thread;
  // Sockets waiting for the next request on a keep-alive connection; closed at shutdown.
  std::list<boost::asio::ip::tcp::socket*> idle;
  // HTTP/2 connections: each one's way to start a graceful close (GOAWAY, then finish its streams).
  std::list<std::function<void()>> drains;
  // Read buffers of connections whose handler runs, lent to the next request that reads: a buffer
  // per request without a malloc and a free, and none held by a connection that waits (a stream
  // can stay open for minutes, an idle keep-alive connection for longer).
  std::vector<boost::beast::flat_buffer> spareBuffers;
  std::size_t activeRequests = 0;
  bool stopping = false;
  bool drainCut = false;  // the drain time ran out with requests still running
  AcceptBackoff acceptBackoff;
  ConnectionAdmission* connections = nullptr;  // the Server's, shared by its workers
};

// The log line for a handler's exception (the session's last guard).
std::string handlerThrewLine(const std::exception& e);

}  // namespace switchyard::http
