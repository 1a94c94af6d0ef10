#pragma once
// A server holds a descriptor per client and per upstream connection; the soft RLIMIT_NOFILE a
// shell hands down (often 1024) is far below what the hard limit allows.

#include <string>

namespace switchyard::app {

// Raises the soft limit on open files to the hard limit. Returns a JSON log line saying what was
// done (or why not); empty when there was nothing to do.
std::string raiseOpenFileLimit();

}  // namespace switchyard::app
