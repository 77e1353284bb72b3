#include "gateway/command_line.hpp"

#include "gateway/control_protocol.hpp"

namespace rempart::gateway {

Result<std::vector<std::string>> splitCommandLine(std::string_view line) {
  if (line.size() > kMaxCommandLineBytes) {
    return fail(ErrorCode::kLimit, "the command line of " + std::to_string(line.size()) +
                                       " bytes exceeds the limit of " +
                                       std::to_string(kMaxCommandLineBytes));
  }
  if (!isValidUtf8(line))
    return fail(ErrorCode::kInvalidInput, "the command line is not valid UTF-8");
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  for (size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return fail(ErrorCode::kInvalidInput,
                  "the command line contains a control character at byte " + std::to_string(i + 1));
    }
  }
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos)
        return fail(ErrorCode::kInvalidInput,
                    "unterminated ' quote at byte " + std::to_string(i + 1));
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      size_t start = i;
      ++i;
      for (;;) {
        if (i >= line.size())
          return fail(ErrorCode::kInvalidInput,
                      "unterminated \" quote at byte " + std::to_string(start + 1));
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\'))
          ++i;
        word += line[i++];
      }
      in_word = true;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= line.size())
        return fail(ErrorCode::kInvalidInput, "the command line ends with a backslash");
      word += line[i + 1];
      in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace rempart::gateway
