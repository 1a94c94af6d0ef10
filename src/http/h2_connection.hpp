#pragma once
// HTTP/2 on one client connection (h2 chosen by ALPN, or h2c with prior knowledge), on nghttp2:
// nghttp2 parses and frames, this code moves bytes between it and the socket on the worker's
// io_context and turns each stream into a Request for the worker's Handler, with a ResponseWriter
// that sends HEADERS and DATA as the peer's flow-control window allows.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

#include "http/server.hpp"

namespace switchyard::http {

// Serves the connection until it ends. `stream` is the socket or the TLS stream over `socket`; the
// client's first bytes (the preface) are still to be read from it.
template <class Stream>
boost::asio::awaitable<void> serveHttp2(Stream& stream, boost::asio::ip::tcp::socket& socket,
                                        Server::Worker& worker, const ServerOptions& options,
                                        std::string remote);

}  // namespace switchyard::http
