#include "emulator/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "emulator/base64.hpp"

namespace switchyard::emulator {

namespace {

std::string randomBytes(std::size_t bytes) {
  std::string out(bytes, '\0');
  if (bytes > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

}  // namespace

std::string randomBase64Url(std::size_t bytes) { return base64UrlEncode(randomBytes(bytes)); }

std::string randomHex(std::size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : randomBytes(bytes)) {
    out += kDigits[(static_cast<unsigned char>(c) >> 4) & 15];
    out += kDigits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

}  // namespace switchyard::emulator
