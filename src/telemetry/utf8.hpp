#pragma once
// UTF-8 checks for text bound for protobuf `string` fields: a collector that parses with Python
// protobuf (Phoenix) rejects the whole request, every span of the batch, over one invalid byte.

#include <string>
#include <string_view>

namespace switchyard::telemetry {

// Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view text);

// `text` with every byte that does not start a well-formed sequence replaced by U+FFFD, appended
// to `out`; well-formed input is appended unchanged.
void appendRepairedUtf8(std::string& out, std::string_view text);

// Byte length appendRepairedUtf8 would append.
std::size_t repairedUtf8Size(std::string_view text);

}  // namespace switchyard::telemetry
