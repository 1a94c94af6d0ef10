#include "app/open_file_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace switchyard::app {

std::string raiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return {};
  const auto before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  const auto number = [](rlim_t value) {
    return value == RLIM_INFINITY ? std::string("\"unlimited\"") : std::to_string(value);
  };
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    // An unlimited hard limit is above what the kernel allows (fs.nr_open): keep the soft one.
    return R"({"level":"warn","msg":"cannot raise the open-file limit","soft":)" + number(before) +
           R"(,"hard":)" + number(limit.rlim_max) + R"(,"error":")" + std::strerror(errno) + "\"}";
  }
  return R"({"level":"info","msg":"open-file limit raised","from":)" + number(before) +
         R"(,"to":)" + number(limit.rlim_max) + "}";
}

}  // namespace switchyard::app
