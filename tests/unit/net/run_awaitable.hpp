#pragma once
// Runs one awaitable to completion on a test's io_context and hands back its value.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace switchyard::net::testing {

template <class T>
boost::asio::awaitable<void> storeResult(boost::asio::awaitable<T> work, std::optional<T>& out,
                                         std::exception_ptr& error) {
  try {
    out.emplace(co_await std::move(work));
  } catch (...) {
    error = std::current_exception();
  }
}

template <class T>
T runAwaitable(boost::asio::io_context& ioc, boost::asio::awaitable<T> work) {
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, storeResult(std::move(work), out, error), boost::asio::detached);
  ioc.restart();
  ioc.run();
  if (error) std::rethrow_exception(error);
  if (!out) throw std::logic_error("awaitable did not complete");
  return std::move(*out);
}

// Runs the io_context only until `work` completes, leaving whatever else is pending (an HTTP/2
// connection reading for its other open streams) for later.
template <class T>
T runUntilComplete(boost::asio::io_context& ioc, boost::asio::awaitable<T> work) {
  std::optional<T> out;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(
      ioc,
      [](boost::asio::awaitable<T> work, std::optional<T>& out, std::exception_ptr& error,
         bool& done) -> boost::asio::awaitable<void> {
        co_await storeResult(std::move(work), out, error);
        done = true;
      }(std::move(work), out, error, done),
      boost::asio::detached);
  ioc.restart();
  while (!done && ioc.run_one() != 0) {
  }
  if (error) std::rethrow_exception(error);
  if (!out) throw std::logic_error("awaitable did not complete");
  return std::move(*out);
}

}  // namespace switchyard::net::testing
