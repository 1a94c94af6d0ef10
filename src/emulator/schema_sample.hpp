#pragma once
// Makes a JSON value that conforms to a schema, for synthesized function-call arguments and
// structured (application/json) answers. Reads JSON Schema (parametersJsonSchema,
// responseJsonSchema) and Vertex's OpenAPI Schema (parameters, responseSchema: upper-case types).

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::emulator {

// Strings for string-typed values, taken in order; "x" once they run out.
class SampleWords {
 public:
  SampleWords() = default;
  explicit SampleWords(std::vector<std::string> words) : words_(std::move(words)) {}
  std::string take();

 private:
  std::vector<std::string> words_;
  std::size_t next_ = 0;
};

// Objects get their `required` properties, or every property when the schema lists none.
// Integers and numbers take `minimum` when given (else 1 / 1.5), arrays one item (or minItems),
// enums and const their first value, anyOf/oneOf their first non-null branch; local $ref is
// followed.
boost::json::value sampleForSchema(const boost::json::value& schema, SampleWords& words);

}  // namespace switchyard::emulator
