#pragma once
// The auth thread: one io_context on its own thread where token fetches and refresh timers run, so
// no worker thread ever does a token round-trip. Built once by gateway::CredentialStore (one per
// gateway::Gateway), shared by every TokenCache, and destroyed after them.

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace switchyard::auth {

class AuthThread {
 public:
  AuthThread();   // starts the thread
  ~AuthThread();  // stop() and join
  AuthThread(const AuthThread&) = delete;
  AuthThread& operator=(const AuthThread&) = delete;

  boost::asio::any_io_executor executor() const;

  // Ends the thread's loop; pending fetches and timers are dropped, not completed.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::auth
