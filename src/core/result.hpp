#pragma once
// Result<T>: a value or a core::Error. Parsers of untrusted bytes return this instead of throwing.

#include <boost/system/result.hpp>

#include "core/error.hpp"

namespace switchyard::core {

template <class T>
using Result = boost::system::result<T, Error>;

// Lets Result<T>::value() throw when used on an error (start-up code only).
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

}  // namespace switchyard::core
