// libFuzzer target for the audit log verifier: an export handed to an auditor is untrusted
// input. The input is split into two "files" and fed in uneven chunks; the verifier must never
// crash and must give the same verdict however the bytes are chunked. Also checks the JSON
// writer's promise: any bytes become one printable line that parses back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/audit/chain_verify.hpp"
#include "gateway/audit/json.hpp"

using namespace rempart::gateway::audit;

namespace {

VerifyResult run(std::string_view a, std::string_view b, size_t step, bool partial) {
  auto v = ChainVerifier::create(VerifyOptions{.allow_partial = partial, .expect_hash = ""});
  if (!v) std::abort();
  v->beginFile("a");
  for (size_t i = 0; i < a.size(); i += step) v->feed(a.substr(i, step));
  if (v->endFile()) {
    v->beginFile("b");
    for (size_t i = 0; i < b.size(); i += step) v->feed(b.substr(i, step));
    v->endFile();
  }
  return v->finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool partial = data[0] & 1;
  const size_t step = (data[0] >> 1) + 1;
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t split = rest.empty() ? 0 : (data[1] * rest.size()) / 256;
  const auto chunked = run(rest.substr(0, split), rest.substr(split), step, partial);
  const auto whole = run(rest.substr(0, split), rest.substr(split), rest.size() + 1, partial);
  if (chunked.ok() != whole.ok() || chunked.summary.records != whole.summary.records) std::abort();
  if (chunked.issue &&
      (chunked.issue->line != whole.issue->line || chunked.issue->file != whole.issue->file)) {
    std::abort();
  }

  std::string quoted;
  appendJsonString(quoted, rest);
  for (char c : quoted) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) std::abort();
  }
  auto parsed = parseJsonObject("{\"k\":" + quoted + "}");
  if (!parsed || parsed->size() != 1) std::abort();
  return 0;
}
