#include "providers/vertex/stream_translator.hpp"

namespace switchyard::providers::vertex {

namespace {

// Placeholder until the translation lands: refuses every event.
class VertexStreamTranslator final : public StreamTranslator {
 public:
  core::Result<void> onEvent(std::string_view, std::string&) override { return notYet(); }
  core::Result<void> finish(std::string&) override { return notYet(); }
  const Usage& usage() const override { return usage_; }
  std::string_view responseModel() const override { return {}; }

 private:
  static core::Error notYet() {
    return core::Error::make(core::ErrorKind::Internal, "Vertex streaming is not implemented yet");
  }
  Usage usage_;
};

}  // namespace

std::unique_ptr<StreamTranslator> makeStreamTranslator(const ChatRequest&, const BackendTarget&,
                                                       const ResponseContext&) {
  return std::make_unique<VertexStreamTranslator>();
}

}  // namespace switchyard::providers::vertex
