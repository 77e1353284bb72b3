// Placeholder replaced by the real parser in the next commit.
#include "common/config/parse.hpp"

namespace rempart::config {

std::string Diagnostic::format() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
         (path.empty() ? "" : path + ": ") + message;
}

tl::expected<Config, Diagnostics> parseConfig(std::string_view, std::string_view file) {
  return tl::unexpected(Diagnostics{{std::string(file), 0, 0, "", "parser missing"}});
}

}  // namespace rempart::config
