#include "auth/auth_thread.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <pthread.h>

#include <optional>
#include <thread>

namespace switchyard::auth {

struct AuthThread::Impl {
  boost::asio::io_context ioc{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
      ioc.get_executor()};
  std::thread thread;
};

AuthThread::AuthThread() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([ioc = &impl_->ioc] {
    pthread_setname_np(pthread_self(), "sy-auth");
    ioc->run();
  });
}

AuthThread::~AuthThread() {
  stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

boost::asio::any_io_executor AuthThread::executor() const { return impl_->ioc.get_executor(); }

void AuthThread::stop() {
  impl_->work.reset();
  impl_->ioc.stop();
}

}  // namespace switchyard::auth
