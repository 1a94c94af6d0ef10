// libFuzzer target: config::loadSnapshot on an arbitrary manifest file must never crash, throw or
// leak; a snapshot it accepts must also survive describeRoutingTable and dumpSnapshot.
#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "config/loader.hpp"

namespace {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

// One file per process, rewritten for every input (the loader only reads paths); removed at exit.
struct ManifestFile {
  const std::string path =
      "/tmp/switchyard_manifest_fuzzer_" + std::to_string(::getpid()) + ".yaml";
  ~ManifestFile() { std::remove(path.c_str()); }
};

bool writeFile(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return false;
  const bool ok = std::fwrite(data, 1, size, file) == size;
  return std::fclose(file) == 0 && ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ManifestFile file;
  const std::string& path = file.path;
  if (!writeFile(path, data, size)) fail("cannot write the manifest file", path);

  switchyard::config::LoadOptions options;
  options.paths = {path};
  // Every ${VAR} is unset (a non-empty function: an empty one means the process environment).
  options.getenv = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };

  const auto result = switchyard::config::loadSnapshot(options);
  if (result.ok()) {
    const std::string table = switchyard::config::describeRoutingTable(*result.snapshot);
    const std::string dump =
        boost::json::serialize(switchyard::config::dumpSnapshot(*result.snapshot));
    if (dump.empty()) fail("dumpSnapshot gave nothing");
  } else if (result.diagnostics.empty()) {
    fail("load rejected without a diagnostic");
  }
  for (const auto& diagnostic : result.diagnostics) (void)diagnostic.format();
  return 0;
}
