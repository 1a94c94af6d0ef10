#include "emulator/answer.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "emulator/base64.hpp"
#include "emulator/faults.hpp"
#include "emulator/json_fields.hpp"
#include "emulator/schema_sample.hpp"

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

constexpr std::size_t kSystemEcho = 40;
constexpr std::size_t kMaxStreamChunks = 32;

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool isStopWord(std::string_view word) {
  static const std::set<std::string, std::less<>> kStop = {"for", "with",   "in",   "on",  "at",
                                                           "the", "a",      "an",   "and", "to",
                                                           "of",  "please", "call", "then"};
  std::string lowered(word);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kStop.contains(lowered);
}

}  // namespace

std::vector<std::string> splitWords(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isSpace(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !isSpace(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

// Words of the prompt that become string arguments: those after "call <fn>", minus filler words and
// punctuation at their ends.
std::vector<std::string> argumentWords(std::string_view text, std::string_view function) {
  const std::string marker = "call " + std::string(function);
  const auto pos = text.find(marker);
  const std::string_view rest =
      pos == std::string_view::npos ? text : text.substr(pos + marker.size());
  std::vector<std::string> out;
  for (auto& word : splitWords(rest)) {
    while (!word.empty() && std::ispunct(static_cast<unsigned char>(word.back()))) word.pop_back();
    while (!word.empty() && std::ispunct(static_cast<unsigned char>(word.front())))
      word.erase(0, 1);
    if (word.empty() || isStopWord(word)) continue;
    out.push_back(std::move(word));
  }
  return out;
}

std::vector<std::size_t> calledNames(std::string_view text, const std::vector<std::string>& names) {
  std::vector<std::pair<std::size_t, std::size_t>> found;
  for (std::size_t n = 0; n < names.size(); ++n) {
    const std::string marker = "call " + names[n];
    std::size_t pos = 0;
    while ((pos = text.find(marker, pos)) != std::string_view::npos) {
      const std::size_t end = pos + marker.size();
      const bool wordEnd =
          end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) ||
                                  text[end] == '_' || text[end] == '-' || text[end] == '.');
      if (wordEnd) {
        found.emplace_back(pos, n);
        break;
      }
      pos = end;
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::size_t> out;
  for (auto& [pos, n] : found) out.push_back(n);
  return out;
}

namespace {

// The first `max` bytes of `text`, not cutting a UTF-8 sequence.
std::string utf8Prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string_view roleOf(const json::object& content) {
  const std::string_view role = stringField(content, "role");
  return role.empty() ? "user" : role;
}

const json::array& partsOf(const json::value& content) {
  static const json::array kNone;
  const auto* object = content.if_object();
  const auto* parts = object ? arrayField(*object, "parts") : nullptr;
  return parts ? *parts : kNone;
}

std::string joinTextParts(const json::array& parts) {
  std::string out;
  for (const auto& part : parts) {
    const auto* p = part.if_object();
    if (!p) continue;
    const auto* thought = field(*p, "thought");
    if (thought && thought->is_bool() && thought->as_bool()) continue;
    const auto* text = field(*p, "text");
    if (!text || !text->is_string() || text->as_string().empty()) continue;
    if (!out.empty()) out += ' ';
    out += text->as_string();
  }
  return out;
}

struct Declaration {
  std::string name;
  const json::value* schema = nullptr;
};

std::vector<Declaration> declarationsOf(const json::object& request) {
  std::vector<Declaration> out;
  const auto* tools = arrayField(request, "tools");
  if (!tools) return out;
  for (const auto& tool : *tools) {
    const auto* t = tool.if_object();
    const auto* list = t ? arrayField(*t, "functionDeclarations") : nullptr;
    if (!list) continue;
    for (const auto& d : *list) {
      const auto* declaration = d.if_object();
      if (!declaration) continue;
      Declaration decl{std::string(stringField(*declaration, "name")),
                       field(*declaration, "parametersJsonSchema")};
      if (!decl.schema) decl.schema = field(*declaration, "parameters");
      out.push_back(std::move(decl));
    }
  }
  return out;
}

// Declared functions named as "call <fn>" in `text`, in the order they appear.
std::vector<const Declaration*> namedCalls(std::string_view text,
                                           const std::vector<Declaration>& declarations) {
  std::vector<std::string> names;
  for (const auto& d : declarations) names.push_back(d.name);
  std::vector<const Declaration*> out;
  for (const std::size_t i : calledNames(text, names)) out.push_back(&declarations[i]);
  return out;
}

json::object functionCallPart(const Declaration& declaration, std::string_view prompt) {
  SampleWords words(argumentWords(prompt, declaration.name));
  json::value args =
      declaration.schema ? sampleForSchema(*declaration.schema, words) : json::object{};
  if (!args.is_object()) args = json::object{};
  json::object call;
  call["name"] = declaration.name;
  call["args"] = std::move(args);
  json::object part;
  part["functionCall"] = std::move(call);
  part["thoughtSignature"] = base64Encode("emulator-thought-signature:" + declaration.name);
  return part;
}

long long promptTokensOf(const json::object& request) {
  long long count = 0;
  auto countParts = [&](const json::array& parts) {
    for (const auto& part : parts) {
      const auto* p = part.if_object();
      if (!p) continue;
      const auto* text = field(*p, "text");
      if (text && text->is_string())
        count += countWords(text->as_string());
      else
        ++count;
    }
  };
  if (const auto* system = field(request, "systemInstruction")) countParts(partsOf(*system));
  if (const auto* contents = arrayField(request, "contents")) {
    for (const auto& content : *contents) countParts(partsOf(content));
  }
  return count;
}

// Text from the answer's last `n` words: keep the first `max` words and say whether it was cut.
bool truncateWords(std::string& text, long long max) {
  long long words = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isSpace(text[i])) ++i;
    if (i == text.size()) break;
    if (words == max) {
      text.resize(i);
      while (!text.empty() && isSpace(text.back())) text.pop_back();
      return true;
    }
    ++words;
    while (i < text.size() && !isSpace(text[i])) ++i;
  }
  return false;
}

json::object usageJson(const Answer& answer) {
  json::object usage;
  usage["promptTokenCount"] = answer.promptTokens;
  if (answer.candidatesTokens) usage["candidatesTokenCount"] = answer.candidatesTokens;
  if (answer.thoughtsTokens) usage["thoughtsTokenCount"] = answer.thoughtsTokens;
  usage["totalTokenCount"] = answer.promptTokens + answer.candidatesTokens + answer.thoughtsTokens;
  usage["trafficType"] = "ON_DEMAND";
  usage["promptTokensDetails"] =
      json::array{json::object{{"modality", "TEXT"}, {"tokenCount", answer.promptTokens}}};
  if (answer.candidatesTokens) {
    usage["candidatesTokensDetails"] =
        json::array{json::object{{"modality", "TEXT"}, {"tokenCount", answer.candidatesTokens}}};
  }
  return usage;
}

json::object candidateJson(std::size_t index, json::array parts, std::string_view finishReason) {
  json::object candidate;
  candidate["content"] = json::object{{"role", "model"}, {"parts", std::move(parts)}};
  if (index > 0) candidate["index"] = index;  // proto3 JSON omits zero
  if (!finishReason.empty()) candidate["finishReason"] = finishReason;
  return candidate;
}

void addMeta(json::object& response, const AnswerMeta& meta) {
  response["modelVersion"] = meta.modelVersion;
  response["createTime"] = meta.createTime;
  response["responseId"] = meta.responseId;
}

}  // namespace

long long countWords(std::string_view text) {
  return static_cast<long long>(splitWords(text).size());
}

long long countPromptTokens(const json::object& request) { return promptTokensOf(request); }

std::string renderCountTokensResponse(const json::object& request) {
  long long characters = 0;
  auto countParts = [&](const json::array& parts) {
    for (const auto& part : parts) {
      const auto* p = part.if_object();
      const auto* text = p ? field(*p, "text") : nullptr;
      if (!text || !text->is_string()) continue;
      for (const char c : text->as_string()) {
        // A code point starts at each byte that is not a UTF-8 continuation byte.
        if (!isSpace(c) && (static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
      }
    }
  };
  if (const auto* system = field(request, "systemInstruction")) countParts(partsOf(*system));
  if (const auto* contents = arrayField(request, "contents")) {
    for (const auto& content : *contents) countParts(partsOf(content));
  }
  const long long tokens = promptTokensOf(request);
  json::object response;
  response["totalTokens"] = tokens;
  response["totalBillableCharacters"] = characters;
  response["promptTokensDetails"] =
      json::array{json::object{{"modality", "TEXT"}, {"tokenCount", tokens}}};
  return json::serialize(response);
}

std::string lastContentText(const json::object& request) {
  const auto* contents = arrayField(request, "contents");
  if (!contents || contents->empty()) return {};
  std::string out;
  for (const auto& part : partsOf(contents->back())) {
    const auto* p = part.if_object();
    if (!p) continue;
    if (const auto* text = field(*p, "text"); text && text->is_string()) {
      out += text->as_string();
      out += ' ';
    } else if (const auto* response = objectField(*p, "functionResponse")) {
      out += json::serialize(*response);
      out += ' ';
    }
  }
  return out;
}

Answer deriveAnswer(const json::object& request, std::string_view model) {
  Answer answer;
  answer.promptTokens = promptTokensOf(request);

  const auto& contents = *arrayField(request, "contents");
  const json::value& last = contents.back();
  const bool lastIsUser = roleOf(last.as_object()) == "user";
  const std::string prompt =
      lastIsUser ? stripFaultDirectives(joinTextParts(partsOf(last))) : std::string{};

  const auto* generation = objectField(request, "generationConfig");
  const json::object noConfig;
  const json::object& config = generation ? *generation : noConfig;
  const long long candidateCount =
      std::max<long long>(1, integerField(config, "candidateCount", 1));
  const long long maxOutputTokens = integerField(config, "maxOutputTokens", -1);

  // Function responses answered in the last turn.
  std::vector<const json::object*> responses;
  if (lastIsUser) {
    for (const auto& part : partsOf(last)) {
      if (const auto* p = part.if_object()) {
        if (const auto* r = objectField(*p, "functionResponse")) responses.push_back(r);
      }
    }
  }

  // Function calls to make.
  std::vector<json::object> callParts;
  const auto declarations = declarationsOf(request);
  if (!declarations.empty() && responses.empty() && lastIsUser) {
    std::string mode = "AUTO";
    std::vector<std::string> allowed;
    if (const auto* toolConfig = objectField(request, "toolConfig")) {
      if (const auto* calling = objectField(*toolConfig, "functionCallingConfig")) {
        if (!stringField(*calling, "mode").empty()) mode = stringField(*calling, "mode");
        if (const auto* names = arrayField(*calling, "allowedFunctionNames")) {
          for (const auto& n : *names) {
            if (n.is_string()) allowed.emplace_back(n.as_string());
          }
        }
      }
    }
    if (mode != "NONE") {
      auto isAllowed = [&](const std::string& name) {
        return allowed.empty() || std::find(allowed.begin(), allowed.end(), name) != allowed.end();
      };
      std::vector<const Declaration*> chosen;
      for (const auto* d : namedCalls(prompt, declarations)) {
        if (isAllowed(d->name)) chosen.push_back(d);
      }
      if (chosen.empty() && mode == "ANY") {
        for (const auto& d : declarations) {
          if (isAllowed(d.name)) {
            chosen.push_back(&d);
            break;
          }
        }
      }
      for (const auto* d : chosen) callParts.push_back(functionCallPart(*d, prompt));
    }
  }

  // Thinking.
  std::string thought;
  bool includeThoughts = false;
  if (const auto* thinking = objectField(config, "thinkingConfig")) {
    const long long budget = integerField(*thinking, "thinkingBudget", 0);
    const bool level = !stringField(*thinking, "thinkingLevel").empty();
    if (budget > 0 || budget == -1 || level) {
      const auto words = splitWords(prompt);
      thought = "Thinking about:";
      for (std::size_t i = 0; i < std::min<std::size_t>(words.size(), 8); ++i)
        thought += " " + words[i];
      const auto* include = field(*thinking, "includeThoughts");
      includeThoughts = include && include->is_bool() && include->as_bool();
    }
  }

  // Visible text (when no call is made).
  std::string text;
  bool jsonAnswer = false;
  if (callParts.empty()) {
    const std::string mime(stringField(config, "responseMimeType"));
    if (!responses.empty()) {
      text = "[" + std::string(model) + "]";
      for (std::size_t i = 0; i < responses.size(); ++i) {
        const auto* payload = field(*responses[i], "response");
        text += (i ? "; " : " ") + std::string(stringField(*responses[i], "name")) + " returned " +
                (payload ? json::serialize(*payload) : std::string("{}"));
      }
    } else if (mime == "text/x.enum") {
      // Enum mode answers with one of the schema's values, unquoted: the first.
      const auto* schema = objectField(config, "responseSchema");
      const auto* values = schema ? arrayField(*schema, "enum") : nullptr;
      text = values && !values->empty() && (*values)[0].is_string()
                 ? std::string((*values)[0].as_string())
                 : std::string();
    } else if (mime == "application/json") {
      jsonAnswer = true;
      const json::value* schema = field(config, "responseJsonSchema");
      if (!schema) schema = field(config, "responseSchema");
      SampleWords words(splitWords(prompt));
      text = schema ? json::serialize(sampleForSchema(*schema, words))
                    : json::serialize(json::object{{"echo", prompt}});
    } else {
      text = "[" + std::string(model) + "] echo: " + prompt;
      if (const auto* system = field(request, "systemInstruction")) {
        const std::string systemText = joinTextParts(partsOf(*system));
        if (!systemText.empty()) text += " (system: " + utf8Prefix(systemText, kSystemEcho) + ")";
      }
      if (lastIsUser) {
        for (const auto& part : partsOf(last)) {
          const auto* p = part.if_object();
          if (!p) continue;
          if (const auto* blob = objectField(*p, "inlineData")) {
            const auto bytes = base64Decode(stringField(*blob, "data"));
            text += " [saw " + std::string(stringField(*blob, "mimeType")) + " " +
                    std::to_string(bytes ? bytes->size() : 0) + " bytes]";
          } else if (const auto* file = objectField(*p, "fileData")) {
            text += " [saw " + std::string(stringField(*file, "mimeType")) + " " +
                    std::string(stringField(*file, "fileUri")) + "]";
          }
        }
      }
    }
  }

  for (long long i = 0; i < candidateCount; ++i) {
    CandidateAnswer candidate;
    if (!thought.empty()) {
      answer.thoughtsTokens += countWords(thought);
      if (includeThoughts)
        candidate.parts.push_back(json::object{{"text", thought}, {"thought", true}});
    }
    if (!callParts.empty()) {
      for (const auto& part : callParts) {
        candidate.parts.push_back(part);
        answer.candidatesTokens += 1;
      }
    } else {
      std::string own = text;
      if (i > 0 && !jsonAnswer) own += " (candidate " + std::to_string(i + 1) + ")";
      if (maxOutputTokens > 0 && truncateWords(own, maxOutputTokens))
        candidate.finishReason = "MAX_TOKENS";
      answer.candidatesTokens += countWords(own);
      candidate.parts.push_back(json::object{{"text", own}});
    }
    answer.candidates.push_back(std::move(candidate));
  }
  return answer;
}

std::string renderResponse(const Answer& answer, const AnswerMeta& meta) {
  json::object response;
  json::array candidates;
  for (std::size_t i = 0; i < answer.candidates.size(); ++i) {
    candidates.push_back(
        candidateJson(i, answer.candidates[i].parts, answer.candidates[i].finishReason));
  }
  response["candidates"] = std::move(candidates);
  response["usageMetadata"] = usageJson(answer);
  addMeta(response, meta);
  return json::serialize(response);
}

std::vector<std::string> renderStreamEvents(const Answer& answer, const AnswerMeta& meta) {
  // Each candidate's parts as stream pieces: text split into word chunks (whitespace leading),
  // every other part whole.
  struct Piece {
    std::size_t candidate;
    json::object part;
    bool last;
  };
  std::vector<Piece> pieces;
  for (std::size_t c = 0; c < answer.candidates.size(); ++c) {
    std::vector<json::object> own;
    for (const auto& part : answer.candidates[c].parts) {
      const auto& p = part.as_object();
      const auto* text = p.if_contains("text");
      if (!text || p.contains("thought") || text->as_string().empty()) {
        own.push_back(p);
        continue;
      }
      const std::string_view s = text->as_string();
      std::vector<std::string> chunks;
      std::size_t i = 0;
      while (i < s.size()) {
        const std::size_t start = i;
        while (i < s.size() && isSpace(s[i])) ++i;
        while (i < s.size() && !isSpace(s[i])) ++i;
        chunks.emplace_back(s.substr(start, i - start));
      }
      // At most kMaxStreamChunks events per text: merge neighbours evenly.
      const std::size_t per = (chunks.size() + kMaxStreamChunks - 1) / kMaxStreamChunks;
      for (std::size_t k = 0; k < chunks.size(); k += per) {
        std::string merged;
        for (std::size_t m = k; m < std::min(chunks.size(), k + per); ++m) merged += chunks[m];
        own.push_back(json::object{{"text", merged}});
      }
    }
    for (std::size_t k = 0; k < own.size(); ++k)
      pieces.push_back(Piece{c, std::move(own[k]), k + 1 == own.size()});
  }

  std::vector<std::string> events;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const Piece& piece = pieces[k];
    const bool final = k + 1 == pieces.size();
    json::object event;
    event["candidates"] = json::array{
        candidateJson(piece.candidate, json::array{piece.part},
                      piece.last ? std::string_view(answer.candidates[piece.candidate].finishReason)
                                 : std::string_view{})};
    event["usageMetadata"] = final ? usageJson(answer) : json::object{{"trafficType", "ON_DEMAND"}};
    addMeta(event, meta);
    events.push_back(json::serialize(event));
  }
  return events;
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lldZ", static_cast<long long>(micros % 1'000'000));
  return std::string(buffer, n) + fraction;
}

}  // namespace switchyard::emulator
