#pragma once
// Text from the wire that goes into a JSON string: JSON text is UTF-8 (RFC 8259 §8.1), and a
// client's bytes need not be (a request target or a header value may carry any byte from 0x80
// up). The JSON writers escape but never check the encoding, so text that did not come out of a
// JSON parser is made valid here before it is written. Protobuf `string` fields too: a collector
// that parses with Python protobuf (Phoenix) rejects a whole batch of spans over one invalid byte.

#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard::core {

// `text` with every byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) replaced by U+FFFD.
std::string validUtf8(std::string_view text);

// Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view text);

// validUtf8 appended to `out`: well-formed input is appended unchanged.
void appendRepairedUtf8(std::string& out, std::string_view text);

// Byte length appendRepairedUtf8 would append.
std::size_t repairedUtf8Size(std::string_view text);

}  // namespace switchyard::core
