#include "app/cli.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <thread>

namespace switchyard::app {

int reportUsageError(std::string_view command, const UsageError& error, std::string_view usage) {
  const std::string_view message = error.what();
  if (!message.empty()) std::cerr << "switchyard " << command << ": " << message << "\n";
  std::cerr << usage;
  return message.empty() ? 0 : 2;
}

bool ArgReader::next() {
  if (inlineValue_) throw UsageError(arg_ + " takes no value");
  if (++index_ >= argc_) return false;
  arg_ = argv_[index_];
  // "--listen=HOST:PORT", the form container args often use.
  if (const auto eq = arg_.find('='); arg_.starts_with("--") && eq != std::string::npos) {
    inlineValue_ = arg_.substr(eq + 1);
    arg_.resize(eq);
  }
  return true;
}

std::string ArgReader::value() {
  if (inlineValue_) {
    std::string value = std::move(*inlineValue_);
    inlineValue_.reset();
    return value;
  }
  if (index_ + 1 >= argc_) throw UsageError(arg_ + " needs a value");
  return argv_[++index_];
}

void ArgReader::rejectUnknown() const { throw UsageError("unknown option " + arg_); }

std::optional<std::string> processEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void writeFile(const std::filesystem::path& path, std::string_view text, FileAccess access) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  if (access == FileAccess::OwnerOnly) ::chmod(path.c_str(), 0600);
}

struct SignalWatch::Impl {
  boost::asio::io_context ioc;
  boost::asio::signal_set signals{ioc};
  std::function<void()> onStop;
  std::function<void()> onReload;
  std::promise<void> stopped;
  std::future<void> stoppedFuture = stopped.get_future();
  std::thread thread;

  void arm() {
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        onReload();
        arm();
        return;
      }
      if (onStop) onStop();
      stopped.set_value();
    });
  }
};

SignalWatch::SignalWatch(std::function<void()> onStop, std::function<void()> onReload)
    : impl_(std::make_unique<Impl>()) {
  impl_->onStop = std::move(onStop);
  impl_->onReload = std::move(onReload);
  impl_->signals.add(SIGINT);
  impl_->signals.add(SIGTERM);
  if (impl_->onReload) impl_->signals.add(SIGHUP);
  impl_->arm();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

SignalWatch::~SignalWatch() {
  impl_->ioc.stop();
  impl_->thread.join();
}

void SignalWatch::wait() { impl_->stoppedFuture.wait(); }

}  // namespace switchyard::app
